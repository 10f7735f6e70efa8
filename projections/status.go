package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/eventstore"
)

// ProjectionStatus is what `sharehub projections status` shows of one projection.
type ProjectionStatus struct {
	Name     string
	State    string // running, failed, rebuilding, stopped; "new" before the first start
	Error    string
	Position int64 // position of the last event applied (commit order)
	// LagEvents counts committed events not applied yet; LagSeconds is the age of
	// the oldest of them (0 when caught up). Counts stop at lagCountMax (1,000):
	// a projection that far behind is not counted event by event.
	LagEvents  int64
	LagSeconds float64
	// HeldBack counts committed events the consumer may not read yet because an
	// older transaction is still running (watermill-sql delivers only below the
	// snapshot's xmin); Blockers names those transactions.
	HeldBack  int64
	Blockers  []Backend
	RebuiltAt *time.Time
}

// Backend is a database session whose open transaction holds back the horizon.
type Backend struct {
	PID        int
	Age        time.Duration // of its transaction
	QueryStart *time.Time
	State      string
	Query      string
	App        string
	Database   string
}

// lagCountMax bounds the events Status counts as lag or held back: a count
// that reaches it means "at least this many".
const lagCountMax = 1_000

// Status reports every projection's checkpoint, lag and state.
func Status(ctx context.Context, pool *pgxpool.Pool, ps []Projection) ([]ProjectionStatus, error) {
	var out []ProjectionStatus
	for _, p := range ps {
		st := ProjectionStatus{Name: p.Name, State: "new"}
		// The state of this process's definition (schemas.go).
		p, err := resolved(ctx, pool, p)
		if err != nil {
			return nil, fmt.Errorf("status %s: %w", st.Name, err)
		}
		var errText *string
		err = pool.QueryRow(ctx, `SELECT state, error, rebuilt_at FROM projection_state WHERE name = $1`, p.Group()).
			Scan(&st.State, &errText, &st.RebuiltAt)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return nil, fmt.Errorf("status %s: %w", p.Name, err)
		}
		if errText != nil {
			st.Error = *errText
		}
		cur, _, err := eventstore.Checkpoints{}.Get(ctx, pool, p.Group(), false)
		if err != nil {
			return nil, err
		}
		st.Position = cur.Position
		var oldest *time.Time
		// Three range scans of events_transaction_position_idx, each bounded
		// (a projection far behind must not cost a scan of the log every few
		// seconds): the lag counts at most lagCountMax events, its age is that
		// of the first event not applied, and the events held back are those of
		// transactions at or above the horizon (all of them past the
		// checkpoint), the horizon read first so that the planner sees a value.
		var horizon string
		if err = pool.QueryRow(ctx, `SELECT events_horizon()::text`).Scan(&horizon); err != nil {
			return nil, fmt.Errorf("status %s: %w", p.Name, err)
		}
		err = pool.QueryRow(ctx, `SELECT
				(SELECT count(*) FROM (SELECT 1 FROM events WHERE (transaction_id, position) > ($1::text::xid8, $2)
					ORDER BY transaction_id, position LIMIT $3) l),
				(SELECT recorded_at FROM events WHERE (transaction_id, position) > ($1::text::xid8, $2)
					ORDER BY transaction_id, position LIMIT 1),
				(SELECT count(*) FROM (SELECT 1 FROM events WHERE transaction_id >= $4::text::xid8
					ORDER BY transaction_id, position LIMIT $3) h)`,
			fmt.Sprint(cur.TxID), cur.Position, lagCountMax, horizon).Scan(&st.LagEvents, &oldest, &st.HeldBack)
		if err != nil {
			return nil, fmt.Errorf("status %s: %w", p.Name, err)
		}
		if oldest != nil {
			st.LagSeconds = max(0, time.Since(*oldest).Seconds())
		}
		if st.HeldBack > 0 {
			if st.Blockers, err = blockers(ctx, pool); err != nil {
				return nil, err
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// blockers lists the sessions holding a transaction id, oldest first and this
// database's first: the horizon is the oldest running transaction of the whole
// cluster, so a session of another database can hold it back too.
func blockers(ctx context.Context, pool *pgxpool.Pool) ([]Backend, error) {
	rows, err := pool.Query(ctx, `SELECT pid, extract(epoch FROM now() - xact_start)::float8, query_start,
			coalesce(state, ''), left(coalesce(query, ''), 200), coalesce(application_name, ''), coalesce(datname, '')
		FROM pg_stat_activity
		WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
		ORDER BY datname = current_database() DESC, age(backend_xid) DESC LIMIT 5`)
	if err != nil {
		return nil, fmt.Errorf("blockers: %w", err)
	}
	defer rows.Close()
	var out []Backend
	for rows.Next() {
		var (
			b   Backend
			age float64
		)
		if err := rows.Scan(&b.PID, &age, &b.QueryStart, &b.State, &b.Query, &b.App, &b.Database); err != nil {
			return nil, err
		}
		b.Age = time.Duration(age * float64(time.Second))
		out = append(out, b)
	}
	return out, rows.Err()
}

// Applied reports whether projection name has applied the event at position.
func Applied(ctx context.Context, store *eventstore.Store, name string, position int64) (bool, error) {
	return store.Applied(ctx, name, position)
}

// WaitFor waits until projection name has applied the event at position, at most
// maxWait (read-your-writes). It returns an error naming the lag when time is up.
func WaitFor(ctx context.Context, store *eventstore.Store, name string, position int64, maxWait time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, maxWait)
	defer cancel()
	pause := 2 * time.Millisecond
	for {
		ok, err := store.Applied(ctx, name, position)
		if err == nil && ok {
			return nil
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return fmt.Errorf("projection %s: waiting for position %d: %w", name, position, err)
			}
			return fmt.Errorf("projection %s has not applied position %d after %s: %w", name, position, maxWait, ctx.Err())
		case <-time.After(pause):
		}
		pause = min(2*pause, 50*time.Millisecond)
	}
}
