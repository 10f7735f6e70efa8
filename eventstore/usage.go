package eventstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// StoredBytes is what a company's library holds: the sizes of every version ever
// added to it (removed documents included, as the log and the blob store keep
// them). It is what QUOTA_BYTES bounds. Index: events_stored_bytes_idx.
func (s *Store) StoredBytes(ctx context.Context, tenant uuid.UUID) (int64, error) {
	var n int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(sum((payload->>'size')::bigint), 0)::bigint FROM events
		WHERE tenant_id = $1 AND event_type IN ('DocumentAdded', 'DocumentVersionAdded')`, tenant).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("stored bytes of %s: %w", tenant, err)
	}
	return n, nil
}
