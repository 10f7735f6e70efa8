package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/eventstore/pgtest"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/problem"
)

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newSessions(t *testing.T) (*auth.Sessions, *pgxpool.Pool, *clock) {
	t.Helper()
	pool, _ := pgtest.NewDatabase(t)
	c := &clock{now: time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)}
	s, err := auth.NewSessions(auth.SessionsConfig{Pool: pool, TTL: time.Hour, Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s, pool, c
}

// create starts a session for a user that has a login (sessions of users without
// one do not authenticate).
func create(t *testing.T, s *auth.Sessions, pool *pgxpool.Pool, user, company uuid.UUID) (string, auth.Session) {
	t.Helper()
	ctx := ctxFor(t)
	if _, err := pool.Exec(ctx, `INSERT INTO credentials (user_id, company_id, email, password_hash)
		VALUES ($1, $2, $3, 'x') ON CONFLICT (user_id) DO NOTHING`, user, company, user.String()+"@example.com"); err != nil {
		t.Fatal(err)
	}
	token, sess, err := s.Create(ctx, user, company)
	if err != nil {
		t.Fatal(err)
	}
	return token, sess
}

func TestSessionLifecycle(t *testing.T) {
	t.Parallel()
	s, pool, c := newSessions(t)
	ctx := ctxFor(t)
	user, company := uuid.New(), uuid.New()
	token, sess := create(t, s, pool, user, company)
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < 16 {
		t.Fatalf("token %q carries fewer than 128 random bits", token)
	}
	if !sess.ExpiresAt.Equal(c.Now().Add(time.Hour)) {
		t.Fatalf("expires %v", sess.ExpiresAt)
	}

	// Only the digest is stored.
	var stored []byte
	if err := pool.QueryRow(ctx, `SELECT token_hash FROM sessions WHERE id = $1`, sess.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	if string(stored) != string(sum[:]) {
		t.Fatal("stored value is not sha256(token)")
	}
	var leaked int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%'`, token[:20]).Scan(&leaked)
	if leaked != 0 {
		t.Fatal("token stored in clear")
	}

	p, err := s.Authenticate(ctx, token)
	if err != nil || p != (auth.Principal{UserID: user, CompanyID: company, SessionID: sess.ID}) {
		t.Fatalf("authenticate: %+v %v", p, err)
	}

	c.Add(time.Hour - time.Second)
	if _, err := s.Authenticate(ctx, token); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	c.Add(time.Second)
	if _, err := s.Authenticate(ctx, token); !errors.Is(err, auth.ErrInvalidSession) {
		t.Fatalf("at expiry: %v", err)
	}
}

func TestRevokeEndsTheSessionAtOnce(t *testing.T) {
	t.Parallel()
	s, pool, _ := newSessions(t)
	ctx := ctxFor(t)
	user, company := uuid.New(), uuid.New()
	t1, s1 := create(t, s, pool, user, company)
	t2, _ := create(t, s, pool, user, company)
	t3, _ := create(t, s, pool, user, company)
	other, _ := create(t, s, pool, uuid.New(), company)
	if err := s.Revoke(ctx, s1.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(ctx, s1.ID); err != nil {
		t.Fatalf("revoking twice: %v", err)
	}
	if _, err := s.Authenticate(ctx, t1); !errors.Is(err, auth.ErrInvalidSession) {
		t.Fatalf("revoked session: %v", err)
	}
	if _, err := s.Authenticate(ctx, t2); err != nil {
		t.Fatalf("another session of the user died: %v", err)
	}
	if n, err := s.RevokeUser(ctx, user); err != nil || n != 2 {
		t.Fatalf("RevokeUser = %d, %v", n, err)
	}
	for _, tok := range []string{t2, t3} {
		if _, err := s.Authenticate(ctx, tok); !errors.Is(err, auth.ErrInvalidSession) {
			t.Fatalf("after RevokeUser: %v", err)
		}
	}
	if _, err := s.Authenticate(ctx, other); err != nil {
		t.Fatalf("someone else's session died: %v", err)
	}
}

// Forgetting a company deletes its logins; their sessions stop working with them.
func TestSessionsDieWithTheirLogin(t *testing.T) {
	t.Parallel()
	s, pool, _ := newSessions(t)
	ctx := ctxFor(t)
	company := uuid.New()
	token, _ := create(t, s, pool, uuid.New(), company)
	if _, err := s.Authenticate(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `DELETE FROM credentials WHERE company_id = $1`, company); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, token); !errors.Is(err, auth.ErrInvalidSession) {
		t.Fatalf("session of a deleted login: %v", err)
	}
	// Without a login there is no session to be had at all.
	orphan, _, err := s.Create(ctx, uuid.New(), company)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, orphan); !errors.Is(err, auth.ErrInvalidSession) {
		t.Fatalf("session without a login: %v", err)
	}
}

func TestAuthenticateRefusesForgedTokens(t *testing.T) {
	t.Parallel()
	s, pool, _ := newSessions(t)
	ctx := ctxFor(t)
	token, _ := create(t, s, pool, uuid.New(), uuid.New())
	flipped := []byte(token)
	flipped[5] ^= 1
	for _, bad := range []string{"", "x", token + "A", token[:len(token)-1], string(flipped),
		base64.RawURLEncoding.EncodeToString(make([]byte, 32)), "' OR 1=1 --"} {
		if _, err := s.Authenticate(ctx, bad); !errors.Is(err, auth.ErrInvalidSession) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestPurgeExpired(t *testing.T) {
	t.Parallel()
	s, pool, c := newSessions(t)
	ctx := ctxFor(t)
	create(t, s, pool, uuid.New(), uuid.New()) // 9:00, expires 10:00
	c.Add(80 * time.Minute)
	_, revoked := create(t, s, pool, uuid.New(), uuid.New()) // 10:20, would expire 11:20
	if err := s.Revoke(ctx, revoked.ID); err != nil {
		t.Fatal(err)
	}
	c.Add(40 * time.Minute) // 11:00
	live, _ := create(t, s, pool, uuid.New(), uuid.New())
	_, justRevoked := create(t, s, pool, uuid.New(), uuid.New())
	if err := s.Revoke(ctx, justRevoked.ID); err != nil {
		t.Fatal(err)
	}
	// Expired, and revoked, more than 30 minutes ago: gone. The live one and the
	// one revoked just now stay.
	if n, err := s.PurgeExpired(ctx, 30*time.Minute); err != nil || n != 2 {
		t.Fatalf("purged %d, %v", n, err)
	}
	var left int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM sessions`).Scan(&left)
	if _, err := s.Authenticate(ctx, live); err != nil || left != 2 {
		t.Fatalf("left %d, %v", left, err)
	}
}

// The middleware through a real HTTP round trip.
func TestRequireMiddleware(t *testing.T) {
	t.Parallel()
	s, pool, _ := newSessions(t)
	ctx := ctxFor(t)
	user, company := uuid.New(), uuid.New()
	token, sess := create(t, s, pool, user, company)
	deactivated := uuid.New()
	dtoken, _ := create(t, s, pool, deactivated, company)
	resolve := func(ctx context.Context, p auth.Principal) (auth.Principal, error) {
		if p.UserID == deactivated {
			return p, problem.Forbidden("this account is deactivated")
		}
		p.Role, p.CanShare = "admin", true
		return p, nil
	}
	srv := httptest.NewServer(auth.Require(s, resolve)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := auth.PrincipalFrom(r.Context())
		if !ok {
			t.Error("no principal")
		}
		_ = json.NewEncoder(w).Encode(p)
	})))
	defer srv.Close()

	call := func(authz string) (*http.Response, string) {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		if authz != "" {
			req.Header.Set("Authorization", authz)
		}
		resp, err := ownTransport.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	resp, body := call("bearer " + token) // the scheme is case-insensitive
	var p auth.Principal
	_ = json.Unmarshal([]byte(body), &p)
	if resp.StatusCode != 200 || p != (auth.Principal{UserID: user, CompanyID: company, SessionID: sess.ID, Role: "admin", CanShare: true}) {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	for _, tc := range []struct{ authz, challenge string }{
		{"", `Bearer realm="sharehub"`},
		{"Basic dXNlcjpwYXNz", `Bearer realm="sharehub"`},
		{"Bearer", `Bearer realm="sharehub"`},
		{"Bearer " + token + "x", `Bearer realm="sharehub", error="invalid_token"`},
	} {
		resp, body := call(tc.authz)
		if resp.StatusCode != 401 || !strings.Contains(body, `"code":"unauthenticated"`) ||
			resp.Header.Get("Content-Type") != "application/problem+json" || resp.Header.Get("WWW-Authenticate") != tc.challenge {
			t.Fatalf("%q: %d %v %s", tc.authz, resp.StatusCode, resp.Header, body)
		}
		if strings.Contains(body, token) {
			t.Fatal("token echoed")
		}
	}
	if resp, body := call("Bearer " + dtoken); resp.StatusCode != 403 || !strings.Contains(body, `"code":"forbidden"`) {
		t.Fatalf("resolver refusal: %d %s", resp.StatusCode, body)
	}
	if err := s.Revoke(ctx, sess.ID); err != nil {
		t.Fatal(err)
	}
	if resp, _ := call("Bearer " + token); resp.StatusCode != 401 {
		t.Fatalf("revoked token: %d", resp.StatusCode)
	}
}

// ownTransport is a client on a transport of its own: httptest.Server.Close closes
// the idle connections of http.DefaultTransport, breaking the requests of tests
// running in parallel.
var ownTransport = &http.Client{Transport: &http.Transport{}}
