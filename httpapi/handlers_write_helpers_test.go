package httpapi

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
)

// account is a signed-up company's first admin, as the writes tests use it.
type account struct {
	CompanyID uuid.UUID `json:"company_id"`
	UserID    uuid.UUID `json:"user_id"`
	Token     string    `json:"token"`
}

func (a account) bearer() http.Header {
	return http.Header{"Authorization": {"Bearer " + a.Token}}
}

var signupSeq atomic.Int64

// signupCompany creates a company with its admin through POST /api/v1/signup.
func (ts *testServer) signupCompany(t *testing.T, name string) account {
	t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", "")) + strconv.FormatInt(signupSeq.Add(1), 10) + "@example.test"
	a := ts.do(t, ts.client, "POST", "/api/v1/signup", http.Header{"Content-Type": {"application/json"}},
		`{"company_name":"`+name+`","name":"Admin of `+name+`","email":"`+email+`","password":"correct horse battery"}`)
	if a.status != 201 {
		t.Fatalf("signup %s: %+v", name, a)
	}
	var out account
	mustDecode(t, a, &out)
	return out
}

// send issues a JSON call as who (nil: anonymous).
func (ts *testServer) send(t *testing.T, who *account, method, path, body string) answer {
	t.Helper()
	h := http.Header{}
	if who != nil {
		h = who.bearer()
	}
	if body != "" {
		h.Set("Content-Type", "application/json")
	}
	return ts.do(t, ts.client, method, path, h, body)
}

// upload sends a multipart/form-data body: the fields, then a "file" part (none
// when fileName is "-").
func (ts *testServer) upload(t *testing.T, who *account, path string, fields map[string]string, fileName, content string) answer {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if fileName != "-" {
		fw, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write([]byte(content))
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	h := who.bearer()
	h.Set("Content-Type", mw.FormDataContentType())
	return ts.do(t, ts.client, "POST", path, h, body.String())
}

func decodeAs[T any](t *testing.T, a answer) T {
	t.Helper()
	var v T
	mustDecode(t, a, &v)
	return v
}

func mustDecode(t *testing.T, a answer, v any) {
	t.Helper()
	if err := jsonUnmarshal(a.body, v); err != nil {
		t.Fatalf("decode %s: %v", a.body, err)
	}
}

// expect checks the status and, when given, the problem code.
func expect(t *testing.T, what string, a answer, status int, code string) {
	t.Helper()
	if a.status != status || (code != "" && a.code() != code) {
		t.Fatalf("%s: want %d %s, got %d %s", what, status, code, a.status, a.body)
	}
}

// expectWritten checks a successful write: status and X-Position.
func expectWritten(t *testing.T, what string, a answer, status int) {
	t.Helper()
	expect(t, what, a, status, "")
	if p, err := strconv.ParseInt(a.header.Get("X-Position"), 10, 64); err != nil || p < 1 {
		t.Fatalf("%s: X-Position %q", what, a.header.Get("X-Position"))
	}
}

// expectInvalid checks a 400 naming field, and that nothing was appended.
func expectInvalid(t *testing.T, ts *testServer, what string, a answer, field string, before int) {
	t.Helper()
	var p struct {
		Code  string `json:"code"`
		Field string `json:"field"`
	}
	mustDecode(t, a, &p)
	if a.status != 400 || p.Code != "validation_failed" || p.Field != field {
		t.Fatalf("%s: want 400 naming %s, got %d %s", what, field, a.status, a.body)
	}
	if n := countEvents(t, ts); n != before {
		t.Fatalf("%s: a rejected request appended %d events", what, n-before)
	}
}

// expectUnchanged checks that nothing was appended since before.
func expectUnchanged(t *testing.T, ts *testServer, what string, before int) {
	t.Helper()
	if n := countEvents(t, ts); n != before {
		t.Fatalf("%s: appended %d events", what, n-before)
	}
}

func countEventsOfType(t *testing.T, ts *testServer, typ string) int {
	t.Helper()
	var n int
	if err := ts.pool.QueryRow(ctxFor(t), `SELECT count(*) FROM events WHERE event_type = $1`, typ).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// connect makes customer a customer of provider (POST /api/v1/customers) and
// returns the customer.
func (ts *testServer) connect(t *testing.T, provider, customer account) customerResponse {
	t.Helper()
	a := ts.send(t, &provider, "POST", "/api/v1/customers", `{"company_id":"`+customer.CompanyID.String()+`"}`)
	expectWritten(t, "connect customer", a, 201)
	var c customerResponse
	mustDecode(t, a, &c)
	return c
}

// folder creates a library folder (body as POST /api/v1/folders takes it).
func (ts *testServer) folder(t *testing.T, who account, body string) folderResponse {
	t.Helper()
	a := ts.send(t, &who, "POST", "/api/v1/folders", body)
	expectWritten(t, "create folder", a, 201)
	var f folderResponse
	mustDecode(t, a, &f)
	return f
}

// document uploads a document into folderID.
func (ts *testServer) document(t *testing.T, who account, folderID uuid.UUID, name, content string) documentResponse {
	t.Helper()
	a := ts.upload(t, &who, "/api/v1/documents", map[string]string{"folder_id": folderID.String()}, name, content)
	expectWritten(t, "upload document", a, 201)
	var d documentResponse
	mustDecode(t, a, &d)
	return d
}
