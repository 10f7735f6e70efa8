package httpapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/auth"
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
