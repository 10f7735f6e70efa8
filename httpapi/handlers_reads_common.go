package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

// Reads go handler -> query (package domain/app/query) -> encode. The caller is
// resolved once per request, after any X-Min-Position wait, by withViewer: the
// queries decide with domain.Authorize over that viewer, so a read that waited for
// a role change or a group grant already sees its effect. Anything the caller may
// not see answers 404, exactly like something that does not exist.

// The consumer groups of the read models the queries read (projections.Portal and
// projections.Accounts; a consumer group's name is permanent once deployed, and
// TestReadGroupsNameTheProjections holds these to it).
const (
	portalGroup   = "portal"
	accountsGroup = "accounts"
)

// readGroups are the consumer groups every read route waits for with
// X-Min-Position: the rows come from the portal read model, the caller's role
// and group access from the accounts one.
var readGroups = []string{portalGroup, accountsGroup}

// NewPrincipalResolver fills the role and flags of a session's principal from the
// accounts read model. A user the read model does not know yet (it lags the
// signup by a moment) keeps an unresolved principal (Role ""); a user recorded
// under another company than the session's is not a valid session.
func NewPrincipalResolver(users query.Viewers) auth.PrincipalResolver {
	return func(ctx context.Context, p auth.Principal) (auth.Principal, error) {
		u, err := users.UserRole(ctx, p.UserID)
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

// withViewer resolves the caller of a read once, after the X-Min-Position wait
// (it runs after s.fresh.Reads), and puts it in the request's context for the
// queries (query.ViewerFrom).
func (s *Server) withViewer(next http.Handler) http.Handler {
	return problem.Handler(func(w http.ResponseWriter, r *http.Request) error {
		p, ok := auth.PrincipalFrom(r.Context())
		if !ok {
			return problem.Unauthenticated("sign in: this call needs `Authorization: Bearer <token>`", false)
		}
		v, err := s.queries.Viewers.Viewer(r.Context(), p.UserID, p.CompanyID)
		if errors.Is(err, query.ErrOtherCompany) {
			return problem.Unauthenticated("the session token is invalid, expired or signed out", true)
		}
		if err != nil {
			return err
		}
		if v.Portal() && !portalRoute(listScope(r)) {
			// portalBoundary's rule, for a session resolved before the read model
			// knew the user was a portal user.
			return fmt.Errorf("portal user: %w", domain.ErrNotFound)
		}
		next.ServeHTTP(w, r.WithContext(query.WithViewer(r.Context(), v)))
		return nil
	})
}

// resolveOutsideReads is the principal resolver auth.Require runs: reads (GET,
// HEAD) skip it, because withViewer resolves their caller, after the
// X-Min-Position wait, and holds them to the portal boundary itself; resolving
// before the wait as well would read the same user twice per request.
func resolveOutsideReads(resolve auth.PrincipalResolver) auth.PrincipalResolver {
	if resolve == nil {
		return nil
	}
	return func(ctx context.Context, p auth.Principal) (auth.Principal, error) {
		if rc := chi.RouteContext(ctx); rc != nil && (rc.RouteMethod == http.MethodGet || rc.RouteMethod == http.MethodHead) {
			return p, nil
		}
		return resolve(ctx, p)
	}
}

// viewer is the caller of a read, as withViewer resolved it.
func viewer(r *http.Request) (query.Viewer, error) {
	v, ok := query.ViewerFrom(r.Context())
	if !ok {
		return query.Viewer{}, errors.New("read route without withViewer")
	}
	return v, nil
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
