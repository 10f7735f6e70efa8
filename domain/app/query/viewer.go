package query

import (
	"context"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// Viewer is the caller of a read as the read models know it, after any
// X-Min-Position wait: the access-rule principal and a staff user's access per
// customer group of its company. A user the read models do not know (yet) is an
// inactive principal: it sees nothing.
type Viewer struct {
	domain.Principal
	Groups map[uuid.UUID]domain.AccessLevel
}

// GroupAccess is the viewer's access to a customer group (AccessNone for no group).
func (v Viewer) GroupAccess(groupID *uuid.UUID) domain.AccessLevel {
	if groupID == nil {
		return domain.AccessNone
	}
	if a, ok := v.Groups[*groupID]; ok {
		return a
	}
	return domain.AccessNone
}

// Admin reports whether the viewer sees every customer of its company.
func (v Viewer) Admin() bool { return v.Active && !v.Portal() && v.Role == domain.RoleAdmin }

// Customers is the group filter of the customers the viewer sees: all of them
// for an admin, else those of the groups it may read or write; none for an
// inactive or portal principal.
func (v Viewer) Customers() GroupFilter {
	out := GroupFilter{All: v.Admin(), Groups: []uuid.UUID{}}
	if !v.Active || v.Portal() {
		return out
	}
	for g, a := range v.Groups {
		if a == domain.AccessRead || a == domain.AccessWrite {
			out.Groups = append(out.Groups, g)
		}
	}
	return out
}

// itemScope is where a folder or document owned by owner (nil: the provider's
// library) lies for the viewer, group being the owner's customer group.
func (v Viewer) itemScope(provider uuid.UUID, owner, group *uuid.UUID) domain.Scope {
	o := uuid.Nil
	if owner != nil {
		o = *owner
	}
	return domain.ItemScope(provider, o, v.GroupAccess(group))
}

type viewerKey struct{}

// WithViewer returns ctx carrying v: a request's middleware resolves the viewer
// once and every query of that request reads it from there.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the viewer WithViewer put in ctx.
func ViewerFrom(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(viewerKey{}).(Viewer)
	return v, ok
}
