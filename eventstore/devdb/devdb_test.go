package devdb_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/eventstore/devdb"
	"github.com/sharehub/sharehub/eventstore/pgtest"
)

func exists(t *testing.T, base, name string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&ok); err != nil {
		t.Fatal(err)
	}
	return ok
}

// Create makes a migrated database beside the server's and Drop removes it; with
// Keep it stays (and the test drops it itself).
func TestCreateMigrateDrop(t *testing.T) {
	base := pgtest.URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, err := devdb.Create(ctx, base, "devdbtest", devdb.Options{Migrate: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(db.Name, "devdbtest_") || !strings.Contains(db.URL, "/"+db.Name) || !exists(t, base, db.Name) {
		t.Fatalf("database %q at %q", db.Name, db.URL)
	}
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("not migrated: %d events, %v", n, err)
	}
	if err := db.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	if exists(t, base, db.Name) {
		t.Fatalf("%s still there after Drop", db.Name)
	}

	kept, err := devdb.Create(ctx, base, "devdbtest", devdb.Options{Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	if kept.Pool != nil {
		t.Fatal("a pool without Migrate")
	}
	if err := kept.Drop(ctx); err != nil || !exists(t, base, kept.Name) {
		t.Fatalf("Keep: dropped anyway (%v)", err)
	}
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE "+kept.Name+" WITH (FORCE)"); err != nil {
		t.Fatal(err)
	}
}

func TestWithDatabase(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:p@127.0.0.1:5432/sharehub?sslmode=disable": "postgres://u:p@127.0.0.1:5432/other?sslmode=disable",
		"host=127.0.0.1 user=u":                                  "host=127.0.0.1 user=u dbname=other",
	} {
		if got := devdb.WithDatabase(in, "other"); got != want {
			t.Errorf("WithDatabase(%q) = %q, want %q", in, got, want)
		}
	}
	if _, err := devdb.Create(context.Background(), "host=127.0.0.1", "x", devdb.Options{}); err == nil {
		t.Error("a keyword/value base URL accepted")
	}
}
