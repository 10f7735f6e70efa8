package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/projections"
)

// benchReplay measures the as-of replay (issue 13 §3) on a generated log of n
// events:
//   - the time of a replay of the largest tenant's customer and of a small
//     tenant's, in milliseconds per thousand tenant events: the cost follows
//     the tenant, not the log;
//   - the portal projection's lag p99 for another tenant's appends, without
//     replays, then with replays of the largest tenant running back to back,
//     unpaced (projections.AsOfDuty = 1, as before the throttle) and paced
//     (the API's default); target: replays add under 20 ms.
func benchReplay(ctx context.Context, baseURL string, n int, rate int, d time.Duration) ([]result, error) {
	pool, _, cleanup, err := scratchDatabase(ctx, baseURL, "bench_replay")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	fmt.Printf("replay: generating %d events ...\n", n)
	if err := generateLog(ctx, pool, n, 3); err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	if _, err := pool.Exec(ctx, `VACUUM (ANALYZE) events`); err != nil {
		return nil, err
	}
	store := eventstore.New(pool, nil)
	// The largest tenant with a customer, and a small one.
	type tenant struct {
		id, customer uuid.UUID
		events       int64
	}
	rows, err := pool.Query(ctx, `SELECT e.tenant_id, count(*),
			(SELECT (c.payload->>'customer_id')::uuid FROM events c WHERE c.tenant_id = e.tenant_id
			   AND c.event_type IN ('CustomerConnected', 'CustomerInvited') AND c.stream_version = 1 LIMIT 1)
		FROM events e WHERE e.tenant_id IS NOT NULL GROUP BY e.tenant_id ORDER BY count(*) DESC`)
	if err != nil {
		return nil, err
	}
	var tenants []tenant
	for rows.Next() {
		var t tenant
		var c *uuid.UUID
		if err := rows.Scan(&t.id, &t.events, &c); err != nil {
			rows.Close()
			return nil, err
		}
		if c != nil {
			t.customer = *c
			tenants = append(tenants, t)
		}
	}
	rows.Close()
	if len(tenants) < 2 {
		return nil, fmt.Errorf("the generated log has %d tenants with customers", len(tenants))
	}
	big, small := tenants[0], tenants[len(tenants)/2]
	throttled := projections.AsOfDuty
	defer func() { projections.AsOfDuty = throttled }()
	replay := func(t tenant) (time.Duration, error) {
		var ds []time.Duration
		for range 3 {
			t0 := time.Now()
			if _, err := projections.PortalViewAsOf(ctx, store, pool, t.customer, time.Now()); err != nil {
				return 0, err
			}
			ds = append(ds, time.Since(t0))
		}
		slices.Sort(ds)
		return ds[1], nil
	}
	// The cost of a replay is measured without pauses; the wall time of the
	// throttled one follows.
	projections.AsOfDuty = 1
	bigT, err := replay(big)
	if err != nil {
		return nil, err
	}
	smallT, err := replay(small)
	if err != nil {
		return nil, err
	}
	projections.AsOfDuty = throttled
	bigThrottledT, err := replay(big)
	if err != nil {
		return nil, err
	}
	perK := func(d time.Duration, ev int64) float64 { return d.Seconds() * 1000 / (float64(ev) / 1000) }

	for _, p := range projections.All() {
		fmt.Printf("replay: rebuild %s before measuring lag ...\n", p.Name)
		if _, err := projections.Rebuild(ctx, store, pool, p, projections.RebuildOptions{Force: true}); err != nil {
			return nil, err
		}
	}
	fmt.Printf("replay: lag at %d events/s for %s, without replays ...\n", rate, d)
	_, base99, _, err := measureLag(ctx, pool, store, rate, d)
	if err != nil {
		return nil, err
	}
	// withReplays measures the lag while replays of the largest tenant run back
	// to back, paced at duty.
	withReplays := func(duty float64) (p99 float64, replays int, err error) {
		projections.AsOfDuty = duty
		defer func() { projections.AsOfDuty = throttled }()
		stop := make(chan struct{})
		var (
			wg       sync.WaitGroup
			replayEr error
		)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := projections.PortalViewAsOf(ctx, store, pool, big.customer, time.Now()); err != nil {
					replayEr = err
					return
				}
				replays++
			}
		}()
		_, p99, _, err = measureLag(ctx, pool, store, rate, d)
		close(stop)
		wg.Wait()
		if err == nil {
			err = replayEr
		}
		return p99, replays, err
	}
	fmt.Printf("replay: lag at %d events/s for %s, with unpaced replays of the largest tenant back to back ...\n", rate, d)
	unpaced99, unpacedN, err := withReplays(1)
	if err != nil {
		return nil, err
	}
	fmt.Printf("replay: lag at %d events/s for %s, with paced replays (duty %.0f%%) back to back ...\n", rate, d, throttled*100)
	with99, replays, err := withReplays(throttled)
	if err != nil {
		return nil, err
	}
	added := with99 - base99
	return []result{
		{name: fmt.Sprintf("as-of replay, tenant of %d (ms)", big.events), ours: float64(bigT.Milliseconds()), raw: float64(bigT.Milliseconds()), unit: "ms",
			notes: fmt.Sprintf("log of %d events; %.2f ms per 1,000 tenant events (work, without pauses)", n, perK(bigT, big.events))},
		{name: fmt.Sprintf("as-of replay, tenant of %d (ms)", small.events), ours: float64(smallT.Milliseconds()), raw: float64(smallT.Milliseconds()), unit: "ms",
			notes: fmt.Sprintf("%.2f ms per 1,000 tenant events: proportional to the tenant when close to the line above", perK(smallT, small.events))},
		{name: fmt.Sprintf("as-of replay paced, tenant of %d (ms)", big.events), ours: float64(bigThrottledT.Milliseconds()), raw: float64(bigT.Milliseconds()), unit: "ms",
			notes: fmt.Sprintf("wall time at duty %.0f%% (the API's default); raw = the same replay unpaced", throttled*100)},
		{name: "lag p99 added by unpaced replays (ms)", ours: max(unpaced99-base99, 0.001), raw: 20, unit: "ms", inverted: true, target: 1,
			notes: fmt.Sprintf("another tenant's lag p99 %.1f ms without, %.1f ms with %d unpaced replays back to back (before the throttle)", base99, unpaced99, unpacedN)},
		{name: "lag p99 added by paced replays (ms)", ours: max(added, 0.001), raw: 20, unit: "ms", inverted: true, target: 1,
			notes: fmt.Sprintf("another tenant's lag p99 %.1f ms without, %.1f ms with %d paced replays back to back; target: under 20 ms added (ratio = 20 ms / added >= 1)", base99, with99, replays)},
	}, nil
}
