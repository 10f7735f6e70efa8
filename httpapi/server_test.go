package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/blobs"
	"github.com/sharehub/sharehub/eventstore/pgtest"
	"github.com/sharehub/sharehub/httpapi/apitest"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/client"
	"github.com/sharehub/sharehub/httpapi/throttle"
	"github.com/sharehub/sharehub/projections"
)

// userJoined is an event type private to these tests: it stands for the events that
// create logins (their app.Credential records commit with them).
type userJoined struct {
	UserID uuid.UUID `json:"user_id"`
}

func (userJoined) EventType() string { return "httpapitest.UserJoined" }

func init() { domain.RegisterEvent(userJoined{}, 1) }

var cheapArgon2 = auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type testServer struct {
	*Server
	url   string
	store *eventstore.Store
	log   *syncBuffer
	spec  *apitest.Validator
	// client validates every answer against openapi.yaml.
	client *http.Client
}

// newTestServer builds the API on a fresh database; adjust may change the config
// and add test-only routes before the server starts.
func newTestServer(t *testing.T, adjust func(*Config), routes func(s *Server, r chi.Router)) *testServer {
	t.Helper()
	pool, _ := pgtest.NewDatabase(t)
	store := eventstore.New(pool, nil)
	blobStore, err := blobs.New(blobs.Config{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := auth.NewArgon2id(cheapArgon2)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	reg := prometheus.NewRegistry()
	svc, err := app.New(app.Config{Store: store, Hasher: hasher})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		Pool:   pool, Store: store, Blobs: blobStore, Hasher: hasher, App: svc,
		ReadModels: projections.NewReadModels(pool, store),
		Registerer: reg, Gatherer: reg,
		PublicBaseURL: "http://127.0.0.1:0",
	}
	if adjust != nil {
		adjust(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if routes != nil {
		routes(s, s.router)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	spec := apitest.Load(t, OpenAPISpec())
	return &testServer{Server: s, url: srv.URL, store: store, log: logs, spec: spec, client: spec.Client(t, srv.Client())}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (a answer) code() string {
	var p struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal([]byte(a.body), &p)
	return p.Code
}

// do sends one request through the API client (httpapi/client) over c, exactly
// as given (Verbatim: no header the test did not name).
func (ts *testServer) do(t *testing.T, c *http.Client, method, path string, header http.Header, body string) answer {
	t.Helper()
	api := &client.Client{Base: ts.url, HTTP: c, Verbatim: true}
	a := api.Do(ctxFor(t), client.Request{Method: method, Path: path, Header: header, Body: []byte(body)})
	if a.Status == 0 {
		t.Fatal(a.Err)
	}
	return answer{a.Status, a.Header, string(a.Body)}
}

// addLogin creates a login the way the application does: a credential record
// committed with an event.
func (ts *testServer) addLogin(t *testing.T, email, password string) (userID, companyID uuid.UUID) {
	t.Helper()
	userID, companyID = uuid.New(), uuid.New()
	hash, err := ts.hasher.Hash(password)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ts.store.Append(ctxFor(t), app.Batch{
		Streams: []app.StreamAppend{{StreamID: "user-" + userID.String(), Events: []domain.Event{userJoined{UserID: userID}}}},
		Meta:    domain.Metadata{ActorKind: domain.ActorSystem, TenantID: companyID, CorrelationID: uuid.New()},
		Records: []app.Record{app.Credential{UserID: userID, CompanyID: companyID, Email: email, PasswordHash: hash}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return userID, companyID
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	err := Config{MaxUploadBytes: -1, CursorKey: []byte("short"), ReadyChecks: []ReadyCheck{{}}}.Validate()
	for _, want := range []string{"Pool", "Store", "Blobs", "Hasher", "MaxUploadBytes", "CursorKey", "ReadyCheck"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate does not report %s: %v", want, err)
		}
	}
}

func TestOperationsEndpoints(t *testing.T) {
	t.Parallel()
	lagging := errors.New("projection portal_view is 1200 events behind")
	var failing sync.Map
	ts := newTestServer(t, func(c *Config) {
		c.ReadyChecks = []ReadyCheck{{Name: "projections", Check: func(*http.Request) error {
			if _, ok := failing.Load("yes"); ok {
				return lagging
			}
			return nil
		}}}
	}, nil)

	if a := ts.do(t, ts.client, "GET", "/healthz", nil, ""); a.status != 200 || strings.TrimSpace(a.body) != `{"status":"ok"}` {
		t.Fatalf("healthz %+v", a)
	}
	if a := ts.do(t, ts.client, "GET", "/readyz", nil, ""); a.status != 200 || !strings.Contains(a.body, `"database":"ok"`) ||
		!strings.Contains(a.body, `"projections":"ok"`) {
		t.Fatalf("readyz %+v", a)
	}
	failing.Store("yes", true)
	a := ts.do(t, ts.client, "GET", "/readyz", nil, "")
	if a.status != 503 || a.code() != "not_ready" || !strings.Contains(a.body, "projections") || strings.Contains(a.body, "1200") {
		t.Fatalf("readyz failing %+v", a)
	}
	if !strings.Contains(ts.log.String(), "1200 events behind") {
		t.Fatal("the failing check's cause is not logged")
	}
	a = ts.do(t, ts.client, "GET", "/api/v1/openapi.yaml", nil, "")
	if a.status != 200 || a.body != string(OpenAPISpec()) || a.header.Get("Content-Type") != "application/yaml" {
		t.Fatalf("openapi %d %s", a.status, a.header)
	}
	// Metrics are not on the API address (issue 12): they have a listener of their
	// own. (A plain client: the route is, rightly, not in the contract.)
	ms := httptest.NewServer(ts.MetricsHandler())
	defer ms.Close()
	if m := metricsAnswer(t, ms); m.status != 200 || !strings.Contains(m.body, `sharehub_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Fatalf("metrics %d\n%s", m.status, m.body)
	}
	a = ts.do(t, &http.Client{Transport: &http.Transport{}}, "GET", "/metrics", nil, "")
	if a.status != 404 || strings.Contains(a.body, "sharehub_http_requests_total") {
		t.Fatalf("metrics on the API address: %d\n%s", a.status, a.body)
	}
	if a := ts.do(t, ts.client, "HEAD", "/healthz", nil, ""); a.status != 200 || a.body != "" {
		t.Fatalf("HEAD %+v", a)
	}
	// Security headers on every answer.
	if a.header.Get("X-Content-Type-Options") != "nosniff" || a.header.Get("X-Request-Id") == "" {
		t.Fatalf("headers %v", a.header)
	}
}

func TestUnknownRoutesAndMethodsAnswerProblems(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	plain := &http.Client{}
	a := ts.do(t, plain, "GET", "/api/v1/nothing-here/tok3n", nil, "")
	if a.status != 404 || a.code() != "not_found" || a.header.Get("Content-Type") != "application/problem+json" || strings.Contains(a.body, "tok3n") {
		t.Fatalf("404 %+v", a)
	}
	a = ts.do(t, plain, "PUT", "/healthz", nil, "")
	if a.status != 405 || a.code() != "method_not_allowed" || strings.Join(a.header.Values("Allow"), ",") != "GET,HEAD" {
		t.Fatalf("405 %+v", a)
	}
	a = ts.do(t, plain, "GET", "/api/v1/sessions", nil, "")
	if a.status != 405 || strings.Join(a.header.Values("Allow"), ",") != "POST" {
		t.Fatalf("405 %+v", a)
	}
}

// The router and openapi.yaml list the same operations: a route added without its
// documentation (or the reverse) fails here.
func TestRoutesMatchOpenAPI(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	var routes []string
	err := chi.Walk(ts.Router(), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routes = append(routes, method+" "+stripRegexps(route))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	documented := ts.spec.Operations()
	slices.Sort(routes)
	slices.Sort(documented)
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in openapi.yaml", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routes, d) {
			t.Errorf("openapi.yaml documents %s, which no route serves", d)
		}
	}
}

// stripRegexps turns chi's "{id:[0-9]+}" into OpenAPI's "{id}".
func stripRegexps(route string) string {
	var b strings.Builder
	depth := 0
	skipping := false
	for _, r := range route {
		switch {
		case r == '{':
			depth++
			skipping = false
			b.WriteRune(r)
		case r == '}':
			depth--
			skipping = false
			b.WriteRune(r)
		case r == ':' && depth > 0:
			skipping = true
		case !skipping:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestSignInAndOut(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	userID, companyID := ts.addLogin(t, "ada@example.com", "correct horse battery")
	json := http.Header{"Content-Type": {"application/json"}}

	a := ts.do(t, ts.client, "POST", "/api/v1/sessions", json, `{"email":" Ada@Example.com ","password":"correct horse battery"}`)
	if a.status != 201 || a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("sign in %+v", a)
	}
	var sess sessionResponse
	if err := jsonUnmarshal(a.body, &sess); err != nil || sess.UserID != userID || sess.CompanyID != companyID || sess.Token == "" {
		t.Fatalf("session %+v (%v)", sess, err)
	}
	bearer := http.Header{"Authorization": {"Bearer " + sess.Token}}
	if a := ts.do(t, ts.client, "DELETE", "/api/v1/sessions/current", bearer, ""); a.status != 204 {
		t.Fatalf("sign out %+v", a)
	}
	a = ts.do(t, ts.client, "DELETE", "/api/v1/sessions/current", bearer, "")
	if a.status != 401 || a.code() != "unauthenticated" || !strings.Contains(a.header.Get("WWW-Authenticate"), "invalid_token") {
		t.Fatalf("dead token %+v", a)
	}
	if a := ts.do(t, ts.client, "DELETE", "/api/v1/sessions/current", nil, ""); a.status != 401 {
		t.Fatalf("no token %+v", a)
	}

	for name, tc := range map[string]struct {
		body   string
		status int
		code   string
	}{
		"wrong password": {`{"email":"ada@example.com","password":"wrong horse battery"}`, 401, "unauthenticated"},
		"unknown email":  {`{"email":"bob@example.com","password":"correct horse battery"}`, 401, "unauthenticated"},
		"bad email":      {`{"email":"not an address","password":"x"}`, 400, "validation_failed"},
		"no password":    {`{"email":"ada@example.com"}`, 400, "validation_failed"},
		"unknown field":  {`{"email":"ada@example.com","password":"x","remember":true}`, 400, "validation_failed"},
	} {
		if a := ts.do(t, ts.client, "POST", "/api/v1/sessions", json, tc.body); a.status != tc.status || a.code() != tc.code {
			t.Errorf("%s: %+v", name, a)
		}
	}
	if strings.Contains(ts.log.String(), "horse") || strings.Contains(ts.log.String(), sess.Token) {
		t.Fatal("a password or token reached the log")
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// Sign-in attempts are counted per account before the password is checked, so
// after the limit even the right password is refused until Retry-After.
func TestSignInIsThrottledPerAccount(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ts := newTestServer(t, func(c *Config) {
		c.Clock = clock
		c.AccountThrottle = throttle.Config{Burst: 3, Every: time.Minute}
	}, nil)
	ts.addLogin(t, "ada@example.com", "correct horse battery")
	ts.addLogin(t, "bob@example.com", "correct horse battery")
	json := http.Header{"Content-Type": {"application/json"}}
	for range 3 {
		if a := ts.do(t, ts.client, "POST", "/api/v1/sessions", json, `{"email":"ada@example.com","password":"guess-guess"}`); a.status != 401 {
			t.Fatalf("%+v", a)
		}
	}
	a := ts.do(t, ts.client, "POST", "/api/v1/sessions", json, `{"email":"ADA@example.com","password":"correct horse battery"}`)
	if a.status != 429 || a.code() != "too_many_attempts" || a.header.Get("Retry-After") != "60" {
		t.Fatalf("4th attempt %+v", a)
	}
	if a := ts.do(t, ts.client, "POST", "/api/v1/sessions", json, `{"email":"bob@example.com","password":"correct horse battery"}`); a.status != 201 {
		t.Fatalf("another account %+v", a)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if a := ts.do(t, ts.client, "POST", "/api/v1/sessions", json, `{"email":"ada@example.com","password":"correct horse battery"}`); a.status != 201 {
		t.Fatalf("after Retry-After %+v", a)
	}
}

func TestSignInIsThrottledPerAddress(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) {
		c.AddrThrottle = throttle.Config{Burst: 2, Every: time.Hour}
	}, nil)
	json := http.Header{"Content-Type": {"application/json"}}
	var statuses []int
	for _, who := range []string{"a", "b", "c", "d"} {
		a := ts.do(t, ts.client, "POST", "/api/v1/sessions", json, `{"email":"`+who+`@example.com","password":"guess-guess"}`)
		statuses = append(statuses, a.status)
	}
	if !slices.Equal(statuses, []int{401, 401, 429, 429}) {
		t.Fatalf("statuses %v", statuses)
	}
}
