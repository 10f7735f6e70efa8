package eventstore

import (
	"context"
	"fmt"
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
	lf := logFilter{From: &f.After, Through: f.Through, Tenant: f.Tenant, UpTo: f.Until, Types: f.Types}
	if f.Types != nil && len(f.Types) == 0 {
		return nil, f.After, nil // no type: nothing to read
	}
	if f.Through == nil && !f.Visible {
		lf.Horizon = horizonLive
	}
	out, raws, err := s.readLog(ctx, q, lf, inCommitOrder, f.Limit, f.NoMetadata)
	if err != nil {
		return nil, f.After, fmt.Errorf("read ordered: %w", err)
	}
	last := f.After
	if len(out) > 0 {
		last = raws[len(raws)-1].Cursor(out[len(out)-1].Position)
	}
	return out, last, nil
}
