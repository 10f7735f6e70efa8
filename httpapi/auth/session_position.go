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
	if _, err := s.pool.Exec(ctx, `UPDATE sessions s SET acked_position = $2
		 WHERE s.id = $1 AND s.acked_position <> $2
		   AND EXISTS (SELECT 1 FROM events b WHERE b.position = $2)
		   AND NOT EXISTS (SELECT 1 FROM events a, events b
		                    WHERE a.position = s.acked_position AND b.position = $2
		                      AND (a.transaction_id, a.position) > (b.transaction_id, b.position))`,
		sessionID, position); err != nil {
		return fmt.Errorf("acknowledge position to session: %w", err)
	}
	return nil
}
