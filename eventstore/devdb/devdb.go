// Package devdb creates and drops scratch databases on a development PostgreSQL
// server (the cluster of cmd/pgdev, or any server DATABASE_URL names) for the tools:
// shbench, shload and shfaults each run on databases of their own beside the one of
// DATABASE_URL, so that they never touch its data and leave nothing behind.
//
// It owns that create / migrate / drop sequence and the URL arithmetic it needs
// (eventstore/pgtest, the tests' counterpart, uses the latter). It must not be
// imported by serve: a deployment's database is created by its operator, never
// dropped by code.
package devdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	neturl "net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/migrations"
)

// Options says what Create sets up besides the empty database.
type Options struct {
	// Migrate applies the migrations and opens Database.Pool; without it the
	// database stays empty (a server started on it migrates it itself).
	Migrate bool
	// MaxConns bounds Database.Pool (default 32).
	MaxConns int32
	// Keep leaves the database in place when Drop is called (to look at it after
	// a run); Drop then only closes the pool.
	Keep bool
}

// Database is one scratch database.
type Database struct {
	Name string
	URL  string
	// Pool is open when Options.Migrate was set, nil otherwise.
	Pool *pgxpool.Pool

	base string
	keep bool
}

// Create makes a database named prefix_<random> on the server of baseURL (a
// postgres:// URL whose role may create databases).
func Create(ctx context.Context, baseURL, prefix string, opt Options) (db *Database, err error) {
	if u, perr := neturl.Parse(baseURL); perr != nil || u.Scheme == "" {
		return nil, errors.New("devdb: DATABASE_URL must be a postgres:// URL")
	}
	admin, err := pgx.Connect(ctx, baseURL)
	if err != nil {
		return nil, fmt.Errorf("devdb: connect: %w", err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	name := prefix + "_" + RandomName(4)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, fmt.Errorf("devdb: create %s: %w", name, err)
	}
	db = &Database{Name: name, URL: WithDatabase(baseURL, name), base: baseURL, keep: opt.Keep}
	defer func() {
		if err != nil {
			err = errors.Join(err, db.Drop(context.WithoutCancel(ctx)))
			db = nil
		}
	}()
	if !opt.Migrate {
		return db, nil
	}
	cfg, err := pgxpool.ParseConfig(db.URL)
	if err != nil {
		return db, err
	}
	cfg.MaxConns = opt.MaxConns
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = 32
	}
	if db.Pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return db, fmt.Errorf("devdb: pool: %w", err)
	}
	if _, err := migrations.Up(ctx, db.Pool, nil); err != nil {
		return db, fmt.Errorf("devdb: migrate %s: %w", name, err)
	}
	return db, nil
}

// Drop closes the pool and drops the database (WITH FORCE: a killed server may
// have left sessions), on a connection of its own, so it works after the server
// restarted. With Options.Keep it only closes the pool.
func (d *Database) Drop(ctx context.Context) error {
	if d.Pool != nil {
		d.Pool.Close()
		d.Pool = nil
	}
	if d.keep {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, d.base)
	if err != nil {
		return fmt.Errorf("devdb: drop %s: %w", d.Name, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+d.Name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("devdb: drop %s: %w", d.Name, err)
	}
	return nil
}

// WithDatabase points a PostgreSQL URL (postgres:// or keyword/value) at another
// database on the same server.
func WithDatabase(raw, db string) string {
	u, err := neturl.Parse(raw)
	if err != nil || u.Scheme == "" {
		return raw + " dbname=" + db // keyword/value form
	}
	u.Path = "/" + db
	return u.String()
}

// RandomName returns 2n lower-case hex digits, for names that must not collide.
func RandomName(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
