package httpapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

// routes is the one place routes are registered. Every route must also be in
// openapi.yaml (TestRoutesMatchOpenAPI fails otherwise).
//
// Groups (chi Group: the middleware runs after routing, so route patterns are known
// to the idempotency hash, logs and metrics):
//   - operations: no auth, no timeout;
//   - public API: request timeout, Idempotency-Key;
//   - authenticated API: request timeout, bearer session, Idempotency-Key;
//   - link answers (/l/...): link security headers (no-store, no-referrer, noindex);
//     file transfers take no request timeout (the server's timeouts bound them).
//
// Reads of read models add s.fresh.Reads("<projection consumer group>", ...) so
// that X-Min-Position works, e.g.
//
//	r.With(s.fresh.Reads("portal_view")).Get("/api/v1/portal/providers", s.handle(s.listProviders))
func (s *Server) routes(r chi.Router) {
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Method(http.MethodGet, "/metrics", s.metrics.Handler())
	r.Get("/api/v1/openapi.yaml", s.openapi)

	r.Group(func(r chi.Router) {
		r.Use(s.timeout, s.idem.Middleware)
		r.Post("/api/v1/sessions", s.handle(s.createSession))
		r.Post("/api/v1/signup", s.handle(s.signup))
	})

	r.Group(func(r chi.Router) {
		r.Use(s.timeout, auth.Require(s.sessions, s.resolve), s.idem.Middleware)
		r.Delete("/api/v1/sessions/current", s.handle(s.deleteSession))
	})

	r.Group(func(r chi.Router) {
		r.Use(web.LinkHeaders)
		// GET /l/{token}, GET /l/{token}/content: added with the link handlers.
	})
}

// handle adapts handlers that return an error; every error answer goes through
// problem.Write.
func (s *Server) handle(fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return problem.Handler(fn)
}
