package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/httpapi/problem"
)

// Principal is the authenticated caller. UserID, CompanyID and SessionID come from
// the session; Role, CanShare and Auditor are zero until a PrincipalResolver fills
// them from the read models. Application services load roles themselves from the
// log, so handlers pass UserID as app.Call.ActorID and use the flags only to shape
// answers, never as the last word on access.
type Principal struct {
	UserID    uuid.UUID
	CompanyID uuid.UUID
	SessionID uuid.UUID
	Role      string // "admin" or "member"; "" when unresolved
	CanShare  bool
	Auditor   bool
	// Portal is true for a portal user (a provider's user for one of its
	// customers; CompanyID is the customer's company): it may use only portal
	// routes. False while unresolved, when the services still refuse it.
	Portal bool
	// AckedPosition is the newest log position acknowledged to this session (its
	// own writes; Sessions.Acknowledge): its reads wait for it (API.md v1.1
	// "Consistency"). 0: nothing to wait for.
	AckedPosition int64
}

// Authenticator checks a bearer token (*Sessions).
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (Principal, error)
}

// PrincipalResolver enriches the principal of a live session (role, flags) from the
// read models. Returning an error wrapping ErrInvalidSession answers 401 (the user
// was removed); any other error is answered by problem.Write (403 for a deactivated
// user, say).
type PrincipalResolver func(ctx context.Context, p Principal) (Principal, error)

type principalKey struct{}

// WithPrincipal returns ctx carrying p (the middleware's doing; tests may use it).
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller of an authenticated request; ok is false on
// public routes.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// BearerToken extracts the token of an `Authorization: Bearer <token>` header (the
// scheme is case-insensitive, RFC 9110).
func BearerToken(r *http.Request) (string, bool) {
	// Authorization is a singleton field: with several, a proxy and this server
	// could each act on another one, so none counts.
	if len(r.Header.Values("Authorization")) != 1 {
		return "", false
	}
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// Require lets a request through only with a live session, with its Principal in
// the context (PrincipalFrom); otherwise it answers 401 unauthenticated with a
// Bearer challenge. resolve may be nil.
func Require(a Authenticator, resolve PrincipalResolver) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, ok := BearerToken(r)
			if !ok {
				problem.Write(w, r, problem.Unauthenticated("sign in: this call needs `Authorization: Bearer <token>`", false))
				return
			}
			p, err := a.Authenticate(r.Context(), token)
			if err == nil && resolve != nil {
				p, err = resolve(r.Context(), p)
			}
			switch {
			case errors.Is(err, ErrInvalidSession):
				problem.Write(w, r, problem.Unauthenticated("the session token is invalid, expired or signed out", true))
				return
			case err != nil:
				problem.Write(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(WithPrincipal(r.Context(), p)))
		})
	}
}
