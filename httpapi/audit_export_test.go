package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
)

// seedDownloads appends n DocumentDownloaded events of tenant straight to the
// store (one stream each, 1,000 per append): a log big enough that its export
// cannot fit in the sockets' buffers.
func seedDownloads(t *testing.T, ts *testServer, tenant uuid.UUID, n int) {
	t.Helper()
	at := time.Now().UTC()
	for done := 0; done < n; {
		b := app.Batch{Meta: domain.Metadata{ActorKind: domain.ActorSystem, TenantID: tenant, CorrelationID: uuid.New()}, RecordedAt: at}
		for i := 0; i < 1000 && done < n; i, done = i+1, done+1 {
			e := domain.DocumentDownloaded{DownloadID: uuid.New(), DocumentID: uuid.New(), ProviderID: tenant,
				CustomerID: uuid.New(), UserID: uuid.New(), Version: 1, DownloadedAt: at}
			b.Streams = append(b.Streams, app.StreamAppend{StreamID: domain.StreamOf(e), Events: []domain.Event{e}})
		}
		if _, err := ts.store.Append(ctxFor(t), b); err != nil {
			t.Fatal(err)
		}
	}
}

// stalledReader opens an NDJSON audit stream with a tiny receive buffer, reads
// the status line and then stops reading, as a hostile or hung client would.
func stalledReader(t *testing.T, ts *testServer, who account) (status string, conn net.Conn) {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		if err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.DialContext(ctxFor(t), "tcp", strings.TrimPrefix(ts.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET /api/v1/audit/events HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer %s\r\nAccept: application/x-ndjson\r\n\r\n", who.Token)
	line, err := bufio.NewReaderSize(conn, 64).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(line), conn
}

// longTransactions counts this database's sessions idle in a transaction that
// began more than a second ago.
func longTransactions(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	err := pool.QueryRow(ctxFor(t), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND state LIKE 'idle in transaction%'
		  AND xact_start < now() - interval '1 second'`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Issue 12, "Slow audit readers take the database pool": clients that stop
// reading an NDJSON export left their connections idle in transaction (one
// REPEATABLE READ transaction per stream), until every other request starved.
// Now a stalled stream holds no transaction and no pooled connection, a
// company gets at most two streams at once (429 with Retry-After), and a
// stream whose reader stopped is ended by its write deadline.
func TestAuditStalledReadersHoldNoTransactionAndStarveNobody(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, func(c *Config) {
		cfg := c.Pool.Config().Copy()
		cfg.MaxConns = 2
		exportPool, err := pgxpool.NewWithConfig(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(exportPool.Close)
		c.ExportStore = eventstore.New(exportPool, nil)
		// Streams stay stalled while the checks below run, and only a
		// starved request (not a slow machine) exceeds the request timeout.
		c.ExportWriteIdle = 15 * time.Second
		c.RequestTimeout = 2 * time.Minute
	})
	fx := newAuditFixture(t, ts)
	seedDownloads(t, ts, fx.a.CompanyID, 12_000)

	for i := range 2 {
		if status, _ := stalledReader(t, ts, fx.a); !strings.Contains(status, " 200 ") {
			t.Fatalf("stalled reader %d: %s", i, status)
		}
	}
	// Both streams are running (their slots are taken) and stuck on a full socket.
	h := fx.a.bearer()
	h.Set("Accept", "application/x-ndjson")
	third := ts.do(t, auditClient, "GET", "/api/v1/audit/events", h, "")
	if third.status != http.StatusTooManyRequests || third.header.Get("Retry-After") == "" || !strings.Contains(third.body, "too_many_exports") {
		t.Fatalf("third stream of one company: %d %v %s", third.status, third.header, third.body)
	}
	// While they stall: no session sits in a transaction, and interactive
	// requests (another company's included) are served.
	for range 5 {
		if n := longTransactions(t, ts.pool); n != 0 {
			t.Fatalf("%d sessions idle in transaction for more than a second while exports stall", n)
		}
		expect(t, "interactive read", ts.read(t, &fx.a, "/api/v1/customers/"+fx.customer.ID.String()), 200, "")
		expect(t, "another company's audit page", ts.read(t, &fx.b, "/api/v1/audit/events?limit=5"), 200, "")
		time.Sleep(300 * time.Millisecond)
	}
	// The write deadline ends the stalled streams; their slots free up.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		a := ts.do(t, auditClient, "GET", "/api/v1/audit/events?limit=10", h, "")
		if a.status == 200 {
			if n := strings.Count(a.body, "\n"); n != 10 {
				t.Fatalf("stream after the stalled ones ended: %d lines", n)
			}
			break
		}
		if a.status != http.StatusTooManyRequests || time.Now().After(deadline) {
			t.Fatalf("stalled streams were not ended: %d %s", a.status, a.body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// lateEvent inserts one event of tenant in a transaction of its own and
// returns that transaction still open: its position is taken now, its commit
// comes later.
func lateEvent(t *testing.T, pool *pgxpool.Pool, tenant uuid.UUID) (commit func()) {
	t.Helper()
	ctx := ctxFor(t)
	e := domain.DocumentDownloaded{DownloadID: uuid.New(), DocumentID: uuid.New(), ProviderID: tenant,
		CustomerID: uuid.New(), UserID: uuid.New(), Version: 1, DownloadedAt: time.Now().UTC()}
	typ, schema, payload, err := domain.EncodeEvent(e)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := json.Marshal(domain.Metadata{ActorKind: domain.ActorSystem, TenantID: tenant, CorrelationID: uuid.New()})
	if err != nil {
		t.Fatal(err)
	}
	id, at := uuid.New(), time.Now().UTC().Truncate(time.Microsecond)
	hash, err := eventstore.EventHash(eventstore.GenesisHash, id, domain.StreamOf(e), 1, typ, schema, payload, meta, at)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version,
			payload, metadata, tenant_id, recorded_at, prev_hash, hash) VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, $10)`,
		id, domain.StreamOf(e), typ, schema, payload, meta, tenant, at, eventstore.GenesisHash, hash); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := tx.Commit(ctx); err != nil {
			t.Error(err)
		}
	}
}

// Issue 13 §5: positions follow insert order, not commit order. A client that
// paged with after=<position> skipped every event that took a position before
// the last one it saw and committed after it. A client polling with the
// cursor of the last event now sees every event of its tenant exactly once,
// while transactions that commit late run beside it.
func TestAuditPollingNeverMissesLateCommits(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, func(c *Config) { c.ExportHorizonWait = time.Millisecond })
	a := ts.signupCompany(t, "Polled")
	pool := ts.pool
	// The poller reads without X-Min-Position: wait until the read models know
	// the new admin.
	expect(t, "first read", ts.read(t, &a, "/api/v1/audit/events?limit=1"), 200, "")

	var (
		mu   sync.Mutex
		seen = map[int64]int{}
		stop = make(chan struct{})
		done = make(chan struct{})
	)
	poll := func(after string) string {
		h := a.bearer()
		h.Set("Accept", "application/x-ndjson")
		ans := ts.do(t, auditClient, "GET", "/api/v1/audit/events?after="+after, h, "")
		if ans.status != 200 {
			t.Errorf("poll: %d %s", ans.status, ans.body)
			return after
		}
		sc := bufio.NewScanner(strings.NewReader(ans.body))
		for sc.Scan() {
			var e auditEventItem
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Error(err)
				return after
			}
			mu.Lock()
			seen[e.Position]++
			mu.Unlock()
			after = e.Cursor
		}
		return after
	}
	go func() {
		defer close(done)
		after := "0"
		for {
			select {
			case <-stop:
				return
			default:
			}
			after = poll(after)
			time.Sleep(2 * time.Millisecond)
		}
	}()
	// Each round: a transaction takes a position and stays open while a later
	// write commits (and the poller runs), then commits.
	for i := range 8 {
		commit := lateEvent(t, pool, a.CompanyID)
		ts.folder(t, a, fmt.Sprintf(`{"name":"Round %d"}`, i))
		time.Sleep(20 * time.Millisecond)
		commit()
	}
	var total int
	if err := pool.QueryRow(ctxFor(t), `SELECT count(*) FROM events WHERE tenant_id = $1`, a.CompanyID).Scan(&total); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n >= total || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	<-done
	rows, err := pool.Query(ctxFor(t), `SELECT position FROM events WHERE tenant_id = $1`, a.CompanyID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var pos int64
		if err := rows.Scan(&pos); err != nil {
			t.Fatal(err)
		}
		if seen[pos] != 1 {
			t.Errorf("event at position %d seen %d times by the poller", pos, seen[pos])
		}
	}
	if len(seen) != total {
		t.Errorf("poller saw %d events, the tenant has %d", len(seen), total)
	}
}
