package projections

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
)

// RebuildOptions tune Rebuild.
type RebuildOptions struct {
	// Force swaps the fresh tables in even when they differ from the live ones.
	Force bool
	// ChunkSize is how many events one transaction of the build applies.
	ChunkSize int
	// Workers is how many connections apply the events of a chunk at once (default
	// 4). Every row belongs to one stream and events of different streams commute,
	// so the events are split by stream and each part keeps its order.
	Workers int
	// Progress, when set, is called after every chunk.
	Progress func(Progress)
	Log      *slog.Logger

	// Test hooks (hooks_test.go): built runs once the fresh tables are loaded and
	// indexed, before the swap; locked runs inside the swap transaction, once it
	// holds the live checkpoint row and brought the fresh tables up to it.
	built, locked func(context.Context) error
}

// Progress of a rebuild.
type Progress struct {
	Projection string
	Done       int64 // events applied to the fresh tables
	Total      int64 // events in the log when the rebuild started (an estimate of the work)
	Elapsed    time.Duration
}

// RebuildResult says what a rebuild did.
type RebuildResult struct {
	Events int64
	// At is the position both the fresh and the live tables were compared at.
	At eventstore.Cursor
	// Differences counts, per table, the rows that differ between the live and the
	// fresh tables (empty: identical). Not computed when the definitions differ.
	Differences map[string]int64
	// DefinitionChanged: the live tables had another definition.
	DefinitionChanged bool
	Duration          time.Duration
}

// DiffError refuses a swap: the fresh tables differ from the live ones.
type DiffError struct {
	Projection  string
	Differences map[string]int64
	// Samples names, per table that differs, a few of the differing rows by
	// their first column (the key: an id, never a secret), with the side they
	// are on ("live" or "fresh"), so that a failure can be traced to its events.
	Samples map[string][]string
}

func (e *DiffError) Error() string {
	var parts []string
	for _, t := range slices.Sorted(maps.Keys(e.Differences)) {
		part := fmt.Sprintf("%s: %d rows", t, e.Differences[t])
		if len(e.Samples[t]) > 0 {
			part += " [" + strings.Join(e.Samples[t], " ") + "]"
		}
		parts = append(parts, part)
	}
	return fmt.Sprintf("rebuilt %s differs from the live tables (%s); not swapped (use --force to swap anyway)",
		e.Projection, strings.Join(parts, ", "))
}

// Rebuild builds p's tables afresh from the beginning of the log in a schema
// beside the live one while the live projection keeps running, then, in one
// transaction that holds the live consumer's checkpoint row (so the live consumer
// pauses for that moment only): applies what remains up to the live checkpoint,
// compares the fresh tables with the live ones row by row at that common position,
// and swaps the schemas by renaming them. Readers never see a half-built table.
func Rebuild(ctx context.Context, store *eventstore.Store, pool *pgxpool.Pool, p Projection, opt RebuildOptions) (RebuildResult, error) {
	if opt.ChunkSize <= 0 {
		opt.ChunkSize = 5000
	}
	if opt.Workers <= 0 {
		opt.Workers = 4
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if p.Reacts() {
		return RebuildResult{}, fmt.Errorf("%s acts on the world (it queues mails): it is never rebuilt", p.Name)
	}
	start := time.Now()
	res := RebuildResult{}
	// The schema of this process's definition, never another's (schemas.go).
	p, err := resolved(ctx, pool, p)
	if err != nil {
		return res, err
	}
	fresh := p.Schema() + "_rebuild"

	// One rebuild of a projection at a time (a session lock on a dedicated
	// connection, released when the rebuild returns).
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return res, err
	}
	defer conn.Release()
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext('sharehub rebuild ' || $1))`, p.Group()).Scan(&locked); err != nil {
		return res, err
	}
	if !locked {
		return res, fmt.Errorf("rebuild %s: %w", p.Name, errRebuildRunning)
	}
	defer func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext('sharehub rebuild ' || $1))`, p.Group())
	}()
	dropFresh := func() {
		_, _ = pool.Exec(context.WithoutCancel(ctx), `DROP SCHEMA IF EXISTS `+pgx.Identifier{fresh}.Sanitize()+` CASCADE`)
	}

	var total int64
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&total); err != nil {
		return res, err
	}
	types := p.Types()
	// Secondary indexes are built once the tables are loaded, not row by row.
	tables, indexes := splitDDL(p.DDL)
	if err := withTx(ctx, pool, func(tx pgx.Tx) error { return createSchema(ctx, tx, fresh, tables) }); err != nil {
		return res, fmt.Errorf("rebuild %s: %w", p.Name, err)
	}
	report := func() {
		if opt.Progress != nil {
			opt.Progress(Progress{Projection: p.Name, Done: res.Events, Total: max(total, res.Events), Elapsed: time.Since(start)})
		}
	}

	// Build: chase the live checkpoint (or the snapshot horizon when the projection
	// never ran) in chunks, each its own transaction. One goroutine reads and
	// decodes the next chunk while this one applies the current one.
	type chunk struct {
		evs  []domain.Recorded
		next eventstore.Cursor
	}
	chunks := make(chan chunk, 2)
	readErr := make(chan error, 1)
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	go func() {
		defer close(chunks)
		var after eventstore.Cursor
		for {
			evs, next, err := store.ReadOrdered(readCtx, pool, eventstore.OrderedFilter{After: after, Limit: opt.ChunkSize,
				Types: types, NoMetadata: true})
			if err != nil {
				readErr <- err
				return
			}
			if len(evs) > 0 {
				select {
				case chunks <- chunk{evs, next}:
				case <-readCtx.Done():
					readErr <- readCtx.Err()
					return
				}
			}
			after = next
			if len(evs) < opt.ChunkSize {
				readErr <- nil
				return
			}
		}
	}()
	var cursor eventstore.Cursor
	for c := range chunks {
		err := applyPartitioned(ctx, pool, p, fresh, c.evs, opt.Workers)
		if err != nil {
			stopReading()
			for range chunks {
			}
			dropFresh()
			return res, fmt.Errorf("rebuild %s: %w", p.Name, err)
		}
		res.Events += int64(len(c.evs))
		cursor = c.next
		report()
	}
	if err := <-readErr; err != nil {
		dropFresh()
		return res, fmt.Errorf("rebuild %s: %w", p.Name, err)
	}

	if err := withTx(ctx, pool, func(tx pgx.Tx) error { return createIndexes(ctx, tx, fresh, indexes) }); err != nil {
		dropFresh()
		return res, fmt.Errorf("rebuild %s: %w", p.Name, err)
	}
	if p.Derive != "" {
		err := withTx(ctx, pool, func(tx pgx.Tx) error {
			return inSchema(ctx, tx, fresh, func() error { _, err := tx.Exec(ctx, p.Derive); return err })
		})
		if err != nil {
			dropFresh()
			return res, fmt.Errorf("rebuild %s: derive: %w", p.Name, err)
		}
	}

	if opt.built != nil {
		if err := opt.built(ctx); err != nil {
			dropFresh()
			return res, err
		}
	}

	// Catch up under the checkpoint's lock, compare, swap.
	err = withTx(ctx, pool, func(tx pgx.Tx) error {
		if err := (eventstore.Checkpoints{}).Create(ctx, tx, p.Group(), cursor); err != nil {
			return err
		}
		live, _, err := eventstore.Checkpoints{}.Get(ctx, tx, p.Group(), true)
		if err != nil {
			return err
		}
		var hash string
		err = tx.QueryRow(ctx, `SELECT ddl_hash FROM projection_state WHERE name = $1`, p.Group()).Scan(&hash)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		liveExists, err := schemaExists(ctx, tx, p.Schema())
		if err != nil {
			return err
		}
		res.DefinitionChanged = !liveExists || hash != p.DDLHash()
		var retired bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM projection_definitions
			WHERE name = $1 AND ddl_hash = $2 AND retired_at IS NOT NULL)`, p.Name, p.DDLHash()).Scan(&retired); err != nil {
			return err
		} else if retired {
			return ErrDefinitionRetired
		}
		// Bring both sides to the same position: the fresh tables up to the live
		// checkpoint, or the live ones (exactly as their consumer would, and
		// moving its checkpoint) up to where the build got when no consumer ran.
		for cursor.Less(live) {
			n, next, err := applyChunk(ctx, store, tx, p, fresh, eventstore.OrderedFilter{After: cursor, Through: &live, Limit: opt.ChunkSize})
			if err != nil {
				return err
			}
			res.Events += n
			cursor = next
			if n == 0 {
				break
			}
		}
		if live.Less(cursor) {
			if !res.DefinitionChanged {
				for at := live; at.Less(cursor); {
					n, next, err := applyChunk(ctx, store, tx, p, p.Schema(), eventstore.OrderedFilter{After: at, Through: &cursor, Limit: opt.ChunkSize})
					if err != nil {
						return fmt.Errorf("bring the live tables to %s: %w", cursor, err)
					}
					at = next
					if n == 0 {
						break
					}
				}
			}
			live = cursor
		}
		res.At = live
		if opt.locked != nil {
			if err := opt.locked(ctx); err != nil {
				return err
			}
		}
		// The checkpoint row is written even when it does not move. A consumer that
		// began its poll while this transaction held the row took its snapshot
		// before the swap (REPEATABLE READ: at its first statement, which then
		// waited for the lock). Had the row only been locked, that consumer would
		// go on with its old snapshot, in which the rows this transaction wrote into
		// the fresh tables do not exist: its UPDATEs would touch nothing and its
		// checkpoint would move past them (a cancelled share staying visible). A
		// written row makes it fail with a serialization error instead, and it
		// polls again with a snapshot that sees the swapped-in tables.
		if err := (eventstore.Checkpoints{}).Set(ctx, tx, p.Group(), live); err != nil {
			return err
		}
		if !res.DefinitionChanged {
			if res.Differences, err = diffSchemas(ctx, tx, p.Schema(), fresh); err != nil {
				return err
			}
			if len(res.Differences) > 0 && !opt.Force {
				return &DiffError{Projection: p.Name, Differences: res.Differences,
					Samples: sampleDifferences(ctx, tx, p.Schema(), fresh, res.Differences)}
			}
		}
		old := pgx.Identifier{p.Schema() + "_old"}.Sanitize()
		stmts := []string{`DROP SCHEMA IF EXISTS ` + old + ` CASCADE`}
		if liveExists {
			stmts = append(stmts, `ALTER SCHEMA `+pgx.Identifier{p.Schema()}.Sanitize()+` RENAME TO `+old)
		}
		stmts = append(stmts, `ALTER SCHEMA `+pgx.Identifier{fresh}.Sanitize()+` RENAME TO `+pgx.Identifier{p.Schema()}.Sanitize(),
			`DROP SCHEMA IF EXISTS `+old+` CASCADE`)
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO projection_state (name, ddl_hash, state, rebuilt_at) VALUES ($1, $2, 'running', now())
			ON CONFLICT (name) DO UPDATE SET ddl_hash = EXCLUDED.ddl_hash, rebuilt_at = now(), updated_at = now(),
				state = CASE WHEN projection_state.state = 'failed' THEN 'failed' ELSE 'running' END`,
			p.Group(), p.DDLHash())
		return err
	})
	res.Duration = time.Since(start)
	report()
	if err != nil {
		dropFresh()
		var diff *DiffError
		if errors.As(err, &diff) {
			return res, err
		}
		return res, fmt.Errorf("rebuild %s: swap: %w", p.Name, err)
	}
	opt.Log.Info("projection rebuilt", "projection", p.Name, "events", res.Events, "at", res.At.String(),
		"duration", res.Duration, "definition_changed", res.DefinitionChanged, "differences", len(res.Differences))
	return res, nil
}

// applyChunk applies the next chunk of events f selects (only the types p applies,
// without metadata) to the tables of schema, in tx.
func applyChunk(ctx context.Context, store *eventstore.Store, tx pgx.Tx, p Projection, schema string,
	f eventstore.OrderedFilter) (int64, eventstore.Cursor, error) {
	f.Types, f.NoMetadata = p.Types(), true
	evs, next, err := store.ReadOrdered(ctx, tx, f)
	if err != nil || len(evs) == 0 {
		return 0, f.After, err
	}
	if err := applyEvents(ctx, tx, p, schema, evs); err != nil {
		return 0, f.After, err
	}
	return int64(len(evs)), next, nil
}

// applyPartitioned applies evs to the tables of schema on up to workers
// connections at once, each taking the events of a disjoint set of streams in
// their order, each in a transaction of its own. Only a build uses it: the fresh
// tables are nobody's but the rebuild's until the swap, and a failed build is
// thrown away whole.
func applyPartitioned(ctx context.Context, pool *pgxpool.Pool, p Projection, schema string, evs []domain.Recorded, workers int) error {
	parts := make([][]domain.Recorded, workers)
	for _, ev := range evs {
		h := fnv.New32a()
		_, _ = h.Write([]byte(ev.StreamID))
		i := int(h.Sum32() % uint32(workers))
		parts[i] = append(parts[i], ev)
	}
	errs := make(chan error, workers)
	for _, part := range parts {
		go func() {
			if len(part) == 0 {
				errs <- nil
				return
			}
			errs <- withTx(ctx, pool, func(tx pgx.Tx) error {
				// A crash loses at most this rebuild's progress, which restarts anyway.
				if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
					return err
				}
				return applyQueue(ctx, tx, p, &Queue{schema: schema, building: true}, part)
			})
		}()
	}
	var all []error
	for range parts {
		all = append(all, <-errs)
	}
	return errors.Join(all...)
}

// applyEvents applies evs to the tables of schema in one pipelined batch.
func applyEvents(ctx context.Context, tx pgx.Tx, p Projection, schema string, evs []domain.Recorded) error {
	return applyQueue(ctx, tx, p, NewQueue(schema), evs)
}

func applyQueue(ctx context.Context, tx pgx.Tx, p Projection, b *Queue, evs []domain.Recorded) error {
	for _, ev := range evs {
		if err := p.Apply(b, ev); err != nil {
			return fmt.Errorf("event %d: %w", ev.Position, err)
		}
	}
	return b.send(ctx, tx)
}

// diffSchemas counts, per table, the rows present in one schema and not the other
// (as multisets).
func diffSchemas(ctx context.Context, tx pgx.Tx, a, b string) (map[string]int64, error) {
	rows, err := tx.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, a)
	if err != nil {
		return nil, err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, t := range tables {
		ta := pgx.Identifier{a, t}.Sanitize()
		tb := pgx.Identifier{b, t}.Sanitize()
		var n int64
		err := tx.QueryRow(ctx, `SELECT count(*) FROM (
			(SELECT * FROM `+ta+` EXCEPT ALL SELECT * FROM `+tb+`)
			UNION ALL
			(SELECT * FROM `+tb+` EXCEPT ALL SELECT * FROM `+ta+`)) d`).Scan(&n)
		if err != nil {
			return nil, fmt.Errorf("compare %s: %w", t, err)
		}
		if n > 0 {
			out[t] = n
		}
	}
	return out, nil
}

// sampleDifferences names up to three differing rows per side of each table of
// diff, by the value of the table's first column, as "live:<value>" or
// "fresh:<value>". Best effort: it only explains a refusal.
func sampleDifferences(ctx context.Context, tx pgx.Tx, live, fresh string, diff map[string]int64) map[string][]string {
	out := map[string][]string{}
	for t := range diff {
		var col string
		if err := tx.QueryRow(ctx, `SELECT column_name FROM information_schema.columns
			WHERE table_schema = $1 AND table_name = $2 AND ordinal_position = 1`, live, t).Scan(&col); err != nil {
			continue
		}
		tl, tf := pgx.Identifier{live, t}.Sanitize(), pgx.Identifier{fresh, t}.Sanitize()
		c := pgx.Identifier{col}.Sanitize()
		rows, err := tx.Query(ctx, `(SELECT 'live:' || d.`+c+`::text FROM (SELECT * FROM `+tl+` EXCEPT ALL SELECT * FROM `+tf+`) d LIMIT 3)
			UNION ALL (SELECT 'fresh:' || d.`+c+`::text FROM (SELECT * FROM `+tf+` EXCEPT ALL SELECT * FROM `+tl+`) d LIMIT 3)`)
		if err != nil {
			continue
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err == nil {
			out[t] = ids
		}
	}
	return out
}
