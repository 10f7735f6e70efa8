package httpapi

import (
	"bytes"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// browser is a test client of the web console: a cookie jar, redirects
// followed as a browser follows them, and forms sent with the CSRF token of the
// page they came from. It talks to the real router and PostgreSQL.
type browser struct {
	t    *testing.T
	ts   *testServer
	hc   *http.Client
	last htmlPage
}

// htmlPage is one answer of the console.
type htmlPage struct {
	status int
	url    string // after redirects
	header http.Header
	body   string
}

func (ts *testServer) browser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, ts: ts, hc: &http.Client{Jar: jar}}
}

// signedIn is a browser holding acc's session (the cookie is the session token,
// as the console's sign-in sets it).
func (ts *testServer) signedIn(t *testing.T, acc account) *browser {
	b := ts.browser(t)
	u, _ := url.Parse(ts.url)
	b.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "sharehub_session", Value: acc.Token, Path: "/"}})
	return b
}

func (b *browser) do(req *http.Request) htmlPage {
	b.t.Helper()
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	p := htmlPage{status: resp.StatusCode, url: resp.Request.URL.RequestURI(), header: resp.Header, body: string(body)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		b.last = p
		checkPage(b.t, p)
	}
	return p
}

func (b *browser) get(path string) htmlPage {
	b.t.Helper()
	b.ts.settle(b.t)
	req, err := http.NewRequestWithContext(ctxFor(b.t), "GET", b.ts.url+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends form as a browser would from the last page: with its CSRF token
// unless form sets csrf itself (an empty value sends none).
func (b *browser) post(path string, form url.Values) htmlPage {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf())
	} else if form.Get("csrf") == "" {
		form.Del("csrf")
	}
	req, err := http.NewRequestWithContext(ctxFor(b.t), "POST", b.ts.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the token of the last page (a fresh page is fetched when none).
func (b *browser) csrf() string {
	b.t.Helper()
	if m := csrfInput.FindStringSubmatch(b.last.body); m != nil {
		return html.UnescapeString(m[1])
	}
	b.get("/app/signin")
	if m := csrfInput.FindStringSubmatch(b.last.body); m != nil {
		return html.UnescapeString(m[1])
	}
	b.t.Fatal("no CSRF token in the page")
	return ""
}

// expect checks status, final path prefix and that each text is in the page.
func (p htmlPage) expect(t *testing.T, what string, status int, path string, texts ...string) {
	t.Helper()
	if p.status != status || (path != "" && !strings.HasPrefix(p.url, path)) {
		t.Fatalf("%s: %d at %s, want %d at %s\n%s", what, p.status, p.url, status, path, p.body)
	}
	for _, s := range texts {
		if !strings.Contains(p.body, s) {
			t.Fatalf("%s: the page lacks %q\n%s", what, s, p.body)
		}
	}
}

// lacks fails when any text is in the page.
func (p htmlPage) lacks(t *testing.T, what string, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(p.body, s) {
			t.Fatalf("%s: the page shows %q", what, s)
		}
	}
}

// settle waits until the read models have applied every write made so far
// (API calls of a test's setup do not wait for them; the console's own writes do).
func (ts *testServer) settle(t *testing.T) {
	t.Helper()
	if pos := ts.lastPosition(t); pos == 0 {
		return
	} else if err := ts.fresh.Wait(ctxFor(t), pos, readGroups...); err != nil {
		t.Fatal(err)
	}
}

// upload sends a multipart form as the console's upload forms do without
// JavaScript: the CSRF token first (csrf "" sends none), then the fields, then
// the file.
func (b *browser) upload(path, csrf string, fields [][2]string, fileName, content string) htmlPage {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if csrf != "" {
		_ = mw.WriteField("csrf", csrf)
	}
	for _, f := range fields {
		_ = mw.WriteField(f[0], f[1])
	}
	fw, err := mw.CreateFormFile("file", fileName)
	if err != nil {
		b.t.Fatal(err)
	}
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	req, err := http.NewRequestWithContext(ctxFor(b.t), "POST", b.ts.url+path, &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// eventCount counts the log's events (a refused request appends none).
func (ts *testServer) eventCount(t *testing.T) int64 {
	t.Helper()
	var n int64
	if err := ts.pool.QueryRow(ctxFor(t), `SELECT count(*) FROM events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var hrefID = regexp.MustCompile(`/app/library/(?:documents|folders)/([0-9a-f-]{36})`)

// idIn is the id in the path p ends at (…/folders/{id} or …/documents/{id}).
func idIn(t *testing.T, p string) string {
	t.Helper()
	m := hrefID.FindStringSubmatch(p)
	if m == nil {
		t.Fatalf("no id in %s", p)
	}
	return m[1]
}

// regexpFind is the first group of pattern in s.
func regexpFind(t *testing.T, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("%s not found in\n%s", pattern, s)
	}
	return html.UnescapeString(m[1])
}

func mustUUID(t *testing.T, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

var (
	controlTag = regexp.MustCompile(`<(input|select|textarea)\b[^>]*>`)
	attrID     = regexp.MustCompile(`\sid="([^"]+)"`)
	attrType   = regexp.MustCompile(`\stype="([^"]+)"`)
	inlineCode = regexp.MustCompile(`<script>|<script [^>]*>[^<]|\sstyle="|\son[a-z]+="|javascript:`)
)

// checkPage holds every console page to the floor: every visible
// control has a label (an id and a <label for> of that id), ids are unique,
// and nothing inline could need the CSP relaxed.
func checkPage(t *testing.T, p htmlPage) {
	t.Helper()
	seen := map[string]bool{}
	for _, m := range attrID.FindAllStringSubmatch(p.body, -1) {
		if seen[m[1]] {
			t.Fatalf("%s: id %q twice", p.url, m[1])
		}
		seen[m[1]] = true
	}
	for _, tag := range controlTag.FindAllString(p.body, -1) {
		if ty := attrType.FindStringSubmatch(tag); ty != nil && (ty[1] == "hidden" || ty[1] == "submit") {
			continue
		}
		id := attrID.FindStringSubmatch(tag)
		if id == nil || !strings.Contains(p.body, `<label for="`+id[1]+`"`) {
			t.Fatalf("%s: control without a label: %s", p.url, tag)
		}
	}
	if m := inlineCode.FindString(p.body); m != "" {
		t.Fatalf("%s: inline script or style %q", p.url, m)
	}
}
