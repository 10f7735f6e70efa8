package idempotency_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

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
	url      string
	pool     *pgxpool.Pool
	store    *eventstore.Store
	companyA uuid.UUID
	tokenA   string // a user of company A
	tokenA2  string // another user of company A
	tokenB   string // a user of company B
	userA    uuid.UUID
	hold     chan struct{}
	entered  chan struct{}
}

// newEnv serves tiny write handlers the way real ones will be written: decode,
// command (an append carrying idempotency.Record), answer with X-Position.
func newEnv(t *testing.T) *env {
	t.Helper()
	pool, _ := pgtest.NewDatabase(t)
	return newEnvOn(t, pool, uuid.New())
}

// newEnvOn serves on a migrated database; tokenA and tokenA2 sign in to companyA.
func newEnvOn(t *testing.T, pool *pgxpool.Pool, companyA uuid.UUID) *env {
	t.Helper()
	e := &env{pool: pool, store: eventstore.New(pool, nil), companyA: companyA,
		hold: make(chan struct{}), entered: make(chan struct{}, 16)}
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
	signIn := func(company uuid.UUID) (string, uuid.UUID) {
		user := uuid.New()
		if _, err := pool.Exec(ctx, `INSERT INTO credentials (user_id, company_id, email, password_hash) VALUES ($1, $2, $3, 'x')`,
			user, company, user.String()+"@example.com"); err != nil {
			t.Fatal(err)
		}
		token, _, err := sessions.Create(ctx, user, company)
		if err != nil {
			t.Fatal(err)
		}
		return token, user
	}
	e.tokenA, e.userA = signIn(companyA)
	e.tokenA2, _ = signIn(companyA)
	e.tokenB, _ = signIn(uuid.New())

	appendNote := func(r *http.Request, stream, text string) (app.AppendResult, error) {
		recs, err := e.store.ReadStream(r.Context(), stream)
		if err != nil {
			return app.AppendResult{}, err
		}
		b := app.Batch{
			Streams: []app.StreamAppend{{StreamID: stream, ExpectedVersion: int64(len(recs)), Events: []domain.Event{noted{Text: text}}}},
			Meta:    domain.Metadata{ActorKind: domain.ActorSystem, CorrelationID: uuid.New()},
		}
		if rec := idempotency.Record(r.Context()); rec != nil { // as domain/app does
			b.Meta.IdempotencyKey = rec.Key
			b.Records = append(b.Records, *rec)
		}
		return e.store.Append(r.Context(), b)
	}

	r := chi.NewRouter()
	r.Group(func(r chi.Router) {
		r.Use(auth.Require(sessions, nil), keys.Middleware)
		r.Post("/notes/{stream}", problem.Handler(func(w http.ResponseWriter, r *http.Request) error {
			var in struct {
				Text  string `json:"text"`
				Hold  bool   `json:"hold"`
				Fail  bool   `json:"fail"`
				Crash bool   `json:"crash"`
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
			if in.Crash { // the process dies between the commit and the answer
				panic(http.ErrAbortHandler)
			}
			if in.Fail { // recorded and then refused, like a wrong link password
				return problem.New(http.StatusUnauthorized, problem.CodePasswordRejected, "wrong password")
			}
			consistency.SetPosition(w, res)
			return web.WriteJSON(w, http.StatusCreated, map[string]any{"text": in.Text, "at": time.Now().UnixNano()})
		}))
		// Like POST /documents/{id}/links: the answer holds a secret shown once (the
		// token); the events hold only its digest.
		r.Post("/links/{stream}", problem.Handler(func(w http.ResponseWriter, r *http.Request) error {
			var in struct {
				Label string `json:"label"`
			}
			if err := web.DecodeJSON(w, r, &in, 0); err != nil {
				return err
			}
			token := make([]byte, 32)
			_, _ = rand.Read(token)
			digest := sha256.Sum256(token)
			res, err := appendNote(r, "link-"+chi.URLParam(r, "stream"), hex.EncodeToString(digest[:]))
			if err != nil {
				return err
			}
			consistency.SetPosition(w, res)
			w.Header().Set("Cache-Control", "no-store") // as the real handler: the answer holds a secret
			w.Header().Set("Referrer-Policy", "no-referrer")
			return web.WriteJSON(w, http.StatusCreated, map[string]any{"label": in.Label,
				"url": "https://share.example/l/" + hex.EncodeToString(token), "token": hex.EncodeToString(token)})
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
	resp, err := ownTransport.Do(req)
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
	if n := e.events(t, "note-a"); n != 1 {
		t.Fatalf("%d events appended, want 1", n)
	}
}

// Keys are scoped by user: another user of the same company who presents the same
// key and body gets no replay of the first answer (it may hold a secret); the
// request runs as that user's own.
func TestKeysAreScopedByUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first, token := e.link(t, "u", "k-user")
	if first.status != 201 {
		t.Fatalf("first: %+v", first)
	}
	other := e.post(t, e.tokenA2, "/links/u", "k-user", "application/json", strings.NewReader(`{"label":"for the auditor"}`))
	if other.status != 201 || other.header.Get("Idempotent-Replayed") != "" || strings.Contains(other.body, token) {
		t.Fatalf("same company, other user: %+v", other)
	}
	if n := e.events(t, "link-u"); n != 2 {
		t.Fatalf("%d events, want one per user", n)
	}
	// Each user still gets its own answer again.
	if again, _ := e.link(t, "u", "k-user"); again.body != first.body || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("first user's replay: %+v", again)
	}
}

// A replay carries the security headers of the first answer (the answer holds a
// secret shown once: no cache may keep it), and no-store in any case.
func TestReplayCarriesTheFirstAnswersSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	first, _ := e.link(t, "h", "k-headers")
	again, _ := e.link(t, "h", "k-headers")
	if first.status != 201 || again.status != 201 || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("%+v\n%+v", first, again)
	}
	for _, h := range []string{"Cache-Control", "Referrer-Policy"} {
		if first.header.Get(h) == "" || again.header.Get(h) != first.header.Get(h) {
			t.Errorf("%s: first %q, replay %q", h, first.header.Get(h), again.header.Get(h))
		}
	}
	// A note's first answer sets no Cache-Control; its replay still is no-store.
	e.note(t, e.tokenA, "h", "k-note", `{"text":"x"}`)
	if a := e.note(t, e.tokenA, "h", "k-note", `{"text":"x"}`); a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("replayed note: %+v", a)
	}
}

// A process that dies between the commit of its events and storing its answer
// leaves the record in flight. Within the lease a retry is told so (409); after it,
// the retry is answered from the log (200, the position of the events that carry
// the key), never run again and never 409 forever. The crash is simulated by a
// handler that aborts after its append; the lease's passing by moving created_at.
func TestExpiredInFlightRecordIsAnsweredFromTheLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxFor(t)
	body := `{"text":"crash","crash":true}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url+"/notes/c", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.tokenA)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "k-crash")
	if resp, err := ownTransport.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the crashing request got an answer: %d", resp.StatusCode)
	}
	if n := e.events(t, "note-c"); n != 1 {
		t.Fatalf("%d events, want the crashed request's 1", n)
	}
	if a := e.note(t, e.tokenA, "c", "k-crash", body); a.status != 409 || code(a) != "idempotency_key_in_flight" {
		t.Fatalf("within the lease: %+v", a)
	}
	if _, err := e.pool.Exec(ctx, `UPDATE idempotency_keys SET created_at = created_at - interval '31 seconds'`); err != nil {
		t.Fatal(err)
	}
	var pos int64
	if err := e.pool.QueryRow(ctx, `SELECT position FROM events WHERE stream_id = 'note-c'`).Scan(&pos); err != nil {
		t.Fatal(err)
	}
	// Another request with the key is still refused, and another user's is its own.
	if a := e.note(t, e.tokenA, "c", "k-crash", `{"text":"other"}`); a.status != 422 || code(a) != "idempotency_key_reused" {
		t.Fatalf("other request after the lease: %+v", a)
	}
	var answers []answer
	for range 2 {
		a := e.note(t, e.tokenA, "c", "k-crash", body)
		var out struct {
			Outcome  string `json:"outcome"`
			Position int64  `json:"position"`
		}
		_ = json.Unmarshal([]byte(a.body), &out)
		if a.status != 200 || out.Outcome != "carried_out" || out.Position != pos || a.header.Get("X-Position") != fmt.Sprint(pos) ||
			a.header.Get("Idempotent-Replayed") != "true" || a.header.Get("Cache-Control") != "no-store" ||
			a.header.Get("Content-Type") != "application/json" {
			t.Fatalf("after the lease: %+v (event at %d)", a, pos)
		}
		answers = append(answers, a)
	}
	if answers[0].body != answers[1].body {
		t.Fatalf("answers differ: %q %q", answers[0].body, answers[1].body)
	}
	if n := e.events(t, "note-c"); n != 1 {
		t.Fatalf("%d events: the retry ran again", n)
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
	resp, err := ownTransport.Do(req)
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

// keyID is the stored form of a raw key, computed from the documented formula (not
// by the package) so that a change of the formula fails here.
func keyID(tenant, user uuid.UUID, raw string) string {
	sum := sha256.Sum256([]byte("sharehub idempotency key v2\x00" + tenant.String() + "\x00" + user.String() + "\x00" + raw))
	return hex.EncodeToString(sum[:])
}

// keyIDV1 is the stored form before keys were scoped by user.
func keyIDV1(tenant uuid.UUID, raw string) string {
	sum := sha256.Sum256([]byte("sharehub idempotency key\x00" + tenant.String() + "\x00" + raw))
	return hex.EncodeToString(sum[:])
}

// link creates a link with company A's token and returns the answer and the secret
// token it shows.
func (e *env) link(t *testing.T, stream, key string) (answer, string) {
	t.Helper()
	a := e.post(t, e.tokenA, "/links/"+stream, key, "application/json", strings.NewReader(`{"label":"for the auditor"}`))
	var l struct {
		Token string `json:"token"`
	}
	_ = json.Unmarshal([]byte(a.body), &l)
	return a, l.Token
}

// leaks returns the needles that some row of table holds, searched in each whole
// row's text form as text and as hex (the text form of a bytea column is its hex).
// Needles must not hold LIKE wildcards.
func leaks(t *testing.T, pool *pgxpool.Pool, table string, needles []string) []string {
	t.Helper()
	var found []string
	for _, n := range needles {
		if strings.ContainsAny(n, `%_\`) {
			t.Fatalf("needle %q holds a LIKE wildcard", n)
		}
		var hit bool
		if err := pool.QueryRow(ctxFor(t), `SELECT EXISTS (SELECT 1 FROM `+table+` x
			WHERE x::text LIKE '%' || $1 || '%' OR x::text LIKE '%' || $2 || '%')`,
			n, hex.EncodeToString([]byte(n))).Scan(&hit); err != nil {
			t.Fatal(err)
		}
		if hit {
			found = append(found, n)
		}
	}
	return found
}

// secretNeedles is what must not be found of a key and an answer holding a token:
// each whole, and every 12-character window of the token.
func secretNeedles(raw, token, body string) []string {
	needles := []string{raw, token, body}
	for i := 0; i+12 <= len(token); i += 4 {
		needles = append(needles, token[i:i+12])
	}
	return needles
}

// A database reader finds neither the raw key nor anything of an answer's secret,
// in the idempotency records or in the log; the caller with the key still gets the
// identical first answer.
func TestStoredRecordsHoldNeitherKeyNorSecret(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxFor(t)
	raw := "raw-key-" + uuid.NewString()
	first, token := e.link(t, "s", raw)
	if first.status != 201 || len(token) != 64 || first.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first: %+v", first)
	}
	for range 2 {
		again, _ := e.link(t, "s", raw)
		if again.status != 201 || again.body != first.body || again.header.Get("Idempotent-Replayed") != "true" ||
			again.header.Get("X-Position") != first.header.Get("X-Position") || again.header.Get("Content-Type") != "application/json" {
			t.Fatalf("replay differs:\n%+v\n%+v", first, again)
		}
	}
	if n := e.events(t, "link-s"); n != 1 {
		t.Fatalf("%d events, want 1", n)
	}

	// The key is stored, and written into the events' metadata, as its digest only;
	// the body as nonce || ciphertext || tag.
	id := keyID(e.companyA, e.userA, raw)
	var stored, metaKey string
	var seal *int16
	var size int
	if err := e.pool.QueryRow(ctx, `SELECT key, seal_version, octet_length(response_body) FROM idempotency_keys WHERE tenant_id = $1`,
		e.companyA).Scan(&stored, &seal, &size); err != nil {
		t.Fatal(err)
	}
	if stored != id || seal == nil || *seal != 2 || size <= 12+len(first.body)+16 {
		t.Fatalf("stored key %s (want %s), seal %v, %d body bytes for a %d-byte answer", stored, id, seal, size, len(first.body))
	}
	if err := e.pool.QueryRow(ctx, `SELECT metadata->>'idempotency_key' FROM events WHERE stream_id = 'link-s'`).Scan(&metaKey); err != nil {
		t.Fatal(err)
	}
	if metaKey != id {
		t.Fatalf("event metadata carries key %q, want %s", metaKey, id)
	}

	needles := secretNeedles(raw, token, first.body)
	for _, table := range []string{"idempotency_keys", "events"} {
		if found := leaks(t, e.pool, table, needles); len(found) > 0 {
			t.Errorf("%s holds %q", table, found)
		}
	}
	// The search does see them where they are.
	if _, err := e.pool.Exec(ctx, `CREATE TABLE leak_probe AS SELECT $1::bytea AS body, $2::text AS key`, []byte(first.body), raw); err != nil {
		t.Fatal(err)
	}
	if found := leaks(t, e.pool, "leak_probe", needles); len(found) != len(needles) {
		t.Fatalf("the search found only %q of %q", found, needles)
	}
}

// Another key finds nothing to replay, and cannot open a sealed answer that a
// database writer moves into its row.
func TestAnotherKeyCannotOpenARecord(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxFor(t)
	k1, k2 := "k1-"+uuid.NewString(), "k2-"+uuid.NewString()
	a1, tok1 := e.link(t, "w", k1)
	a2, tok2 := e.link(t, "w", k2)
	a3, tok3 := e.link(t, "w", "k3-"+uuid.NewString())
	if a1.status != 201 || a2.status != 201 || a3.status != 201 || a3.header.Get("Idempotent-Replayed") != "" ||
		tok1 == tok2 || tok3 == tok1 || tok3 == tok2 {
		t.Fatalf("%+v\n%+v\n%+v", a1, a2, a3)
	}
	id1, id2 := keyID(e.companyA, e.userA, k1), keyID(e.companyA, e.userA, k2)
	refused := func(what string) {
		t.Helper()
		got, _ := e.link(t, "w", k2)
		if got.status != 500 || code(got) != "internal" || got.header.Get("Content-Type") != "application/problem+json" ||
			got.header.Get("Idempotent-Replayed") != "" || strings.Contains(got.body, tok1) || strings.Contains(got.body, tok2) {
			t.Fatalf("%s: %+v", what, got)
		}
	}

	// k1's sealed answer (with the columns it is bound to) in k2's row.
	if _, err := e.pool.Exec(ctx, `UPDATE idempotency_keys d SET response_body = s.response_body,
		status_code = s.status_code, content_type = s.content_type, position = s.position
		FROM idempotency_keys s WHERE d.tenant_id = $1 AND d.key = $2 AND s.tenant_id = $1 AND s.key = $3`,
		e.companyA, id2, id1); err != nil {
		t.Fatal(err)
	}
	refused("k1's answer in k2's row")

	// k1's whole row renamed to k2, with k2's request hash so that the request matches.
	var hash2 string
	if err := e.pool.QueryRow(ctx, `DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 RETURNING request_hash`,
		e.companyA, id2).Scan(&hash2); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, `UPDATE idempotency_keys SET key = $3, request_hash = $4 WHERE tenant_id = $1 AND key = $2`,
		e.companyA, id1, id2, hash2); err != nil {
		t.Fatal(err)
	}
	refused("k1's row renamed to k2")
	if n := e.events(t, "link-w"); n != 3 {
		t.Fatalf("%d events, want 3: a refused replay ran again", n)
	}
}

// A changed record answers 500 internal: never garbage, never the command again.
func TestTamperedRecordIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := ctxFor(t)
	cases := map[string]string{
		"nonce byte":      `response_body = set_byte(response_body, 0, get_byte(response_body, 0) # 1)`,
		"ciphertext byte": `response_body = set_byte(response_body, 20, get_byte(response_body, 20) # 1)`,
		"tag byte":        `response_body = set_byte(response_body, octet_length(response_body) - 1, get_byte(response_body, octet_length(response_body) - 1) # 128)`,
		"truncated":       `response_body = substring(response_body from 1 for 20)`,
		"empty":           `response_body = ''::bytea`,
		"status":          `status_code = 200`,
		"content type":    `content_type = 'text/html'`,
		"position":        `position = position + 1`,
		"seal version":    `seal_version = 3`,
		"older seal":      `seal_version = 1`,
	}
	for name, set := range cases {
		raw := "tamper-" + uuid.NewString()
		first, token := e.link(t, "t", raw)
		if first.status != 201 {
			t.Fatalf("%s: %+v", name, first)
		}
		tag, err := e.pool.Exec(ctx, `UPDATE idempotency_keys SET `+set+` WHERE tenant_id = $1 AND key = $2`, e.companyA, keyID(e.companyA, e.userA, raw))
		if err != nil || tag.RowsAffected() != 1 {
			t.Fatalf("%s: %v %v", name, tag, err)
		}
		again, _ := e.link(t, "t", raw)
		if again.status != 500 || code(again) != "internal" || again.header.Get("Content-Type") != "application/problem+json" ||
			again.header.Get("Idempotent-Replayed") != "" || again.header.Get("X-Position") != "" || strings.Contains(again.body, token) {
			t.Fatalf("%s: %+v", name, again)
		}
	}
	if n := e.events(t, "link-t"); n != len(cases) {
		t.Fatalf("%d events for %d requests: a refused replay ran again", n, len(cases))
	}
}

// Migration 00021 hashes the keys of rows stored before it and drops their plain
// answers: a retry of such a key is refused (422 when it completed, 409 while it
// runs), never run twice and never answered with a secret.
func TestRowsStoredBeforeSealingAreRefusedNotRerun(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t)
	pool, err := pgxpool.New(ctx, pgtest.NewEmptyDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	files, err := filepath.Glob("../../migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v %v", files, err)
	}
	fsys := fstest.MapFS{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fsys[filepath.Base(f)] = &fstest.MapFile{Data: b}
	}
	db := stdlib.OpenDBFromPool(pool)
	t.Cleanup(func() { db.Close() })
	migrate, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithTableName("schema_migrations"), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.UpTo(ctx, 20); err != nil {
		t.Fatal(err)
	}

	company := uuid.New()
	done, running := "done-"+uuid.NewString(), "running-"+uuid.NewString()
	secret := "https://share.example/l/" + strings.Repeat("5ec7e7", 8)
	if _, err := pool.Exec(ctx, `INSERT INTO idempotency_keys (tenant_id, key, request_hash, status_code, content_type, response_body, position)
		VALUES ($1, $2, 'plainhash', 201, 'application/json', $3, 7), ($1, $4, 'plainhash', NULL, NULL, NULL, NULL)`,
		company, done, []byte(`{"url":"`+secret+`"}`), running); err != nil {
		t.Fatal(err)
	}
	if _, err := migrate.Up(ctx); err != nil {
		t.Fatal(err)
	}
	var keys []string
	rows, err := pool.Query(ctx, `SELECT key FROM idempotency_keys WHERE request_hash = '' AND response_body IS NULL AND seal_version IS NULL ORDER BY status_code NULLS LAST`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if rows.Err() != nil || len(keys) != 2 || keys[0] != keyIDV1(company, done) || keys[1] != keyIDV1(company, running) {
		t.Fatalf("migrated keys %q (%v)", keys, rows.Err())
	}
	if found := leaks(t, pool, "idempotency_keys", []string{done, running, secret, "plainhash"}); len(found) > 0 {
		t.Fatalf("idempotency_keys still holds %q", found)
	}
	// No plain answer can be stored any more.
	if _, err := pool.Exec(ctx, `UPDATE idempotency_keys SET response_body = 'plain'::bytea`); err == nil {
		t.Fatal("an unsealed body was accepted")
	}

	e := newEnvOn(t, pool, company)
	if a := e.note(t, e.tokenA, "old", done, `{"text":"again"}`); a.status != 422 || code(a) != "idempotency_key_reused" || strings.Contains(a.body, secret) {
		t.Fatalf("completed before sealing: %+v", a)
	}
	if a := e.note(t, e.tokenA, "old", running, `{"text":"again"}`); a.status != 409 || code(a) != "idempotency_key_in_flight" {
		t.Fatalf("running before sealing: %+v", a)
	}
	if n := e.events(t, "note-old"); n != 0 {
		t.Fatalf("%d events: a key used before sealing ran again", n)
	}
}

// ownTransport is a client on a transport of its own: httptest.Server.Close closes
// the idle connections of http.DefaultTransport, breaking the requests of tests
// running in parallel.
var ownTransport = &http.Client{Transport: &http.Transport{}}
