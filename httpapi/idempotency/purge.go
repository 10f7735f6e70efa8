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
// appended keep the key's digest in their metadata.
func PurgeBefore(ctx context.Context, pool *pgxpool.Pool, cutoff time.Time) (int64, error) {
	tag, err := pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, cutoff.UTC())
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return tag.RowsAffected(), nil
}
