package eventstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/pgtest"
)

// Finding (issue 11): serve connected as the table owner, so "append-only by
// privilege" did not hold for the running service. serve's role (a login role in
// sharehub_app, or the owner after SET ROLE sharehub_app) can read and append to
// the log, and cannot change or remove a row of it, nor choose the transaction id
// that orders delivery (issue 13 §7), nor touch side records beyond what the
// service does.
func TestServesRoleCannotRewriteTheLog(t *testing.T) {
	t.Parallel()
	ownerPool, url := pgtest.NewDatabase(t)
	ctx := ctxFor(t)
	loginRole, err := pgxpool.New(ctx, pgtest.AppRoleURL(t, url))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(loginRole.Close)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, `SET ROLE sharehub_app`)
		return err
	}
	ownerAsApp, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ownerAsApp.Close)

	for name, pool := range map[string]*pgxpool.Pool{"login role": loginRole, "owner as sharehub_app": ownerAsApp} {
		t.Run(name, func(t *testing.T) {
			store := eventstore.New(pool, nil)
			stream := "priv-" + uuid.NewString()
			if _, err := store.Append(ctx, one(stream, 0, "kept")); err != nil {
				t.Fatalf("the service's role cannot append: %v", err)
			}
			before := logDigest(t, ownerPool)
			for _, stmt := range []string{
				`UPDATE events SET payload = '{"text":"forged"}' WHERE stream_id = '` + stream + `'`,
				`DELETE FROM events WHERE stream_id = '` + stream + `'`,
				`TRUNCATE events`,
				`UPDATE log_seals SET running_hash = running_hash`,
				`DELETE FROM log_seals`,
				`UPDATE subject_keys SET key = NULL`,
				`DELETE FROM subject_keys`,
				`DELETE FROM claims`,
				`UPDATE claims SET owner_id = owner_id`,
				`DELETE FROM credentials`,
				`UPDATE outbox_mail SET recipient = 'attacker@example.test'`,
				`DELETE FROM outbox_mail`,
				`UPDATE idempotency_keys SET key = 'x'`,
				`DELETE FROM idempotency_keys`,
				`DROP TABLE events`,
				`ALTER TABLE events DISABLE TRIGGER events_no_update_delete`,
				`CREATE TABLE public.probe (x int)`,
			} {
				_, err := pool.Exec(ctx, stmt)
				var pgErr *pgconn.PgError
				if !errors.As(err, &pgErr) || (pgErr.Code != "42501" && pgErr.Code != "42P01") {
					t.Errorf("%s: %v, want permission denied", stmt, err)
				}
			}
			if after := logDigest(t, ownerPool); after != before {
				t.Fatalf("the log changed: %s -> %s", before, after)
			}

			// A transaction id sent with an insert is replaced by the inserting
			// transaction's own.
			err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				var current, stored string
				if err := tx.QueryRow(ctx, `SELECT pg_current_xact_id()::text`).Scan(&current); err != nil {
					return err
				}
				if err := tx.QueryRow(ctx, `INSERT INTO events (transaction_id, event_id, stream_id, stream_version, event_type,
						schema_version, payload, metadata, prev_hash, hash)
					VALUES ('1', $1, $2, 1, 'test.Forged', 1, '{}', '{}', '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea,
						'\x1111111111111111111111111111111111111111111111111111111111111111'::bytea)
					RETURNING transaction_id::text`, uuid.New(), "forged-"+uuid.NewString()).Scan(&stored); err != nil {
					return err
				}
				if stored != current || stored == "1" {
					t.Errorf("transaction_id stored %s, the inserting transaction is %s", stored, current)
				}
				return errors.New("roll back")
			})
			if err == nil || err.Error() != "roll back" {
				t.Fatal(err)
			}
		})
	}
}

// logDigest is a digest of every row of the log, read as the owner.
func logDigest(t *testing.T, pool *pgxpool.Pool) string {
	t.Helper()
	var d string
	if err := pool.QueryRow(ctxFor(t), `SELECT count(*)::text || ':' || coalesce(md5(string_agg(e::text, ',' ORDER BY position)), '')
		FROM events e`).Scan(&d); err != nil {
		t.Fatal(err)
	}
	return d
}

// Every table a migration adds must be granted to the service's role (or be
// listed here as the owner's alone): a table without grants fails in production,
// where serve runs as sharehub_app, although tests run as the owner pass.
func TestEveryTableIsGrantedToTheServicesRole(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewDatabase(t)
	ownersOnly := map[string]bool{"schema_migrations": true}
	rows, err := pool.Query(ctxFor(t), `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
		  AND NOT has_table_privilege('sharehub_app', c.oid, 'SELECT')`)
	if err != nil {
		t.Fatal(err)
	}
	missing, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range missing {
		if !ownersOnly[m] {
			t.Errorf("table %s is not granted to sharehub_app (add GRANTs in its migration)", m)
		}
	}
}
