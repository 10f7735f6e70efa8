package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Stalled exporters (issue 12, "Slow audit readers take the database pool"):
// 50 clients open an NDJSON audit stream each, read its first line and stop
// reading, with a 4 KiB receive buffer, so the server's writes block. Meanwhile
// four clients make interactive reads. PASS: every stream was accepted and is
// stalled, the interactive reads' p99 is under 100 ms, and no session of the
// database sits idle in a transaction for more than 5 s.
const (
	stalledReaders   = 50
	exportTenants    = 10
	eventsPerTenant  = 20_000
	interactiveP99   = 100 * time.Millisecond
	idleInTxCeiling  = 5 * time.Second
	interactiveUsers = 4
)

func (h *harness) runStalledExporters(ctx context.Context, d time.Duration) result {
	r := result{name: "stalled exporters"}
	// Every stalled stream is accepted: the limits are raised for the run (the
	// defaults would refuse most of them with 429/503, which is their job but
	// not what is measured here).
	for k, v := range map[string]string{"EXPORTS_PER_TENANT": fmt.Sprint(stalledReaders / exportTenants), "EXPORTS_MAX": "64"} {
		old, had := os.LookupEnv(k)
		os.Setenv(k, v)
		defer func() {
			if had {
				os.Setenv(k, old)
			} else {
				os.Unsetenv(k)
			}
		}()
	}
	rg, err := h.rig(ctx, "exporters", rigOptions{})
	if err != nil {
		return r.error(err)
	}
	defer rg.close()
	dbURL, s, l := rg.dbURL, rg.s, rg.l
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return r.error(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	// Tenants with a log each too big for the sockets' buffers (events written
	// straight into the log: the export reads, it does not check hashes).
	var tenants []signedUp
	for range exportTenants {
		t, err := l.signup(ctx, "exporter")
		if err != nil {
			return r.error(err)
		}
		tenants = append(tenants, t)
		if _, err := conn.Exec(ctx, `INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version,
				payload, metadata, tenant_id, prev_hash, hash)
			SELECT gen_random_uuid(), 'download-' || d, 1, 'DocumentDownloaded', 1,
			       jsonb_build_object('download_id', d, 'document_id', gen_random_uuid(), 'provider_id', $1::uuid,
			                          'customer_id', gen_random_uuid(), 'user_id', gen_random_uuid(), 'version', 1,
			                          'downloaded_at', now()),
			       jsonb_build_object('actor_kind', 'system', 'tenant_id', $1::uuid, 'correlation_id', gen_random_uuid()),
			       $1::uuid, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea,
			       sha256(d::text::bytea)
			FROM (SELECT gen_random_uuid() AS d FROM generate_series(1, $2)) g`, t.CompanyID, eventsPerTenant); err != nil {
			return r.error(fmt.Errorf("seed: %w", err))
		}
	}
	// The stalled readers.
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	accepted := 0
	for i := range stalledReaders {
		c, status, err := stalledStream(ctx, s.addr, tenants[i%len(tenants)].Token)
		if err != nil {
			return r.error(err)
		}
		conns = append(conns, c)
		if strings.Contains(status, " 200 ") {
			accepted++
		}
	}
	// Interactive reads while they stall, and the longest transaction seen.
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failures  int
		maxIdle   time.Duration
		exportMax int
	)
	runCtx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	for range interactiveUsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Timeout: 10 * time.Second}
			for runCtx.Err() == nil {
				req, _ := http.NewRequestWithContext(runCtx, "GET", s.base()+"/api/v1/customers?limit=10", nil)
				req.Header.Set("Authorization", "Bearer "+l.providerToken)
				t0 := time.Now()
				resp, err := c.Do(req)
				took := time.Since(t0)
				ok := err == nil && resp.StatusCode == 200
				if resp != nil {
					resp.Body.Close()
				}
				if runCtx.Err() != nil {
					return
				}
				mu.Lock()
				latencies = append(latencies, took)
				if !ok {
					failures++
				}
				mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	for runCtx.Err() == nil {
		var idle float64
		var exporting int
		err := conn.QueryRow(ctx, `SELECT coalesce(max(extract(epoch FROM now() - xact_start)) FILTER (
				WHERE state LIKE 'idle in transaction%'), 0)::float8,
			count(*) FILTER (WHERE application_name = 'sharehub-export' AND state = 'active')
			FROM pg_stat_activity WHERE datname = current_database()`).Scan(&idle, &exporting)
		if err != nil {
			return r.error(err)
		}
		maxIdle = max(maxIdle, time.Duration(idle*float64(time.Second)))
		exportMax = max(exportMax, exporting)
		sleepCtx(runCtx, 250*time.Millisecond)
	}
	wg.Wait()
	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(float64(len(latencies))*p))]
	}
	v := &verdict{}
	if accepted != stalledReaders {
		v.fail("%d of %d streams accepted", accepted, stalledReaders)
	}
	if len(latencies) == 0 || failures > 0 {
		v.fail("interactive reads: %d of %d failed", failures, len(latencies))
	}
	if p99 := pct(0.99); p99 >= interactiveP99 {
		v.fail("interactive reads p99 %s >= %s", p99.Round(time.Millisecond), interactiveP99)
	}
	if maxIdle > idleInTxCeiling {
		v.fail("a session was idle in transaction for %s", maxIdle.Round(time.Millisecond))
	}
	if s.exited() {
		v.fail("server exited: %v", s.err)
	}
	r.status = "PASS"
	if !v.ok() {
		r.status, r.details = "FAIL", v.problems
	}
	r.figures = fmt.Sprintf("%d stalled streams over %d tenants of %d events; %d interactive reads, %d failed, p50 %s p99 %s; longest idle in transaction %s; export connections busy at most %d",
		accepted, exportTenants, eventsPerTenant, len(latencies), failures, pct(0.5).Round(100*time.Microsecond),
		pct(0.99).Round(100*time.Microsecond), maxIdle.Round(time.Millisecond), exportMax)
	return r
}

// stalledStream opens an NDJSON audit stream with a 4 KiB receive buffer and
// reads only its status line.
func stalledStream(ctx context.Context, addr, token string) (net.Conn, string, error) {
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) }); err != nil {
			return err
		}
		return serr
	}}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, "", err
	}
	fmt.Fprintf(c, "GET /api/v1/audit/events HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nAccept: application/x-ndjson\r\n\r\n", addr, token)
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	line, err := bufio.NewReaderSize(c, 64).ReadString('\n')
	if err != nil {
		c.Close()
		return nil, "", fmt.Errorf("stalled stream: %w", err)
	}
	return c, strings.TrimSpace(line), nil
}
