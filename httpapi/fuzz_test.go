package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/blobs"
	"github.com/sharehub/sharehub/eventstore/pgtest"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/projections"
)

// The fuzz targets go through the real router over real HTTP to a real database.
// One server (and database) serves a whole fuzzing run of a worker, so an input
// costs a request and two counts. Invariants, whatever the input: never a 5xx; a
// 2xx appended something and says where (X-Position); a 4xx is a problem and
// appended nothing.

// fuzzWorld is a provider with a customer, a group, a folder and a document;
// inputs name them with placeholders ($CUSTOMER, $DOCUMENT, $FOLDER, $GROUP,
// $WORKSPACE), replaced before the request is sent.
type fuzzWorld struct {
	ts       *testServer
	client   *http.Client
	provider account
	ids      *strings.Replacer
}

// newFuzzServer is newTestServer for a testing.TB (a *testing.F owns it for the
// whole run), with a plain client: fuzzed requests break the spec on purpose.
func newFuzzServer(tb testing.TB) *testServer {
	tb.Helper()
	pool, _ := pgtest.NewDatabase(tb)
	store := eventstore.New(pool, nil)
	blobStore, err := blobs.New(blobs.Config{Root: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	hasher, err := auth.NewArgon2id(cheapArgon2)
	if err != nil {
		tb.Fatal(err)
	}
	svc, err := app.New(app.Config{Store: store, Hasher: hasher})
	if err != nil {
		tb.Fatal(err)
	}
	logs := &syncBuffer{}
	reg := prometheus.NewRegistry()
	s, err := New(Config{
		Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		Pool:   pool, Store: store, Blobs: blobStore, Hasher: hasher, App: svc,
		ReadModels: projections.NewReadModels(pool, store),
		Registerer: reg, Gatherer: reg,
		PublicBaseURL:  "http://127.0.0.1:0",
		MaxJSONBytes:   64 << 10,
		MaxUploadBytes: 64 << 10,
	})
	if err != nil {
		tb.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	tb.Cleanup(srv.Close)
	return &testServer{Server: s, url: srv.URL, store: store, log: logs, client: srv.Client()}
}

// call sends one request; transport errors fail tb.
func (fw *fuzzWorld) call(tb testing.TB, who *account, method, path string, h http.Header, body []byte) answer {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, fw.ts.url+path, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	if who != nil {
		req.Header.Set("Authorization", "Bearer "+who.Token)
	}
	resp, err := fw.client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func (fw *fuzzWorld) written(tb testing.TB, what string, a answer, status int, v any) {
	tb.Helper()
	if a.status != status {
		tb.Fatalf("%s: %d %s", what, a.status, a.body)
	}
	if err := json.Unmarshal([]byte(a.body), v); err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}

func (fw *fuzzWorld) events(tb testing.TB) int {
	tb.Helper()
	var n int
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := fw.ts.pool.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func newFuzzWorld(tb testing.TB) *fuzzWorld {
	tb.Helper()
	ts := newFuzzServer(tb)
	fw := &fuzzWorld{ts: ts, client: &http.Client{Timeout: time.Minute}}
	signup := func(name string) account {
		var acc account
		fw.written(tb, "signup "+name, fw.call(tb, nil, "POST", "/api/v1/signup", jsonHeader,
			[]byte(`{"company_name":"`+name+`","name":"Admin","email":"admin@`+strings.ToLower(strings.Fields(name)[0])+`.test","password":"correct horse battery"}`)), 201, &acc)
		return acc
	}
	fw.provider = signup("Provider Ltd")
	customer := signup("Customer GmbH")
	var c customerResponse
	fw.written(tb, "connect", fw.call(tb, &fw.provider, "POST", "/api/v1/customers", jsonHeader,
		[]byte(`{"company_id":"`+customer.CompanyID.String()+`"}`)), 201, &c)
	var g groupResponse
	fw.written(tb, "group", fw.call(tb, &fw.provider, "POST", "/api/v1/groups", jsonHeader, []byte(`{"name":"Key"}`)), 201, &g)
	var f folderResponse
	fw.written(tb, "folder", fw.call(tb, &fw.provider, "POST", "/api/v1/folders", jsonHeader, []byte(`{"name":"Manuals"}`)), 201, &f)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("folder_id", f.ID.String())
	part, _ := mw.CreateFormFile("file", "manual.pdf")
	_, _ = part.Write([]byte("%PDF-1.4 the manual"))
	_ = mw.Close()
	var d documentResponse
	fw.written(tb, "document", fw.call(tb, &fw.provider, "POST", "/api/v1/documents",
		http.Header{"Content-Type": {mw.FormDataContentType()}}, buf.Bytes()), 201, &d)
	fw.ids = strings.NewReplacer("$CUSTOMER", c.ID.String(), "$DOCUMENT", d.ID.String(), "$FOLDER", f.ID.String(),
		"$GROUP", g.ID.String(), "$WORKSPACE", c.WorkspaceFolderID.String(), "$RANDOM", uuid.NewString())
	return fw
}

// check holds the invariants of one fuzzed request.
func (fw *fuzzWorld) check(t *testing.T, what string, a answer, before int) {
	t.Helper()
	after := fw.events(t)
	switch {
	case a.status >= 500:
		t.Fatalf("%s: %d %s", what, a.status, a.body)
	case a.status >= 200 && a.status < 300:
		// A write either appended and says where (X-Position), or found the state
		// already as asked (setting a flag to its value) and appended nothing.
		p, err := strconv.ParseInt(a.header.Get("X-Position"), 10, 64)
		switch {
		case after > before && (err != nil || p < 1):
			t.Fatalf("%s: %d appended without X-Position", what, a.status)
		case after == before && a.header.Get("X-Position") != "":
			t.Fatalf("%s: %d appended nothing yet answered X-Position %s", what, a.status, a.header.Get("X-Position"))
		case after < before:
			t.Fatalf("%s: events vanished", what)
		}
	case a.status >= 400:
		if after != before {
			t.Fatalf("%s: %d appended %d events: %s", what, a.status, after-before, a.body)
		}
		var p problemBody
		if a.header.Get("Content-Type") != "application/problem+json" || json.Unmarshal([]byte(a.body), &p) != nil ||
			p.Status != a.status || p.Code == "" {
			t.Fatalf("%s: %d is not a problem: %q %s", what, a.status, a.header.Get("Content-Type"), a.body)
		}
	default:
		t.Fatalf("%s: unexpected %d %s", what, a.status, a.body)
	}
}

// fuzzJSONRoutes are the JSON write routes FuzzJSONEndpoints aims at (the input's
// first byte picks one).
var fuzzJSONRoutes = []struct{ method, path string }{
	{"POST", "/api/v1/shares"},
	{"POST", "/api/v1/customers/invitations"},
	{"POST", "/api/v1/folders"},
	{"POST", "/api/v1/documents/$DOCUMENT/links"},
	{"POST", "/api/v1/groups"},
	{"POST", "/api/v1/customers"},
	{"PUT", "/api/v1/customers/$CUSTOMER/master-access"},
	{"PUT", "/api/v1/customers/$CUSTOMER/portal-settings"},
	{"PUT", "/api/v1/customers/$CUSTOMER/group"},
	{"POST", "/api/v1/customers/$CUSTOMER/users/invitations"},
	{"PUT", "/api/v1/settings/portal"},
	{"POST", "/api/v1/staff/invitations"},
	{"PUT", "/api/v1/documents/$DOCUMENT/versions/1/visibility"},
	{"POST", "/api/v1/customers/$CUSTOMER/pause"},
	{"POST", "/api/v1/customers/$CUSTOMER/resume"},
	{"POST", "/api/v1/signup"},
	{"POST", "/api/v1/sessions"},
	{"POST", "/api/v1/register"},
	{"POST", "/api/v1/invitations/$RANDOM/accept"},
	{"POST", "/api/v1/password-resets"},
	{"POST", "/api/v1/password-resets/$RANDOM"},
	{"POST", "/api/v1/me/password"},
}

// fuzzJSONSeeds are valid bodies and near misses, by route index.
var fuzzJSONSeeds = []struct {
	route uint8
	body  string
}{
	{0, `{"customer_id":"$CUSTOMER","document_id":"$DOCUMENT","permission":"view"}`},
	{0, `{"customer_id":"$CUSTOMER","folder_id":"$FOLDER","permission":"edit"}`},
	{0, `{"customer_id":"$CUSTOMER","document_id":"$DOCUMENT","folder_id":"$FOLDER","permission":"view"}`},
	{1, `{"company_name":"Prospect","contact_name":"Pat","email":"pat@prospect.test","group_id":"$GROUP"}`},
	{1, `{"company_name":"Prospect","contact_name":"Pat","email":"pat@prospect.test"}`},
	{2, `{"name":"Reports"}`},
	{2, `{"name":"Inside","parent_id":"$FOLDER"}`},
	{2, `{"name":"Theirs","customer_id":"$CUSTOMER"}`},
	{2, `{"name":"Deeper","parent_id":"$WORKSPACE","customer_id":"$CUSTOMER"}`},
	{3, `{}`},
	{3, `{"expires_at":"2099-01-01T00:00:00Z","password":"correct horse battery"}`},
	{3, `{"expires_at":"2000-01-01T00:00:00Z"}`},
	{4, `{"name":"Sales"}`},
	{4, `{"name":"Sales","name":"Other"}`},
	{2, `{"name":"\ud800"}`},
	{2, `{"name":1e400}`},
	{5, `{"company_id":"$RANDOM"}`},
	{6, `{"enabled":true}`},
	{7, `{"documents_enabled":null}`},
	{8, `{"group_id":"$GROUP"}`},
	{9, `{"name":"Second User","email":"second@customer.test"}`},
	{10, `{"documents_enabled_default":false}`},
	{11, `{"name":"New Staff","email":"new.staff@provider.test","admin":false,"can_share":true,"auditor":false}`},
	{12, `{"visible":false}`},
	{13, ``},
	{14, ``},
	{15, `{"company_name":"Fuzzed Co","name":"Fuzz","email":"fuzz@fuzz.test","password":"correct horse battery"}`},
	{16, `{"email":"nobody@fuzz.test","password":"wrong password here"}`},
	{17, `{"group_code":"Nope-0000","company_name":"X","name":"Y","email":"y@fuzz.test","password":"correct horse battery"}`},
	{18, `{"name":"Z","password":"correct horse battery"}`},
	{19, `{"email":"nobody@fuzz.test"}`},
	{19, `{"email":"nobody@fuzz.test","email":"x"}`},
	{20, `{"password":"correct horse battery"}`},
	{21, `{"current_password":"wrong password here","new_password":"another long secret"}`},
	{21, `{"current_password":"","new_password":"short"}`},
}

func FuzzJSONEndpoints(f *testing.F) {
	fw := newFuzzWorld(f)
	for _, s := range fuzzJSONSeeds {
		f.Add(s.route, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := fuzzJSONRoutes[int(route)%len(fuzzJSONRoutes)]
		path := fw.ids.Replace(r.path)
		b := []byte(fw.ids.Replace(string(body)))
		before := fw.events(t)
		a := fw.call(t, &fw.provider, r.method, path, jsonHeader, b)
		fw.check(t, r.method+" "+r.path, a, before)
	})
}

// fuzzMultipartSeed builds a multipart body with the fields and a file part.
func fuzzMultipartSeed(boundary string, fields [][2]string, fileName, content string) []byte {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.SetBoundary(boundary); err != nil {
		panic(err)
	}
	for _, kv := range fields {
		_ = mw.WriteField(kv[0], kv[1])
	}
	if fileName != "-" {
		p, _ := mw.CreateFormFile("file", fileName)
		_, _ = p.Write([]byte(content))
	}
	_ = mw.Close()
	return buf.Bytes()
}

// validHeaderValue is what net/http's client accepts in a header value.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; (b < ' ' && b != '\t') || b == 0x7f {
			return false
		}
	}
	return true
}

func FuzzMultipartUpload(f *testing.F) {
	fw := newFuzzWorld(f)
	folder := [2]string{"folder_id", "$FOLDER"}
	f.Add("XyZ", fuzzMultipartSeed("XyZ", [][2]string{folder}, "a.txt", "hello"))
	f.Add("XyZ", fuzzMultipartSeed("XyZ", [][2]string{folder, {"name", "Report"}, {"hidden", "true"}}, "r.pdf", "%PDF-1.4 x"))
	f.Add("XyZ", fuzzMultipartSeed("XyZ", [][2]string{folder}, "../../etc/passwd", "root:x:0:0"))
	f.Add("XyZ", fuzzMultipartSeed("XyZ", [][2]string{folder}, "-", ""))
	f.Add("XyZ", fuzzMultipartSeed("XyZ", [][2]string{folder, {"folder_id", "$FOLDER"}}, "a.txt", "twice"))
	f.Add("XyZ", fuzzMultipartSeed("XyZ", [][2]string{{"folder_id", "$WORKSPACE"}, {"owner", "x"}}, "a.txt", "unknown"))
	f.Add(`"quoted boundary"`, fuzzMultipartSeed("quoted boundary", [][2]string{folder}, "q.txt", "quoted"))
	f.Add("XyZ", fuzzMultipartSeed("XyZ", [][2]string{folder}, "a.txt", "truncated")[:60])
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		ct := "multipart/form-data; boundary=" + boundary
		if !validHeaderValue(ct) {
			t.Skip("not a header value the client sends")
		}
		b := []byte(fw.ids.Replace(string(body)))
		before := fw.events(t)
		a := fw.call(t, &fw.provider, "POST", "/api/v1/documents", http.Header{"Content-Type": {ct}}, b)
		fw.check(t, "POST /api/v1/documents", a, before)
	})
}
