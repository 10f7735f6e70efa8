package problem_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore/blobs"
	"github.com/sharehub/sharehub/httpapi/obs"
	"github.com/sharehub/sharehub/httpapi/problem"
)

func TestFromMapsEveryKnownError(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err    error
		status int
		code   string
		field  string
	}{
		{problem.Validation("name", "is too long"), 400, "validation_failed", "name"},
		{fmt.Errorf("wrapped: %w", &domain.ValidationError{Field: "email", Message: "is not an e-mail address"}), 400, "validation_failed", "email"},
		{fmt.Errorf("load: %w", domain.ErrNotFound), 404, "not_found", ""},
		{domain.ErrForbidden, 403, "forbidden", ""},
		{domain.ErrConflict, 409, "conflict", ""},
		{fmt.Errorf("gave up: %w", domain.ErrConcurrencyConflict), 409, "conflict", ""},
		{domain.ErrShareCancelled, 409, "share_cancelled", ""},
		{domain.ErrCustomerRevoked, 409, "customer_revoked", ""},
		{domain.ErrLinkGone, 410, "link_gone", ""},
		{domain.ErrInvitationGone, 410, "invitation_gone", ""},
		{domain.ErrPasswordRequired, 401, "password_required", ""},
		{domain.ErrPasswordRejected, 401, "password_rejected", ""},
		{&app.ClaimTakenError{Scope: app.EmailClaimScope, Value: "a@b.c"}, 409, "conflict", "email"},
		{fmt.Errorf("append: %w", app.ErrDuplicateRequest), 409, "idempotency_key_in_flight", ""},
		{&http.MaxBytesError{Limit: 10}, 413, "payload_too_large", ""},
		{fmt.Errorf("put: %w", blobs.ErrTooLarge), 413, "payload_too_large", ""},
		{fmt.Errorf("blobs: write: %w: %w", blobs.ErrNoSpace, syscall.ENOSPC), 507, "insufficient_storage", ""},
		{problem.TooManyAttempts(1500 * time.Millisecond), 429, "too_many_attempts", ""},
		{problem.ProjectionLagging(42), 503, "projection_lagging", ""},
		{fmt.Errorf("query: %w", context.DeadlineExceeded), 503, "unavailable", ""},
		{problem.Unauthenticated("sign in", false), 401, "unauthenticated", ""},
		{errors.New("connection refused to 10.0.0.3"), 500, "internal", ""},
	} {
		p := problem.From(tc.err)
		if p.Status != tc.status || p.Code != tc.code || p.Field != tc.field {
			t.Errorf("%v -> %d %s %q, want %d %s %q", tc.err, p.Status, p.Code, p.Field, tc.status, tc.code, tc.field)
		}
	}
}

type wire struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Field  string `json:"field"`
}

// logged captures the access log as JSON lines.
type logged struct{ buf bytes.Buffer }

func (l *logged) logger() *slog.Logger { return slog.New(slog.NewJSONHandler(&l.buf, nil)) }

func (l *logged) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func serve(t *testing.T, log *logged, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(obs.RequestID(obs.AccessLog(log.logger(), nil)(problem.Recoverer(h))))
	t.Cleanup(srv.Close)
	return srv.URL
}

func get(t *testing.T, url string) (*http.Response, wire, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var w wire
	_ = json.Unmarshal(b, &w)
	return resp, w, b
}

func TestWriteAnswersRFC9457(t *testing.T) {
	t.Parallel()
	var log logged
	url := serve(t, &log, problem.Handler(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Disposition", "attachment") // set before the failure: must not survive
		return problem.TooManyAttempts(1500 * time.Millisecond)
	}))
	resp, p, raw := get(t, url)
	if resp.StatusCode != 429 || resp.Header.Get("Content-Type") != "application/problem+json" ||
		resp.Header.Get("Retry-After") != "2" || resp.Header.Get("Content-Disposition") != "" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	if p != (wire{Type: "urn:sharehub:problem:too_many_attempts", Title: "Too Many Requests", Status: 429,
		Detail: "too many attempts; try again later", Code: "too_many_attempts"}) {
		t.Fatalf("body %s", raw)
	}
	var keys map[string]any
	_ = json.Unmarshal(raw, &keys)
	if _, ok := keys["field"]; ok {
		t.Fatal("field present without a field")
	}
	if lines := log.lines(t); len(lines) != 1 || lines[0]["code"] != "too_many_attempts" || lines[0]["level"] != "INFO" {
		t.Fatalf("log %v", lines)
	}
}

func TestInternalErrorsAndPanicsHideDetailsAndAreLoggedWithRequestID(t *testing.T) {
	t.Parallel()
	var log logged
	mux := http.NewServeMux()
	mux.Handle("/error", problem.Handler(func(w http.ResponseWriter, r *http.Request) error {
		return errors.New("pq: password authentication failed for user sharehub at 10.0.0.3")
	}))
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) {
		var m map[string]int
		m["boom"]++ // nil map: a real runtime panic
	})
	url := serve(t, &log, mux)
	for _, path := range []string{"/error", "/panic"} {
		resp, p, raw := get(t, url+path)
		if resp.StatusCode != 500 || p.Code != "internal" || strings.Contains(string(raw), "10.0.0.3") ||
			strings.Contains(string(raw), "nil map") || strings.Contains(string(raw), "goroutine") {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, raw)
		}
		id := resp.Header.Get(obs.RequestIDHeader)
		if id == "" || !strings.Contains(p.Detail, "X-Request-Id") {
			t.Fatalf("%s: request id %q, detail %q", path, id, p.Detail)
		}
		var found bool
		for _, l := range log.lines(t) {
			if l["request_id"] == id {
				found = true
				errText, _ := l["err"].(string)
				if l["level"] != "ERROR" || l["status"] != float64(500) || errText == "" {
					t.Fatalf("%s: log %v", path, l)
				}
				if path == "/panic" && !strings.Contains(errText, "assignment to entry in nil map") {
					t.Fatalf("panic not logged with its value: %q", errText)
				}
			}
		}
		if !found {
			t.Fatalf("%s: no log line with request id %s", path, id)
		}
	}
}

func TestPanicAfterTheAnswerStartedDropsTheConnection(t *testing.T) {
	t.Parallel()
	var log logged
	url := serve(t, &log, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(200)
		_, _ = w.Write([]byte("partial"))
		panic("late")
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Fatal("a truncated answer looked complete")
	}
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	t.Parallel()
	var log logged
	url := serve(t, &log, http.HandlerFunc(problem.NotFoundHandler))
	resp, p, raw := get(t, url+"/l/secret-token-value")
	if resp.StatusCode != 404 || p.Code != "not_found" || strings.Contains(string(raw), "secret") {
		t.Fatalf("%d %s", resp.StatusCode, raw)
	}
	m := problem.MethodNotAllowed([]string{"GET", "HEAD"})
	if m.Status != 405 || strings.Join(m.Header.Values("Allow"), ",") != "GET,HEAD" {
		t.Fatalf("%+v", m)
	}
}
