package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/web"
)

// noteWritten is the event of the test write route below.
type noteWritten struct {
	Text string `json:"text"`
}

func (noteWritten) EventType() string { return "httpapitest.NoteWritten" }

func init() { domain.RegisterEvent(noteWritten{}, 1) }

// chainRoutes adds routes written the way real handlers will be, behind the same
// middleware as the authenticated API.
func chainRoutes(s *Server, r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(s.timeout, auth.Require(s.sessions, s.resolve), s.idem.Middleware)
		r.Post("/test/notes", s.handle(func(w http.ResponseWriter, r *http.Request) error {
			var in struct {
				Text string `json:"text"`
			}
			if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
				return err
			}
			c := call(r)
			b := app.Batch{
				Streams: []app.StreamAppend{{StreamID: "note-" + uuid.NewString(), Events: []domain.Event{noteWritten{Text: in.Text}}}},
				Meta:    domain.Metadata{ActorID: c.ActorID, ActorKind: domain.ActorUser, CorrelationID: c.CorrelationID},
			}
			if c.Idempotency != nil {
				b.Meta.IdempotencyKey = c.Idempotency.Key
				b.Records = append(b.Records, *c.Idempotency)
			}
			res, err := s.store.Append(r.Context(), b)
			if err != nil {
				return err
			}
			return written(w, http.StatusCreated, res, map[string]any{"text": in.Text, "actor_id": c.ActorID, "correlation_id": c.CorrelationID})
		}))
		r.Get("/test/panic", func(http.ResponseWriter, *http.Request) { panic("boom in handler") })
		r.Get("/test/slow", s.handle(func(w http.ResponseWriter, r *http.Request) error {
			<-r.Context().Done() // stands for a query that outlives the request timeout
			return r.Context().Err()
		}))
	})
}

func signIn(t *testing.T, ts *testServer) (token string, userID uuid.UUID) {
	t.Helper()
	userID, _ = ts.addLogin(t, "writer@example.com", "correct horse battery")
	a := ts.do(t, ts.client, "POST", "/api/v1/sessions", http.Header{"Content-Type": {"application/json"}},
		`{"email":"writer@example.com","password":"correct horse battery"}`)
	var sess sessionResponse
	if err := json.Unmarshal([]byte(a.body), &sess); err != nil || a.status != 201 {
		t.Fatalf("sign in: %+v", a)
	}
	return sess.Token, userID
}

func TestWriteHandlerThroughTheWholeChain(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, chainRoutes)
	token, userID := signIn(t, ts)
	plain := &http.Client{}
	requestID := uuid.New()
	h := http.Header{"Authorization": {"Bearer " + token}, "Content-Type": {"application/json"},
		"Idempotency-Key": {"note-1"}, "X-Request-Id": {requestID.String()}}
	first := ts.do(t, plain, "POST", "/test/notes", h, `{"text":"hello"}`)
	var got struct {
		ActorID       uuid.UUID `json:"actor_id"`
		CorrelationID uuid.UUID `json:"correlation_id"`
	}
	_ = json.Unmarshal([]byte(first.body), &got)
	// The correlation id is the server's, never the client's request id.
	if first.status != 201 || first.header.Get("X-Position") == "" || got.ActorID != userID || got.CorrelationID == requestID ||
		got.CorrelationID.Version() != 7 {
		t.Fatalf("first %+v", first)
	}
	again := ts.do(t, plain, "POST", "/test/notes", h, `{"text":"hello"}`)
	if again.status != 201 || again.body != first.body || again.header.Get("X-Position") != first.header.Get("X-Position") {
		t.Fatalf("replay %+v", again)
	}
	if a := ts.do(t, plain, "POST", "/test/notes", h, `{"text":"other"}`); a.status != 422 || a.code() != "idempotency_key_reused" {
		t.Fatalf("reuse %+v", a)
	}
	var n int
	if err := ts.pool.QueryRow(ctxFor(t), `SELECT count(*) FROM events WHERE event_type = 'httpapitest.NoteWritten'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d events (%v), want 1", n, err)
	}
	// The access log line names the route pattern and the caller's request id.
	if !strings.Contains(ts.log.String(), `"route":"/test/notes","status":201`) || !strings.Contains(ts.log.String(), requestID.String()) {
		t.Fatalf("log:\n%s", ts.log.String())
	}
}

func TestPanicInAHandlerAnswers500AndIsLogged(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, chainRoutes)
	token, _ := signIn(t, ts)
	a := ts.do(t, &http.Client{}, "GET", "/test/panic", http.Header{"Authorization": {"Bearer " + token}, "X-Request-Id": {"trace-77"}}, "")
	if a.status != 500 || a.code() != "internal" || strings.Contains(a.body, "boom") || a.header.Get("X-Request-Id") != "trace-77" {
		t.Fatalf("%+v", a)
	}
	var line map[string]any
	for _, l := range strings.Split(ts.log.String(), "\n") {
		if strings.Contains(l, `"request_id":"trace-77"`) {
			_ = json.Unmarshal([]byte(l), &line)
		}
	}
	if line["level"] != "ERROR" || line["route"] != "/test/panic" || !strings.Contains(line["err"].(string), "boom in handler") {
		t.Fatalf("log line %v", line)
	}
	// The server keeps serving.
	if a := ts.do(t, ts.client, "GET", "/healthz", nil, ""); a.status != 200 {
		t.Fatal("server down after a panic")
	}
}

func TestRequestTimeoutAnswers503(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.RequestTimeout = 100 * time.Millisecond }, chainRoutes)
	token, _ := signIn(t, ts)
	start := time.Now()
	a := ts.do(t, &http.Client{}, "GET", "/test/slow", http.Header{"Authorization": {"Bearer " + token}}, "")
	if a.status != 503 || a.code() != "unavailable" || time.Since(start) > 10*time.Second {
		t.Fatalf("%+v after %v", a, time.Since(start))
	}
}

func TestHTTPServerHasTimeouts(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	srv := ts.HTTPServer("127.0.0.1:0")
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 {
		t.Fatalf("%+v", srv)
	}
}
