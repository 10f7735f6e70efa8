package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/migrations"
	"github.com/sharehub/sharehub/projections"
)

// kekFileName is the file under DATA_DIR that holds the key-encryption key when
// KEY_ENCRYPTION_KEY is unset (development: `make run`, `make test`).
const kekFileName = "key-encryption-key"

// loadKEK returns the key-encryption key: KEY_ENCRYPTION_KEY, else the key file
// under DATA_DIR. When neither exists, serve and migrate (create) make the file,
// with a warning (a key on the same machine as the database protects copies of the
// database, not the machine); other commands refuse, rather than wrap keys with a
// key nobody else has.
func loadKEK(cfg Config, create bool, log *slog.Logger) (*eventstore.KeyEncryptionKey, error) {
	if cfg.KeyEncryptionKey != "" {
		k, err := eventstore.ParseKeyEncryptionKey(cfg.KeyEncryptionKey)
		if err != nil {
			return nil, fmt.Errorf("KEY_ENCRYPTION_KEY: %w", err)
		}
		return k, nil
	}
	path := filepath.Join(cfg.DataDir, kekFileName)
	text, err := os.ReadFile(path)
	switch {
	case err == nil:
		k, err := eventstore.ParseKeyEncryptionKey(string(text))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return k, nil
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("key-encryption key: %w", err)
	case !create:
		return nil, fmt.Errorf("KEY_ENCRYPTION_KEY is unset and %s does not exist: set it (the one serve uses) or run `sharehub serve` once", path)
	}
	fresh, err := eventstore.GenerateKeyEncryptionKey()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	// Written whole to a file of its own, then linked into place: a process
	// starting at the same moment sees no key file or a complete one, and only one
	// link wins.
	tmp, err := os.CreateTemp(cfg.DataDir, kekFileName+".*")
	if err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	if _, err := tmp.WriteString(fresh + "\n"); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) { // another process made it first
		return loadKEK(cfg, false, log)
	} else if err != nil {
		return nil, fmt.Errorf("key-encryption key: %w", err)
	}
	k, err := eventstore.ParseKeyEncryptionKey(fresh)
	if err != nil {
		return nil, err
	}
	log.Warn("KEY_ENCRYPTION_KEY is unset: created a key-encryption key in a file beside the data; "+
		"in production set KEY_ENCRYPTION_KEY from a secret store, and keep this key (without it no personal data can be read)",
		"file", path, "key_id", k.ID())
	return k, nil
}

// newStore is the event store of every command: company keys wrapped with the
// key-encryption key, claims keyed.
func newStore(pool *pgxpool.Pool, cfg Config, log *slog.Logger) *eventstore.Store {
	s := eventstore.New(pool, log)
	s.UseKeyEncryptionKey(cfg.kek)
	return s
}

// migrate applies pending migrations (as the owner: pool comes from openPool),
// grants the database to the application role, wraps company keys still stored plain,
// keys the claims stored unkeyed (eventstore.UpgradeClaims), and checks that the key-encryption key is
// the one the keys are wrapped with.
func migrate(ctx context.Context, pool *pgxpool.Pool, cfg Config, log *slog.Logger) (int64, error) {
	v, err := migrations.Up(ctx, pool, log)
	if err != nil {
		return v, err
	}
	// Privileges on the database itself are not part of it: a copy (CREATE
	// DATABASE ... TEMPLATE, a restore without --create) starts without them.
	if _, err := pool.Exec(ctx, `DO $$ BEGIN
		EXECUTE format('GRANT CREATE, CONNECT, TEMPORARY ON DATABASE %I TO sharehub_app', current_database());
		END $$`); err != nil {
		return v, fmt.Errorf("grant the database to %s: %w", projections.AppRole, err)
	}
	// Read-model schemas belong to the service's role, which rebuilds and swaps
	// them. A restore with --no-owner (or by another role) hands them to whoever
	// restored them, where the service could no longer write: hand back what is not
	// its own (only that: ALTER ... OWNER locks the table even when nothing changes).
	if _, err := pool.Exec(ctx, `DO $$
		DECLARE o record;
		BEGIN
			FOR o IN SELECT n.nspname FROM pg_namespace n
			          WHERE n.nspname LIKE 'rm\_%' AND n.nspowner <> 'sharehub_app'::regrole LOOP
				EXECUTE format('ALTER SCHEMA %I OWNER TO sharehub_app', o.nspname);
			END LOOP;
			FOR o IN SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			          WHERE n.nspname LIKE 'rm\_%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
			            AND c.relowner <> 'sharehub_app'::regrole LOOP
				EXECUTE format('ALTER TABLE %I.%I OWNER TO sharehub_app', o.nspname, o.relname);
			END LOOP;
		END $$`); err != nil {
		return v, fmt.Errorf("hand the read models to %s: %w", projections.AppRole, err)
	}
	if err := eventstore.CheckKeyEncryptionKey(ctx, pool, cfg.kek); err != nil {
		return v, err
	}
	n, err := eventstore.WrapPlainKeys(ctx, pool, cfg.kek)
	if err != nil {
		return v, err
	}
	if n > 0 {
		log.Info("company keys wrapped with the key-encryption key", "keys", n, "key_id", cfg.kek.ID())
	}
	if n, err = eventstore.UpgradeClaims(ctx, pool, cfg.kek); err != nil {
		return v, err
	}
	if n > 0 {
		log.Info("claims stored unkeyed replaced by keyed digests", "claims", n)
	}
	return v, nil
}

// openAppPool opens serve's pool on DATABASE_URL, every connection acting as the
// application role (migrations/00044): SELECT and INSERT on the log, exactly what
// the service needs elsewhere. With a dedicated login role in DATABASE_URL (make
// run) that is the login role's own membership; with the owner's URL alone, the
// owner is a member too, so the service still runs with the role's privileges.
func openAppPool(ctx context.Context, cfg Config) (*pgxpool.Pool, error) {
	pc, err := poolConfig(cfg.DatabaseURL, "DATABASE_URL")
	if err != nil {
		return nil, err
	}
	pc.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, `SET ROLE `+projections.AppRole)
		if err != nil {
			return fmt.Errorf("DATABASE_URL's role cannot act as %s (GRANT %s TO it, or run `sharehub migrate` as the owner first): %w",
				projections.AppRole, projections.AppRole, err)
		}
		return nil
	}
	return connect(ctx, pc)
}

// maskedRole names the login role of a URL, for logs.
func maskedRole(raw string) string {
	pc, err := pgxpool.ParseConfig(raw)
	if err != nil {
		return "(unparseable)"
	}
	return strings.TrimSpace(pc.ConnConfig.User)
}
