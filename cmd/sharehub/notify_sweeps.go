package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/projections"
)

// notifySweepInterval is how often the clock-driven notifications run: reminders
// of overdue document requests and the daily new-content digests (issue 17).
const notifySweepInterval = time.Minute

// sweepNotifications runs the clock-driven notifications until ctx ends. Both
// decide exactly once by themselves (a reminder is an event the domain allows
// once per request; a digest takes its items in the transaction that queues its
// mail), so several processes may sweep at once.
func sweepNotifications(ctx context.Context, pool *pgxpool.Pool, svc *app.Service, clock func() time.Time, log *slog.Logger) {
	t := time.NewTicker(notifySweepInterval)
	defer t.Stop()
	for {
		n, err := svc.RemindOverdue(ctx, func(ctx context.Context, now time.Time) ([]uuid.UUID, error) {
			return projections.OverdueRequests(ctx, pool, now, 500)
		})
		if err != nil && ctx.Err() == nil {
			log.Error("reminding overdue document requests failed", "err", err)
		} else if n > 0 {
			log.Info("reminded overdue document requests", "count", n)
		}
		if d, err := projections.SendDigests(ctx, pool, clock()); err != nil && ctx.Err() == nil {
			log.Error("sending new-content digests failed", "err", err)
		} else if d > 0 {
			log.Info("queued new-content digests", "count", d)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
