package idempotency

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Retention is how long an Idempotency-Key is remembered: a retry within it
// replays the first answer; after it, the same key runs as a new request.
const Retention = 24 * time.Hour

// PurgeBefore deletes the idempotency records created before cutoff (normally
// now - Retention) and returns how many. Only the records go: the events a request
// appended keep the key's digest in their metadata. The service's role may not
// delete these rows itself: the database function it calls (migration 00101)
// never deletes a record younger than a day, whatever cutoff it is given.
func PurgeBefore(ctx context.Context, pool *pgxpool.Pool, cutoff time.Time) (int64, error) {
	var n int64
	if err := pool.QueryRow(ctx, `SELECT purge_idempotency_keys($1)`, cutoff.UTC()).Scan(&n); err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return n, nil
}
