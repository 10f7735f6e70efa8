package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/sharehub/sharehub/httpapi/throttle"
)

// The link page answers HTML; the spec checker reads it as text (kin-openapi
// knows text/plain only).
func init() { openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder) }

const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// TestLinkPageNegotiation: API clients keep the JSON of GET /l/{token} (Accept
// application/json, */* or none); a browser gets the page, with the link
// headers, a CSP without script and Vary: Accept.
func TestLinkPageNegotiation(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	_, _, token := newLinkFixture(t, ts, `{}`)
	for _, accept := range []string{"", "application/json", "*/*", "text/html;q=0.5, application/json"} {
		a := ts.do(t, ts.client, "GET", "/l/"+token, http.Header{"Accept": {accept}}, "")
		if a.status != 200 || !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
			t.Fatalf("Accept %q: %d %s %s", accept, a.status, a.header.Get("Content-Type"), a.body)
		}
		decodeAs[linkMetadataResponse](t, a)
	}
	a := ts.do(t, ts.client, "GET", "/l/"+token, http.Header{"Accept": {browserAccept}}, "")
	if a.status != 200 || a.header.Get("Content-Type") != "text/html; charset=utf-8" || !strings.Contains(a.body, "<h1>manual.pdf</h1>") {
		t.Fatalf("page: %d %s %s", a.status, a.header.Get("Content-Type"), a.body)
	}
	expectLinkHeaders(t, "page", a)
	csp := a.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe-inline") ||
		strings.Contains(a.body, "<script") {
		t.Fatalf("CSP %q", csp)
	}
	if a.header.Get("Vary") != "Accept" {
		t.Fatalf("Vary %q", a.header.Get("Vary"))
	}
}

// postLinkForm posts the link page's form as a browser does.
func (ts *testServer) postLinkForm(t *testing.T, token string, form url.Values) answer {
	t.Helper()
	return ts.do(t, ts.client, "POST", "/l/"+token, http.Header{"Accept": {browserAccept},
		"Content-Type": {"application/x-www-form-urlencoded"}}, form.Encode())
}

// TestLinkPageFormPasswordIsThrottledAndRecorded: the page's form is a second
// door to the password check, so it has the same locks as X-Link-Password:
// a wrong password is recorded and serves nothing; past the attempt limit even
// the right one is refused (429 page, Retry-After) and nothing is opened; a
// right password with a download button serves the file and records the open.
func TestLinkPageFormPasswordIsThrottledAndRecorded(t *testing.T) {
	t.Parallel()
	const attempts = 3
	ts := newTestServer(t, func(c *Config) { c.LinkThrottle = throttle.Config{Burst: attempts, Every: time.Hour} }, nil)
	w, _, open := newLinkFixture(t, ts, `{"password":"long enough secret"}`)
	a := ts.send(t, &w.provider, "POST", "/api/v1/documents/"+w.doc.ID.String()+"/links", `{"password":"another long secret"}`)
	expectWritten(t, "second link", a, 201)
	guarded := linkToken(t, decodeAs[linkResponse](t, a))

	// Without a password the page asks for one and names nothing.
	a = ts.do(t, ts.client, "GET", "/l/"+guarded, http.Header{"Accept": {browserAccept}}, "")
	if a.status != 401 || !strings.Contains(a.body, `type="password"`) || strings.Contains(a.body, "manual.pdf") {
		t.Fatalf("protected page: %d %s", a.status, a.body)
	}
	for i := range attempts {
		a = ts.postLinkForm(t, guarded, url.Values{"password": {"guess " + strconv.Itoa(i)}, "disposition": {"attachment"}})
		if a.status != 401 || !strings.Contains(a.body, "Wrong password") || strings.Contains(a.body, "%PDF") {
			t.Fatalf("wrong password %d: %d %s", i, a.status, a.body)
		}
	}
	if n := countEventsOfType(t, ts, "LinkPasswordRejected"); n != attempts {
		t.Fatalf("%d rejections recorded, want %d", n, attempts)
	}
	before := countEvents(t, ts)
	a = ts.postLinkForm(t, guarded, url.Values{"password": {"another long secret"}, "disposition": {"attachment"}})
	if a.status != 429 || !strings.Contains(a.body, "Too many attempts") || a.header.Get("Retry-After") == "" || strings.Contains(a.body, "%PDF") {
		t.Fatalf("over the limit: %d %v %s", a.status, a.header, a.body)
	}
	expectLinkHeaders(t, "429 page", a)
	if countEvents(t, ts) != before || countEventsOfType(t, ts, "LinkOpened") != 0 {
		t.Fatal("a throttled form attempt appended")
	}

	// The other link: the right password shows the page, its button downloads.
	a = ts.postLinkForm(t, open, url.Values{"password": {"long enough secret"}})
	if a.status != 200 || !strings.Contains(a.body, "<h1>manual.pdf</h1>") || !strings.Contains(a.body, `value="attachment"`) {
		t.Fatalf("right password: %d %s", a.status, a.body)
	}
	a = ts.postLinkForm(t, open, url.Values{"password": {"long enough secret"}, "disposition": {"attachment"}})
	if a.status != 200 || a.body != "%PDF-1.4 the manual" || !strings.HasPrefix(a.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("download: %d %v %q", a.status, a.header, a.body)
	}
	expectLinkHeaders(t, "download", a)
	if n := countEventsOfType(t, ts, "LinkOpened"); n != 1 {
		t.Fatalf("%d opens recorded, want 1", n)
	}
}

// TestLinkPageGone: a cancelled link's page says so in words with the API's
// 410; an unknown one with 404; neither is JSON.
func TestLinkPageGone(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	w, l, token := newLinkFixture(t, ts, `{}`)
	expectWritten(t, "cancel", ts.send(t, &w.provider, "POST", "/api/v1/links/"+l.ID.String()+"/cancel", ""), 200)
	a := ts.do(t, ts.client, "GET", "/l/"+token, http.Header{"Accept": {browserAccept}}, "")
	if a.status != 410 || !strings.Contains(a.body, "Link no longer available") || strings.Contains(a.body, "link_gone") {
		t.Fatalf("gone: %d %s", a.status, a.body)
	}
	a = ts.do(t, ts.client, "GET", "/l/"+token[:len(token)-3]+"xyz", http.Header{"Accept": {browserAccept}}, "")
	if a.status != 404 || !strings.Contains(a.body, "Link not found") {
		t.Fatalf("unknown: %d %s", a.status, a.body)
	}
	// A form that is not one changes nothing and says why.
	a = ts.do(t, ts.client, "POST", "/l/"+token, http.Header{"Content-Type": {"application/json"}}, `{}`)
	expect(t, "json post", a, 400, "validation_failed")
}
