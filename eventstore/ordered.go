package eventstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// Cursor is a place in commit order: the transaction that wrote an event and the
// event's position. Consumers (watermill-sql and the readers below) walk the log
// in (TxID, Position) order, which is the order transactions committed in as far as
// any reader can observe, because only transactions older than every running one
// are read.
type Cursor struct {
	TxID     uint64
	Position int64
}

// Less orders cursors in commit order.
func (c Cursor) Less(o Cursor) bool {
	return c.TxID < o.TxID || c.TxID == o.TxID && c.Position < o.Position
}

func (c Cursor) String() string { return fmt.Sprintf("%d/%d", c.TxID, c.Position) }

// OrderedFilter narrows ReadOrdered.
type OrderedFilter struct {
	// After: only events past this cursor (zero: from the start).
	After Cursor
	// Through: only events up to and including this cursor (nil: up to the
	// snapshot horizon, i.e. everything committed that no running transaction can
	// still precede).
	Through *Cursor
	// Visible reads everything committed and visible to this query's snapshot
	// instead of stopping at the horizon (when Through is nil). A consumer that
	// keeps a checkpoint must not use it: a transaction still running may commit
	// an event before what it reads. A one-off replay may.
	Visible bool
	// Tenant: only that tenant's events (nil: every tenant).
	Tenant *uuid.UUID
	// Until: only events recorded at or before this instant (zero: no bound).
	Until time.Time
	// Types: only events of these types (nil: every type). A reader that ignores
	// most of the log (a projection of a few types) skips decoding the rest.
	Types []string
	// NoMetadata leaves Recorded.Meta empty (saves decoding it when unused).
	NoMetadata bool
	Limit      int
}

// ReadOrdered returns decoded events in commit order, as a consumer group would
// receive them, and the cursor of the last one (f.After when none). Rebuilds and
// time-travel replays read the log through it.
func (s *Store) ReadOrdered(ctx context.Context, q Querier, f OrderedFilter) ([]domain.Recorded, Cursor, error) {
	if f.Limit <= 0 {
		f.Limit = 1000
	}
	var (
		where = []string{"(transaction_id, position) > ($1::text::xid8, $2)"}
		args  = []any{strconv.FormatUint(f.After.TxID, 10), f.After.Position}
	)
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.Through != nil {
		where = append(where, "(transaction_id, position) <= ("+arg(strconv.FormatUint(f.Through.TxID, 10))+"::text::xid8, "+arg(f.Through.Position)+")")
	} else if !f.Visible {
		where = append(where, "transaction_id < events_horizon()")
	}
	if f.Tenant != nil {
		where = append(where, "tenant_id = "+arg(*f.Tenant))
	}
	if !f.Until.IsZero() {
		where = append(where, "recorded_at <= "+arg(f.Until))
	}
	if f.Types != nil {
		where = append(where, "event_type = ANY("+arg(f.Types)+")")
	}
	meta := "metadata"
	if f.NoMetadata {
		meta = "'{}'::jsonb"
	}
	rows, err := q.Query(ctx, `SELECT transaction_id::text AS txid, position, event_id, stream_id, stream_version, event_type,
		schema_version, payload, `+meta+`, recorded_at
		FROM events WHERE `+strings.Join(where, " AND ")+`
		ORDER BY events.transaction_id, events.position LIMIT `+strconv.Itoa(f.Limit), args...)
	if err != nil {
		return nil, f.After, fmt.Errorf("read ordered: %w", err)
	}
	// Read whole, then decode with the connection handed back (see collect).
	var (
		out   []domain.Recorded
		raws  [][2][]byte
		last  = f.After
		txt   string
		cause error
	)
	for rows.Next() {
		var (
			r           domain.Recorded
			payload, md []byte
		)
		if err := rows.Scan(&txt, &r.Position, &r.EventID, &r.StreamID, &r.Version, &r.Type,
			&r.SchemaVersion, &payload, &md, &r.RecordedAt); err != nil {
			cause = err
			break
		}
		tx, err := strconv.ParseUint(txt, 10, 64)
		if err != nil {
			cause = fmt.Errorf("transaction id %q: %w", txt, err)
			break
		}
		last = Cursor{TxID: tx, Position: r.Position}
		out = append(out, r)
		raws = append(raws, [2][]byte{payload, md})
	}
	rows.Close()
	if cause == nil {
		cause = rows.Err()
	}
	if cause != nil {
		return nil, f.After, fmt.Errorf("read ordered: %w", cause)
	}
	for i := range out {
		if err := s.decode(ctx, &out[i], raws[i][0], raws[i][1]); err != nil {
			return nil, f.After, err
		}
	}
	return out, last, nil
}
