package migrations_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/eventstore/pgtest"
	"github.com/sharehub/sharehub/migrations"
)

// Several processes starting at once migrate exactly once: the advisory lock makes
// the others wait and then find nothing to do.
func TestConcurrentMigrationsApplyOnce(t *testing.T) {
	url := pgtest.NewEmptyDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const procs = 4
	var wg sync.WaitGroup
	versions := make([]int64, procs)
	errs := make([]error, procs)
	for i := 0; i < procs; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pool, err := pgxpool.New(ctx, url)
			if err != nil {
				errs[i] = err
				return
			}
			defer pool.Close()
			versions[i], errs[i] = migrations.Up(ctx, pool, nil)
		}()
	}
	wg.Wait()
	for i := range errs {
		if errs[i] != nil {
			t.Fatalf("process %d: %v", i, errs[i])
		}
		if versions[i] != versions[0] || versions[i] < 1 {
			t.Fatalf("versions differ: %v", versions)
		}
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var applied int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version_id > 0 AND is_applied`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	var files int
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT version_id) FROM schema_migrations WHERE version_id > 0`).Scan(&files); err != nil {
		t.Fatal(err)
	}
	if applied != files {
		t.Fatalf("%d migration rows for %d migrations: something ran twice", applied, files)
	}
}
