package httpapi

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sharehub/sharehub/projections"
)

// newLaggingReadServer is newReadServer with projections that poll only every
// poll when idle: a read made right after a write reaches the read models before
// they applied it, as it does in production under load. replicas more servers
// (each its own Server: its own caches, as separate processes have) share its
// database; their URLs follow ts.url in urls.
func newLaggingReadServer(t *testing.T, poll time.Duration, replicas int) (ts *testServer, urls []string) {
	t.Helper()
	var cfg *Config
	ts = newTestServer(t, func(c *Config) {
		c.PrincipalResolver = NewPrincipalResolver(c.ReadModels)
		c.MaxConsistencyWait = 30 * time.Second
		cfg = c
	}, nil)
	urls = []string{ts.url}
	for range replicas {
		c := *cfg
		reg := prometheus.NewRegistry()
		c.Registerer, c.Gatherer = reg, reg
		s, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(s.Handler())
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runner := &projections.Runner{Store: ts.store, Pool: ts.pool, PollInterval: poll, Log: slog.New(slog.NewTextHandler(ts.log, nil))}
	done := make(chan error, 1)
	go func() { done <- runner.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("runner: %v", err)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ready bool
		if err := ts.pool.QueryRow(ctxFor(t), `SELECT to_regclass('rm_accounts.users') IS NOT NULL
			AND to_regclass('rm_portal.downloads') IS NOT NULL`).Scan(&ready); err != nil {
			t.Fatal(err)
		}
		if ready {
			return ts, urls
		}
		if time.Now().After(deadline) {
			t.Fatal("the projections runner did not create its schemas")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// at is ts answering at another replica's URL.
func (ts *testServer) at(url string) *testServer {
	c := *ts
	c.url = url
	return &c
}

// A client that never sends X-Min-Position reads its own writes (issue 15): the
// customer a provider just connected is there at once, not 404, though the
// projections poll only every 300 ms. Reads are sent with no header at all.
func TestSessionReadsItsOwnWritesWithoutHeader(t *testing.T) {
	t.Parallel()
	ts, _ := newLaggingReadServer(t, 300*time.Millisecond, 0)
	provider := ts.signupCompany(t, "Own Writes Provider")
	for i := range 3 {
		customer := ts.signupCompany(t, "Own Writes Customer "+string(rune('A'+i)))
		a := ts.send(t, &provider, "POST", "/api/v1/customers", `{"company_id":"`+customer.CompanyID.String()+`"}`)
		expectWritten(t, "connect", a, 201)
		c := decodeAs[customerResponse](t, a)
		got := ts.readAt(t, &provider, "/api/v1/customers/"+c.ID.String(), 0)
		expect(t, "the customer just connected, without X-Min-Position", got, 200, "")
		if d := decodeAs[customerResponse](t, got); d.ID != c.ID || d.CompanyID != customer.CompanyID {
			t.Fatalf("customer %+v, connected %+v", d, c)
		}
	}
}

// Three API servers share one database and no routing is sticky: every request
// goes to the next server, none sends X-Min-Position, and every read sees the
// writes the same session made through the other servers.
func TestSessionReadsItsOwnWritesAcrossReplicas(t *testing.T) {
	t.Parallel()
	ts, urls := newLaggingReadServer(t, 300*time.Millisecond, 2)
	next := 0
	rr := func() *testServer { next++; return ts.at(urls[next%len(urls)]) }
	provider := rr().signupCompany(t, "Replica Provider")
	for i := range 4 {
		customer := rr().signupCompany(t, "Replica Customer "+string(rune('A'+i)))
		a := rr().send(t, &provider, "POST", "/api/v1/customers", `{"company_id":"`+customer.CompanyID.String()+`"}`)
		expectWritten(t, "connect", a, 201)
		c := decodeAs[customerResponse](t, a)
		expect(t, "read on the next replica", rr().readAt(t, &provider, "/api/v1/customers/"+c.ID.String(), 0), 200, "")
	}
	got := rr().readAt(t, &provider, "/api/v1/customers", 0)
	expect(t, "list", got, 200, "")
	if n := strings.Count(got.body, `"company_id"`); n < 4 {
		t.Fatalf("list has %d customers: %s", n, got.body)
	}
}
