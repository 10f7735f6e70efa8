package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

// The tenant boundary of portal users (DESIGN.md v1.1 "Portal users"): a user a
// provider invited for one of its customers may use that provider's portal and
// its own account, nothing else. The application services refuse it every
// provider-side command (domain.Authorize) and read queries refuse it every
// provider-side read; portalBoundary states the same rule once more in front of
// the handlers, so that a provider-side route refuses a portal user before it
// looks at any id: the answer is the 404 an unknown id gets, whatever the ids.

// portalRoute reports whether a portal user may call the route pattern.
func portalRoute(pattern string) bool {
	return strings.HasPrefix(pattern, "/api/v1/portal/") ||
		pattern == "/api/v1/me" || strings.HasPrefix(pattern, "/api/v1/me/") ||
		pattern == "/api/v1/sessions/current"
}

// portalBoundary answers 404 not_found to a portal user on any other route. It
// runs after auth.Require, inside a chi Group (the route pattern is known).
func portalBoundary(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := auth.PrincipalFrom(r.Context())
		if ok && p.Portal {
			pattern := ""
			if rc := chi.RouteContext(r.Context()); rc != nil {
				pattern = rc.RoutePattern()
			}
			if !portalRoute(pattern) {
				problem.Write(w, r, fmt.Errorf("portal user on %s: %w", pattern, domain.ErrNotFound))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

type portalOfResponse struct {
	ProviderID uuid.UUID  `json:"provider_id"`
	CustomerID *uuid.UUID `json:"customer_id"`
}

type meResponse struct {
	UserID    uuid.UUID         `json:"user_id"`
	CompanyID uuid.UUID         `json:"company_id"`
	Name      string            `json:"name"`
	Email     string            `json:"email"`
	Kind      string            `json:"kind"`
	Role      string            `json:"role"`
	Auditor   bool              `json:"auditor"`
	CanShare  bool              `json:"can_share"`
	PortalOf  *portalOfResponse `json:"portal_of,omitempty"`
}

// me tells the caller who it is: GET /api/v1/me. For a portal user company_id is
// its customer's company and portal_of names the provider and the customer.
func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	p, ok := auth.PrincipalFrom(r.Context())
	if !ok {
		return problem.Unauthenticated("sign in: this call needs `Authorization: Bearer <token>`", false)
	}
	m, err := s.queries.GetMe.Handle(r.Context(), query.GetMe{UserID: p.UserID, CompanyID: p.CompanyID})
	if err != nil {
		return err
	}
	out := meResponse{UserID: m.UserID, CompanyID: m.CompanyID, Name: m.Name, Email: m.Email, Kind: string(m.Kind),
		Role: string(m.Role), Auditor: m.Auditor, CanShare: m.CanShare}
	if m.Kind == domain.UserKindPortal {
		out.PortalOf = &portalOfResponse{ProviderID: m.PortalOf.ProviderID}
		if m.PortalOf.CustomerID != uuid.Nil {
			out.PortalOf.CustomerID = &m.PortalOf.CustomerID
		}
	}
	return web.WriteJSON(w, http.StatusOK, out)
}
