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

// ReferencedBlobs returns every blob digest a committed event names: any "sha256"
// member at any depth of any payload (DocumentAdded and DocumentVersionAdded
// today), so that a new event type carrying a file is covered without a change
// here. Blob GC removes nothing this answers.
func (s *Store) ReferencedBlobs(ctx context.Context) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT v #>> '{}' FROM events, jsonb_path_query(payload, 'lax $.**.sha256') v
		WHERE jsonb_typeof(v) = 'string'`)
	if err != nil {
		return nil, fmt.Errorf("referenced blobs: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var sha string
		if err := rows.Scan(&sha); err != nil {
			return nil, fmt.Errorf("referenced blobs: %w", err)
		}
		out[sha] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("referenced blobs: %w", err)
	}
	return out, nil
}
