package httpapi

import (
	"net/http"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/consistency"
	"github.com/sharehub/sharehub/httpapi/idempotency"
	"github.com/sharehub/sharehub/httpapi/obs"
	"github.com/sharehub/sharehub/httpapi/throttle"
	"github.com/sharehub/sharehub/httpapi/web"
)

// call describes who issues a command and how it correlates: the signed-in user
// (uuid.Nil on public routes), the server's correlation id of the request (the
// client's X-Request-Id only as client_request_id), and the Idempotency-Key record
// the command must append with its events (nil without a key). Call it after the
// body was decoded or uploaded.
func call(r *http.Request) app.Call {
	c := app.Call{CorrelationID: obs.CorrelationID(r.Context()), ClientRequestID: obs.ClientRequestID(r.Context()),
		Idempotency: idempotency.Record(r.Context())}
	if p, ok := auth.PrincipalFrom(r.Context()); ok {
		c.ActorID = p.UserID
	}
	return c
}

// written answers a successful write: X-Position from the append, then v as JSON.
func written(w http.ResponseWriter, status int, res app.AppendResult, v any) error {
	consistency.SetPosition(w, res)
	return web.WriteJSON(w, status, v)
}

// throttleLogin counts a sign-in attempt per account and per client address.
func (s *Server) throttleLogin(r *http.Request, email string) error {
	return throttle.Allow(
		throttle.Attempt{Limiter: s.accounts, Key: "login:" + email},
		throttle.Attempt{Limiter: s.addrs, Key: throttle.ClientAddr(r)},
	)
}

// throttleLink counts a link password attempt per link and per client address;
// call it before the password is checked. linkKey identifies the link (its id, or
// its token's hash: never the token).
func (s *Server) throttleLink(r *http.Request, linkKey string) error {
	return throttle.Allow(
		throttle.Attempt{Limiter: s.links, Key: "link:" + linkKey},
		throttle.Attempt{Limiter: s.addrs, Key: throttle.ClientAddr(r)},
	)
}
