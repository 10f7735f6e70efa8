package apitest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sharehub/sharehub/httpapi/apitest"
)

const spec = `openapi: 3.1.0
info: {title: t, version: "1"}
servers: [{url: /}]
paths:
  /things/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string, format: uuid}}
      responses:
        "200":
          description: a thing
          content:
            application/json:
              schema:
                type: object
                required: [id, next_cursor]
                properties:
                  id: {type: string}
                  next_cursor: {type: [string, "null"]}
        "202":
          description: accepted, no body
        default:
          description: problem
          content:
            application/problem+json:
              schema:
                type: object
                required: [code]
                properties:
                  code: {type: string}
`

// recorder is a testing.TB that keeps what would have failed the test.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestCheckCatchesEveryKindOfDrift(t *testing.T) {
	t.Parallel()
	v, err := apitest.NewValidator([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	answer := map[string]struct {
		status int
		ct     string
		body   string
	}{
		"/things/0190f5a4-0000-7000-8000-000000000001": {200, "application/json", `{"id":"a","next_cursor":null}`},
		"/things/0190f5a4-0000-7000-8000-000000000002": {200, "application/json", `{"id":"a"}`},                   // missing field
		"/things/0190f5a4-0000-7000-8000-000000000003": {200, "text/html", `<p>hi</p>`},                           // wrong type
		"/things/0190f5a4-0000-7000-8000-000000000004": {404, "application/json", `{"code":"not_found"}`},         // not a problem
		"/things/0190f5a4-0000-7000-8000-000000000005": {404, "application/problem+json", `{"code":"not_found"}`}, // fine
		"/things/0190f5a4-0000-7000-8000-000000000006": {202, "text/plain", `unexpected`},                         // body where none is documented
		"/elsewhere": {200, "application/json", `{}`}, // undocumented route
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := answer[r.URL.Path]
		if a.ct != "" {
			w.Header().Set("Content-Type", a.ct)
		}
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
	}))
	defer srv.Close()
	rec := &recorder{TB: t}
	c := v.Client(rec, srv.Client())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for path := range answer {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+path, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	joined := strings.Join(rec.errs, "\n")
	if len(rec.errs) != 5 {
		t.Fatalf("want 5 mismatches, got %d:\n%s", len(rec.errs), joined)
	}
	if !strings.Contains(joined, "/elsewhere") {
		t.Errorf("undocumented route not reported:\n%s", joined)
	}
}

func TestInvalidSpecIsRefused(t *testing.T) {
	t.Parallel()
	if _, err := apitest.NewValidator([]byte("openapi: 3.1.0\npaths: {}\n")); err == nil {
		t.Fatal("a document without info was accepted")
	}
}
