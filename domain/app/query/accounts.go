package query

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Directory asks for the companies on the platform by name, the viewer's own
// excepted.
type Directory struct {
	Viewer Viewer
	Search string
	After  *NameKey
	Limit  int
}

// DirectoryHandler answers Directory.
type DirectoryHandler struct{ rm AccountReadModel }

// Handle lists nothing for an inactive viewer.
func (h DirectoryHandler) Handle(ctx context.Context, q Directory) ([]DirectoryEntry, error) {
	if !q.Viewer.Active {
		return nil, nil
	}
	return h.rm.Directory(ctx, q.Viewer.CompanyID, q.Search, q.After, q.Limit)
}

// ListGroups asks for the provider's customer groups with their staff access:
// admins see every group, members the groups they have access to.
type ListGroups struct {
	Viewer Viewer
	After  *NameKey
	Limit  int
}

// ListGroupsHandler answers ListGroups.
type ListGroupsHandler struct{ rm AccountReadModel }

// Handle limits a member to its groups (none when inactive).
func (h ListGroupsHandler) Handle(ctx context.Context, q ListGroups) ([]Group, error) {
	v := q.Viewer
	var only []uuid.UUID
	if !v.Admin() {
		only = []uuid.UUID{}
		if v.Active {
			for g := range v.Groups {
				only = append(only, g)
			}
		}
	}
	return h.rm.Groups(ctx, v.CompanyID, only, q.After, q.Limit)
}

// ListStaff asks for the users of the viewer's company with their roles, flags
// and group access.
type ListStaff struct {
	Viewer Viewer
	Search string
	After  *NameKey
	Limit  int
	Now    time.Time // the request's clock: invitations past expiry show as expired
}

// ListStaffHandler answers ListStaff.
type ListStaffHandler struct{ rm AccountReadModel }

// Handle lists nothing for an inactive viewer.
func (h ListStaffHandler) Handle(ctx context.Context, q ListStaff) ([]Staff, error) {
	if !q.Viewer.Active {
		return nil, nil
	}
	rows, err := h.rm.Staff(ctx, q.Viewer.CompanyID, q.Search, q.After, q.Limit)
	if err != nil {
		return nil, err
	}
	for i, u := range rows {
		rows[i].Status = InvitationStatus(u.Status, u.InvitationExpiresAt, q.Now)
		rows[i].InvitationExpiresAt = pending(rows[i].Status, u.InvitationExpiresAt)
	}
	return rows, nil
}

// GetMe asks who the caller of a session is.
type GetMe struct {
	UserID    uuid.UUID
	CompanyID uuid.UUID
}

// GetMeHandler answers GetMe.
type GetMeHandler struct{ rm Viewers }

// Handle reads the session's user as the accounts read model knows it: anyone
// signed in may ask who they are, so there is nothing to authorize.
func (h GetMeHandler) Handle(ctx context.Context, q GetMe) (Me, error) {
	return h.rm.Me(ctx, q.UserID, q.CompanyID)
}
