package auth

import (
	"errors"
	"net/http"
	"runtime"
	"time"

	"github.com/sharehub/sharehub/httpapi/problem"
)

// ErrHashBusy: the process is already computing as many password hashes as it
// allows. Each argon2id hash holds Argon2Params.Memory (7 MiB by default) while it
// runs, so the bound is what keeps a flood of sign-ins, signups or registrations
// from exhausting memory: over it a request is refused at once (503 with
// Retry-After) rather than queued, since a queue would hold the flood's requests
// and connections instead.
var ErrHashBusy = errors.New("too many password hashes in progress")

// DefaultMaxConcurrentHashes is half the CPUs Go may use, at least one and at most
// eight: hashes are CPU-bound, so more at once would not finish sooner, and at the
// default 7 MiB each, the bound keeps their memory small next to the process's.
func DefaultMaxConcurrentHashes() int {
	return min(max(runtime.GOMAXPROCS(0)/2, 1), 8)
}

// hashSlots is a counting semaphore: a buffered channel holds one token per hash
// in progress.
type hashSlots chan struct{}

// try takes a slot or fails at once with a 503 problem wrapping ErrHashBusy.
func (s hashSlots) try() (release func(), err error) {
	select {
	case s <- struct{}{}:
		return func() { <-s }, nil
	default:
		p := problem.New(http.StatusServiceUnavailable, problem.CodeUnavailable,
			"the server is checking too many passwords at once; try again shortly")
		p.RetryAfter = time.Second
		p.Err = ErrHashBusy
		return nil, p
	}
}

// wait takes a slot, waiting for one if needed.
func (s hashSlots) wait() (release func()) {
	s <- struct{}{}
	return func() { <-s }
}

// MaxConcurrent is the bound on concurrent hashes.
func (a *Argon2id) MaxConcurrent() int { return cap(a.slots) }
