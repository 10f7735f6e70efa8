package auth

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// Acknowledge records that position (a write's X-Position) was acknowledged to the
// session, so that the session's reads on every API process wait for it
// (Principal.AckedPosition). It must run before the answer leaves: a client may
// read on another replica as soon as it has the answer.
//
// The session keeps the newest acknowledged event in the order the projections
// apply events, (transaction_id, position), not the largest position: two writes of
// one session made at once may commit in the other order than their positions, and
// a projection that applied the larger position may not yet have applied the other.
// Acknowledging an older or equal event changes nothing (and writes nothing), so
// replays of an idempotent answer and concurrent writes are harmless.
func (s *Sessions) Acknowledge(ctx context.Context, sessionID uuid.UUID, position int64) error {
	if position <= 0 {
		return nil
	}
	// Three primary-key lookups, whatever plan is cached: the session, the new
	// event (b) and the one acknowledged so far (a). A correlated EXISTS on b
	// let a generic plan range-scan events_transaction_position_idx instead.
	if _, err := s.pool.Exec(ctx, `UPDATE sessions s SET acked_position = b.position
		  FROM events b
		 WHERE s.id = $1 AND b.position = $2 AND s.acked_position <> $2
		   AND NOT EXISTS (SELECT 1 FROM events a WHERE a.position = s.acked_position
		                      AND (a.transaction_id, a.position) > (b.transaction_id, b.position))`,
		sessionID, position); err != nil {
		return fmt.Errorf("acknowledge position to session: %w", err)
	}
	return nil
}
