package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
	"github.com/sharehub/sharehub/projections"
)

// Reads answer from the read models (package projections). Who may see what is
// decided by domain.Authorize over the caller as the accounts read model knows
// it after any X-Min-Position wait (projections.LoadViewer), so a read that waited
// for a role change or a group grant already sees its effect. Anything the caller
// may not see answers 404, exactly like something that does not exist.

// readGroups are the consumer groups every read route waits for with
// X-Min-Position: the rows come from the portal read model, the caller's role
// and group access from the accounts one.
var readGroups = []string{projections.Portal.Name, projections.Accounts.Name}

// NewPrincipalResolver fills the role and flags of a session's principal from the
// accounts read model (rm_accounts.users). A user the read model does not know yet
// (it lags the signup by a moment) keeps an unresolved principal (Role ""); a user
// recorded under another company than the session's is not a valid session.
func NewPrincipalResolver(pool *pgxpool.Pool) auth.PrincipalResolver {
	return func(ctx context.Context, p auth.Principal) (auth.Principal, error) {
		u, err := projections.LoadUserRole(ctx, pool, p.UserID)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			return p, nil
		case err != nil:
			return p, fmt.Errorf("resolve principal: %w", err)
		case u.CompanyID != p.CompanyID:
			return p, fmt.Errorf("user %s changed company: %w", p.UserID, auth.ErrInvalidSession)
		}
		p.Role, p.CanShare, p.Auditor = string(u.Role), u.CanShare, u.Auditor
		p.Portal = u.Kind == domain.UserKindPortal
		return p, nil
	}
}

// viewer is the caller of an authenticated read with its current role and group
// access.
func (s *Server) viewer(r *http.Request) (projections.Viewer, error) {
	p, ok := auth.PrincipalFrom(r.Context())
	if !ok {
		return projections.Viewer{}, problem.Unauthenticated("sign in: this call needs `Authorization: Bearer <token>`", false)
	}
	v, err := projections.LoadViewer(r.Context(), s.pool, p.UserID, p.CompanyID)
	if err == nil && v.Portal() && !portalRoute(listScope(r)) {
		// portalBoundary's rule, for a session resolved before the read model knew
		// the user was a portal user.
		return projections.Viewer{}, fmt.Errorf("portal user: %w", domain.ErrNotFound)
	}
	return v, err
}

// listScope names a list for its cursors: the route pattern.
func listScope(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		return rc.RoutePattern()
	}
	return r.URL.Path
}

// openPage parses ?limit= and ?cursor= of a keyset-paginated list whose position
// is a K; after is nil on the first page.
func openPage[K any](s *Server, r *http.Request) (page web.Page, after *K, err error) {
	if page, err = web.ParsePage(r); err != nil {
		return web.Page{}, nil, err
	}
	var k K
	ok, err := s.cursors.Open(listScope(r), page.Cursor, &k)
	if err != nil || !ok {
		return page, nil, err
	}
	return page, &k, nil
}

// listOf answers rows fetched with LIMIT page.Limit+1 as one page of out(row),
// with the cursor after the last row at position(row).
func listOf[T, R any](s *Server, r *http.Request, rows []T, page web.Page, position func(T) any, out func(T) R) (web.List[R], error) {
	cut, err := web.PageOf(s.cursors, listScope(r), rows, page.Limit, position)
	if err != nil {
		return web.List[R]{}, err
	}
	items := make([]R, len(cut.Items))
	for i, row := range cut.Items {
		items[i] = out(row)
	}
	return web.List[R]{Items: items, NextCursor: cut.NextCursor}, nil
}

// queryID parses an optional UUID query parameter into a pointer (nil: absent).
func queryID(r *http.Request, name string) (*uuid.UUID, error) {
	id, ok, err := web.QueryUUID(r, name)
	if err != nil || !ok {
		return nil, err
	}
	return &id, nil
}

// maxSearchRunes bounds ?q= search terms.
const maxSearchRunes = 200
