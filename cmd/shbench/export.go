package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/audit"
)

// rawExportColumns is what the baseline copies: the columns of an export, hashes in
// hex, as PostgreSQL prints them itself.
const rawExportColumns = `position, event_id, stream_id, stream_version, event_type, schema_version, recorded_at,
	payload, metadata, encode(hash, 'hex'), encode(prev_hash, 'hex')`

// benchExport generates a log of n events into a fresh database, then measures
// Store.Export writing NDJSON to io.Discard against PostgreSQL's own COPY of the same
// columns, for the whole log and for its largest tenant, and how much the process's
// resident memory grows while an export runs.
func benchExport(ctx context.Context, baseURL string, n int) ([]result, error) {
	pool, _, cleanup, err := scratchDatabase(ctx, baseURL, "bench_export")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	fmt.Printf("export: generating %d events ...\n", n)
	start := time.Now()
	if err := generateLog(ctx, pool, n, 1); err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	genTime := time.Since(start)
	fmt.Printf("export: generated %d events in %s (%.0f ev/s)\n", n, genTime.Round(time.Millisecond), float64(n)/genTime.Seconds())
	// Both readers then find hint bits set and statistics current.
	if _, err := pool.Exec(ctx, `VACUUM (ANALYZE) events`); err != nil {
		return nil, err
	}
	var tenant uuid.UUID
	var tenantEvents int64
	if err := pool.QueryRow(ctx, `SELECT tenant_id, count(*) FROM events WHERE tenant_id IS NOT NULL
		GROUP BY tenant_id ORDER BY count(*) DESC LIMIT 1`).Scan(&tenant, &tenantEvents); err != nil {
		return nil, err
	}
	store := eventstore.New(pool, nil)

	const rounds = 2 // best of: the machines are shared and noisy
	var (
		raw, ours, rawTenant, oursTenant float64
		mem                              memGrowth
		bytesOut                         int64
	)
	for range rounds {
		fmt.Printf("export: raw COPY of the whole log ...\n")
		r, err := rawCopy(ctx, pool, `SELECT `+rawExportColumns+` FROM events ORDER BY position`)
		if err != nil {
			return nil, err
		}
		raw = max(raw, r)
		fmt.Printf("export: Store.ExportTo NDJSON of the whole log ...\n")
		o, m, nb, err := exportRate(ctx, store, eventstore.ExportFilter{})
		if err != nil {
			return nil, err
		}
		ours, bytesOut = max(ours, o), nb
		if m.peak > mem.peak {
			mem = m
		}
		r, err = rawCopy(ctx, pool, `SELECT `+rawExportColumns+` FROM events WHERE tenant_id = '`+tenant.String()+`' ORDER BY position`)
		if err != nil {
			return nil, err
		}
		rawTenant = max(rawTenant, r*float64(tenantEvents))
		o, _, _, err = exportRate(ctx, store, eventstore.ExportFilter{Tenant: &tenant})
		if err != nil {
			return nil, err
		}
		oursTenant = max(oursTenant, o*float64(tenantEvents))
	}
	// The callback API decodes every event (and its metadata) for Go callers.
	fmt.Printf("export: Store.Export with decoded events, whole log ...\n")
	start = time.Now()
	var decodeMem memGrowth
	{
		runtime.GC()
		debug.FreeOSMemory()
		sampler := startRSSSampler()
		_, err := store.Export(ctx, eventstore.ExportFilter{}, func(domain.Recorded, eventstore.RawEvent) error { return nil })
		decodeMem = sampler.stop()
		if err != nil {
			return nil, err
		}
	}
	decoded := float64(n) / time.Since(start).Seconds()
	raw *= float64(n)
	ours *= float64(n)
	return []result{
		{name: fmt.Sprintf("Export NDJSON, whole log (%dk events)", n/1000), ours: ours, raw: raw, unit: "ev/s",
			notes: fmt.Sprintf("raw: COPY (SELECT the same columns ORDER BY position) TO STDOUT; export decodes what needs it (personal data, "+
				"old schemas) and copies the rest; %.0f MiB of NDJSON; best of %d", float64(bytesOut)/(1<<20), rounds)},
		{name: "Export, every event decoded (callback)", ours: decoded, raw: raw, unit: "ev/s",
			notes: fmt.Sprintf("Store.Export to a callback that discards: the cost of decoding, upcasting and decrypting every event; one run; "+
				"RSS growth %.0f MiB", decodeMem.growthMiB())},
		{name: fmt.Sprintf("Export NDJSON, one provider (%dk events)", tenantEvents/1000), ours: oursTenant, raw: rawTenant, unit: "ev/s",
			notes: "the largest tenant, through events_tenant_position_idx; raw: COPY with the same WHERE"},
		{name: "Export peak RSS growth (whole log)", ours: max(mem.growthMiB(), 1), raw: float64(bytesOut) / (1 << 20), unit: "MiB", inverted: true,
			notes: fmt.Sprintf("raw: the NDJSON written, which an export holding its result would need; resident memory sampled every 5 ms: "+
				"%.0f MiB before, %.0f MiB peak (VmHWM %.0f -> %.0f MiB, the generator's peak before); log of %d events generated in %s (%.0f ev/s)",
				mem.before/1024, mem.peak/1024, mem.hwmBefore/1024, mem.hwmAfter/1024, n, genTime.Round(time.Millisecond), float64(n)/genTime.Seconds())},
	}, nil
}

// rawCopy runs COPY (query) TO STDOUT into io.Discard and returns runs per second
// (the caller scales by the rows copied).
func rawCopy(ctx context.Context, pool *pgxpool.Pool, query string) (float64, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Release()
	start := time.Now()
	if _, err := conn.Conn().PgConn().CopyTo(ctx, io.Discard, `COPY (`+query+`) TO STDOUT`); err != nil {
		return 0, fmt.Errorf("raw copy: %w", err)
	}
	return 1 / time.Since(start).Seconds(), nil
}

// exportRate exports, as `sharehub audit export` does, through the NDJSON writer into a counting io.Discard and
// returns runs per second, the memory growth and the bytes written.
func exportRate(ctx context.Context, store *eventstore.Store, f eventstore.ExportFilter) (float64, memGrowth, int64, error) {
	out := &countingWriter{}
	w, err := audit.NewExportWriter(out, "ndjson")
	if err != nil {
		return 0, memGrowth{}, 0, err
	}
	runtime.GC()
	debug.FreeOSMemory()
	sampler := startRSSSampler()
	start := time.Now()
	_, err = store.ExportTo(ctx, f, w)
	elapsed := time.Since(start)
	mem := sampler.stop()
	if err != nil {
		return 0, mem, 0, fmt.Errorf("export: %w", err)
	}
	return 1 / elapsed.Seconds(), mem, out.n, nil
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// memGrowth is resident memory (kB) before and at its peak during a run.
type memGrowth struct {
	before, peak        float64
	hwmBefore, hwmAfter float64
}

func (m memGrowth) growthMiB() float64 { return max(0, m.peak-m.before) / 1024 }

type rssSampler struct {
	done chan struct{}
	wg   sync.WaitGroup
	mem  memGrowth
}

func startRSSSampler() *rssSampler {
	s := &rssSampler{done: make(chan struct{})}
	s.mem.before, s.mem.hwmBefore = procStatus("VmRSS"), procStatus("VmHWM")
	s.mem.peak = s.mem.before
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-t.C:
				s.mem.peak = max(s.mem.peak, procStatus("VmRSS"))
			}
		}
	}()
	return s
}

func (s *rssSampler) stop() memGrowth {
	close(s.done)
	s.wg.Wait()
	s.mem.peak = max(s.mem.peak, procStatus("VmRSS"))
	s.mem.hwmAfter = procStatus("VmHWM")
	return s.mem
}

// procStatus reads one kB field of /proc/self/status (0 where there is none).
func procStatus(field string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			v, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return v
		}
	}
	return 0
}
