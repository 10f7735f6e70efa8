// Package projections builds the read models the API reads, as projections of the
// event log.
//
// A projection is a schema of its own (rm_<name>, one per definition: see
// schemas.go) with the tables its DDL creates, a
// watermill-sql consumer group of the same name over the events table, and
// handlers registered per event type (On) that turn one event into SQL statements
// over its tables, named unqualified. The same statements run in two places; only
// the schema in front of the search_path differs:
//
//   - live: in the consumer's transaction, together with the checkpoint, so every
//     event is applied exactly once (Runner);
//   - rebuild: into a fresh schema beside the live one, then swapped in by renaming
//     the schemas in one transaction (Rebuild).
//
// (Time travel, PortalViewAsOf, replays a tenant's log through the pure domain
// rule instead.) Events of a type a projection did not register are skipped.
//
// Reactors (Reactor, reactor.go: the notifications) are the other kind of
// consumer the Runner runs: they act on the world exactly once per event, live
// only, and are never rebuilt.
//
// Every row belongs to exactly one stream and remembers the version of the last
// event of that stream applied to it; statements only change a row whose version
// is lower than the event's. Applying an event twice therefore changes nothing,
// and events of different streams commute.
package projections

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
)

// Projection is one consumer of the log: a read model, or what a Reactor
// (reactor.go) learns. Build one with its Name and DDL, then register its
// handlers (On).
type Projection struct {
	// Name is the consumer group and the suffix of the schema. Permanent.
	Name string
	// DDL creates the tables in the current search_path (names unqualified),
	// in one multi-statement Exec; kept in sql/NAME.sql.
	DDL string
	// Derive, when set, rebuilds from the projection's other tables the tables
	// whose rows depend on the order of events across streams (the portal's
	// materialised reach: a folder's closure rows come from its parent's). A
	// build applies the events of different streams on several connections at
	// once, so there the handlers of those tables skip (Queue.Building) and Derive
	// runs once the events are loaded and indexed.
	Derive string

	// handlers are the registered handlers by event type, in registration order
	// (On, Handle). Never changed in place: a registration replaces the map,
	// so copies of a Projection do not see each other's registrations.
	handlers map[string][]Handler
	// reactor marks a Reactor's projection; reactions are set on its Consumer
	// only (reactor.go).
	reactor   bool
	reactions map[string][]Reaction

	// schema and group, once resolved (Resolve), are the physical schema and the
	// consumer group of this definition (schemas.go).
	schema, group string
}

// Handler queues the statements that apply one event. It must not read:
// everything it needs is in the event or reachable from SQL in the statements
// themselves. Statements name tables unqualified; they run with the search_path
// led by the schema being written (live or fresh).
type Handler func(q *Queue, ev domain.Recorded) error

// On registers h for the events of type E: the typed form of Handle. Adding an
// event to a projection is one call, e.g.
//
//	On(&p, func(q *Queue, ev domain.Recorded, e domain.UserRenamed) error { ... })
//
// An event decoded as another Go type than E (a codec change) is an error, so a
// poison event, never silently skipped.
func On[E domain.Event](p *Projection, h func(q *Queue, ev domain.Recorded, e E) error) {
	var zero E
	p.Handle(zero.EventType(), func(q *Queue, ev domain.Recorded) error {
		e, ok := ev.Event.(E)
		if !ok {
			return fmt.Errorf("%s decoded as %T, registered as %T", ev.Type, ev.Event, zero)
		}
		return h(q, ev, e)
	})
}

// Handle registers h for the events whose stored type is eventType. Several
// handlers of one type run in the order they were registered. Events of a type
// no handler is registered for are skipped (guards included, unless registered);
// a type unknown to the codec never gets this far (domain.DecodeEvent refuses
// it).
func (p *Projection) Handle(eventType string, h Handler) {
	p.handlers = with(p.handlers, eventType, h)
}

// with is m and h added to the handlers of eventType, in a new map.
func with[H any](m map[string][]H, eventType string, h H) map[string][]H {
	next := maps.Clone(m)
	if next == nil {
		next = map[string][]H{}
	}
	next[eventType] = append(slices.Clip(m[eventType]), h)
	return next
}

// Without is a copy of p that skips the events of types (tests break a
// projection with it).
func (p Projection) Without(types ...string) Projection {
	p.handlers, p.reactions = maps.Clone(p.handlers), maps.Clone(p.reactions)
	for _, t := range types {
		delete(p.handlers, t)
		delete(p.reactions, t)
	}
	return p
}

// Apply queues the statements of every handler registered for ev's type; an
// event of a type p did not register queues nothing.
func (p Projection) Apply(q *Queue, ev domain.Recorded) error {
	for _, h := range p.handlers[ev.Type] {
		if err := h(q, ev); err != nil {
			return err
		}
	}
	return nil
}

// Types lists the event types p registered handlers or reactions for, sorted.
// Rebuilds read only those types; the live consumer skips the others without
// decoding them.
func (p Projection) Types() []string {
	types := slices.Collect(maps.Keys(p.handlers))
	for t := range p.reactions {
		if _, ok := p.handlers[t]; !ok {
			types = append(types, t)
		}
	}
	slices.Sort(types)
	return types
}

// handles says whether p's consumer must see events of eventType: a type it
// registered, or one the codec does not know (which the codec then refuses:
// a poison event, never a silent skip).
func (p Projection) handles(eventType string) bool {
	if len(p.handlers[eventType]) > 0 || len(p.reactions[eventType]) > 0 {
		return true
	}
	return !knownTypes()[eventType]
}

// knownTypes are the event types of the codec (registered at init).
var knownTypes = sync.OnceValue(func() map[string]bool {
	known := map[string]bool{}
	for _, t := range domain.EventTypes() {
		known[t] = true
	}
	return known
})

// Schema is where the tables of this definition are: rm_<name> until resolved,
// and for the first definition of a projection; rm_<name>_<ddlhash> for a later
// one (schemas.go).
func (p Projection) Schema() string {
	if p.schema != "" {
		return p.schema
	}
	return "rm_" + p.Name
}

// Group is the consumer group (checkpoint, state, dead letters) of this
// definition: the name until resolved, and for the first definition.
func (p Projection) Group() string {
	if p.group != "" {
		return p.group
	}
	return p.Name
}

// DDLHash identifies the table definitions; a projection whose stored hash
// differs is rebuilt.
func (p Projection) DDLHash() string {
	h := sha256.Sum256([]byte(p.DDL))
	return hex.EncodeToString(h[:8])
}

// All is every read model: what `projections rebuild --all` rebuilds.
func All() []Projection { return []Projection{Portal, Accounts} }

// Served is every consumer `serve` runs: the read models and the reactors.
func Served() []Projection {
	ps := All()
	for _, r := range Reactors() {
		ps = append(ps, r.Consumer())
	}
	return ps
}

// ByName finds a projection.
func ByName(name string) (Projection, error) {
	for _, p := range Served() {
		// The consumer group of a later definition names it too (schemas.go).
		if p.Name == name || p.Name+"_"+p.DDLHash() == name {
			return p, nil
		}
	}
	return Projection{}, fmt.Errorf("no projection named %q", name)
}

// Queue collects the statements of one or more events, sent as one pipelined
// batch to the tables of one schema. Statements name tables unqualified: the
// schema is put in front of the search_path before they are sent (SearchPath of
// the live consumer, send for a rebuild or a test), never written into them.
type Queue struct {
	schema string
	b      pgx.Batch
	// building: the events go to a build's fresh tables on several connections,
	// split by stream (see Projection.Derive).
	building bool
}

// Building reports whether the queue belongs to a build that applies the events
// of different streams out of order; handlers of tables that Projection.Derive
// rebuilds then queue nothing.
func (q *Queue) Building() bool { return q.building }

// NewQueue returns a queue writing to the tables of schema.
func NewQueue(schema string) *Queue { return &Queue{schema: schema} }

// Exec queues one statement.
func (q *Queue) Exec(sql string, args ...any) {
	for i, a := range args {
		if u, ok := a.(uuid.UUID); ok {
			// Binary, without the driver.Valuer round trip through a string.
			args[i] = pgtype.UUID{Bytes: u, Valid: true}
		}
	}
	q.b.Queue(sql, args...)
}

// Len is the number of statements queued.
func (q *Queue) Len() int { return q.b.Len() }

// Batch hands the statements over and empties the queue.
func (q *Queue) Batch() *pgx.Batch {
	b := q.b
	q.b = pgx.Batch{}
	return &b
}

// searchPath is what goes in front of the search_path to write to schema.
func searchPath(schema string) string { return pgx.Identifier{schema}.Sanitize() }

// send runs the queued statements in tx with the queue's schema in front of the
// search_path (inSchema).
func (q *Queue) send(ctx context.Context, tx pgx.Tx) error {
	if q.Len() == 0 {
		return nil
	}
	return inSchema(ctx, tx, q.schema, func() error { return tx.SendBatch(ctx, q.Batch()).Close() })
}

// inSchema runs fn with schema in front of tx's search_path, and puts the
// search_path back after. The search_path is set by a statement of its own,
// before any of fn's: pgx prepares a batch's new statements before it runs any
// of them, and PostgreSQL resolves their tables then.
func inSchema(ctx context.Context, tx pgx.Tx, schema string, fn func() error) error {
	var old string
	if err := tx.QueryRow(ctx, `SELECT old, set_config('search_path', $1 || ', ' || old, true)
		FROM (SELECT current_setting('search_path') AS old) s`, searchPath(schema)).Scan(&old, nil); err != nil {
		return fmt.Errorf("search_path: %w", err)
	}
	if err := fn(); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `SELECT set_config('search_path', $1, true)`, old)
	return err
}

// Statements applies events of p to its live tables, for
// eventstore.SubscribeStatements with SearchPath(p).
func Statements(p Projection) eventstore.Statements {
	schema := p.Schema()
	return func(ev domain.Recorded) (*pgx.Batch, error) {
		q := NewQueue(schema)
		if err := p.Apply(q, ev); err != nil {
			return nil, err
		}
		return q.Batch(), nil
	}
}

// SearchPath is the eventstore.SubscriptionConfig.SearchPath of p's consumer:
// its live schema.
func SearchPath(p Projection) string { return searchPath(p.Schema()) }

// ApplyTo applies evs to p's live tables in tx, as its consumer would (without
// moving its checkpoint), reactions included: for tools and tests that replay
// events by hand.
func ApplyTo(ctx context.Context, tx pgx.Tx, p Projection, evs ...domain.Recorded) error {
	return inSchema(ctx, tx, p.Schema(), func() error {
		if !p.Reacts() {
			q := NewQueue(p.Schema())
			for _, ev := range evs {
				if err := p.Apply(q, ev); err != nil {
					return fmt.Errorf("event %d: %w", ev.Position, err)
				}
			}
			return tx.SendBatch(ctx, q.Batch()).Close()
		}
		for _, ev := range evs {
			if err := applyAndReact(ctx, tx, p, ev); err != nil {
				return fmt.Errorf("event %d: %w", ev.Position, err)
			}
		}
		return nil
	})
}

// id maps uuid.Nil to NULL.
func id(v uuid.UUID) any {
	if v == uuid.Nil {
		return nil
	}
	return v
}

// at maps the zero time to NULL.
func at(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}
