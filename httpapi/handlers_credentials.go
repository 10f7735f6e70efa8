package httpapi

import (
	"errors"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/throttle"
)

// The public credential routes (sign-in, signup, registration with a group code,
// accepting an invitation) are what an anonymous client can aim at an account, a
// group or an invitation. Each counts one attempt per client address and one per
// target before anything costly or revealing happens (a password hash, a lookup
// of the code); the application services then check the token, code or address
// before they hash (app.withNewPassword), and the hasher refuses work over its
// process-wide bound (503) instead of queueing it.

// throttleCredential counts an attempt per client address and per target of the
// targets limiter. target must not hold a secret (never a whole token).
func (s *Server) throttleCredential(r *http.Request, targets *throttle.Limiter, target string) error {
	return throttle.Allow(
		throttle.Attempt{Limiter: targets, Key: target},
		throttle.Attempt{Limiter: s.addrs, Key: throttle.ClientAddr(r)},
	)
}

// groupNameKey is the throttle key of a group code: the group's name without its
// four digits, so guessing the digits of one group counts against that group
// whatever digits are tried.
func groupNameKey(code string) string {
	n := domain.NormalizeGroupCode(code)
	if i := strings.LastIndexByte(n, '-'); i > 0 {
		n = n[:i]
	}
	return "group:" + n
}

// invitationKey is the throttle key of an invitation token: its prefix, which
// names the invited user or customer (app tokens start with a kind byte and an
// id); the random secret after it never becomes a key.
func invitationKey(token string) string {
	const prefix = 22 // base64 of the kind byte and the 16-byte id
	if len(token) > prefix {
		token = token[:prefix]
	}
	return "invitation:" + token
}

// emailFree fails with the same 409 a taken e-mail gets at append time, but before
// the new password is hashed: an address already registered costs a lookup.
func (s *Server) emailFree(r *http.Request, email string) error {
	normalized, err := domain.NormalizeEmail(email)
	if err != nil {
		return err
	}
	_, err = s.credentials.Lookup(r.Context(), normalized)
	switch {
	case errors.Is(err, auth.ErrNoLogin):
		return nil
	case err != nil:
		return err
	}
	return &app.ClaimTakenError{Scope: app.EmailClaimScope, Value: normalized}
}

// credentialGate sheds load on the public credential routes: at most
// cap(s.credentialSlots) of them are served at once, process-wide; over that a
// request is answered 503 with Retry-After before its body is read, so a flood of
// anonymous attempts cannot take the CPU, connections to PostgreSQL and memory
// that signed-in users need. Throttles (per address, per target) say who may try
// how often; this says how much of the server all anonymous tries may use.
func (s *Server) credentialGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case s.credentialSlots <- struct{}{}:
			defer func() { <-s.credentialSlots }()
			next.ServeHTTP(w, r)
		default:
			p := problem.New(http.StatusServiceUnavailable, problem.CodeUnavailable,
				"the server is handling too many sign-ins at once; try again shortly")
			p.RetryAfter = time.Second
			problem.Write(w, r, p)
		}
	})
}

// defaultCredentialConcurrency: enough to keep the CPUs busy with credential work
// (most of which waits on PostgreSQL), few enough to leave room for everyone else.
func defaultCredentialConcurrency() int { return runtime.GOMAXPROCS(0) }
