package idempotency_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/blobs"
	"github.com/sharehub/sharehub/eventstore/pgtest"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/consistency"
	"github.com/sharehub/sharehub/httpapi/idempotency"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

// noted is an event type private to these tests.
type noted struct {
	Text string `json:"text"`
}

func (noted) EventType() string { return "idempotencytest.Noted" }

func init() { domain.RegisterEvent(noted{}, 1) }

type env struct {
	url     string
	store   *eventstore.Store
	tokenA  string // a user of company A
	tokenA2 string // another user of company A
	tokenB  string // a user of company B
	hold    chan struct{}
	entered chan struct{}
}

// newEnv serves tiny write handlers the way real ones will be written: decode,
// command (an append carrying idempotency.Record), answer with X-Position.
func newEnv(t *testing.T) *env {
	t.Helper()
	pool, _ := pgtest.NewDatabase(t)
	e := &env{store: eventstore.New(pool, nil), hold: make(chan struct{}), entered: make(chan struct{}, 16)}
	sessions, err := auth.NewSessions(auth.SessionsConfig{Pool: pool})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := idempotency.New(idempotency.Config{Pool: pool, MaxBodyBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	blobStore, err := blobs.New(blobs.Config{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxFor(t)
	companyA := uuid.New()
	signIn := func(company uuid.UUID) string {
		user := uuid.New()
		if _, err := pool.Exec(ctx, `INSERT INTO credentials (user_id, company_id, email, password_hash) VALUES ($1, $2, $3, 'x')`,
			user, company, user.String()+"@example.com"); err != nil {
			t.Fatal(err)
		}
		token, _, err := sessions.Create(ctx, user, company)
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	e.tokenA, e.tokenA2, e.tokenB = signIn(companyA), signIn(companyA), signIn(uuid.New())

	appendNote := func(r *http.Request, stream, text string) (app.AppendResult, error) {
		recs, err := e.store.ReadStream(r.Context(), stream)
		if err != nil {
			return app.AppendResult{}, err
		}
		b := app.Batch{
			Streams: []app.StreamAppend{{StreamID: stream, ExpectedVersion: int64(len(recs)), Events: []domain.Event{noted{Text: text}}}},
			Meta:    domain.Metadata{ActorKind: domain.ActorSystem, CorrelationID: uuid.New()},
		}
		if rec := idempotency.Record(r.Context()); rec != nil {
			b.Records = append(b.Records, *rec)
		}
		return e.store.Append(r.Context(), b)
	}

	r := chi.NewRouter()
	r.Group(func(r chi.Router) {
		r.Use(auth.Require(sessions, nil), keys.Middleware)
		r.Post("/notes/{stream}", problem.Handler(func(w http.ResponseWriter, r *http.Request) error {
			var in struct {
				Text string `json:"text"`
				Hold bool   `json:"hold"`
				Fail bool   `json:"fail"`
			}
			if err := web.DecodeJSON(w, r, &in, 0); err != nil {
				return err
			}
			if in.Text == "" {
				return problem.Validation("text", "must not be empty")
			}
			res, err := appendNote(r, "note-"+chi.URLParam(r, "stream"), in.Text)
			if err != nil {
				return err
			}
			if in.Hold {
				e.entered <- struct{}{}
				<-e.hold
			}
			if in.Fail { // recorded and then refused, like a wrong link password
				return problem.New(http.StatusUnauthorized, problem.CodePasswordRejected, "wrong password")
			}
			consistency.SetPosition(w, res)
			return web.WriteJSON(w, http.StatusCreated, map[string]any{"text": in.Text, "at": time.Now().UnixNano()})
		}))
		r.Post("/files", problem.Handler(func(w http.ResponseWriter, r *http.Request) error {
			up, err := web.ReadUpload(w, r, blobStore, web.UploadSpec{MaxFileBytes: 1 << 16, Fields: []string{"name"}})
			if err != nil {
				return err
			}
			res, err := appendNote(r, "files", up.File.SHA256)
			if err != nil {
				return err
			}
			consistency.SetPosition(w, res)
			return web.WriteJSON(w, http.StatusCreated, map[string]any{"sha256": up.File.SHA256, "at": time.Now().UnixNano()})
		}))
		r.Get("/notes/{stream}", func(w http.ResponseWriter, r *http.Request) {
			_ = idempotency.Record(r.Context()) // nil: GET is never keyed
			w.WriteHeader(http.StatusNoContent)
		})
	})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
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

func (e *env) post(t *testing.T, token, path, key, contentType string, body io.Reader) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxFor(t), http.MethodPost, e.url+path, body)
	if err != nil {
		t.Error(err) // may run in a goroutine: no Fatal
		return answer{}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return answer{}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (e *env) note(t *testing.T, token, stream, key, body string) answer {
	return e.post(t, token, "/notes/"+stream, key, "application/json", strings.NewReader(body))
}

func (e *env) events(t *testing.T, stream string) int {
	t.Helper()
	recs, err := e.store.ReadStream(ctxFor(t), stream)
	if err != nil {
		t.Fatal(err)
	}
	return len(recs)
}

func code(a answer) string {
	var p struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal([]byte(a.body), &p)
	return p.Code
}

func TestSameKeySameRequestReplaysTheFirstAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.note(t, e.tokenA, "a", "k-1", `{"text":"hello"}`)
	if first.status != 201 || first.header.Get("X-Position") == "" || first.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first: %+v", first)
	}
	// The body is compared as sent: the same bytes replay.
	for range 3 {
		again := e.note(t, e.tokenA, "a", "k-1", `{"text":"hello"}`)
		if again.status != 201 || again.body != first.body || again.header.Get("X-Position") != first.header.Get("X-Position") ||
			again.header.Get("Content-Type") != "application/json" || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay differs:\n%+v\n%+v", first, again)
		}
	}
	// Another user of the same company shares the key scope (keys are per company).
	if again := e.note(t, e.tokenA2, "a", "k-1", `{"text":"hello"}`); again.body != first.body {
		t.Fatalf("same company, other user: %+v", again)
	}
	if n := e.events(t, "note-a"); n != 1 {
		t.Fatalf("%d events appended, want 1", n)
	}
}

func TestSameKeyOtherRequestIs422(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if a := e.note(t, e.tokenA, "a", "k-2", `{"text":"hello"}`); a.status != 201 {
		t.Fatalf("%+v", a)
	}
	for name, a := range map[string]answer{
		"other body": e.note(t, e.tokenA, "a", "k-2", `{"text":"bye"}`),
		"other path": e.note(t, e.tokenA, "b", "k-2", `{"text":"hello"}`),
	} {
		if a.status != 422 || code(a) != "idempotency_key_reused" || a.header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s: %+v", name, a)
		}
	}
	if e.events(t, "note-a") != 1 || e.events(t, "note-b") != 0 {
		t.Fatal("a reused key appended")
	}
}

func TestKeysAreScopedByCompany(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.note(t, e.tokenA, "a", "shared-key", `{"text":"hello"}`)
	b := e.note(t, e.tokenB, "a", "shared-key", `{"text":"hello"}`)
	if a.status != 201 || b.status != 201 || b.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("%+v\n%+v", a, b)
	}
	if n := e.events(t, "note-a"); n != 2 {
		t.Fatalf("%d events, want one per company", n)
	}
}

func TestDuplicateWhileTheFirstRunsIs409(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var once sync.Once
	release := func() { once.Do(func() { close(e.hold) }) }
	t.Cleanup(release) // before the server closes, even if the test fails early
	done := make(chan answer, 1)
	go func() { done <- e.note(t, e.tokenA, "a", "k-3", `{"text":"slow","hold":true}`) }()
	<-e.entered // appended, answer not yet written
	dup := e.note(t, e.tokenA, "a", "k-3", `{"text":"slow","hold":true}`)
	if dup.status != 409 || code(dup) != "idempotency_key_in_flight" {
		t.Fatalf("duplicate in flight: %+v", dup)
	}
	release()
	first := <-done
	if first.status != 201 {
		t.Fatalf("first: %+v", first)
	}
	if again := e.note(t, e.tokenA, "a", "k-3", `{"text":"slow","hold":true}`); again.body != first.body || again.status != 201 {
		t.Fatalf("after completion: %+v", again)
	}
	if n := e.events(t, "note-a"); n != 1 {
		t.Fatalf("%d events", n)
	}
}

// Many identical requests at once: exactly one appends; the others replay it or are
// told it is in flight. None fails otherwise.
func TestConcurrentDuplicatesAppendOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 12
	answers := make(chan answer, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			answers <- e.note(t, e.tokenA, "race", "k-race", `{"text":"once"}`)
		})
	}
	close(start)
	wg.Wait()
	close(answers)
	var bodies = map[string]int{}
	for a := range answers {
		switch {
		case a.status == 201:
			bodies[a.body]++
		case a.status == 409 && code(a) == "idempotency_key_in_flight":
		default:
			t.Errorf("unexpected answer %+v", a)
		}
	}
	if len(bodies) != 1 {
		t.Fatalf("successful answers differ: %v", bodies)
	}
	if got := e.events(t, "note-race"); got != 1 {
		t.Fatalf("%d events appended, want 1", got)
	}
}

// Requests that appended nothing leave nothing behind: a retry runs again.
func TestRefusedRequestsAreNotRemembered(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if a := e.note(t, e.tokenA, "a", "k-4", `{"text":""}`); a.status != 400 {
		t.Fatalf("%+v", a)
	}
	if a := e.note(t, e.tokenA, "a", "k-4", `{"text":"now valid"}`); a.status != 201 {
		t.Fatalf("retry after a refusal: %+v", a)
	}
}

// A command that records its events and then refuses (a wrong link password is
// logged as LinkPasswordRejected) is replayed as the same refusal.
func TestRecordedRefusalIsReplayed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first := e.note(t, e.tokenA, "a", "k-5", `{"text":"x","fail":true}`)
	again := e.note(t, e.tokenA, "a", "k-5", `{"text":"x","fail":true}`)
	if first.status != 401 || again.status != 401 || again.body != first.body || again.header.Get("Content-Type") != "application/problem+json" ||
		again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("%+v\n%+v", first, again)
	}
	if n := e.events(t, "note-a"); n != 1 {
		t.Fatalf("%d events", n)
	}
}

func TestMalformedKeysAndSafeMethods(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, key := range []string{"has space", strings.Repeat("k", 256), "ünïcode"} {
		a := e.note(t, e.tokenA, "a", key, `{"text":"x"}`)
		if a.status != 400 || code(a) != "validation_failed" || !strings.Contains(a.body, "Idempotency-Key") {
			t.Fatalf("%q: %+v", key, a)
		}
	}
	req, _ := http.NewRequestWithContext(ctxFor(t), http.MethodGet, e.url+"/notes/a", nil)
	req.Header.Set("Authorization", "Bearer "+e.tokenA)
	req.Header.Set("Idempotency-Key", "k-get")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 {
		t.Fatalf("GET with a key: %d", resp.StatusCode)
	}
	// Without a key nothing is recorded, and the same request appends again.
	e.note(t, e.tokenA, "nokey", "", `{"text":"x"}`)
	e.note(t, e.tokenA, "nokey", "", `{"text":"x"}`)
	if n := e.events(t, "note-nokey"); n != 2 {
		t.Fatalf("%d events", n)
	}
}

// Clients pick a new multipart boundary on every send; a retried upload of the same
// parts is still the same request.
func TestRetriedUploadWithAnotherBoundaryReplays(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	upload := func(content string) answer {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf) // a random boundary each time
		_ = mw.WriteField("name", "report.pdf")
		fw, _ := mw.CreateFormFile("file", "report.pdf")
		_, _ = fw.Write([]byte(content))
		_ = mw.Close()
		return e.post(t, e.tokenA, "/files", "k-upload", mw.FormDataContentType(), &buf)
	}
	first := upload("%PDF-1.7 the file")
	again := upload("%PDF-1.7 the file")
	if first.status != 201 || again.body != first.body || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("%+v\n%+v", first, again)
	}
	if other := upload("%PDF-1.7 another file"); other.status != 422 {
		t.Fatalf("other content: %+v", other)
	}
	if n := e.events(t, "files"); n != 1 {
		t.Fatalf("%d events", n)
	}
}

func TestRecordOutsideTheMiddlewareIsNil(t *testing.T) {
	t.Parallel()
	if idempotency.Record(context.Background()) != nil {
		t.Fatal("record without a keyed request")
	}
	if _, err := idempotency.New(idempotency.Config{}); err == nil {
		t.Fatal("empty config accepted")
	}
}
