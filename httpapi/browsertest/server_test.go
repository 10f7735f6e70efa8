package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/blobs"
	"github.com/sharehub/sharehub/eventstore/pgtest"
	"github.com/sharehub/sharehub/httpapi"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/projections"
)

// server is the real sharehub (httpapi on a fresh PostgreSQL database, the
// projections running) on 127.0.0.1, with a clock the test may move.
type server struct {
	URL   string
	now   atomic.Int64 // offset added to the wall clock, in ns
	mu    sync.Mutex
	pos   int64 // newest X-Position seen
	store *eventstore.Store
}

func (s *server) clock() time.Time {
	return time.Now().Add(time.Duration(s.now.Load())).UTC()
}

// Advance moves the server's clock forward (links and shares expire by it).
func (s *server) Advance(d time.Duration) { s.now.Add(int64(d)) }

func startServer(t *testing.T) *server {
	t.Helper()
	Require(t) // no database work for a test that will skip
	pool, _ := pgtest.NewDatabase(t)
	store := eventstore.New(pool, nil)
	blobStore, err := blobs.New(blobs.Config{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := auth.NewArgon2id(auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	s := &server{store: store}
	svc, err := app.New(app.Config{Store: store, Hasher: hasher, Clock: s.clock})
	if err != nil {
		t.Fatal(err)
	}
	logs := io.Discard
	reg := prometheus.NewRegistry()
	rm := projections.NewReadModels(pool, store)
	api, err := httpapi.New(httpapi.Config{
		Logger: slog.New(slog.NewTextHandler(logs, nil)), Clock: s.clock,
		Pool: pool, Store: store, Blobs: blobStore, Hasher: hasher, App: svc,
		ReadModels: rm, PrincipalResolver: httpapi.NewPrincipalResolver(rm),
		Registerer: reg, Gatherer: reg, PublicBaseURL: "http://127.0.0.1:0",
		MaxConsistencyWait: 30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	s.URL = srv.URL

	ctx, cancel := context.WithCancel(context.Background())
	runner := &projections.Runner{Store: store, Pool: pool, PollInterval: 5 * time.Millisecond, Log: slog.New(slog.NewTextHandler(logs, nil))}
	done := make(chan error, 1)
	go func() { done <- runner.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("runner: %v", err)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ready bool
		if err := pool.QueryRow(context.Background(), `SELECT to_regclass('rm_accounts.users') IS NOT NULL
			AND to_regclass('rm_portal.downloads') IS NOT NULL`).Scan(&ready); err != nil {
			t.Fatal(err)
		}
		if ready {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatal("the projections runner did not create its schemas")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// call sends a JSON request (token "" for anonymous) and decodes a 2xx answer
// into out; it fails the test on any other status.
func (s *server) call(t *testing.T, token, method, path string, body any, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	s.send(t, token, req, out)
}

// upload adds a document to folder as token's user.
func (s *server) upload(t *testing.T, token, folder, name, mediaType, content string) string {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("folder_id", folder)
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{fmt.Sprintf(`form-data; name="file"; filename=%q`, name)}
	h["Content-Type"] = []string{mediaType}
	fw, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(fw, content)
	_ = mw.Close()
	req, err := http.NewRequest("POST", s.URL+"/api/v1/documents", &b)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var doc struct {
		ID string `json:"id"`
	}
	s.send(t, token, req, &doc)
	return doc.ID
}

func (s *server) send(t *testing.T, token string, req *http.Request, out any) {
	t.Helper()
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	s.mu.Lock()
	if s.pos > 0 {
		req.Header.Set("X-Min-Position", strconv.FormatInt(s.pos, 10))
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, b)
	}
	if p, err := strconv.ParseInt(resp.Header.Get("X-Position"), 10, 64); err == nil {
		s.mu.Lock()
		s.pos = max(s.pos, p)
		s.mu.Unlock()
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", req.Method, req.URL.Path, err, b)
		}
	}
}

var signups atomic.Int64

// signup creates a company with its admin and answers the admin's session token.
func (s *server) signup(t *testing.T, name string) string {
	t.Helper()
	var out struct {
		Token string `json:"token"`
	}
	s.call(t, "", "POST", "/api/v1/signup", map[string]string{"company_name": name, "name": "Admin of " + name,
		"email": fmt.Sprintf("admin%d@example.test", signups.Add(1)), "password": "correct horse battery"}, &out)
	return out.Token
}

// folder creates a top folder.
func (s *server) folder(t *testing.T, token, name string) string {
	t.Helper()
	var out struct {
		ID string `json:"id"`
	}
	s.call(t, token, "POST", "/api/v1/folders", map[string]any{"name": name}, &out)
	return out.ID
}
