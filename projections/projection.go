// Package projections builds the read models the API reads, as projections of the
// event log.
//
// A projection is a schema of its own (rm_<name>, one per definition: see
// schemas.go) with the tables its DDL creates, a watermill-sql consumer group of
// the same name over the events table, and an Apply
// function that turns one event into SQL statements over its tables, named in
// braces. The same Apply code runs in three places; only the schema the names are
// qualified with differs:
//
//   - live: in the consumer's transaction, together with the checkpoint, so every
//     event is applied exactly once (Runner);
//   - rebuild: into a fresh schema beside the live one, then swapped in by renaming
//     the schemas in one transaction (Rebuild);
//   - time travel: into a schema that lives only inside a transaction that is
//     rolled back, holding one tenant's log up to an instant (PortalViewAsOf).
//
// Every row belongs to exactly one stream and remembers the version of the last
// event of that stream applied to it; statements only change a row whose version
// is lower than the event's. Applying an event twice therefore changes nothing,
// and events of different streams commute.
package projections

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
)

// Projection is one read model.
type Projection struct {
	// Name is the consumer group and the suffix of the schema. Permanent.
	Name string
	// DDL creates the tables in the current search_path (names unqualified).
	DDL string
	// Apply queues the statements that apply ev. It must not read: everything it
	// needs is in the event or reachable from SQL in the statements themselves.
	// Tables are named in braces ({customers}); the queue qualifies them with the
	// schema being written (live, fresh or as-of).
	Apply func(q *Queue, ev domain.Recorded) error
	// SideEffects marks a consumer whose statements act on the world (queue
	// mails): it is never rebuilt, and when first created it starts at the head of
	// the log rather than replaying history.
	SideEffects bool

	// schema and group, once resolved (Resolve), are the physical schema and the
	// consumer group of this definition (schemas.go).
	schema, group string
}

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

// Served is every consumer `serve` runs: the read models and the notifications.
func Served() []Projection { return append(All(), Notifications) }

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
// batch, with their tables qualified by the schema they write to.
type Queue struct {
	schema string
	b      pgx.Batch
}

// NewQueue returns a queue writing to the tables of schema.
func NewQueue(schema string) *Queue { return &Queue{schema: schema} }

// Exec queues one statement; {name} stands for table name of the queue's schema.
func (q *Queue) Exec(sql string, args ...any) {
	for i, a := range args {
		if u, ok := a.(uuid.UUID); ok {
			// Binary, without the driver.Valuer round trip through a string.
			args[i] = pgtype.UUID{Bytes: u, Valid: true}
		}
	}
	q.b.Queue(qualify(q.schema, sql), args...)
}

var (
	tableRef  = regexp.MustCompile(`\{([a-z_]+)\}`)
	qualified sync.Map // schema + "\x00" + sql -> sql with qualified names
)

func qualify(schema, sql string) string {
	key := schema + "\x00" + sql
	if v, ok := qualified.Load(key); ok {
		return v.(string)
	}
	out := tableRef.ReplaceAllStringFunc(sql, func(m string) string {
		return pgx.Identifier{schema, m[1 : len(m)-1]}.Sanitize()
	})
	if !strings.HasPrefix(schema, "asof_") { // one-off schemas are not worth keeping
		qualified.Store(key, out)
	}
	return out
}

// Len is the number of statements queued.
func (q *Queue) Len() int { return q.b.Len() }

// Batch hands the statements over and empties the queue.
func (q *Queue) Batch() *pgx.Batch {
	b := q.b
	q.b = pgx.Batch{}
	return &b
}

// Statements applies events of p to its live tables, for
// eventstore.SubscribeStatements.
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

// unexpected reports an event of a known stream kind that the projection does not
// know how to apply: a poison event until the projection learns it.
func unexpected(ev domain.Recorded) error {
	return fmt.Errorf("projection does not handle %s (schema %d) of %s", ev.Type, ev.SchemaVersion, ev.StreamID)
}

var handled sync.Map // projection name -> []string

// Types lists the event types p applies, found by offering it an empty event of
// every type of the catalogue: a type it ignores queues no statement. Rebuilds
// read only those types.
func (p Projection) Types() []string {
	if v, ok := handled.Load(p.Name); ok {
		return v.([]string)
	}
	types := []string{}
	for _, typ := range domain.EventTypes() {
		ev, err := domain.ZeroEvent(typ)
		if err != nil {
			continue
		}
		q := NewQueue("probe")
		if err := p.Apply(q, domain.Recorded{Type: typ, Event: ev, Version: 1}); err != nil || q.Len() > 0 {
			types = append(types, typ)
		}
	}
	handled.Store(p.Name, types)
	return types
}
