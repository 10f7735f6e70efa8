package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/audit"
	"github.com/sharehub/sharehub/projections"
)

// logReadEvents is the size of the log the logreads group generates: the flag
// -logread-events, else SHBENCH_LOGREAD_EVENTS (10000000 for the 10M figures),
// else 1M, so that `make bench` stays bounded.
func logReadEvents(flagValue int) int {
	if flagValue > 0 {
		return flagValue
	}
	if v, err := strconv.Atoi(os.Getenv("SHBENCH_LOGREAD_EVENTS")); err == nil && v > 0 {
		return v
	}
	return 1_000_000
}

// benchLogReads times, on a generated log of n events, each read of the log
// that TestReadsOfTheLogAreIndexRangeScans checks for sequential scans (issue 13
// §6): the status of a lagging projection, a document's access history, tenant
// verify, an audit page filtered by a rare type, an audit page with since, and
// the shares list. Each figure is the median of 5 runs, on the largest tenant
// (the worst case of a read bounded by the tenant), through the same functions
// and statements the API runs.
func benchLogReads(ctx context.Context, baseURL string, n int) ([]result, error) {
	pool, _, cleanup, err := scratchDatabase(ctx, baseURL, "bench_logreads")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	fmt.Printf("logreads: generating %d events ...\n", n)
	if err := generateLog(ctx, pool, n, 5); err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	if _, err := pool.Exec(ctx, `VACUUM (ANALYZE) events`); err != nil {
		return nil, err
	}
	store := eventstore.New(pool, nil)
	fmt.Println("logreads: rebuild portal (the shares list reads it) ...")
	if _, err := projections.Rebuild(ctx, store, pool, projections.Portal, projections.RebuildOptions{Force: true}); err != nil {
		return nil, err
	}
	if _, err := pool.Exec(ctx, `ANALYZE rm_portal.shares`); err != nil {
		return nil, err
	}

	var (
		tenant   uuid.UUID
		tenantN  int64
		doc      uuid.UUID
		rareType string
		since    time.Time
	)
	if err := pool.QueryRow(ctx, `SELECT tenant_id, count(*) FROM events WHERE tenant_id IS NOT NULL
		GROUP BY 1 ORDER BY 2 DESC LIMIT 1`).Scan(&tenant, &tenantN); err != nil {
		return nil, fmt.Errorf("largest tenant: %w", err)
	}
	if err := pool.QueryRow(ctx, `SELECT (e.payload->>'document_id')::uuid FROM events e
		WHERE e.tenant_id = $1 AND e.event_type IN ('DocumentDownloaded', 'PortalShareGranted', 'LinkCreated')
		  AND e.payload->>'document_id' IS NOT NULL
		  AND EXISTS (SELECT 1 FROM events d WHERE d.stream_id = 'document-' || (e.payload->>'document_id')
		              AND d.stream_version = 1 AND d.tenant_id = $1 AND d.payload->>'folder_id' IS NOT NULL)
		GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`, tenant).Scan(&doc); err != nil {
		return nil, fmt.Errorf("busiest document: %w", err)
	}
	if err := pool.QueryRow(ctx, `SELECT event_type FROM events WHERE tenant_id = $1
		GROUP BY 1 ORDER BY count(*), 1 LIMIT 1`, tenant).Scan(&rareType); err != nil {
		return nil, fmt.Errorf("rare type: %w", err)
	}
	// since: the last tenth of the tenant's history.
	if err := pool.QueryRow(ctx, `SELECT percentile_disc(0.9) WITHIN GROUP (ORDER BY recorded_at) FROM events
		WHERE tenant_id = $1`, tenant).Scan(&since); err != nil {
		return nil, fmt.Errorf("since: %w", err)
	}
	const page = 51 // a page of the API (50) and the one that says there is more
	export := func(f eventstore.ExportFilter) func() error {
		return func() error {
			f.Tenant, f.Limit, f.HorizonWait = &tenant, page, -1
			_, err := store.Export(ctx, f, func(domain.Recorded, eventstore.RawEvent) error { return nil })
			return err
		}
	}
	reads := []struct {
		name string
		run  func() error
	}{
		{"status of a lagging projection", func() error {
			// A checkpoint at the start of the log: everything lags.
			_, err := projections.Status(ctx, pool, []projections.Projection{{Name: "bench-lagging"}})
			return err
		}},
		{"document access history (page)", func() error {
			streams, err := accessStreams(ctx, pool, tenant, doc)
			if err != nil {
				return err
			}
			return export(eventstore.ExportFilter{Streams: streams})()
		}},
		{"tenant verify", func() error {
			_, err := audit.VerifyChains(ctx, pool, &tenant)
			return err
		}},
		{"audit by a rare type (page)", export(eventstore.ExportFilter{Types: []string{rareType}})},
		{"audit since (page)", export(eventstore.ExportFilter{Since: since})},
		{"shares list (page)", func() error {
			_, err := projections.Shares(ctx, pool, projections.ShareFilter{Provider: tenant,
				Visible: projections.GroupFilter{All: true}}, nil, page)
			return err
		}},
	}
	var out []result
	for _, r := range reads {
		var ds []time.Duration
		for range 5 {
			t0 := time.Now()
			if err := r.run(); err != nil {
				return nil, fmt.Errorf("%s: %w", r.name, err)
			}
			ds = append(ds, time.Since(t0))
		}
		slices.Sort(ds)
		ms := float64(ds[2].Microseconds()) / 1000
		fmt.Printf("logreads: %s: %.1f ms (median of 5)\n", r.name, ms)
		out = append(out, result{name: r.name + " (ms)", ours: ms, raw: ms, unit: "ms", inverted: true,
			notes: fmt.Sprintf("log of %d events; largest tenant, %d events; median of 5", n, tenantN)})
	}
	return out, nil
}

// accessStreams names the streams of a document's access history with the
// statement the API runs (httpapi auditDocumentAccess: each branch a range scan
// of a partial index of migration 00060).
func accessStreams(ctx context.Context, pool *pgxpool.Pool, tenant, doc uuid.UUID) ([]string, error) {
	var folder uuid.UUID
	if err := pool.QueryRow(ctx, `SELECT (payload->>'folder_id')::uuid FROM events
		WHERE stream_id = $1 AND stream_version = 1 AND tenant_id = $2`, domain.DocumentStream(doc), tenant).Scan(&folder); err != nil {
		return nil, fmt.Errorf("document: %w", err)
	}
	rows, err := pool.Query(ctx, `
		WITH RECURSIVE above(id) AS (
			SELECT $3::uuid
			UNION
			SELECT (e.payload->>'parent_id')::uuid FROM events e JOIN above a ON e.stream_id = 'folder-' || a.id
			 WHERE e.stream_version = 1 AND e.payload->>'parent_id' IS NOT NULL)
		SELECT stream_id FROM events
		 WHERE payload->>'document_id' = $1::text AND tenant_id = $2
		   AND stream_version = 1 AND event_type IN ('PortalShareGranted', 'LinkCreated', 'DocumentDownloaded', 'LinkOpened')
		UNION
		SELECT stream_id FROM events
		 WHERE payload->>'folder_id' IN (SELECT id::text FROM above) AND tenant_id = $2
		   AND stream_version = 1 AND event_type = 'PortalShareGranted'`, doc, tenant, folder)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	streams := []string{domain.DocumentStream(doc)}
	for rows.Next() {
		var st string
		if err := rows.Scan(&st); err != nil {
			return nil, err
		}
		streams = append(streams, st)
	}
	return streams, rows.Err()
}
