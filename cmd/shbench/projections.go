package main

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/projections"
)

// benchProjections measures, on a generated log of n events:
//   - rebuild throughput of every projection (events/s) next to the raw ordered
//     read of the same table (COPY ... ORDER BY transaction_id, position), target
//     >= 0.25;
//   - steady-state lag of the live projections while rate events/s are appended:
//     p50 and p99 from commit to applied, target p99 <= 100 ms.
func benchProjections(ctx context.Context, baseURL string, n int, rate int, d time.Duration) ([]result, error) {
	pool, _, cleanup, err := scratchDatabase(ctx, baseURL, "bench_projections")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	fmt.Printf("projections: generating %d events ...\n", n)
	if err := generateLog(ctx, pool, n, 2); err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	if _, err := pool.Exec(ctx, `VACUUM (ANALYZE) events`); err != nil {
		return nil, err
	}
	store := eventstore.New(pool, nil)
	var out []result
	for _, p := range projections.All() {
		fmt.Printf("projections: raw ordered COPY of the log ...\n")
		raw, err := rawCopy(ctx, pool, `SELECT transaction_id, position, event_id, stream_id, stream_version, event_type,
			schema_version, payload, metadata, recorded_at FROM events ORDER BY transaction_id, position`)
		if err != nil {
			return nil, err
		}
		raw *= float64(n)
		fmt.Printf("projections: rebuild %s ...\n", p.Name)
		res, err := projections.Rebuild(ctx, store, pool, p, projections.RebuildOptions{Force: true})
		if err != nil {
			return nil, err
		}
		// The rebuild goes through the whole log (skipping, in the query, the
		// types the projection ignores): its rate is log events per second.
		ours := float64(n) / res.Duration.Seconds()
		out = append(out, result{name: fmt.Sprintf("rebuild %s (log of %d)", p.Name, n), ours: ours, raw: raw,
			unit: "ev/s", target: 0.25, notes: fmt.Sprintf("%d events applied in %s; raw: COPY (SELECT ... ORDER BY transaction_id, position) TO STDOUT of the same table",
				res.Events, res.Duration.Round(time.Millisecond))})
	}

	fmt.Printf("projections: lag at %d events/s for %s ...\n", rate, d)
	p50, p99, applied, err := measureLag(ctx, pool, store, rate, d)
	if err != nil {
		return nil, err
	}
	out = append(out,
		result{name: "projection lag p50 (ms)", ours: p50, raw: 100, unit: "ms", inverted: true,
			notes: fmt.Sprintf("%d events appended at %d/s, from commit to applied by the portal projection; raw column = the 100 ms bound", applied, rate)},
		result{name: "projection lag p99 (ms)", ours: p99, raw: 100, unit: "ms", inverted: true, target: 1,
			notes: "target: p99 <= 100 ms (ratio = 100 ms / p99 >= 1)"})
	return out, nil
}

// measureLag appends rate events per second (new folders of one provider, each
// its own stream, from 4 writers) while the projections run, samples the portal
// consumer's checkpoint every millisecond, and reports for every event the time
// from its append returning to the first sample whose checkpoint covers it.
func measureLag(ctx context.Context, pool *pgxpool.Pool, store *eventstore.Store, rate int, d time.Duration) (p50, p99 float64, n int, err error) {
	runCtx, stopRunner := context.WithCancel(ctx)
	// The read models only: the notifier would replay the whole generated log
	// (silently) at the same time, which is catching up, not steady state.
	runner := &projections.Runner{Store: store, Pool: pool, Projections: projections.All()}
	stopped := make(chan struct{})
	go func() { _ = runner.Run(runCtx); close(stopped) }()
	// The runner must be gone before the database is dropped under it.
	defer func() { stopRunner(); <-stopped }()
	// Let the consumers catch up with the generated log first.
	var head int64
	if err := pool.QueryRow(ctx, `SELECT coalesce(max(position), 0) FROM events`).Scan(&head); err != nil {
		return 0, 0, 0, err
	}
	for _, p := range projections.All() {
		if err := projections.WaitFor(ctx, store, p.Name, head, 5*time.Minute); err != nil {
			return 0, 0, 0, err
		}
	}

	type sample struct {
		at time.Time
		c  eventstore.Cursor
	}
	var (
		samples  []sample
		sampling = make(chan struct{})
		sampled  = make(chan error, 1)
	)
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return 0, 0, 0, err
	}
	defer conn.Release()
	var (
		stopOnce   sync.Once
		samplerErr error
	)
	stopSampling := func() error {
		stopOnce.Do(func() { close(sampling); samplerErr = <-sampled })
		return samplerErr
	}
	defer stopSampling() // before the connection is released, whatever the way out
	go func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-sampling:
				sampled <- nil
				return
			case <-t.C:
			}
			c, _, err := eventstore.Checkpoints{}.Get(ctx, conn, "portal", false)
			if err != nil {
				sampled <- err
				return
			}
			samples = append(samples, sample{time.Now(), c})
		}
	}()

	provider := uuid.New()
	marks, err := appendAtRate(ctx, store, provider, rate, d, "live")
	if err != nil {
		return 0, 0, 0, err
	}
	// Wait for the tail, then stop sampling.
	last := int64(0)
	for _, m := range marks {
		last = max(last, m.pos)
	}
	if err := projections.WaitFor(ctx, store, "portal", last, time.Minute); err != nil {
		return 0, 0, 0, err
	}
	time.Sleep(5 * time.Millisecond)
	if err := stopSampling(); err != nil {
		return 0, 0, 0, err
	}

	// Transaction ids of the appended events, to compare with the checkpoints.
	positions := make([]int64, len(marks))
	for i, m := range marks {
		positions[i] = m.pos
	}
	rows, err := pool.Query(ctx, `SELECT position, transaction_id::text FROM events WHERE position = ANY($1)`, positions)
	if err != nil {
		return 0, 0, 0, err
	}
	txOf := map[int64]uint64{}
	for rows.Next() {
		var pos int64
		var tx string
		if err := rows.Scan(&pos, &tx); err != nil {
			return 0, 0, 0, err
		}
		txOf[pos], _ = strconv.ParseUint(tx, 10, 64)
	}
	rows.Close()
	var lags []float64
	for _, m := range marks {
		c := eventstore.Cursor{TxID: txOf[m.pos], Position: m.pos}
		i, _ := slices.BinarySearchFunc(samples, c, func(s sample, c eventstore.Cursor) int {
			if s.c.Less(c) {
				return -1
			}
			return 1
		})
		if i == len(samples) {
			return 0, 0, 0, fmt.Errorf("event %d never seen applied", m.pos)
		}
		lags = append(lags, max(0, samples[i].at.Sub(m.at).Seconds()*1000))
	}
	slices.Sort(lags)
	q := func(p float64) float64 { return lags[min(len(lags)-1, int(p*float64(len(lags))))] }
	return q(0.50), q(0.99), len(lags), nil
}
