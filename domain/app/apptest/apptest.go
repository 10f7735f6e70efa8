// Package apptest holds the test doubles of the application services' ports other
// than the store (which has memstore and PostgreSQL): a fast password hasher and a
// clock the test moves by hand.
package apptest

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"
)

// Hasher stands in for argon2id: fast, and the plain password does not appear in
// the hash (so tests can check no password reaches the log).
type Hasher struct{}

// Hash implements app.PasswordHasher.
func (Hasher) Hash(p string) (string, error) {
	sum := sha256.Sum256([]byte("salt" + p))
	return "fake$" + hex.EncodeToString(sum[:]), nil
}

// Verify implements app.PasswordHasher.
func (h Hasher) Verify(hash, p string) bool {
	want, _ := h.Hash(p)
	return hash == want
}

// Clock is an injected clock the test moves by hand; safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock standing at now.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now is the clock's time (app.Config.Clock).
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
