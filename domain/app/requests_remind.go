package app

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// OverdueFinder lists requests that may be due for a reminder at now (the
// notifications reactor's state, projections.OverdueRequests). It may lag or
// repeat itself: the domain decides again, once per request.
type OverdueFinder func(ctx context.Context, now time.Time) ([]uuid.UUID, error)

// RemindOverdue records the reminder of every request find names that is open
// and due at the service's clock (Config.Clock, injectable), and answers how
// many it recorded. A request reminded meanwhile, fulfilled or cancelled is
// skipped: the domain allows one reminder per request, so concurrent sweeps
// and a replayed reactor never remind twice.
func (s *Service) RemindOverdue(ctx context.Context, find OverdueFinder) (int, error) {
	ids, err := find(ctx, s.clock().UTC())
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		_, err := s.RemindDocumentRequest(ctx, id)
		switch {
		case err == nil:
			n++
		case errors.Is(err, domain.ErrConflict), errors.Is(err, domain.ErrNotFound):
		default:
			return n, err
		}
	}
	return n, nil
}
