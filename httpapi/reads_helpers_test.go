package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/projections"
)

// newReadServer is newTestServer with the principal resolver wired and the
// projections running, as `sharehub serve` runs them.
func newReadServer(t *testing.T, adjust func(*Config)) *testServer {
	t.Helper()
	ts := newTestServer(t, func(c *Config) {
		c.PrincipalResolver = NewPrincipalResolver(c.ReadModels)
		// Under -race with many databases at once a fresh runner may take more than
		// the default few seconds to catch up; reads still wait only as needed.
		c.MaxConsistencyWait = 30 * time.Second
		c.ExportHorizonWait = 30 * time.Second // likewise for the transactions an export waits for
		if adjust != nil {
			adjust(c)
		}
	}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	runner := &projections.Runner{Store: ts.store, Pool: ts.pool, PollInterval: 5 * time.Millisecond, Log: slog.New(slog.NewTextHandler(ts.log, nil))}
	done := make(chan error, 1)
	go func() { done <- runner.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("runner: %v", err)
		}
	})
	// The runner creates the read models' schemas first; reads need them.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ready bool
		err := ts.pool.QueryRow(ctxFor(t), `SELECT to_regclass('rm_accounts.users') IS NOT NULL
			AND to_regclass('rm_portal.downloads') IS NOT NULL`).Scan(&ready)
		if err != nil {
			t.Fatal(err)
		}
		if ready {
			return ts
		}
		if time.Now().After(deadline) {
			t.Fatal("the projections runner did not create its schemas")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// position is the X-Position of a write's answer.
func position(t *testing.T, a answer) int64 {
	t.Helper()
	p, err := strconv.ParseInt(a.header.Get("X-Position"), 10, 64)
	if err != nil || p < 1 {
		t.Fatalf("X-Position %q in %+v", a.header.Get("X-Position"), a)
	}
	return p
}

// lastPosition is the newest position in the log: reads that send it see every
// write made so far (the helpers that wrap writes do not hand out X-Position).
func (ts *testServer) lastPosition(t *testing.T) int64 {
	t.Helper()
	var p int64
	if err := ts.pool.QueryRow(ctxFor(t), `SELECT coalesce(max(position), 0) FROM events`).Scan(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

// readAt issues a GET as who that waits for position (0: does not wait).
func (ts *testServer) readAt(t *testing.T, who *account, path string, pos int64) answer {
	t.Helper()
	h := http.Header{}
	if who != nil {
		h = who.bearer()
	}
	if pos > 0 {
		h.Set("X-Min-Position", strconv.FormatInt(pos, 10))
	}
	return ts.do(t, ts.client, "GET", path, h, "")
}

// read issues a GET as who that sees every write made so far.
func (ts *testServer) read(t *testing.T, who *account, path string) answer {
	t.Helper()
	return ts.readAt(t, who, path, ts.lastPosition(t))
}

// readOK reads path and decodes a 200 answer.
func readOK[T any](t *testing.T, ts *testServer, who *account, path string) T {
	t.Helper()
	a := ts.read(t, who, path)
	expect(t, "GET "+path, a, 200, "")
	return decodeAs[T](t, a)
}

// page is a list answer.
type page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// readAll follows next_cursor through every page of a list, limit items at a time.
func readAll[T any](t *testing.T, ts *testServer, who *account, path string, limit int) []T {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	url := path + sep + "limit=" + strconv.Itoa(limit)
	var out []T
	for range 100 {
		p := readOK[page[T]](t, ts, who, url)
		if len(p.Items) > limit {
			t.Fatalf("%s: %d items on a page of %d", path, len(p.Items), limit)
		}
		out = append(out, p.Items...)
		if p.NextCursor == nil {
			return out
		}
		url = path + sep + "limit=" + strconv.Itoa(limit) + "&cursor=" + *p.NextCursor
	}
	t.Fatalf("%s: endless pages", path)
	return nil
}

// names picks a field of every item.
func names[T any](items []T, f func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, f(it))
	}
	return out
}

// fields decodes a JSON object into its raw members, to check exact field sets.
func fields(t *testing.T, body string) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return m
}

// expectNotFound checks a 404 that carries none of the given ids.
func expectNotFound(t *testing.T, what string, a answer, ids ...uuid.UUID) {
	t.Helper()
	expect(t, what, a, 404, "not_found")
	for _, id := range ids {
		if strings.Contains(a.body, id.String()) {
			t.Fatalf("%s: the 404 names %s: %s", what, id, a.body)
		}
	}
}
