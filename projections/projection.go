// Package projections builds the read models the API reads, as projections of the
// event log.
//
// A projection is a schema of its own (rm_<name>) with the tables its DDL creates, a
// watermill-sql consumer group of the same name over the events table, and an Apply
// function that turns one event into SQL statements over unqualified table names.
// The same Apply code runs in three places, only the search_path differs:
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
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
)

// Projection is one read model.
type Projection struct {
	// Name is the consumer group and the suffix of the schema. Permanent.
	Name string
	// DDL creates the tables in the current search_path (names unqualified).
	DDL string
	// Apply queues the statements that apply ev. It must not read: everything it
	// needs is in the event or reachable from SQL in the statements themselves.
	Apply func(q *Queue, ev domain.Recorded) error
}

// Schema is where the live tables are.
func (p Projection) Schema() string { return "rm_" + p.Name }

// DDLHash identifies the table definitions; a projection whose stored hash
// differs is rebuilt.
func (p Projection) DDLHash() string {
	h := sha256.Sum256([]byte(p.DDL))
	return hex.EncodeToString(h[:8])
}

// All is every projection served.
func All() []Projection { return []Projection{Portal, Accounts} }

// ByName finds a projection.
func ByName(name string) (Projection, error) {
	for _, p := range All() {
		if p.Name == name {
			return p, nil
		}
	}
	return Projection{}, fmt.Errorf("no projection named %q", name)
}

// Queue collects the statements of one or more events, sent as one pipelined
// batch.
type Queue struct{ b pgx.Batch }

// Exec queues one statement.
func (q *Queue) Exec(sql string, args ...any) { q.b.Queue(sql, args...) }

// Len is the number of statements queued.
func (q *Queue) Len() int { return q.b.Len() }

// Batch hands the statements over and empties the queue.
func (q *Queue) Batch() *pgx.Batch {
	b := q.b
	q.b = pgx.Batch{}
	return &b
}

// usePath makes unqualified names resolve to schema for the rest of the
// transaction (public stays reachable for event_offsets and events). It runs on
// its own, before a batch: pgx prepares every statement of a batch before running
// the first, and names are resolved when a statement is prepared.
func usePath(ctx context.Context, tx pgx.Tx, schema string) error {
	_, err := tx.Exec(ctx, `SELECT set_config('search_path', $1, true)`, pgx.Identifier{schema}.Sanitize()+", public")
	return err
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
