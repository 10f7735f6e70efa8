package throttle_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/throttle"
)

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

func newLimiter(t *testing.T, burst int, every time.Duration, maxKeys int) (*throttle.Limiter, *clock) {
	t.Helper()
	c := &clock{now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	l, err := throttle.New(throttle.Config{Burst: burst, Every: every, MaxKeys: maxKeys, Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return l, c
}

func retryAfter(t *testing.T, err error) time.Duration {
	t.Helper()
	var p *problem.Problem
	if !errors.As(err, &p) || p.Status != 429 || p.Code != problem.CodeTooManyAttempts {
		t.Fatalf("got %v, want 429 too_many_attempts", err)
	}
	return p.RetryAfter
}

func TestBurstThenSteadyRate(t *testing.T) {
	t.Parallel()
	l, c := newLimiter(t, 3, time.Minute, 0)
	for i := range 3 {
		if err := l.Allow("acct:a"); err != nil {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	if d := retryAfter(t, l.Allow("acct:a")); d != time.Minute {
		t.Fatalf("retry after %v, want 1m", d)
	}
	if err := l.Allow("acct:b"); err != nil {
		t.Fatalf("another key throttled: %v", err)
	}
	c.Add(59 * time.Second)
	if d := retryAfter(t, l.Allow("acct:a")); d != time.Second {
		t.Fatalf("retry after %v, want 1s", d)
	}
	c.Add(time.Second)
	if err := l.Allow("acct:a"); err != nil {
		t.Fatalf("after a minute: %v", err)
	}
	if err := l.Allow("acct:a"); err == nil {
		t.Fatal("second attempt within the minute allowed")
	}
}

// A refused attempt is counted against no key: hammering from one address does not
// extend the lock of the account it targets.
func TestRefusedAttemptsCostNothing(t *testing.T) {
	t.Parallel()
	accounts, c := newLimiter(t, 2, time.Minute, 0)
	addrs, err := throttle.New(throttle.Config{Burst: 1, Every: time.Hour, Clock: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	attempt := func(addr string) error {
		return throttle.Allow(throttle.Attempt{Limiter: accounts, Key: "acct:victim"}, throttle.Attempt{Limiter: addrs, Key: addr})
	}
	if err := attempt("addr:attacker"); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if d := retryAfter(t, attempt("addr:attacker")); d != time.Hour {
			t.Fatalf("retry after %v, want the address's 1h", d)
		}
	}
	// The account spent one attempt, not 51: its owner, elsewhere, still gets one.
	if err := attempt("addr:owner"); err != nil {
		t.Fatalf("owner locked out by the attacker's refused attempts: %v", err)
	}
}

func TestKeyMapStaysBounded(t *testing.T) {
	t.Parallel()
	l, _ := newLimiter(t, 2, time.Second, 100)
	for i := range 10_000 {
		_ = l.Allow(fmt.Sprintf("addr:%d", i))
	}
	if n := l.Len(); n > 100 {
		t.Fatalf("%d keys tracked, bound is 100", n)
	}
	// Idle (refilled) buckets go first: a key still being throttled survives a
	// flood of keys that come after its refill time has passed.
	l2, c2 := newLimiter(t, 1, time.Minute, 10)
	_ = l2.Allow("busy")
	c2.Add(30 * time.Second)
	for i := range 9 {
		_ = l2.Allow(fmt.Sprintf("idle-%d", i))
	}
	c2.Add(2 * time.Minute) // everything refilled; busy is used again, the idle keys are not
	_ = l2.Allow("busy")
	for i := range 5 {
		_ = l2.Allow(fmt.Sprintf("new-%d", i))
	}
	if err := l2.Allow("busy"); err == nil {
		t.Fatal("an active bucket was evicted while idle ones were available")
	}
}

func TestClientAddr(t *testing.T) {
	t.Parallel()
	for remote, want := range map[string]string{
		"192.0.2.7:5555":                "addr:192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443":    "addr:2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443":    "addr:2001:db8:1:2::/64",
		"[::ffff:192.0.2.7]:1":          "addr:192.0.2.7",
		"not-an-address":                "addr:not-an-address",
		"[fe80::1%eth0]:80":             "addr:fe80::/64",
		"127.0.0.1:1":                   "addr:127.0.0.1",
		"[2001:db8:ffff:ffff::9]:65535": "addr:2001:db8:ffff:ffff::/64",
	} {
		r := &http.Request{RemoteAddr: remote}
		if got := throttle.ClientAddr(r); got != want {
			t.Errorf("%s -> %s, want %s", remote, got, want)
		}
	}
}

// Through HTTP: the 429 is a problem with Retry-After, and the check happens before
// the expensive handler work.
func TestThrottledEndpoint(t *testing.T) {
	t.Parallel()
	l, _ := newLimiter(t, 2, time.Minute, 0)
	var hashed int
	var mu sync.Mutex
	srv := httptest.NewServer(problem.Handler(func(w http.ResponseWriter, r *http.Request) error {
		if err := l.Allow("link:L1", throttle.ClientAddr(r)); err != nil {
			return err
		}
		mu.Lock()
		hashed++ // stands for the password hash check
		mu.Unlock()
		return problem.New(401, problem.CodePasswordRejected, "wrong password")
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var statuses []int
	for range 4 {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		resp, err := ownTransport.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
		if resp.StatusCode == 429 && (resp.Header.Get("Retry-After") != "60" || resp.Header.Get("Content-Type") != "application/problem+json") {
			t.Fatalf("429 headers %v", resp.Header)
		}
	}
	if fmt.Sprint(statuses) != "[401 401 429 429]" || hashed != 2 {
		t.Fatalf("statuses %v, hash checks %d", statuses, hashed)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if _, err := throttle.New(throttle.Config{}); err == nil {
		t.Fatal("zero config accepted")
	}
}

// ownTransport is a client on a transport of its own: httptest.Server.Close closes
// the idle connections of http.DefaultTransport, breaking the requests of tests
// running in parallel.
var ownTransport = &http.Client{Transport: &http.Transport{}}
