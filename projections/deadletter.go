package projections

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
)

// DeadLetter is an event a projection could not apply and stopped at (parked in
// projection_dead_letters), until an operator retries or skips it.
type DeadLetter struct {
	Projection string
	At         eventstore.Cursor // the event's place in commit order
	EventID    uuid.UUID
	StreamID   string
	Type       string
	Error      string
	ParkedAt   time.Time
}

// park records the event a consumer stopped at and marks its projection failed,
// in one transaction holding the checkpoint row. Several processes may park the
// same event: the row is refreshed, not duplicated. A failure seen in a snapshot
// older than the news is not parked (parked false, and the consumer tries again
// at once): another process applied the event meanwhile (the checkpoint is past
// it), or an operator resolved its parking after since, the moment the failing
// consumer subscribed (database clock).
func park(ctx context.Context, pool *pgxpool.Pool, name string, poison *eventstore.PoisonEventError, since time.Time) (parked bool, err error) {
	err = withTx(ctx, pool, func(tx pgx.Tx) error {
		cur, _, err := eventstore.Checkpoints{}.Get(ctx, tx, name, true)
		if err != nil {
			return err
		}
		var stale bool
		if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM events e WHERE e.position = $2
				AND (e.transaction_id, e.position) > ($3::text::xid8, $4))
			OR EXISTS (SELECT 1 FROM projection_dead_letters WHERE projection = $1 AND position = $2 AND resolved_at >= $5)`,
			name, poison.Position, strconv.FormatUint(cur.TxID, 10), cur.Position, since).Scan(&stale); err != nil {
			return err
		}
		if stale {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO projection_dead_letters
				(projection, position, transaction_id, event_id, stream_id, event_type, error)
			SELECT $1, position, transaction_id, event_id, stream_id, event_type, $3 FROM events WHERE position = $2
			ON CONFLICT (projection, position) DO UPDATE SET error = EXCLUDED.error, parked_at = now(),
				resolution = NULL, resolved_at = NULL`, name, poison.Position, poison.Err.Error()); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE projection_state SET state = 'failed', error = $2, error_position = $3,
			updated_at = now() WHERE name = $1`, name, poison.Error(), poison.Position)
		parked = err == nil
		return err
	})
	return parked, err
}

// DeadLetters lists, per projection named, the parked events it has not got past:
// unresolved, and not yet covered by its checkpoint.
func DeadLetters(ctx context.Context, pool *pgxpool.Pool, names []string) ([]DeadLetter, error) {
	rows, err := pool.Query(ctx, `SELECT d.projection, d.transaction_id::text, d.position, d.event_id, d.stream_id,
			d.event_type, d.error, d.parked_at
		FROM projection_dead_letters d
		WHERE d.projection = ANY($1) AND d.resolved_at IS NULL
		ORDER BY d.projection, d.transaction_id, d.position`, names)
	if err != nil {
		return nil, fmt.Errorf("dead letters: %w", err)
	}
	parked, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (DeadLetter, error) {
		var (
			d   DeadLetter
			txt string
		)
		if err := r.Scan(&d.Projection, &txt, &d.At.Position, &d.EventID, &d.StreamID, &d.Type, &d.Error, &d.ParkedAt); err != nil {
			return d, err
		}
		var err error
		d.At.TxID, err = strconv.ParseUint(txt, 10, 64)
		return d, err
	})
	if err != nil || len(parked) == 0 {
		return parked, err
	}
	// Checkpoints are read after the dead letters: a letter a consumer got past
	// in between is left out, never one it has not.
	done, err := eventstore.Checkpoints{}.Cursors(ctx, pool, names)
	if err != nil {
		return nil, fmt.Errorf("dead letters: %w", err)
	}
	out := parked[:0]
	for _, d := range parked {
		if c, ok := done[d.Projection]; !ok || c.Less(d.At) {
			out = append(out, d)
		}
	}
	return out, nil
}

// Ready fails when one of the projections named stopped at an event it cannot
// apply: what a process that reads them cannot serve correctly. Lag is not
// considered (it is a metric with an alert, see README), and neither is any
// projection not named. One indexed read of projection_state.
func Ready(ctx context.Context, pool *pgxpool.Pool, names []string) error {
	rows, err := pool.Query(ctx, `SELECT name, coalesce(error, '') FROM projection_state
		WHERE name = ANY($1) AND state = 'failed' ORDER BY name`, names)
	if err != nil {
		return fmt.Errorf("projection state: %w", err)
	}
	failed, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var v [2]string
		return v, r.Scan(&v[0], &v[1])
	})
	if err != nil {
		return fmt.Errorf("projection state: %w", err)
	}
	if len(failed) > 0 {
		return fmt.Errorf("projection %s failed: %s", failed[0][0], failed[0][1])
	}
	return nil
}

// Resolution is an operator's decision about a parked event.
type Resolution struct {
	// Position of the parked event (required to skip; 0 for a retry: the one
	// the projection stopped at).
	Position int64
	// Operator names who decided (recorded in the event).
	Operator string
	// Reason is required to skip.
	Reason string
	Now    func() time.Time
}

// RetryParked lets projection p try its parked event again: the event
// ProjectionEventRetried is appended, the parking resolved and the projection's
// state set back to running, in one transaction. Every process that runs p
// resumes its consumer at the event within a few seconds (Runner.ResumeInterval).
func RetryParked(ctx context.Context, store *eventstore.Store, pool *pgxpool.Pool, p Projection, r Resolution) (DeadLetter, error) {
	return resolve(ctx, store, pool, p, r, false)
}

// SkipParked moves projection p past its parked event for good, in one
// transaction holding p's checkpoint row: the events of the consumer's last batch
// before the parked one are applied to the live tables, the checkpoint is set to
// the parked event, ProjectionEventSkipped is appended, the parking resolved and
// the state set back to running. A rebuild applies every event: it fails on the
// skipped one again until the projection's code handles it.
func SkipParked(ctx context.Context, store *eventstore.Store, pool *pgxpool.Pool, p Projection, r Resolution) (DeadLetter, error) {
	return resolve(ctx, store, pool, p, r, true)
}

func resolve(ctx context.Context, store *eventstore.Store, pool *pgxpool.Pool, p Projection, r Resolution, skip bool) (DeadLetter, error) {
	if r.Now == nil {
		r.Now = time.Now
	}
	var d DeadLetter
	// The parked events of this process's definition (schemas.go).
	p, err := resolved(ctx, pool, p)
	if err != nil {
		return d, err
	}
	if skip && r.Position <= 0 {
		// What is skipped is exactly the event the operator saw parked.
		return d, fmt.Errorf("%s: skip needs the position of the parked event: %w", p.Name, domain.ErrNotParked)
	}
	ops := &domain.ProjectionOps{}
	history, err := store.ReadStream(ctx, domain.ProjectionStream(p.Group()))
	if err != nil {
		return d, err
	}
	for _, h := range history {
		ops.Replay(h.Event)
	}
	err = withTx(ctx, pool, func(tx pgx.Tx) error {
		cur, _, err := eventstore.Checkpoints{}.Get(ctx, tx, p.Group(), true)
		if err != nil {
			return err
		}
		var txt string
		err = tx.QueryRow(ctx, `SELECT d.transaction_id::text, d.position, d.event_id, d.stream_id, d.event_type, d.error, d.parked_at
			FROM projection_dead_letters d
			WHERE d.projection = $1 AND d.resolved_at IS NULL AND ($2 = 0 OR d.position = $2)
			  AND (d.transaction_id, d.position) > ($3::text::xid8, $4)
			ORDER BY d.transaction_id, d.position LIMIT 1 FOR UPDATE`,
			p.Group(), r.Position, strconv.FormatUint(cur.TxID, 10), cur.Position).
			Scan(&txt, &d.At.Position, &d.EventID, &d.StreamID, &d.Type, &d.Error, &d.ParkedAt)
		parked := domain.ParkedEvent{Projection: p.Group(), Position: d.At.Position, EventID: d.EventID, Type: d.Type, Error: d.Error}
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			parked = domain.ParkedEvent{Projection: p.Group(), Position: r.Position, Resolved: true}
		case err != nil:
			return err
		default:
			if d.At.TxID, err = strconv.ParseUint(txt, 10, 64); err != nil {
				return err
			}
		}
		d.Projection = p.Group()
		var evs []domain.Event
		if skip {
			evs, err = ops.SkipParkedEvent(parked, r.Operator, r.Reason, r.Now())
		} else {
			evs, err = ops.RetryParkedEvent(parked, r.Operator, r.Now())
		}
		if err != nil {
			return fmt.Errorf("%s at %d: %w", p.Name, r.Position, err)
		}
		resolution := "retried"
		if skip {
			resolution = "skipped"
			if err := applyUpTo(ctx, store, tx, p, cur, d.At); err != nil {
				return err
			}
			if err := (eventstore.Checkpoints{}).Set(ctx, tx, p.Group(), d.At); err != nil {
				return err
			}
		}
		if _, err := store.AppendWith(ctx, tx, app.Batch{
			Streams: []app.StreamAppend{{StreamID: domain.ProjectionStream(p.Group()), ExpectedVersion: ops.Version(), Events: evs}},
			Meta:    domain.Metadata{ActorKind: domain.ActorOperator, CorrelationID: uuid.New()},
		}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE projection_dead_letters SET resolution = $3, resolved_at = now()
			WHERE projection = $1 AND position = $2`, p.Group(), d.At.Position, resolution); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE projection_state SET state = 'running', error = NULL, error_position = NULL,
			updated_at = now() WHERE name = $1 AND state = 'failed'`, p.Group())
		return err
	})
	return d, err
}

// applyUpTo applies to p's live tables, in tx, every event after from and before
// to (exclusive): what the consumer's last batch held before the event it stopped
// at (its transaction rolled back whole).
func applyUpTo(ctx context.Context, store *eventstore.Store, tx pgx.Tx, p Projection, from, to eventstore.Cursor) error {
	for from.Less(to) {
		evs, next, err := store.ReadOrdered(ctx, tx, eventstore.OrderedFilter{After: from, Through: &to, Limit: 1000, NoMetadata: true})
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			return nil
		}
		if last := evs[len(evs)-1]; last.Position == to.Position {
			evs = evs[:len(evs)-1]
		}
		if err := applyEvents(ctx, tx, p, p.Schema(), evs); err != nil {
			return fmt.Errorf("apply the events before the skipped one: %w", err)
		}
		from = next
	}
	return nil
}
