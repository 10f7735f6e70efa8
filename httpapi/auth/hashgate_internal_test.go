package auth

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/sharehub/sharehub/httpapi/problem"
)

// Over the bound on concurrent hashes, Hash and VerifyNow refuse at once (503 with
// Retry-After) and Verify waits; a released slot serves the next caller.
func TestHashSlotsRefuseOverTheBound(t *testing.T) {
	t.Parallel()
	h, err := NewLimitedArgon2id(Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 2)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := h.Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if h.MaxConcurrent() != 2 {
		t.Fatalf("bound %d", h.MaxConcurrent())
	}
	r1, r2 := h.slots.wait(), h.slots.wait() // two hashes in progress

	_, err = h.Hash("another password")
	wantBusy(t, "Hash", err)
	_, err = h.VerifyNow(stored, "correct horse battery")
	wantBusy(t, "VerifyNow", err)

	verified := make(chan bool)
	go func() { verified <- h.Verify(stored, "correct horse battery") }()
	select {
	case <-verified:
		t.Fatal("Verify did not wait for a slot")
	case <-time.After(20 * time.Millisecond):
	}
	r1()
	if !<-verified {
		t.Fatal("Verify failed after waiting")
	}
	r2()
	if ok, err := h.VerifyNow(stored, "correct horse battery"); !ok || err != nil {
		t.Fatalf("VerifyNow with free slots: %v %v", ok, err)
	}
	if len(h.slots) != 0 {
		t.Fatalf("%d slots still taken", len(h.slots))
	}
}

func wantBusy(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, ErrHashBusy) {
		t.Fatalf("%s: %v, want ErrHashBusy", what, err)
	}
	p := problem.From(err)
	if p.Status != http.StatusServiceUnavailable || p.RetryAfter < time.Second {
		t.Fatalf("%s: answers %d, Retry-After %v", what, p.Status, p.RetryAfter)
	}
}
