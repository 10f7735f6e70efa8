package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/eventstore/blobs"
)

// Hostile inputs: each is refused with a 4xx problem (never a 5xx) and appends
// nothing; the few that are legitimate (odd file names, SQL metacharacters) are
// stored literally and come back harmless. Requests go through a plain client:
// they break openapi.yaml on purpose.

const (
	hostileMaxJSON   = 64 << 10
	hostileMaxUpload = 4 << 10
)

type hostileWorld struct {
	ts       *testServer
	blobRoot string
	sharingWorld
	portal string // the customer's portal of the provider
}

// newHostileWorld builds the server (with the projections running when reads is
// set) and a provider with a customer (master access on), a folder and a document.
func newHostileWorld(t *testing.T, reads bool) *hostileWorld {
	t.Helper()
	root := filepath.Join(t.TempDir(), "blobs")
	adjust := func(c *Config) {
		c.MaxJSONBytes = hostileMaxJSON
		c.MaxUploadBytes = hostileMaxUpload
		b, err := blobs.New(blobs.Config{Root: root})
		if err != nil {
			t.Fatal(err)
		}
		c.Blobs = b
	}
	var ts *testServer
	if reads {
		ts = newReadServer(t, adjust)
	} else {
		ts = newTestServer(t, adjust, nil)
	}
	w := &hostileWorld{ts: ts, blobRoot: root, sharingWorld: newSharingWorld(t, ts)}
	expectWritten(t, "master access", ts.send(t, &w.provider, "PUT", "/api/v1/customers/"+w.c.ID.String()+"/master-access", `{"enabled":true}`), 200)
	w.portal = "/api/v1/portal/providers/" + w.provider.CompanyID.String()
	if reads {
		// The read models know everyone before the attacks start (audit routes take
		// the caller's role from them).
		expect(t, "provider resolved", ts.read(t, &w.provider, "/api/v1/groups"), 200, "")
		expect(t, "customer resolved", ts.read(t, &w.customer, "/api/v1/portal/providers"), 200, "")
	}
	return w
}

var hostileClient = &http.Client{}

// raw sends body as is with a plain client.
func (ts *testServer) raw(t *testing.T, who *account, method, path string, h http.Header, body []byte) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxFor(t), method, ts.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	if who != nil {
		req.Header.Set("Authorization", "Bearer "+who.Token)
	}
	resp, err := hostileClient.Do(req)
	if err != nil {
		t.Fatalf("%s %.200s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

type problemBody struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Field  string `json:"field"`
}

// expectRefused checks a 4xx problem (status and code when given, else any 4xx)
// and that nothing was appended since before; it returns the problem.
func expectRefused(t *testing.T, ts *testServer, what string, a answer, status int, code string, before int) problemBody {
	t.Helper()
	var p problemBody
	switch {
	case a.status < 400 || a.status >= 500 || (status != 0 && a.status != status):
		t.Errorf("%s: want %d %s, got %d %.500s", what, status, code, a.status, a.body)
	case a.header.Get("Content-Type") != "application/problem+json":
		t.Errorf("%s: %d is not a problem: %q", what, a.status, a.header.Get("Content-Type"))
	case !utf8.ValidString(a.body) || json.Unmarshal([]byte(a.body), &p) != nil:
		t.Errorf("%s: the problem is not valid JSON: %.300q", what, a.body)
	case p.Status != a.status || (code != "" && p.Code != code):
		t.Errorf("%s: want code %s, got %+v", what, code, p)
	}
	if n := countEvents(t, ts); n != before {
		t.Errorf("%s: a refused request appended %d events", what, n-before)
	}
	return p
}

var jsonHeader = http.Header{"Content-Type": {"application/json"}}

// hostileJSONRoute is a JSON write route with one of its string members.
type hostileJSONRoute struct {
	method, path string
	public       bool
	field        string // a member the route declares
	value        string // a valid JSON value of it
	rest         string // other members making the body valid but for the attack (`,"x":1` form)
}

func TestHostileJSON(t *testing.T) {
	t.Parallel()
	w := newHostileWorld(t, false)
	ts := w.ts
	id := func(u uuid.UUID) string { return u.String() }
	routes := []hostileJSONRoute{
		{"POST", "/api/v1/folders", false, "name", `"Reports"`, ``},
		{"POST", "/api/v1/shares", false, "permission", `"view"`, `,"customer_id":"` + id(w.c.ID) + `","document_id":"` + id(w.doc.ID) + `"`},
		{"POST", "/api/v1/customers/invitations", false, "company_name", `"Prospect"`, `,"contact_name":"P","email":"p@prospect.test"`},
		{"POST", "/api/v1/groups", false, "name", `"Sales"`, ``},
		{"PUT", "/api/v1/customers/" + id(w.c.ID) + "/portal-settings", false, "documents_enabled", `false`, ``},
		{"POST", "/api/v1/documents/" + id(w.doc.ID) + "/links", false, "password", `"correct horse battery"`, ``},
		{"POST", "/api/v1/staff/invitations", false, "name", `"Sam"`, `,"email":"sam@provider.test"`},
		{"POST", "/api/v1/signup", true, "company_name", `"Newco"`, `,"name":"N","email":"n@newco.test","password":"correct horse battery"`},
		{"POST", "/api/v1/register", true, "company_name", `"Newco"`, `,"group_code":"Nope-0000","name":"N","email":"n@newco.test","password":"correct horse battery"`},
	}
	deepArray := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	deepObject := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
	type attack struct {
		name   string
		ctype  string
		body   func(r hostileJSONRoute) string
		status int
		code   string
		field  func(r hostileJSONRoute) string // "" does not check
	}
	body := func(f func(r hostileJSONRoute) string) func(r hostileJSONRoute) string { return f }
	named := func(f string) func(hostileJSONRoute) string { return func(hostileJSONRoute) string { return f } }
	member := func(r hostileJSONRoute) string { return r.field }
	attacks := []attack{
		{"huge string beyond MaxJSONBytes", "", body(func(r hostileJSONRoute) string {
			return `{"` + r.field + `":"` + strings.Repeat("a", 2<<20) + `"` + r.rest + `}`
		}), 413, "payload_too_large", nil},
		{"one byte beyond MaxJSONBytes (white space)", "", body(func(r hostileJSONRoute) string {
			b := `{"` + r.field + `":` + r.value + r.rest + `}`
			return b + strings.Repeat(" ", hostileMaxJSON+1-len(b))
		}), 413, "payload_too_large", nil},
		{"many members", "", body(func(r hostileJSONRoute) string {
			var b strings.Builder
			b.WriteString(`{"` + r.field + `":` + r.value)
			for i := 0; b.Len() < 4*hostileMaxJSON; i++ {
				fmt.Fprintf(&b, `,"m%d":0`, i)
			}
			return b.String() + "}"
		}), 413, "payload_too_large", nil},
		{"10,000 nested arrays", "", body(func(r hostileJSONRoute) string { return `{"` + r.field + `":` + deepArray + r.rest + `}` }), 400, "validation_failed", nil},
		{"10,000 nested objects", "", body(func(r hostileJSONRoute) string { return `{"` + r.field + `":` + deepObject + r.rest + `}` }), 400, "validation_failed", nil},
		{"10,000 nested arrays at the top", "", body(func(hostileJSONRoute) string { return deepArray }), 400, "validation_failed", named("body")},
		{"10,000 unclosed arrays", "", body(func(hostileJSONRoute) string { return strings.Repeat("[", 10000) }), 400, "validation_failed", named("body")},
		{"invalid UTF-8 in a string", "", body(func(r hostileJSONRoute) string { return `{"` + r.field + `":"a\xff\xfeb"` + r.rest + `}` }), 400, "validation_failed", named("body")},
		{"overlong UTF-8 slash", "", body(func(r hostileJSONRoute) string { return `{"` + r.field + `":"..\xc0\xaf.."` + r.rest + `}` }), 400, "validation_failed", named("body")},
		{"UTF-8 surrogate", "", body(func(r hostileJSONRoute) string { return `{"` + r.field + `":"\xed\xa0\x80"` + r.rest + `}` }), 400, "validation_failed", named("body")},
		{"invalid UTF-8 in a member name", "", body(func(r hostileJSONRoute) string { return `{"` + r.field + `":` + r.value + r.rest + `,"\xff":1}` }), 400, "validation_failed", named("body")},
		{"escaped lone surrogate", "", body(func(r hostileJSONRoute) string { return `{"` + r.field + `":"\ud800"` + r.rest + `}` }), 400, "validation_failed", nil},
		{"unknown field", "", body(func(r hostileJSONRoute) string { return `{"` + r.field + `":` + r.value + r.rest + `,"is_admin":true}` }), 400, "validation_failed", named("is_admin")},
		{"field in another case", "", body(func(r hostileJSONRoute) string {
			return `{"` + strings.ToUpper(r.field) + `":` + r.value + r.rest + `}`
		}), 400, "validation_failed", func(r hostileJSONRoute) string { return strings.ToUpper(r.field) }},
		{"unknown field with control characters", "", body(func(r hostileJSONRoute) string {
			return `{"` + r.field + `":` + r.value + r.rest + `,"a\r\nX-Injected: 1":1}`
		}), 400, "validation_failed", nil},
		{"duplicated key", "", body(func(r hostileJSONRoute) string {
			return `{"` + r.field + `":` + r.value + `,"` + r.field + `":` + r.value + r.rest + `}`
		}), 400, "validation_failed", member},
		{"wrong type: number", "", body(func(r hostileJSONRoute) string { return `{"` + r.field + `":12345` + r.rest + `}` }), 400, "validation_failed", member},
		{"wrong type: array", "", body(func(r hostileJSONRoute) string { return `{"` + r.field + `":[` + r.value + `]` + r.rest + `}` }), 400, "validation_failed", member},
		{"wrong type: object", "", body(func(r hostileJSONRoute) string { return `{"` + r.field + `":{"$ne":null}` + r.rest + `}` }), 400, "validation_failed", member},
		{"huge number", "", body(func(r hostileJSONRoute) string { return `{"` + r.field + `":1e999999` + r.rest + `}` }), 400, "validation_failed", nil},
		{"array body", "", body(func(hostileJSONRoute) string { return `[]` }), 400, "validation_failed", named("body")},
		{"string body", "", body(func(hostileJSONRoute) string { return `"x"` }), 400, "validation_failed", named("body")},
		{"null body", "", body(func(hostileJSONRoute) string { return `null` }), 400, "validation_failed", named("body")},
		{"empty body", "", body(func(hostileJSONRoute) string { return `` }), 400, "validation_failed", named("body")},
		{"two values", "", body(func(r hostileJSONRoute) string { return `{"` + r.field + `":` + r.value + r.rest + `}{}` }), 400, "validation_failed", named("body")},
		{"trailing garbage", "", body(func(r hostileJSONRoute) string { return `{"` + r.field + `":` + r.value + r.rest + `}garbage` }), 400, "validation_failed", named("body")},
		{"truncated", "", body(func(r hostileJSONRoute) string { return `{"` + r.field + `":` + r.value + r.rest }), 400, "validation_failed", named("body")},
		{"NUL byte", "", body(func(r hostileJSONRoute) string { return `{"` + r.field + `":` + r.value + r.rest + "}\x00" }), 400, "validation_failed", named("body")},
		{"comment", "", body(func(r hostileJSONRoute) string { return `{/* hi */"` + r.field + `":` + r.value + r.rest + `}` }), 400, "validation_failed", named("body")},
		{"text/plain", "text/plain", body(func(r hostileJSONRoute) string { return `{"` + r.field + `":` + r.value + r.rest + `}` }), 415, "unsupported_media_type", nil},
		{"latin-1 charset", "application/json; charset=iso-8859-1", body(func(r hostileJSONRoute) string { return `{"` + r.field + `":` + r.value + r.rest + `}` }), 415, "unsupported_media_type", nil},
		{"form encoded", "application/x-www-form-urlencoded", body(func(r hostileJSONRoute) string { return r.field + "=x" }), 415, "unsupported_media_type", nil},
		{"no content type", "-", body(func(r hostileJSONRoute) string { return `{"` + r.field + `":` + r.value + r.rest + `}` }), 415, "unsupported_media_type", nil},
	}
	for _, r := range routes {
		for _, at := range attacks {
			what := r.method + " " + r.path + ": " + at.name
			h := http.Header{"Content-Type": {"application/json"}}
			switch at.ctype {
			case "":
			case "-":
				h = http.Header{}
			default:
				h.Set("Content-Type", at.ctype)
			}
			who := &w.provider
			if r.public {
				who = nil
			}
			before := countEvents(t, ts)
			a := ts.raw(t, who, r.method, r.path, h, []byte(at.body(r)))
			p := expectRefused(t, ts, what, a, at.status, at.code, before)
			if at.field != nil && p.Field != at.field(r) {
				t.Errorf("%s: the problem names %q, want %q: %s", what, p.Field, at.field(r), a.body)
			}
			if strings.ContainsAny(strings.TrimSpace(a.body), "\r\n\x00") || strings.Contains(a.body, `\r`) || strings.Contains(a.body, `\n`) || strings.Contains(a.body, "$ne") {
				t.Errorf("%s: the problem echoes the input: %s", what, a.body)
			}
		}
	}

	// Control characters (CR/LF, NUL) and slashes in names are refused, whatever
	// the route.
	before := countEvents(t, ts)
	for _, c := range []struct{ method, path, body, field string }{
		{"POST", "/api/v1/folders", `{"name":"evil\r\nX-Injected: yes"}`, "name"},
		{"POST", "/api/v1/folders", `{"name":"nul\u0000byte"}`, "name"},
		{"POST", "/api/v1/folders", `{"name":"../../etc"}`, "name"},
		{"POST", "/api/v1/folders", `{"name":".."}`, "name"},
		{"POST", "/api/v1/folders", `{"name":"a\\b"}`, "name"},
		{"POST", "/api/v1/folders", `{"name":"` + strings.Repeat("x", 10000) + `"}`, "name"},
		{"POST", "/api/v1/groups", `{"name":"g\rX-Injected: yes"}`, "name"},
		{"POST", "/api/v1/customers/invitations", `{"company_name":"c\nX-Injected: yes","contact_name":"P","email":"p@prospect.test"}`, "company_name"},
		{"POST", "/api/v1/customers/invitations", `{"company_name":"C","contact_name":"P","email":"p@prospect.test\r\nBcc: all@example.test"}`, "email"},
		{"POST", "/api/v1/staff/invitations", `{"name":"S","email":"s@provider.test\nBcc: all@example.test"}`, "email"},
	} {
		a := ts.raw(t, &w.provider, c.method, c.path, jsonHeader, []byte(c.body))
		if p := expectRefused(t, ts, c.path+" "+c.body[:min(len(c.body), 60)], a, 400, "validation_failed", before); p.Field != c.field {
			t.Errorf("%s %.60s: names %q, want %q", c.path, c.body, p.Field, c.field)
		}
	}
	if t.Failed() {
		return
	}
	// The server is still fine.
	expectWritten(t, "a normal write after all that", ts.send(t, &w.provider, "POST", "/api/v1/folders", `{"name":"Still fine"}`), 201)
}

// multipartBody builds a multipart/form-data body part by part.
type multipartBody struct {
	buf bytes.Buffer
	mw  *multipart.Writer
}

func newMultipart() *multipartBody {
	m := &multipartBody{}
	m.mw = multipart.NewWriter(&m.buf)
	return m
}

func (m *multipartBody) field(name, value string) *multipartBody {
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="`+name+`"`)
	p, _ := m.mw.CreatePart(h)
	_, _ = p.Write([]byte(value))
	return m
}

// file adds a file part with a raw Content-Disposition parameter list after
// `form-data; name="file"` (e.g. `; filename="a.txt"`).
func (m *multipartBody) file(dispositionParams, content string) *multipartBody {
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"`+dispositionParams)
	h.Set("Content-Type", "application/octet-stream")
	p, _ := m.mw.CreatePart(h)
	_, _ = p.Write([]byte(content))
	return m
}

func (m *multipartBody) done() (http.Header, []byte) {
	_ = m.mw.Close()
	return http.Header{"Content-Type": {m.mw.FormDataContentType()}}, m.buf.Bytes()
}

// safeDisposition checks a download's Content-Disposition: one header, no line
// break, the fallback name printable ASCII without quotes, and the expected name.
func safeDisposition(t *testing.T, what string, a answer, wantName string) {
	t.Helper()
	cds := a.header.Values("Content-Disposition")
	if len(cds) != 1 {
		t.Errorf("%s: Content-Disposition %q", what, cds)
		return
	}
	cd := cds[0]
	m := regexp.MustCompile(`^attachment; filename="([\x20-\x7e]*)"; filename\*=UTF-8''([A-Za-z0-9!#$&+\-.^_` + "`" + `|~%]*)$`).FindStringSubmatch(cd)
	if m == nil || strings.ContainsAny(m[1], `"\`) {
		t.Errorf("%s: unsafe Content-Disposition %q", what, cd)
		return
	}
	if name, err := url.PathUnescape(m[2]); err != nil || name != wantName {
		t.Errorf("%s: Content-Disposition names %q (%v), want %q", what, name, err, wantName)
	}
	for k := range a.header {
		if strings.Contains(strings.ToLower(k), "injected") {
			t.Errorf("%s: an injected header %s", what, k)
		}
	}
}

func TestHostileUploads(t *testing.T) {
	t.Parallel()
	w := newHostileWorld(t, true)
	ts := w.ts
	folder := w.folder.ID.String()
	routes := []struct {
		name string
		who  *account
		path string
		// fields a valid upload takes besides the file
		fields map[string]string
	}{
		{"document", &w.provider, "/api/v1/documents", map[string]string{"folder_id": folder}},
		{"version", &w.provider, "/api/v1/documents/" + w.doc.ID.String() + "/versions", nil},
		{"portal", &w.customer, w.portal + "/documents", nil},
	}
	withFields := func(fields map[string]string) *multipartBody {
		m := newMultipart()
		for k, v := range fields {
			m.field(k, v)
		}
		return m
	}
	big := strings.Repeat("x", hostileMaxUpload+1)
	for _, r := range routes {
		for _, c := range []struct {
			name   string
			build  func() (http.Header, []byte)
			status int
			code   string
			field  string
		}{
			{"file one byte beyond MaxUploadBytes", func() (http.Header, []byte) {
				return withFields(r.fields).file(`; filename="big.bin"`, big).done()
			}, 413, "payload_too_large", ""},
			{"file far beyond the limit", func() (http.Header, []byte) {
				return withFields(r.fields).file(`; filename="huge.bin"`, strings.Repeat("y", 3<<20)).done()
			}, 413, "payload_too_large", ""},
			{"2 MiB preamble in lines", func() (http.Header, []byte) {
				h, b := withFields(r.fields).file(`; filename="a.txt"`, "x").done()
				return h, append([]byte(strings.Repeat("preamble\r\n", 200<<10)), b...)
			}, 413, "payload_too_large", ""},
			{"2 MiB preamble in one line", func() (http.Header, []byte) {
				h, b := withFields(r.fields).file(`; filename="a.txt"`, "x").done()
				return h, append([]byte(strings.Repeat("p", 2<<20)+"\r\n"), b...)
			}, 0, "", ""},
			{"huge text field", func() (http.Header, []byte) {
				return withFields(r.fields).field("hidden", strings.Repeat("t", 100<<10)).file(`; filename="a.txt"`, "x").done()
			}, 400, "validation_failed", "hidden"},
			{"no file", func() (http.Header, []byte) { return withFields(r.fields).done() }, 400, "validation_failed", "file"},
			{"two files", func() (http.Header, []byte) {
				return withFields(r.fields).file(`; filename="a.txt"`, "a").file(`; filename="b.txt"`, "b").done()
			}, 400, "validation_failed", "file"},
			{"unknown part", func() (http.Header, []byte) {
				return withFields(r.fields).field("owner_id", uuid.NewString()).file(`; filename="a.txt"`, "a").done()
			}, 400, "validation_failed", "owner_id"},
			{"unknown part with CR/LF in its name", func() (http.Header, []byte) {
				return withFields(r.fields).field("x%0D%0AX-Injected: 1", "v").file(`; filename="a.txt"`, "a").done()
			}, 400, "validation_failed", ""},
			{"repeated field", func() (http.Header, []byte) {
				return withFields(r.fields).field("hidden", "false").field("hidden", "true").file(`; filename="a.txt"`, "a").done()
			}, 400, "validation_failed", "hidden"},
			{"hidden not a boolean", func() (http.Header, []byte) {
				return withFields(r.fields).field("hidden", "1 OR 1=1").file(`; filename="a.txt"`, "a").done()
			}, 400, "validation_failed", ""},
			{"invalid UTF-8 in a field", func() (http.Header, []byte) {
				return withFields(r.fields).field("hidden", "\xff\xfe").file(`; filename="a.txt"`, "a").done()
			}, 400, "validation_failed", "hidden"},
			{"truncated body", func() (http.Header, []byte) {
				h, b := withFields(r.fields).file(`; filename="a.txt"`, strings.Repeat("z", 1000)).done()
				return h, b[:len(b)-60]
			}, 400, "validation_failed", "body"},
			{"another boundary", func() (http.Header, []byte) {
				_, b := withFields(r.fields).file(`; filename="a.txt"`, "a").done()
				return http.Header{"Content-Type": {"multipart/form-data; boundary=not-the-one"}}, b
			}, 400, "validation_failed", ""},
			{"no boundary", func() (http.Header, []byte) {
				_, b := withFields(r.fields).file(`; filename="a.txt"`, "a").done()
				return http.Header{"Content-Type": {"multipart/form-data"}}, b
			}, 415, "unsupported_media_type", ""},
			{"a JSON body", func() (http.Header, []byte) { return jsonHeader, []byte(`{"folder_id":"` + folder + `"}`) }, 415, "unsupported_media_type", ""},
			{"a part without a name", func() (http.Header, []byte) {
				m := withFields(r.fields)
				p, _ := m.mw.CreatePart(textproto.MIMEHeader{"Content-Disposition": {`form-data`}})
				_, _ = p.Write([]byte("anonymous"))
				return m.file(`; filename="a.txt"`, "a").done()
			}, 400, "validation_failed", "body"},
		} {
			what := r.name + ": " + c.name
			h, b := c.build()
			before := countEvents(t, ts)
			a := ts.raw(t, r.who, "POST", r.path, h, b)
			if p := expectRefused(t, ts, what, a, c.status, c.code, before); c.field != "" && p.Field != c.field {
				t.Errorf("%s: names %q, want %q: %s", what, p.Field, c.field, a.body)
			}
		}
	}

	// Names given in the "name" field: control characters and slashes are refused.
	for _, name := range []string{"evil\r\nX-Injected: yes.txt", "../../etc/passwd", "..", "a\x00b", "tab\there"} {
		before := countEvents(t, ts)
		h, b := newMultipart().field("folder_id", folder).field("name", name).file(`; filename="a.txt"`, "a").done()
		a := ts.raw(t, &w.provider, "POST", "/api/v1/documents", h, b)
		if p := expectRefused(t, ts, fmt.Sprintf("name field %q", name), a, 400, "validation_failed", before); p.Field != "name" {
			t.Errorf("name field %q: names %q", name, p.Field)
		}
	}
	// A file name that is nothing once cleaned, and no name field: 400.
	for _, params := range []string{`; filename=".."`, `; filename="../../"`, `; filename="/"`, `; filename*=UTF-8''%0D%0A`, ``} {
		before := countEvents(t, ts)
		h, b := newMultipart().field("folder_id", folder).file(params, "a").done()
		a := ts.raw(t, &w.provider, "POST", "/api/v1/documents", h, b)
		if p := expectRefused(t, ts, "file name "+params, a, 400, "validation_failed", before); p.Field != "name" {
			t.Errorf("file name %s: names %q", params, p.Field)
		}
	}

	// File names from the client are cut to their last element and cleaned: stored
	// and served back harmless.
	type stored struct {
		id   uuid.UUID
		name string
	}
	var docs []stored
	for _, c := range []struct{ params, want string }{
		{`; filename="../../etc/passwd"`, "passwd"},
		{`; filename="..\\..\\Windows\\win.ini"`, "win.ini"},
		{`; filename="/etc/shadow"`, "shadow"},
		{`; filename*=UTF-8''..%2F..%2F..%2Froot%2F.ssh%2Fauthorized_keys`, "authorized_keys"},
		{`; filename*=UTF-8''evil%0D%0AX-Injected%3A%20yes.txt`, "evilX-Injected: yes.txt"},
		{`; filename*=UTF-8''report%E2%80%AEfdp.exe`, "reportfdp.exe"},
		{`; filename="quote\"; filename=other.txt"`, `quote"; filename=other.txt`},
		{`; filename="percent%0d%0a.txt"`, "percent%0d%0a.txt"},
		{`; filename*=UTF-8''caf%C3%A9%20%E2%82%AC.txt`, "café €.txt"},
	} {
		before := countEvents(t, ts)
		h, b := newMultipart().field("folder_id", folder).file(c.params, "content of "+c.want).done()
		a := ts.raw(t, &w.provider, "POST", "/api/v1/documents", h, b)
		if a.status != 201 {
			t.Errorf("file name %s: %d %s", c.params, a.status, a.body)
			continue
		}
		if n := countEvents(t, ts); n == before {
			t.Errorf("file name %s: 201 without an event", c.params)
		}
		d := decodeAs[documentResponse](t, a)
		if d.Name != c.want {
			t.Errorf("file name %s: stored as %q, want %q", c.params, d.Name, c.want)
		}
		docs = append(docs, stored{d.ID, d.Name})
	}
	// Every blob stays under the blob root, under a content-addressed name.
	err := filepath.WalkDir(w.blobRoot, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(w.blobRoot, path)
		if err != nil || strings.HasPrefix(rel, "..") {
			t.Errorf("a blob outside the root: %s", path)
		}
		for _, bad := range []string{"passwd", "shadow", "win.ini", "authorized_keys", "Injected", ".exe"} {
			if strings.Contains(e.Name(), bad) {
				t.Errorf("a blob named after the client's file name: %s", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Downloads: the provider's, the customer's (shared) and a link's carry a safe
	// Content-Disposition and no injected header.
	pos := ts.lastPosition(t)
	for _, d := range docs {
		a := ts.readAt(t, &w.provider, "/api/v1/documents/"+d.id.String()+"/content", pos)
		if a.status != 200 {
			t.Errorf("download %q: %d %s", d.name, a.status, a.body)
			continue
		}
		safeDisposition(t, "provider download of "+d.name, a, d.name)
		a = ts.send(t, &w.provider, "POST", "/api/v1/shares", w.shareBody("document_id", d.id.String(), "view"))
		expectWritten(t, "share "+d.name, a, 201)
		a = ts.readAt(t, &w.customer, "/api/v1/portal/documents/"+d.id.String()+"/content", position(t, a))
		if a.status != 200 {
			t.Errorf("portal download %q: %d %s", d.name, a.status, a.body)
			continue
		}
		safeDisposition(t, "portal download of "+d.name, a, d.name)
		a = ts.send(t, &w.provider, "POST", "/api/v1/documents/"+d.id.String()+"/links", `{}`)
		expectWritten(t, "link "+d.name, a, 201)
		a = ts.open(t, "/l/"+linkToken(t, decodeAs[linkResponse](t, a))+"/content", "")
		if a.status != 200 {
			t.Errorf("link download %q: %d %s", d.name, a.status, a.body)
			continue
		}
		safeDisposition(t, "link download of "+d.name, a, d.name)
	}
}

// TestHostileRequests: path parameters, query parameters and headers out of
// shape, on one server.
func TestHostileRequests(t *testing.T) {
	t.Parallel()
	w := newHostileWorld(t, true)
	t.Run("PathParameters", func(t *testing.T) { hostilePathParameters(t, w) })
	t.Run("QueryParameters", func(t *testing.T) { hostileQueryParameters(t, w) })
	t.Run("Headers", func(t *testing.T) { hostileHeaders(t, w) })
}

// hostilePathValues are malformed values for a path parameter (one path segment
// each, URL-escaped as needed).
var hostilePathValues = []string{
	"not-a-uuid",
	"00000000-0000-0000-0000-00000000000g",
	"12345678123412341234123456789abc",                       // no dashes: uuid.Parse takes it, the API does not
	url.PathEscape("{12345678-1234-1234-1234-123456789abc}"), // braces
	"urn:uuid:12345678-1234-1234-1234-123456789abc",
	"12345678-1234-1234-1234-123456789abcd",
	url.PathEscape("' OR '1'='1"),
	url.PathEscape("1; DROP TABLE events; --"),
	"..%2F..%2Fetc%2Fpasswd",
	"%00",
	"%0D%0AX-Injected:%201",
	"%FF%FE",
	strings.Repeat("a", 10000),
}

// hostilePathParameters sends a malformed value in every path parameter of
// every route: 400 naming the parameter (404 for tokens), nothing appended.
func hostilePathParameters(t *testing.T, w *hostileWorld) {
	ts := w.ts
	param := regexp.MustCompile(`\{([a-z_]+)\}`)
	uploads := []string{"POST /api/v1/documents/{id}/versions", "POST /api/v1/portal/providers/{provider_id}/documents"}
	var checked int
	err := chi.Walk(ts.Router(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		route = stripRegexps(route)
		params := param.FindAllStringSubmatch(route, -1)
		for _, target := range params {
			values := hostilePathValues
			if target[1] == "n" {
				values = []string{"0", "-1", "x", "1.5", "1e3", "99999999999999999999", "%201", url.PathEscape("1 OR 1=1")}
			}
			for _, bad := range values {
				path := param.ReplaceAllStringFunc(route, func(p string) string {
					switch {
					case p == target[0]:
						return bad
					case p == "{n}":
						return "1"
					case p == "{token}":
						return "no-such-token"
					}
					return uuid.NewString()
				})
				h, body := http.Header{}, []byte(nil)
				switch {
				case slices.Contains(uploads, method+" "+route):
					h, body = newMultipart().file(`; filename="a.txt"`, "a").done()
				case method == "POST" || method == "PUT" || method == "PATCH":
					h, body = jsonHeader, []byte(`{}`)
				}
				what := fmt.Sprintf("%s %s with %s=%.40s", method, route, target[1], bad)
				before := countEvents(t, ts)
				a := ts.raw(t, &w.provider, method, path, h, body)
				checked++
				p := expectRefused(t, ts, what, a, 0, "", before)
				switch {
				case target[1] == "token":
					if a.status != 404 && a.status != 400 {
						t.Errorf("%s: %d %s", what, a.status, a.body)
					}
				case a.status != 400 || p.Field != target[1]:
					t.Errorf("%s: want 400 naming %s, got %d %s", what, target[1], a.status, a.body)
				}
				if strings.Contains(a.body, "X-Injected") || strings.Contains(a.body, "DROP TABLE") || strings.Contains(a.body, "aaaaaaaaaa") {
					t.Errorf("%s: the problem echoes the value: %s", what, a.body)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("only %d requests: the routes have no parameters?", checked)
	}
}

func hostileQueryParameters(t *testing.T, w *hostileWorld) {
	ts := w.ts
	pos := ts.lastPosition(t)
	many := func(f func(i int) string) string {
		parts := make([]string, 10000)
		for i := range parts {
			parts[i] = f(i)
		}
		return strings.Join(parts, "&")
	}
	// The same parameter 10,000 times is ambiguous: 400 naming it.
	for _, c := range []struct{ path, field string }{
		{"/api/v1/documents?" + many(func(int) string { return "limit=1" }), "limit"},
		{"/api/v1/documents?" + many(func(int) string { return "q=a" }), "q"},
		{"/api/v1/customers?" + many(func(int) string { return "status=active" }), "status"},
		{"/api/v1/documents/" + w.doc.ID.String() + "/content?" + many(func(int) string { return "version=1" }), "version"},
	} {
		before := countEvents(t, ts)
		a := ts.raw(t, &w.provider, "GET", c.path, http.Header{"X-Min-Position": {fmt.Sprint(pos)}}, nil)
		if p := expectRefused(t, ts, c.path[:40]+"...", a, 400, "validation_failed", before); p.Field != c.field {
			t.Errorf("%.40s...: names %q, want %q", c.path, p.Field, c.field)
		}
	}
	// 10,000 different parameters nobody asked for: ignored or refused, never a
	// 5xx, nothing appended.
	distinct := many(func(i int) string { return fmt.Sprintf("p%d=%d", i, i) })
	for _, c := range []struct {
		method, path string
		who          *account
		h            http.Header
		body         string
	}{
		{"GET", "/api/v1/documents?" + distinct, &w.provider, nil, ""},
		{"GET", "/api/v1/customers?" + distinct, &w.provider, nil, ""},
		{"GET", "/api/v1/directory?" + distinct, &w.provider, nil, ""},
		{"GET", "/api/v1/portal/providers/" + w.provider.CompanyID.String() + "/documents?" + distinct, &w.customer, nil, ""},
		{"GET", "/l/no-such-token?" + distinct, nil, nil, ""},
		{"POST", "/api/v1/folders?" + distinct, &w.provider, jsonHeader, `{"name":1}`},
		{"POST", "/api/v1/sessions?" + distinct, nil, jsonHeader, `{"email":"x@example.test","password":"guess-guess"}`},
	} {
		h := http.Header{"X-Min-Position": {fmt.Sprint(pos)}}
		for k, v := range c.h {
			h[k] = v
		}
		before := countEvents(t, ts)
		a := ts.raw(t, c.who, c.method, c.path, h, []byte(c.body))
		what := c.method + " " + c.path[:strings.IndexByte(c.path, '?')] + " with 10,000 parameters"
		if a.status >= 500 {
			t.Errorf("%s: %d %s", what, a.status, a.body)
		}
		if a.status >= 400 {
			expectRefused(t, ts, what, a, 0, "", before)
		}
		expectUnchanged(t, ts, what, before)
	}
}

// SQL metacharacters are data: stored literally, searched literally, never an
// error.
func TestHostileSQLMetacharacters(t *testing.T) {
	t.Parallel()
	w := newHostileWorld(t, true)
	ts := w.ts
	metaNames := []string{
		`Robert'); DROP TABLE events;--`,
		`' OR '1'='1`,
		`50% off_sale`,
		`$1::text; SELECT pg_sleep(10)`,
		`"quoted" -- comment #c`,
		`semi;colon`,
	}
	folders := map[uuid.UUID]string{}
	for _, n := range metaNames {
		body, _ := json.Marshal(map[string]string{"name": n})
		a := ts.send(t, &w.provider, "POST", "/api/v1/folders", string(body))
		expectWritten(t, "folder "+n, a, 201)
		f := decodeAs[folderResponse](t, a)
		if f.Name != n {
			t.Fatalf("folder %q stored as %q", n, f.Name)
		}
		folders[f.ID] = n
		// A document of the same name in it, through the multipart name field.
		a = ts.upload(t, &w.provider, "/api/v1/documents", map[string]string{"folder_id": f.ID.String(), "name": n}, "a.txt", n)
		expectWritten(t, "document "+n, a, 201)
		if d := decodeAs[documentResponse](t, a); d.Name != n {
			t.Fatalf("document %q stored as %q", n, d.Name)
		}
	}
	a := ts.send(t, &w.provider, "POST", "/api/v1/customers/invitations",
		`{"company_name":"O'Brien & Sons; DROP TABLE claims;--","contact_name":"Pat O'Brien","email":"pat@obrien.test"}`)
	expectWritten(t, "invite O'Brien", a, 201)
	a = ts.send(t, &w.provider, "POST", "/api/v1/groups", `{"name":"Grp'; DROP TABLE events;--"}`)
	expectWritten(t, "group with metacharacters", a, 201)
	a = ts.send(t, &w.provider, "POST", "/api/v1/staff/invitations", `{"name":"Bobby'); DELETE FROM credentials;--","email":"bobby@provider.test"}`)
	expectWritten(t, "staff with metacharacters", a, 201)

	pos := ts.lastPosition(t)
	for id, n := range folders {
		var f folderResponse
		a := ts.readAt(t, &w.provider, "/api/v1/folders/"+id.String(), pos)
		expect(t, "read "+n, a, 200, "")
		mustDecode(t, a, &f)
		if f.Name != n {
			t.Errorf("folder %q reads back as %q", n, f.Name)
		}
	}
	// Searches match literally: % and _ are not wildcards, quotes do not break out.
	type named struct {
		Name        string `json:"name"`
		CompanyName string `json:"company_name"`
	}
	for _, c := range []struct {
		path string
		want []string // names expected (documents), nil: only "no error"
	}{
		{"/api/v1/documents?q=" + url.QueryEscape("%"), []string{`50% off_sale`}},
		{"/api/v1/documents?q=" + url.QueryEscape("_"), []string{`50% off_sale`, `$1::text; SELECT pg_sleep(10)`}},
		{"/api/v1/documents?q=" + url.QueryEscape(`'`), []string{`' OR '1'='1`, `Robert'); DROP TABLE events;--`}},
		{"/api/v1/documents?q=" + url.QueryEscape(`' OR '1'='1`), []string{`' OR '1'='1`}},
		{"/api/v1/documents?q=" + url.QueryEscape(`'; DROP TABLE events; --`), []string{}},
		{"/api/v1/documents?q=" + url.QueryEscape(`\`), []string{}},
		{"/api/v1/documents?q=" + url.QueryEscape(`$1`), []string{`$1::text; SELECT pg_sleep(10)`}},
		{"/api/v1/documents?q=" + url.QueryEscape(`*`), []string{}},
		{"/api/v1/documents?q=" + url.QueryEscape(`.*`), []string{}},
		{"/api/v1/documents?q=" + url.QueryEscape(`[a-z]`), []string{}},
		{"/api/v1/customers?q=" + url.QueryEscape(`O'Brien`), nil},
		{"/api/v1/customers?q=" + url.QueryEscape(`%`), nil},
		{"/api/v1/customers?q=" + url.QueryEscape(`\`), nil},
		{"/api/v1/directory?q=" + url.QueryEscape(`%`), nil},
		{"/api/v1/directory?q=" + url.QueryEscape(`_`), nil},
		{"/api/v1/directory?q=" + url.QueryEscape(`'--`), nil},
		{"/api/v1/staff?q=" + url.QueryEscape(`'); DELETE`), nil},
		{"/api/v1/staff?q=" + url.QueryEscape(`%`), nil},
		{"/api/v1/audit/events?type=" + url.QueryEscape(`'; DROP TABLE events; --`), nil},
		{"/api/v1/audit/events?stream=" + url.QueryEscape(`%' OR 1=1 --`), nil},
	} {
		a := ts.raw(t, &w.provider, "GET", c.path, http.Header{"X-Min-Position": {fmt.Sprint(pos)}}, nil)
		if strings.HasPrefix(c.path, "/api/v1/audit/events?type=") && a.status == 400 {
			expectRefused(t, ts, c.path, a, 400, "validation_failed", countEvents(t, ts)) // not a type it knows
			continue
		}
		if a.status != 200 {
			t.Errorf("%s: %d %s", c.path, a.status, a.body)
			continue
		}
		if c.want == nil {
			continue
		}
		var p page[named]
		mustDecode(t, a, &p)
		got := names(p.Items, func(n named) string { return n.Name })
		slices.Sort(got)
		want := slices.Clone(c.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: found %q, want %q", c.path, got, want)
		}
	}
	// Customer and directory searches for % and _ match only names holding them.
	for _, path := range []string{"/api/v1/customers?q=%25", "/api/v1/directory?q=_"} {
		var p page[named]
		a := ts.readAt(t, &w.provider, path, pos)
		expect(t, path, a, 200, "")
		mustDecode(t, a, &p)
		for _, it := range p.Items {
			n := it.Name + it.CompanyName
			if !strings.ContainsAny(n, "%_") {
				t.Errorf("%s matches %q", path, n)
			}
		}
	}
	// The log is intact and the invited names read back literally.
	var tables int
	if err := ts.pool.QueryRow(ctxFor(t), `SELECT count(*) FROM pg_tables WHERE tablename IN ('events','claims','credentials')`).Scan(&tables); err != nil || tables != 3 {
		t.Fatalf("tables %d %v", tables, err)
	}
	var cs page[named]
	mustDecode(t, ts.readAt(t, &w.provider, "/api/v1/customers?q="+url.QueryEscape("O'Brien & Sons; DROP"), pos), &cs)
	if got := names(cs.Items, func(n named) string { return n.CompanyName }); !slices.Equal(got, []string{"O'Brien & Sons; DROP TABLE claims;--"}) {
		t.Fatalf("customers %q", got)
	}
}

// hostileHeaders: credentials, idempotency keys, consistency positions, ranges
// and link passwords out of shape are refused with a problem and append nothing.
func hostileHeaders(t *testing.T, w *hostileWorld) {
	ts := w.ts
	folder := func(name string) []byte { return []byte(`{"name":"` + name + `"}`) }
	withJSON := func(h http.Header) http.Header {
		h = h.Clone()
		h.Set("Content-Type", "application/json")
		return h
	}
	for _, c := range []struct {
		name   string
		h      http.Header
		status int
		code   string
	}{
		{"no credentials", http.Header{}, 401, "unauthenticated"},
		{"empty bearer", http.Header{"Authorization": {"Bearer "}}, 401, "unauthenticated"},
		{"basic credentials", http.Header{"Authorization": {"Basic YWRtaW46YWRtaW4="}}, 401, "unauthenticated"},
		{"a 10,000-byte token", http.Header{"Authorization": {"Bearer " + strings.Repeat("A", 10000)}}, 401, "unauthenticated"},
		{"SQL in the token", http.Header{"Authorization": {"Bearer ' OR '1'='1"}}, 401, "unauthenticated"},
		{"non-ASCII token", http.Header{"Authorization": {"Bearer tök\xff"}}, 401, "unauthenticated"},
		{"two Authorization headers", http.Header{"Authorization": {"Bearer " + w.provider.Token, "Bearer " + w.intruder.Token}}, 401, "unauthenticated"},
		{"the same token twice", http.Header{"Authorization": {"Bearer " + w.provider.Token, "Bearer " + w.provider.Token}}, 401, "unauthenticated"},
		{"token twice in one header", http.Header{"Authorization": {"Bearer " + w.provider.Token + " " + w.provider.Token}}, 401, "unauthenticated"},
	} {
		before := countEvents(t, ts)
		a := ts.raw(t, nil, "POST", "/api/v1/folders", withJSON(c.h), folder("x"))
		expectRefused(t, ts, "authorization: "+c.name, a, c.status, c.code, before)
	}

	bearer := w.provider.bearer()
	key := func(k string) http.Header {
		h := withJSON(bearer)
		h.Set("Idempotency-Key", k)
		return h
	}
	for _, k := range []string{strings.Repeat("k", 256), strings.Repeat("k", 10000), "ключ", "tab\there", ""} {
		before := countEvents(t, ts)
		h := key(k)
		if k == "" {
			h["Idempotency-Key"] = []string{""}
		}
		a := ts.raw(t, nil, "POST", "/api/v1/folders", h, folder("keyed"))
		if k == "" && a.status == 201 {
			continue // an empty key may count as none
		}
		expectRefused(t, ts, fmt.Sprintf("Idempotency-Key %.20q", k), a, 400, "validation_failed", before)
	}
	// The same key with another body: 422, nothing appended; with the same body, the
	// first answer again.
	a := ts.raw(t, nil, "POST", "/api/v1/folders", key("hostile-1"), folder("first"))
	expectWritten(t, "keyed write", a, 201)
	before := countEvents(t, ts)
	expectRefused(t, ts, "key reused with another body", ts.raw(t, nil, "POST", "/api/v1/folders", key("hostile-1"), folder("second")), 422, "", before)
	expectRefused(t, ts, "key reused on another route", ts.raw(t, nil, "POST", "/api/v1/groups", key("hostile-1"), folder("second")), 422, "", before)
	if b := ts.raw(t, nil, "POST", "/api/v1/folders", key("hostile-1"), folder("first")); b.status != 201 || b.body != a.body {
		t.Errorf("replay: %d %s", b.status, b.body)
	}
	expectUnchanged(t, ts, "replay", before)
	// Another company's same key is its own.
	h := withJSON(w.intruder.bearer())
	h.Set("Idempotency-Key", "hostile-1")
	if b := ts.raw(t, nil, "POST", "/api/v1/folders", h, folder("first")); b.status != 201 || b.body == a.body {
		t.Errorf("another company's key: %d %s", b.status, b.body)
	}

	before = countEvents(t, ts)
	for _, v := range []string{"abc", "-1", "1.5", "99999999999999999999", "0x10", "1 2", strings.Repeat("9", 10000)} {
		h := bearer.Clone()
		h.Set("X-Min-Position", v)
		a := ts.raw(t, nil, "GET", "/api/v1/documents", h, nil)
		expectRefused(t, ts, fmt.Sprintf("X-Min-Position %.20q", v), a, 400, "validation_failed", before)
	}
	pos := ts.lastPosition(t)
	content := "/api/v1/documents/" + w.doc.ID.String() + "/content"
	for _, c := range []struct {
		rng    string
		status int
	}{
		{"bytes=99999-", 416},
		{"bytes=5-2", 0},
		{"bytes=" + strings.TrimSuffix(strings.Repeat("0-0,", 2000), ","), 0},
		{"bytes=-0", 0},
		{"lines=1-2", 0},
		{"bytes=0-" + strings.Repeat("9", 100), 0},
	} {
		h := bearer.Clone()
		h.Set("X-Min-Position", fmt.Sprint(pos))
		h.Set("Range", c.rng)
		a := ts.raw(t, nil, "GET", content, h, nil)
		switch {
		case a.status >= 500:
			t.Errorf("Range %.30s: %d %s", c.rng, a.status, a.body)
		case a.status >= 400:
			p := expectRefused(t, ts, "Range "+c.rng[:min(len(c.rng), 30)], a, c.status, "", before)
			if a.status == 416 && p.Code != "range_not_satisfiable" {
				t.Errorf("Range %.30s: %+v", c.rng, p)
			}
		case c.status != 0 && a.status != c.status:
			t.Errorf("Range %.30s: %d, want %d", c.rng, a.status, c.status)
		}
	}
	// Link passwords out of shape are wrong passwords, not errors.
	a = ts.send(t, &w.provider, "POST", "/api/v1/documents/"+w.doc.ID.String()+"/links", `{"password":"correct horse battery"}`)
	expectWritten(t, "protected link", a, 201)
	tok := linkToken(t, decodeAs[linkResponse](t, a))
	for _, pw := range []string{strings.Repeat("p", 10000), "' OR '1'='1", "pässwörd\xff"} {
		before := countEvents(t, ts)
		rejected := countEventsOfType(t, ts, "LinkPasswordRejected")
		a := ts.raw(t, nil, "GET", "/l/"+tok+"/content", http.Header{LinkPasswordHeader: {pw}}, nil)
		what := fmt.Sprintf("link password %.20q", pw)
		if a.status != 401 || a.code() != "password_rejected" {
			t.Errorf("%s: %d %s", what, a.status, a.body)
		}
		// A rejected password is recorded (the audit shows it), nothing else.
		if n, r := countEvents(t, ts)-before, countEventsOfType(t, ts, "LinkPasswordRejected")-rejected; n != r || n > 1 {
			t.Errorf("%s: appended %d events, %d of them LinkPasswordRejected", what, n, r)
		}
	}
}
