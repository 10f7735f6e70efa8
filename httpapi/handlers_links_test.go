package httpapi

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/throttle"
)

// linkToken is the last path segment of a link URL.
func linkToken(t *testing.T, l linkResponse) string {
	t.Helper()
	if !strings.HasPrefix(l.URL, "http://127.0.0.1:0/l/") {
		t.Fatalf("link url %q", l.URL)
	}
	return l.URL[strings.LastIndex(l.URL, "/")+1:]
}

func expectLinkHeaders(t *testing.T, what string, a answer) {
	t.Helper()
	if a.header.Get("Referrer-Policy") != "no-referrer" || a.header.Get("X-Robots-Tag") != "noindex" || a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%s: link headers missing: %v", what, a.header)
	}
}

// open calls a link route anonymously, with the password when given.
func (ts *testServer) open(t *testing.T, path, password string) answer {
	t.Helper()
	h := http.Header{}
	if password != "" {
		h.Set(LinkPasswordHeader, password)
	}
	return ts.do(t, ts.client, "GET", path, h, "")
}

func TestLinks(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now().UTC()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ts := newTestServer(t, func(c *Config) {
		c.Clock = clock
		svc, err := app.New(app.Config{Store: c.Store, Hasher: c.Hasher, Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		c.App = svc
	}, nil)
	w := newSharingWorld(t, ts)
	links := "/api/v1/documents/" + w.doc.ID.String() + "/links"

	// An open link.
	a := ts.send(t, &w.provider, "POST", links, `{}`)
	expectWritten(t, "create link", a, 201)
	open := decodeAs[linkResponse](t, a)
	token := linkToken(t, open)
	if open.ID == uuid.Nil || open.DocumentID != w.doc.ID || open.Status != "active" || open.ExpiresAt != nil || open.PasswordRequired ||
		a.header.Get("Cache-Control") != "no-store" || len(token) < 22 {
		t.Fatalf("link %+v", open)
	}
	a = ts.open(t, "/l/"+token, "")
	expect(t, "metadata", a, 200, "")
	expectLinkHeaders(t, "metadata", a)
	if m := decodeAs[linkMetadataResponse](t, a); m.Name != "manual.pdf" || m.Size != int64(len("%PDF-1.4 the manual")) || m.MediaType != "application/pdf" ||
		m.ExpiresAt != nil || m.PasswordRequired {
		t.Fatalf("metadata %+v", m)
	}
	if n := countEventsOfType(t, ts, "LinkOpened"); n != 0 {
		t.Fatalf("metadata recorded %d opens", n)
	}
	a = ts.open(t, "/l/"+token+"/content", "")
	expect(t, "content", a, 200, "")
	expectLinkHeaders(t, "content", a)
	if a.body != "%PDF-1.4 the manual" || !strings.HasPrefix(a.header.Get("Content-Disposition"), "attachment") || a.header.Get("X-Position") == "" {
		t.Fatalf("content %q %v", a.body, a.header)
	}
	if n := countEventsOfType(t, ts, "LinkOpened"); n != 1 {
		t.Fatalf("LinkOpened recorded %d times", n)
	}
	// A HEAD describes the file without opening the link.
	a = ts.do(t, ts.client, "HEAD", "/l/"+token+"/content", nil, "")
	expect(t, "HEAD content", a, 200, "")
	expectLinkHeaders(t, "HEAD content", a)
	if a.body != "" || a.header.Get("Content-Length") != "19" {
		t.Fatalf("HEAD %q %v", a.body, a.header)
	}
	if n := countEventsOfType(t, ts, "LinkOpened"); n != 1 {
		t.Fatalf("HEAD recorded an open: %d", n)
	}
	// Ranges are served, and each GET is an open.
	a = ts.do(t, ts.client, "GET", "/l/"+token+"/content", http.Header{"Range": {"bytes=0-3"}}, "")
	if a.status != 206 || a.body != "%PDF" {
		t.Fatalf("range %d %q", a.status, a.body)
	}
	if n := countEventsOfType(t, ts, "LinkOpened"); n != 2 {
		t.Fatalf("LinkOpened recorded %d times", n)
	}
	if strings.Contains(ts.log.String(), token) {
		t.Fatal("a link token reached the log")
	}

	// Unknown tokens: 404 with link headers.
	a = ts.open(t, "/l/"+strings.Repeat("A", len(token))+"/content", "")
	expect(t, "unknown token", a, 404, "not_found")
	expectLinkHeaders(t, "unknown token", a)
	expect(t, "garbage token", ts.open(t, "/l/nope", ""), 404, "not_found")

	// Validation and other companies.
	before := countEvents(t, ts)
	expectInvalid(t, ts, "expiry in the past", ts.send(t, &w.provider, "POST", links, `{"expires_at":"2001-01-01T00:00:00Z"}`), "expires_at", before)
	expectInvalid(t, ts, "expiry not a time", ts.send(t, &w.provider, "POST", links, `{"expires_at":"tomorrow"}`), "expires_at", before)
	expectInvalid(t, ts, "blank password", ts.send(t, &w.provider, "POST", links, `{"password":"   "}`), "password", before)
	expectInvalid(t, ts, "9-character password", ts.send(t, &w.provider, "POST", links, `{"password":"s3cret-pw"}`), "password", before)
	expectInvalid(t, ts, "unknown field", ts.send(t, &w.provider, "POST", links, `{"token":"mine"}`), "token", before)
	expect(t, "intruder links", ts.send(t, &w.intruder, "POST", links, `{}`), 404, "not_found")
	expect(t, "intruder cancels", ts.send(t, &w.intruder, "POST", "/api/v1/links/"+open.ID.String()+"/cancel", ""), 404, "not_found")
	expectUnchanged(t, ts, "intruder", before)
	expectInvalid(t, ts, "cancel: bad id", ts.send(t, &w.provider, "POST", "/api/v1/links/x/cancel", ""), "id", before)
	expect(t, "cancel unknown", ts.send(t, &w.provider, "POST", "/api/v1/links/"+uuid.NewString()+"/cancel", ""), 404, "not_found")

	// Cancel: final; the link is gone.
	a = ts.send(t, &w.provider, "POST", "/api/v1/links/"+open.ID.String()+"/cancel", "")
	expectWritten(t, "cancel", a, 200)
	if got := decodeAs[linkResponse](t, a); got.ID != open.ID || got.Status != "cancelled" || got.CancelledAt == nil || got.URL != "" {
		t.Fatalf("cancelled %+v", got)
	}
	before = countEvents(t, ts)
	expect(t, "cancel again", ts.send(t, &w.provider, "POST", "/api/v1/links/"+open.ID.String()+"/cancel", ""), 409, "link_gone")
	a = ts.open(t, "/l/"+token+"/content", "")
	expect(t, "open cancelled", a, 410, "link_gone")
	expectLinkHeaders(t, "open cancelled", a)
	expect(t, "metadata of cancelled", ts.open(t, "/l/"+token, ""), 410, "link_gone")
	expectUnchanged(t, ts, "cancelled link", before)

	// Expiry: gone once the instant passes.
	a = ts.send(t, &w.provider, "POST", links, `{"expires_at":"`+now.Add(time.Hour).Format(time.RFC3339)+`"}`)
	expectWritten(t, "expiring link", a, 201)
	expiring := decodeAs[linkResponse](t, a)
	if expiring.ExpiresAt == nil {
		t.Fatalf("expiring %+v", expiring)
	}
	expect(t, "before expiry", ts.open(t, "/l/"+linkToken(t, expiring)+"/content", ""), 200, "")
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	expect(t, "after expiry", ts.open(t, "/l/"+linkToken(t, expiring)+"/content", ""), 410, "link_gone")
	expect(t, "cancel expired", ts.send(t, &w.provider, "POST", "/api/v1/links/"+expiring.ID.String()+"/cancel", ""), 409, "link_gone")

	// Removing the document takes its links with it.
	a = ts.send(t, &w.provider, "POST", links, `{}`)
	expectWritten(t, "another link", a, 201)
	last := decodeAs[linkResponse](t, a)
	expectWritten(t, "remove document", ts.send(t, &w.provider, "DELETE", "/api/v1/documents/"+w.doc.ID.String(), ""), 204)
	expect(t, "link of a removed document", ts.open(t, "/l/"+linkToken(t, last)+"/content", ""), 410, "link_gone")
}

func TestProtectedLinks(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) {
		c.LinkThrottle = throttle.Config{Burst: 3, Every: time.Hour}
	}, nil)
	w := newSharingWorld(t, ts)
	a := ts.send(t, &w.provider, "POST", "/api/v1/documents/"+w.doc.ID.String()+"/links", `{"password":"open sesame"}`)
	expectWritten(t, "protected link", a, 201)
	l := decodeAs[linkResponse](t, a)
	if !l.PasswordRequired {
		t.Fatalf("link %+v", l)
	}
	token := linkToken(t, l)

	a = ts.open(t, "/l/"+token, "")
	expect(t, "metadata without password", a, 401, "password_required")
	expectLinkHeaders(t, "metadata without password", a)
	expect(t, "content without password", ts.open(t, "/l/"+token+"/content", ""), 401, "password_required")
	a = ts.open(t, "/l/"+token, "open sesame")
	expect(t, "metadata with password", a, 200, "")
	if m := decodeAs[linkMetadataResponse](t, a); !m.PasswordRequired || m.Name != "manual.pdf" {
		t.Fatalf("metadata %+v", m)
	}
	a = ts.open(t, "/l/"+token+"/content", "wrong guess")
	expect(t, "wrong password", a, 401, "password_rejected")
	expectLinkHeaders(t, "wrong password", a)
	if n := countEventsOfType(t, ts, "LinkPasswordRejected"); n != 1 {
		t.Fatalf("LinkPasswordRejected recorded %d times", n)
	}
	// Third attempt on this link is allowed, the fourth is throttled before the
	// password is checked, even the right one.
	expect(t, "right password", ts.open(t, "/l/"+token+"/content", "open sesame"), 200, "")
	before := countEvents(t, ts)
	a = ts.open(t, "/l/"+token+"/content", "open sesame")
	expect(t, "throttled", a, 429, "too_many_attempts")
	expectLinkHeaders(t, "throttled", a)
	if a.header.Get("Retry-After") == "" {
		t.Fatalf("throttled without Retry-After: %v", a.header)
	}
	expectUnchanged(t, ts, "throttled", before)
	if strings.Contains(ts.log.String(), "sesame") || strings.Contains(ts.log.String(), "wrong guess") {
		t.Fatal("a link password reached the log")
	}
}
