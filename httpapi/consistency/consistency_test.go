package consistency_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/pgtest"
	"github.com/sharehub/sharehub/httpapi/consistency"
	"github.com/sharehub/sharehub/httpapi/problem"
)

type pinged struct {
	N int `json:"n"`
}

func (pinged) EventType() string { return "consistencytest.Pinged" }

func init() { domain.RegisterEvent(pinged{}, 1) }

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

type env struct {
	url   string
	store *eventstore.Store
}

// newEnv serves a write (POST /pings, answering X-Position) and reads of one and of
// two read models, on a real event store.
func newEnv(t *testing.T, maxWait time.Duration) *env {
	t.Helper()
	pool, _ := pgtest.NewDatabase(t)
	e := &env{store: eventstore.New(pool, nil)}
	w, err := consistency.New(consistency.Config{Applied: e.store.Applied, MaxWait: maxWait})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Post("/pings", problem.Handler(func(w http.ResponseWriter, r *http.Request) error {
		res, err := e.store.Append(r.Context(), app.Batch{
			Streams: []app.StreamAppend{{StreamID: "ping-" + uuid.NewString(), Events: []domain.Event{pinged{N: 1}}}},
			Meta:    domain.Metadata{ActorKind: domain.ActorSystem, CorrelationID: uuid.New()},
		})
		if err != nil {
			return err
		}
		consistency.SetPosition(w, res)
		w.WriteHeader(http.StatusCreated)
		return nil
	}))
	ok := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }
	r.With(w.Reads("fast")).Get("/one", ok)
	r.With(w.Reads("fast", "slow")).Get("/two", ok)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

func (e *env) do(t *testing.T, method, path, minPos string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctxFor(t), method, e.url+path, nil)
	if minPos != "" {
		req.Header.Set("X-Min-Position", minPos)
	}
	resp, err := ownTransport.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// consume runs a projection (consumer group) until the test ends.
func (e *env) consume(t *testing.T, group string) {
	t.Helper()
	ctx, stop := context.WithCancel(ctxFor(t))
	done := make(chan error, 1)
	go func() {
		done <- e.store.Subscribe(ctx, eventstore.SubscriptionConfig{ConsumerGroup: group, PollInterval: 5 * time.Millisecond},
			func(context.Context, pgx.Tx, domain.Recorded) error { return nil })
	}()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("consumer %s: %v", group, err)
		}
	})
}

func TestWriteAnswersXPosition(t *testing.T) {
	t.Parallel()
	e := newEnv(t, time.Second)
	resp, _ := e.do(t, "POST", "/pings", "")
	first, err := strconv.ParseInt(resp.Header.Get("X-Position"), 10, 64)
	if err != nil || first < 1 {
		t.Fatalf("X-Position %q", resp.Header.Get("X-Position"))
	}
	resp, _ = e.do(t, "POST", "/pings", "")
	if second, _ := strconv.ParseInt(resp.Header.Get("X-Position"), 10, 64); second <= first {
		t.Fatalf("positions %d then %d", first, second)
	}
}

func TestReadWaitsForItsProjection(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 10*time.Second)
	resp, _ := e.do(t, "POST", "/pings", "")
	pos := resp.Header.Get("X-Position")

	// The projection starts only after the read began waiting.
	type result struct {
		status  int
		elapsed time.Duration
	}
	done := make(chan result, 1)
	ctx := ctxFor(t)
	go func() {
		start := time.Now()
		req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"/one", nil)
		req.Header.Set("X-Min-Position", pos)
		resp, err := ownTransport.Do(req)
		if err != nil {
			done <- result{-1, time.Since(start)}
			return
		}
		resp.Body.Close()
		done <- result{resp.StatusCode, time.Since(start)}
	}()
	time.Sleep(150 * time.Millisecond)
	e.consume(t, "fast")
	got := <-done
	if got.status != 200 || got.elapsed < 150*time.Millisecond {
		t.Fatalf("read answered %d after %v", got.status, got.elapsed)
	}
	// Once applied, reads do not wait.
	start := time.Now()
	if resp, _ := e.do(t, "GET", "/one", pos); resp.StatusCode != 200 || time.Since(start) > time.Second {
		t.Fatalf("%d after %v", resp.StatusCode, time.Since(start))
	}
}

func TestLaggingProjectionAnswers503(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 300*time.Millisecond)
	e.consume(t, "fast") // "slow" never runs
	resp, _ := e.do(t, "POST", "/pings", "")
	pos := resp.Header.Get("X-Position")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if resp, _ := e.do(t, "GET", "/one", pos); resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("fast projection never caught up")
		}
	}
	start := time.Now()
	resp, body := e.do(t, "GET", "/two", pos)
	elapsed := time.Since(start)
	if resp.StatusCode != 503 || !strings.Contains(body, `"code":"projection_lagging"`) || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if elapsed < 300*time.Millisecond || elapsed > 5*time.Second {
		t.Fatalf("waited %v, want about MaxWait", elapsed)
	}
	// A position beyond the log also lags rather than passing.
	if resp, _ := e.do(t, "GET", "/one", "999999999"); resp.StatusCode != 503 {
		t.Fatalf("future position: %d", resp.StatusCode)
	}
}

func TestMinPositionHeader(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 200*time.Millisecond)
	for _, v := range []string{"", "0"} {
		if resp, _ := e.do(t, "GET", "/two", v); resp.StatusCode != 200 {
			t.Fatalf("%q: %d", v, resp.StatusCode)
		}
	}
	for _, bad := range []string{"-1", "abc", "1.5", "99999999999999999999", "0x10"} {
		resp, body := e.do(t, "GET", "/one", bad)
		if resp.StatusCode != 400 || !strings.Contains(body, `"field":"X-Min-Position"`) {
			t.Fatalf("%q: %d %s", bad, resp.StatusCode, body)
		}
	}
}

func TestSetPositionSkipsEmptyResults(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	consistency.SetPosition(rec, app.AppendResult{})
	if rec.Header().Get("X-Position") != "" {
		t.Fatal("X-Position for nothing appended")
	}
	if _, err := consistency.New(consistency.Config{}); err == nil {
		t.Fatal("empty config accepted")
	}
}

// ownTransport is a client on a transport of its own: httptest.Server.Close closes
// the idle connections of http.DefaultTransport, breaking the requests of tests
// running in parallel.
var ownTransport = &http.Client{Transport: &http.Transport{}}
