package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// problemBody is the wire form of an error answer.
type problemBody struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Field  string `json:"field"`
}

func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := ownTransport.Do(req.WithContext(ctxFor(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func newRequest(t *testing.T, method, url, contentType string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

// wantProblem checks an answer is a problem with status, code and (when not empty)
// field.
func wantProblem(t *testing.T, resp *http.Response, body []byte, status int, code, field string) problemBody {
	t.Helper()
	var p problemBody
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("answer %d %q is not JSON: %v", resp.StatusCode, body, err)
	}
	if resp.StatusCode != status || p.Status != status || p.Code != code {
		t.Fatalf("got %d %s %q, want %d %s", resp.StatusCode, p.Code, p.Detail, status, code)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q", ct)
	}
	if field != "" && p.Field != field {
		t.Fatalf("field %q (detail %q), want %q", p.Field, p.Detail, field)
	}
	if field != "" && !strings.Contains(p.Detail, field) {
		t.Fatalf("detail %q does not name %q", p.Detail, field)
	}
	return p
}
