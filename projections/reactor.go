package projections

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
)

// Reactor is the other kind of consumer, beside the read models: it acts on the
// world (queues mails) as events happen. It may read, but only its own tables:
// what it learns from the log to address and word its effects, kept by
// statements registered with On on its Projection, never another projection's
// tables (they may lag behind it). Its reactions (React) run after those
// statements and write their effects (outbox rows) in the consumer's
// transaction, with its checkpoint, so each event acts exactly once.
//
// A reactor is never rebuilt (Rebuild refuses it: that would act on the whole
// history again), and when first created it records the head of the log in its
// table settings (from_position) and acts only on what comes after, replaying
// the history silently to learn its state.
//
// Declaring one (in a file of its own):
//
//	var Reminders = reminders()
//
//	func reminders() *Reactor {
//		r := NewReactor("reminders", remindersDDL) // DDL in sql/reminders.sql
//		On(&r.Projection, func(q *Queue, ev domain.Recorded, e domain.X) error { ... })  // learn
//		React(r, func(ctx context.Context, tx pgx.Tx, ev domain.Recorded, e domain.Y) error { ... }) // act
//		return r
//	}
//
// and listing it in Reactors(), which the runner (Runner.Reactors) and serve run.
type Reactor struct {
	// Projection is what the reactor learns: its name (consumer group, schema,
	// permanent), its tables and the statements that keep them.
	Projection
	reactions map[string][]Reaction
}

// NewReactor returns a reactor with no reactions yet.
func NewReactor(name, ddl string) *Reactor {
	return &Reactor{Projection: Projection{Name: name, DDL: ddl, reactor: true}}
}

// Reaction acts on one event, after the statements registered for it ran, in
// the consumer's transaction (search_path: the reactor's schema first).
type Reaction func(ctx context.Context, tx pgx.Tx, ev domain.Recorded) error

// React registers h for the events of type E. Reactions of one type run in the
// order they were registered.
func React[E domain.Event](r *Reactor, h func(ctx context.Context, tx pgx.Tx, ev domain.Recorded, e E) error) {
	var zero E
	r.reactions = with(r.reactions, zero.EventType(), func(ctx context.Context, tx pgx.Tx, ev domain.Recorded) error {
		e, ok := ev.Event.(E)
		if !ok {
			return fmt.Errorf("%s decoded as %T, registered as %T", ev.Type, ev.Event, zero)
		}
		return h(ctx, tx, ev, e)
	})
}

// Consumer is the reactor as the runner runs it: its statements and its
// reactions, registered so far, under its name.
func (r *Reactor) Consumer() Projection {
	p := r.Projection
	p.reactor, p.reactions = true, r.reactions
	return p
}

// Reactors is every reactor `serve` runs.
func Reactors() []*Reactor { return []*Reactor{Notifications} }

// Reacts reports whether p is (the consumer of) a reactor: it acts on the
// world, so it is never rebuilt and starts at the head of the log.
func (p Projection) Reacts() bool { return p.reactor }

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
	for _, r := range p.reactions[ev.Type] { // none unless p is a reactor's Consumer
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
