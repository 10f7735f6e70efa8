package httpapi

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

// linkFixture is a provider's document with a link, through the real router.
func newLinkFixture(t *testing.T, ts *testServer, body string) (sharingWorld, linkResponse, string) {
	t.Helper()
	w := newSharingWorld(t, ts)
	a := ts.send(t, &w.provider, "POST", "/api/v1/documents/"+w.doc.ID.String()+"/links", body)
	expectWritten(t, "create link", a, 201)
	l := decodeAs[linkResponse](t, a)
	return w, l, linkToken(t, l)
}

// TestLinkRangeNotSatisfiableIsNoOpen: a 416 carries the link headers (no-store
// above all) and records no open; a satisfiable range still is one.
func TestLinkRangeNotSatisfiableIsNoOpen(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	_, _, token := newLinkFixture(t, ts, `{}`)
	before := countEvents(t, ts)
	a := ts.do(t, ts.client, "GET", "/l/"+token+"/content", http.Header{"Range": {"bytes=5000-6000"}}, "")
	expect(t, "unsatisfiable range", a, 416, "range_not_satisfiable")
	expectLinkHeaders(t, "416", a)
	if n := countEventsOfType(t, ts, "LinkOpened"); n != 0 || countEvents(t, ts) != before {
		t.Fatalf("a 416 recorded %d opens", n)
	}
	// A precondition that fails (412) is no open either.
	a = ts.do(t, ts.client, "GET", "/l/"+token+"/content", http.Header{"If-Match": {`"not-the-etag"`}}, "")
	expect(t, "failed precondition", a, 412, "precondition_failed")
	expectLinkHeaders(t, "412", a)
	if countEvents(t, ts) != before {
		t.Fatal("a 412 appended")
	}
	a = ts.do(t, ts.client, "GET", "/l/"+token+"/content", http.Header{"Range": {"bytes=0-3"}}, "")
	if a.status != 206 || a.body != "%PDF" || a.header.Get("X-Position") == "" {
		t.Fatalf("range %d %q %v", a.status, a.body, a.header)
	}
	expectLinkHeaders(t, "206", a)
	if n := countEventsOfType(t, ts, "LinkOpened"); n != 1 {
		t.Fatalf("a 206 recorded %d opens", n)
	}
}

// TestLinkOpensAreThrottledPerLinkAndAddress: LINK_OPEN_LIMIT requests a minute
// per link and client address, with or without a password, then 429 with
// Retry-After and nothing recorded; another link from the same address still opens.
func TestLinkOpensAreThrottledPerLinkAndAddress(t *testing.T) {
	t.Parallel()
	const limit = 5
	var mu sync.Mutex
	now := time.Now().UTC()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ts := newTestServer(t, func(c *Config) { c.LinkOpenLimit = limit; c.Clock = clock }, nil)
	w, _, token := newLinkFixture(t, ts, `{}`)
	a := ts.send(t, &w.provider, "POST", "/api/v1/documents/"+w.doc.ID.String()+"/links", `{"password":"long enough secret"}`)
	expectWritten(t, "protected link", a, 201)
	protected := linkToken(t, decodeAs[linkResponse](t, a))

	for i := range limit {
		path := "/l/" + token + "/content"
		if i%2 == 1 {
			path = "/l/" + token // metadata counts too
		}
		expect(t, "open "+strconv.Itoa(i), ts.open(t, path, ""), 200, "")
	}
	opens := countEventsOfType(t, ts, "LinkOpened")
	before := countEvents(t, ts)
	a = ts.open(t, "/l/"+token+"/content", "")
	expect(t, "over the limit", a, 429, "too_many_attempts")
	expectLinkHeaders(t, "429", a)
	if ra, err := strconv.Atoi(a.header.Get("Retry-After")); err != nil || ra < 1 {
		t.Fatalf("Retry-After %q", a.header.Get("Retry-After"))
	}
	if countEventsOfType(t, ts, "LinkOpened") != opens || countEvents(t, ts) != before {
		t.Fatal("a throttled open was recorded")
	}
	// Another link from this address is counted on its own, with a password too.
	for i := range limit {
		expect(t, "protected "+strconv.Itoa(i), ts.open(t, "/l/"+protected+"/content", "long enough secret"), 200, "")
	}
	expect(t, "protected over the limit", ts.open(t, "/l/"+protected+"/content", "long enough secret"), 429, "too_many_attempts")
	// Unknown tokens count as well (guessing is throttled before the lookup).
	unknown := token[:len(token)-2] + "xx"
	for range limit {
		ts.open(t, "/l/"+unknown, "")
	}
	expect(t, "guessing", ts.open(t, "/l/"+unknown, ""), 429, "too_many_attempts")
	// A minute later the link opens again.
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	expect(t, "after a minute", ts.open(t, "/l/"+token+"/content", ""), 200, "")
}

// TestLinkCancelWinsOverConcurrentOpens: visitors open a link in a loop while its
// owner cancels it. Once the cancel is acknowledged, no further open may commit:
// the opens counted right after the acknowledgement are all there will ever be,
// and every open that starts afterwards answers 410.
func TestLinkCancelWinsOverConcurrentOpens(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	w, l, token := newLinkFixture(t, ts, `{}`)
	ctx, cancel := context.WithCancel(ctxFor(t))
	defer cancel()
	var served, gone, other atomic.Int64
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				req, err := http.NewRequestWithContext(ctx, "GET", ts.url+"/l/"+token+"/content", nil)
				if err != nil {
					return
				}
				resp, err := ts.client.Do(req)
				if err != nil {
					continue // the context ended
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case 200:
					served.Add(1)
				case 410:
					gone.Add(1)
				default:
					other.Add(1)
				}
			}
		}()
	}
	for served.Load() < 10 {
		time.Sleep(time.Millisecond)
	}
	a := ts.send(t, &w.provider, "POST", "/api/v1/links/"+l.ID.String()+"/cancel", "")
	expectWritten(t, "cancel", a, 200)
	atCancel := countEventsOfType(t, ts, "LinkOpened")
	for gone.Load() < 20 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	wg.Wait()
	if after := countEventsOfType(t, ts, "LinkOpened"); after != atCancel {
		t.Fatalf("%d opens committed after the cancel was acknowledged", after-atCancel)
	}
	if other.Load() != 0 {
		t.Fatalf("%d answers neither 200 nor 410", other.Load())
	}
	if int64(atCancel) < served.Load()-6 || int64(atCancel) > served.Load()+6 {
		t.Fatalf("opens recorded %d, content served %d", atCancel, served.Load())
	}
	expect(t, "open after cancel", ts.open(t, "/l/"+token+"/content", ""), 410, "link_gone")
}

// TestOldInStreamOpensStillCount: opens recorded before opens had streams of their
// own (LinkOpened in the link's stream) still decode, replay and count in the
// share history next to new ones.
func TestOldInStreamOpensStillCount(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	w, l, token := newLinkFixture(t, ts, `{}`)
	old := time.Now().UTC().Add(-time.Hour).Truncate(time.Microsecond)
	for v := int64(1); v <= 3; v++ {
		if _, err := ts.store.Append(ctxFor(t), app.Batch{
			Streams: []app.StreamAppend{{StreamID: domain.LinkStream(l.ID), ExpectedVersion: v,
				Events: []domain.Event{domain.LinkOpened{LinkID: l.ID, ProviderID: w.provider.CompanyID, DocumentID: w.doc.ID, Version: 1, OpenedAt: old}}}},
			Meta:       domain.Metadata{ActorKind: domain.ActorPublic, TenantID: w.provider.CompanyID, CorrelationID: uuid.New()},
			RecordedAt: old,
		}); err != nil {
			t.Fatal(err)
		}
	}
	expect(t, "open", ts.open(t, "/l/"+token+"/content", ""), 200, "")
	h := readAll[historyItem](t, ts, &w.provider, "/api/v1/documents/"+w.doc.ID.String()+"/share-history", 50)
	if len(h) != 1 || h[0].OpenedCount != 4 || h[0].LastOpenedAt == nil || !h[0].LastOpenedAt.After(old) {
		t.Fatalf("history %+v", h)
	}
	// The link still cancels, and an old-style stream still refuses opens after.
	expectWritten(t, "cancel", ts.send(t, &w.provider, "POST", "/api/v1/links/"+l.ID.String()+"/cancel", ""), 200)
	expect(t, "open after cancel", ts.open(t, "/l/"+token+"/content", ""), 410, "link_gone")
}
