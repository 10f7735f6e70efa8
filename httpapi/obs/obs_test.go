package obs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"log/slog"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sharehub/sharehub/httpapi/obs"
)

func do(t *testing.T, method, url string, header http.Header, body string) *http.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	// A transport of its own: httptest.Server.Close closes the idle connections of
	// http.DefaultTransport, which broke requests of tests running in parallel.
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp
}

func TestRequestIDKeepsValidIDsAndReplacesOthers(t *testing.T) {
	t.Parallel()
	var seen string
	srv := httptest.NewServer(obs.RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = obs.RequestIDFrom(r.Context())
	})))
	defer srv.Close()

	resp := do(t, "GET", srv.URL, http.Header{"X-Request-Id": {"lb-1234.abc:9_x"}}, "")
	if got := resp.Header.Get("X-Request-Id"); got != "lb-1234.abc:9_x" || seen != got {
		t.Fatalf("valid id replaced: %q / %q", got, seen)
	}
	for _, bad := range []string{"", "has space", "tab\there", strings.Repeat("a", 129), "<script>", "ü"} {
		resp := do(t, "GET", srv.URL, http.Header{"X-Request-Id": {bad}}, "")
		got := resp.Header.Get("X-Request-Id")
		if got == bad || seen != got {
			t.Fatalf("%q kept (%q, %q)", bad, got, seen)
		}
		if u, err := uuid.Parse(got); err != nil || u.Version() != 7 {
			t.Fatalf("generated id %q is not a UUIDv7", got)
		}
	}
}

// Finding (issue 11): a client-chosen X-Request-Id became the correlation id in the
// immutable log. The correlation id is now generated on the server for every
// request; the client's id is kept apart (ClientRequestID), only when well formed.
func TestCorrelationIDIsTheServers(t *testing.T) {
	t.Parallel()
	id := uuid.New()
	ctx := context.Background()
	if obs.CorrelationID(ctx) != uuid.Nil || obs.ClientRequestID(ctx) != "" {
		t.Fatal("correlation id outside a request")
	}
	type seen struct {
		correlation uuid.UUID
		client      string
	}
	got := make(chan seen, 4)
	h := obs.RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{obs.CorrelationID(r.Context()), obs.ClientRequestID(r.Context())}
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	ids := map[uuid.UUID]bool{}
	for _, c := range []struct{ sent, kept string }{
		{id.String(), id.String()}, {"lb-42", "lb-42"}, {"lb-42", "lb-42"}, {strings.Repeat("a", 129), ""},
	} {
		do(t, "GET", srv.URL, http.Header{"X-Request-Id": {c.sent}}, "")
		s := <-got
		if s.correlation == id || s.correlation.Version() != 7 || ids[s.correlation] || s.client != c.kept {
			t.Fatalf("sent %q: correlation %v (version %d), client id %q", c.sent, s.correlation, s.correlation.Version(), s.client)
		}
		ids[s.correlation] = true
	}
}

// The access log names the route pattern, never the path, query, body or headers,
// which may carry tokens and passwords.
func TestAccessLogNeverLogsSecrets(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	tick := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { tick = tick.Add(25 * time.Millisecond); return tick }
	r := chi.NewRouter()
	r.Use(obs.RequestID, obs.AccessLog(log, clock))
	r.Post("/l/{token}/content", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte("12345"))
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	do(t, "POST", srv.URL+"/l/TOKEN-SECRET-1/content?password=PASSWORD-SECRET-2",
		http.Header{"Authorization": {"Bearer BEARER-SECRET-3"}, "X-Link-Password": {"LINK-SECRET-4"}, "X-Request-Id": {"req-1"}},
		`{"password":"BODY-SECRET-5"}`)
	do(t, "GET", srv.URL+"/nowhere/TOKEN-SECRET-6", nil, "")

	out := buf.String()
	for _, secret := range []string{"SECRET", "password", "Bearer"} {
		if strings.Contains(out, secret) {
			t.Fatalf("log contains %q:\n%s", secret, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines:\n%s", out)
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"msg": "http request", "method": "POST", "route": "/l/{token}/content", "status": float64(201),
		"bytes": float64(5), "request_id": "req-1", "duration": float64(25 * time.Millisecond)}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("%s = %v, want %v", k, first[k], v)
		}
	}
	if !strings.Contains(lines[1], `"route":"unmatched"`) || !strings.Contains(lines[1], `"status":404`) {
		t.Fatalf("unmatched line %s", lines[1])
	}
}

func TestMetricsCountPerRoutePatternAndStatus(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m, err := obs.NewMetrics(reg, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := obs.NewMetrics(reg, reg, nil); err != nil {
		t.Fatalf("second registration: %v", err)
	}
	r := chi.NewRouter()
	r.Use(m.Middleware)
	r.Get("/api/v1/customers/{id}", func(w http.ResponseWriter, r *http.Request) {
		if chi.URLParam(r, "id") == "missing" {
			w.WriteHeader(404)
		}
	})
	r.Method("GET", "/metrics", m.Handler())
	srv := httptest.NewServer(r)
	defer srv.Close()
	for _, id := range []string{"a", "b", "missing"} {
		do(t, "GET", srv.URL+"/api/v1/customers/"+id, nil, "")
	}
	do(t, "BREW", srv.URL+"/api/v1/customers/a", nil, "")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/metrics", nil)
	resp, err := ownTransport.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	text := string(b)
	for _, want := range []string{
		`sharehub_http_requests_total{method="GET",route="/api/v1/customers/{id}",status="200"} 2`,
		`sharehub_http_requests_total{method="GET",route="/api/v1/customers/{id}",status="404"} 1`,
		`sharehub_http_requests_total{method="other",route="unmatched",status="405"} 1`,
		`sharehub_http_request_duration_seconds_count{method="GET",route="/api/v1/customers/{id}",status="200"} 2`,
		`sharehub_http_requests_in_flight 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %s in\n%s", want, text)
		}
	}
	if strings.Contains(text, `"/api/v1/customers/a"`) {
		t.Fatal("a concrete path became a label")
	}
}

// ownTransport is a client on a transport of its own: httptest.Server.Close closes
// the idle connections of http.DefaultTransport, breaking the requests of tests
// running in parallel.
var ownTransport = &http.Client{Transport: &http.Transport{}}
