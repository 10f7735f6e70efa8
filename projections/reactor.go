package projections

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
)

// A reactor is the other kind of consumer: it acts on the world (queues mails)
// as events happen. Like a projection it keeps tables of its own, applied by
// statements registered with On; unlike one it also registers reactions
// (React), which may read those tables, and never any other projection's, which
// might lag behind it. Its reactions write their effects (outbox rows) in the
// consumer's transaction, with its checkpoint, so each event acts exactly once.
//
// A reactor is never rebuilt (that would act on the whole history again), and
// when first created it records the head of the log in its table settings
// (from_position) and acts only on what comes after, replaying the history
// silently to learn its state.

// Reaction acts on one event, after the statements registered for it ran, in
// the consumer's transaction (search_path: the reactor's schema first).
type Reaction func(ctx context.Context, tx pgx.Tx, ev domain.Recorded) error

// React registers h for the events of type E, making p a reactor. Reactions of
// one type run in the order they were registered.
func React[E domain.Event](p *Projection, h func(ctx context.Context, tx pgx.Tx, ev domain.Recorded, e E) error) {
	var zero E
	p.reactions = with(p.reactions, zero.EventType(), func(ctx context.Context, tx pgx.Tx, ev domain.Recorded) error {
		e, ok := ev.Event.(E)
		if !ok {
			return fmt.Errorf("%s decoded as %T, registered as %T", ev.Type, ev.Event, zero)
		}
		return h(ctx, tx, ev, e)
	})
}

// Reacts reports whether p is a reactor (it registered reactions): it acts on
// the world, so it is never rebuilt and starts at the head of the log.
func (p Projection) Reacts() bool { return len(p.reactions) > 0 }

// applyAndReact applies ev's statements, then its reactions, in tx.
func applyAndReact(ctx context.Context, tx pgx.Tx, p Projection, ev domain.Recorded) error {
	q := NewQueue(p.Schema())
	if err := p.Apply(q, ev); err != nil {
		return err
	}
	if q.Len() > 0 {
		if err := tx.SendBatch(ctx, q.Batch()).Close(); err != nil {
			return err
		}
	}
	for _, r := range p.reactions[ev.Type] {
		if err := r(ctx, tx, ev); err != nil {
			return err
		}
	}
	return nil
}

// subscribe runs p's consumer until ctx ends: a projection's statements in one
// round trip per event, a reactor's statements and reactions in a savepoint
// per event. Either skips the event types p did not register.
func subscribe(ctx context.Context, store *eventstore.Store, cfg eventstore.SubscriptionConfig, p Projection) error {
	cfg.SearchPath, cfg.Handles = SearchPath(p), p.handles
	if !p.Reacts() {
		return store.SubscribeStatements(ctx, cfg, Statements(p))
	}
	return store.Subscribe(ctx, cfg, func(ctx context.Context, tx pgx.Tx, ev domain.Recorded) error {
		return applyAndReact(ctx, tx, p, ev)
	})
}
