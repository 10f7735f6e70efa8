package idempotency_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/eventstore/pgtest"
	"github.com/sharehub/sharehub/httpapi/idempotency"
)

// Records older than the retention are deleted; younger ones stay (and keep
// replaying their answer).
func TestPurgeBefore(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewDatabase(t)
	ctx := t.Context()
	now := time.Now().UTC()
	tenant := uuid.New()
	for key, age := range map[string]time.Duration{"old": 25 * time.Hour, "older": 30 * 24 * time.Hour, "fresh": time.Hour, "new": 0} {
		if _, err := pool.Exec(ctx, `INSERT INTO idempotency_keys (tenant_id, key, request_hash, created_at) VALUES ($1, $2, '', $3)`,
			tenant, key, now.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	n, err := idempotency.PurgeBefore(ctx, pool, now.Add(-idempotency.Retention))
	if err != nil || n != 2 {
		t.Fatalf("purged %d, %v", n, err)
	}
	rows, err := pool.Query(ctx, `SELECT key FROM idempotency_keys ORDER BY key`)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		left = append(left, k)
	}
	if len(left) != 2 || left[0] != "fresh" || left[1] != "new" {
		t.Fatalf("left %v", left)
	}
}
