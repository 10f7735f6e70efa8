package consistency_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
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

	mu     sync.Mutex
	asked  map[string]int // Applied calls per group
	behind chan string    // a group each time Applied answers "not yet" (dropped when full)
}

// applied is the store's Applied, counted: tests see that a read is waiting (it
// asked and heard "not yet") instead of sleeping and hoping it is.
func (e *env) applied(ctx context.Context, group string, position int64) (bool, error) {
	ok, err := e.store.Applied(ctx, group, position)
	e.mu.Lock()
	e.asked[group]++
	e.mu.Unlock()
	if err == nil && !ok {
		select {
		case e.behind <- group:
		default:
		}
	}
	return ok, err
}

func (e *env) askedOf(group string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.asked[group]
}

// newEnv serves a write (POST /pings, answering X-Position) and reads of one and of
// two read models, on a real event store.
func newEnv(t *testing.T, maxWait time.Duration) *env {
	t.Helper()
	pool, _ := pgtest.NewDatabase(t)
	e := &env{store: eventstore.New(pool, nil), asked: map[string]int{}, behind: make(chan string, 1)}
	w, err := consistency.New(consistency.Config{Applied: e.applied, MaxWait: maxWait})
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

	// The projection starts only once the read has asked and heard "not yet".
	done := make(chan int, 1)
	ctx := ctxFor(t)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"/one", nil)
		req.Header.Set("X-Min-Position", pos)
		resp, err := ownTransport.Do(req)
		if err != nil {
			done <- -1
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	select {
	case <-e.behind:
	case status := <-done:
		t.Fatalf("read answered %d before its projection ran", status)
	}
	e.consume(t, "fast")
	if status := <-done; status != 200 {
		t.Fatalf("read answered %d once its projection caught up", status)
	}
	// Once applied, reads do not wait, nor ask again: this process remembers the
	// position applied (a checkpoint never moves back).
	before := e.askedOf("fast")
	if resp, _ := e.do(t, "GET", "/one", pos); resp.StatusCode != 200 {
		t.Fatalf("%d", resp.StatusCode)
	}
	if n := e.askedOf("fast") - before; n != 0 {
		t.Fatalf("an applied position asked %d times again, want 0", n)
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
	before := e.askedOf("slow")
	resp, body := e.do(t, "GET", "/two", pos)
	if resp.StatusCode != 503 || !strings.Contains(body, `"code":"projection_lagging"`) || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	// It waited (asked again and again) before giving up, rather than failing fast.
	if n := e.askedOf("slow") - before; n < 2 {
		t.Fatalf("the lagging projection was asked %d times before the 503, want several", n)
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
