// Package throttle limits attempts per key (an account, a link, a client address)
// with token buckets from golang.org/x/time/rate. Callers count an attempt BEFORE
// the expensive or secret-revealing check (a password hash), so that guessing is
// slow no matter how the check would have answered.
//
// State is in-process: each replica counts on its own, so N replicas allow up to N
// times the configured rate per key, and a restart forgets every count. That is an
// accepted bound for slowing down online guessing; a shared limiter (in PostgreSQL
// or Redis) would be needed for exact global limits. The key map is bounded: buckets
// that have refilled are dropped first (losing nothing, a new bucket starts full),
// then the least recently used.
//
// It may import httpapi/problem; it must not import domain, eventstore, projections
// or handlers.
package throttle

import (
	"container/list"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/sharehub/sharehub/httpapi/problem"
)

// Config configures a Limiter.
type Config struct {
	// Burst is how many attempts a key may make at once; Every is how often one
	// more attempt is allowed after that (e.g. Burst 5, Every 1m: five tries, then
	// one per minute).
	Burst int
	Every time.Duration
	// MaxKeys bounds the number of keys tracked (default 100_000).
	MaxKeys int
	Clock   func() time.Time // default time.Now
}

// Validate reports what is out of range.
func (c Config) Validate() error {
	var errs []error
	if c.Burst < 1 {
		errs = append(errs, errors.New("throttle: Burst must be at least 1"))
	}
	if c.Every <= 0 {
		errs = append(errs, errors.New("throttle: Every must be positive"))
	}
	if c.MaxKeys < 0 {
		errs = append(errs, errors.New("throttle: MaxKeys must not be negative"))
	}
	return errors.Join(errs...)
}

// Limiter counts attempts per key. It is safe for concurrent use.
type Limiter struct {
	limit   rate.Limit
	burst   int
	refill  time.Duration // time for an empty bucket to fill: after that, a key is idle
	maxKeys int
	now     func() time.Time

	mu   sync.Mutex
	keys map[string]*list.Element // of *bucket
	lru  *list.List               // front: most recently used
}

type bucket struct {
	key  string
	lim  *rate.Limiter
	seen time.Time
}

// New returns a Limiter.
func New(cfg Config) (*Limiter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	l := &Limiter{
		limit: rate.Every(cfg.Every), burst: cfg.Burst, refill: time.Duration(cfg.Burst) * cfg.Every,
		maxKeys: cfg.MaxKeys, now: cfg.Clock, keys: map[string]*list.Element{}, lru: list.New(),
	}
	if l.maxKeys == 0 {
		l.maxKeys = 100_000
	}
	if l.now == nil {
		l.now = time.Now
	}
	return l, nil
}

// Allow counts one attempt against every key and answers nil, or a 429
// too_many_attempts *problem.Problem with Retry-After when any key is exhausted.
func (l *Limiter) Allow(keys ...string) error {
	attempts := make([]Attempt, len(keys))
	for i, k := range keys {
		attempts[i] = Attempt{Limiter: l, Key: k}
	}
	return Allow(attempts...)
}

// Attempt is one key of one limiter.
type Attempt struct {
	Limiter *Limiter
	Key     string
}

// Allow counts one attempt against every (limiter, key) and answers nil, or a 429
// too_many_attempts *problem.Problem with Retry-After (the longest wait) when any
// is exhausted. A refused attempt is counted against none of them: a flood from one
// address must not lock the account it aims at for longer than the flood itself.
func Allow(attempts ...Attempt) error {
	reservations := make([]*rate.Reservation, 0, len(attempts))
	var wait time.Duration
	for _, a := range attempts {
		now := a.Limiter.now()
		r := a.Limiter.reserve(a.Key, now)
		reservations = append(reservations, r)
		wait = max(wait, r.DelayFrom(now))
	}
	if wait == 0 {
		return nil
	}
	for i, r := range reservations {
		r.CancelAt(attempts[i].Limiter.now())
	}
	return problem.TooManyAttempts(wait)
}

func (l *Limiter) reserve(key string, now time.Time) *rate.Reservation {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bucket(key, now).lim.ReserveN(now, 1)
}

// Len is the number of keys tracked.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}

// bucket returns the key's bucket, making room for a new one if needed. l.mu held.
func (l *Limiter) bucket(key string, now time.Time) *bucket {
	if e, ok := l.keys[key]; ok {
		b := e.Value.(*bucket)
		b.seen = now
		l.lru.MoveToFront(e)
		return b
	}
	if len(l.keys) >= l.maxKeys {
		l.evict(now)
	}
	b := &bucket{key: key, lim: rate.NewLimiter(l.limit, l.burst), seen: now}
	l.keys[key] = l.lru.PushFront(b)
	return b
}

// evict drops every idle bucket at the back of the LRU list (refilled, so dropping
// it loses nothing); if none is idle it drops the least recently used one, the
// price of a bounded memory under a flood of distinct keys. l.mu held.
func (l *Limiter) evict(now time.Time) {
	dropped := false
	for e := l.lru.Back(); e != nil; {
		b := e.Value.(*bucket)
		if now.Sub(b.seen) < l.refill {
			break // everything in front of it was used more recently
		}
		prev := e.Prev()
		l.lru.Remove(e)
		delete(l.keys, b.key)
		dropped = true
		e = prev
	}
	if !dropped {
		if e := l.lru.Back(); e != nil {
			l.lru.Remove(e)
			delete(l.keys, e.Value.(*bucket).key)
		}
	}
}

// ClientAddr is the key for "per client address": the peer's IP (IPv6 grouped by
// /64, as one host usually owns a whole /64). It trusts no forwarding header: behind
// a reverse proxy, the proxy must be configured to pass the peer address through
// (or this function replaced by one that parses the proxy's header).
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return "addr:" + host
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return "addr:" + p.String()
	}
	return "addr:" + addr.String()
}
