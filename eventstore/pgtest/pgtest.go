// Package pgtest gives each test its own freshly migrated PostgreSQL database,
// dropped when the test ends. Databases are cloned from a template migrated once per
// set of migration files, so a fresh database costs one CREATE DATABASE.
//
// The server comes from DATABASE_URL (`make test` starts a local cluster and sets
// it). Without it the tests fail rather than skip: a green run must mean the
// database tests ran. The one exception is `go test -short` (`make test-short`):
// there every test that asks for a database is skipped, so the short tier runs the
// pure tests only, in seconds, with no server at all.
package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	neturl "net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/eventstore/devdb"
	"github.com/sharehub/sharehub/migrations"
)

// URL returns the server URL tests use, failing the test when it is unset and
// skipping it under -short (every database helper here starts with it).
func URL(t testing.TB) string {
	t.Helper()
	SkipShort(t)
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		t.Fatal("DATABASE_URL is not set: run the tests with `make test`, which starts a local PostgreSQL")
	}
	return url
}

// NewDatabase creates a fresh migrated database and returns a pool to it and its URL.
func NewDatabase(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := URL(t)
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer admin.Close(ctx)

	tpl, err := template(ctx, admin, base)
	if err != nil {
		t.Fatalf("pgtest: template: %v", err)
	}
	name := "t_" + strings.ToLower(randomHex(8))
	for attempt := 0; ; attempt++ {
		_, err = admin.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, tpl))
		if err == nil || attempt == 20 || !strings.Contains(err.Error(), "being accessed by other users") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	// Database privileges are not copied from the template (migrations/00044).
	if _, err := admin.Exec(ctx, fmt.Sprintf(`GRANT CREATE, CONNECT, TEMPORARY ON DATABASE %s TO sharehub_app`, name)); err != nil {
		t.Fatalf("pgtest: grant: %v", err)
	}
	url := withDatabase(base, name)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	cfg.MaxConns = 20
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("pgtest: pool: %v", err)
	}
	t.Cleanup(func() {
		pool.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
		}
	})
	return pool, url
}

// NewEmptyDatabase creates a database with no schema at all (for migration tests)
// and returns its URL; it is dropped when the test ends.
func NewEmptyDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	base := URL(t)
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer admin.Close(ctx)
	name := "e_" + randomHex(8)
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if conn, err := pgx.Connect(ctx, base); err == nil {
			_, _ = conn.Exec(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
			conn.Close(ctx)
		}
	})
	return withDatabase(base, name)
}

// template returns the name of a database migrated with the current migrations,
// creating it under an advisory lock when no process has yet.
func template(ctx context.Context, admin *pgx.Conn, base string) (string, error) {
	name := "tpl_" + migrations.Checksum()[:16]
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock(hashtext('sharehub-pgtest-template'))`); err != nil {
		return "", err
	}
	defer admin.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext('sharehub-pgtest-template'))`)
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	building := name + "_building"
	if _, err := admin.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, building)); err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s`, building)); err != nil {
		return "", err
	}
	pool, err := pgxpool.New(ctx, withDatabase(base, building))
	if err != nil {
		return "", err
	}
	_, err = migrations.Up(ctx, pool, nil)
	pool.Close()
	if err != nil {
		return "", err
	}
	// Renamed only once complete, so a crash never leaves a half-migrated template.
	if _, err := admin.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %s RENAME TO %s`, building, name)); err != nil {
		return "", err
	}
	return name, nil
}

func withDatabase(raw, db string) string { return devdb.WithDatabase(raw, db) }

func randomHex(n int) string { return devdb.RandomName(n) }

// AppRoleURL returns url (a database of NewDatabase) with the credentials of a login
// role whose only privileges are its membership in sharehub_app, the role `serve`
// runs as (migrations/00044): what a deployment gives serve as DATABASE_URL. The
// role is created once per server; its password derives from the server URL's.
func AppRoleURL(t testing.TB, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	base := URL(t)
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer admin.Close(ctx)
	const role = "sharehub_test_serve"
	sum := sha256.Sum256([]byte("sharehub pgtest app role\x00" + base))
	password := hex.EncodeToString(sum[:16])
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock(hashtext('sharehub-pgtest-role'))`); err != nil {
		t.Fatal(err)
	}
	defer admin.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext('sharehub-pgtest-role'))`)
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, role).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if !exists {
		if _, err := admin.Exec(ctx, fmt.Sprintf(`CREATE ROLE %s LOGIN PASSWORD '%s' IN ROLE sharehub_app`, role, password)); err != nil {
			t.Fatalf("pgtest: create role: %v", err)
		}
	}
	u, err := neturl.Parse(url)
	if err != nil || u.Scheme == "" {
		t.Fatalf("pgtest: AppRoleURL needs a postgres:// URL, not %q", url)
	}
	u.User = neturl.UserPassword(role, password)
	return u.String()
}

// SkipShort skips t under `go test -short`: the short tier runs no database and no
// HTTP test. Tests that reach PostgreSQL or a server another way than NewDatabase
// call it first.
func SkipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("database test: skipped under -short")
	}
}
