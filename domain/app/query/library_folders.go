package query

import (
	"context"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// FolderListReadModel lists the top of a provider's library (issue 17: nothing
// listed the root folders).
type FolderListReadModel interface {
	// RootFolders lists provider's folders without a parent that visible lets
	// through (workspaces of customers its groups see; every other folder),
	// sorted by name then id, after the keyset position.
	RootFolders(ctx context.Context, provider uuid.UUID, visible GroupFilter, after *NameKey, limit int) ([]Folder, error)
}

// ListFolders asks for the folders at the top of the viewer's library (ParentID
// nil) or directly inside a folder, one page, sorted by name.
type ListFolders struct {
	Viewer   Viewer
	ParentID *uuid.UUID
	After    *NameKey
	Limit    int
}

// ListFoldersHandler answers ListFolders.
type ListFoldersHandler struct {
	rm interface {
		FolderListReadModel
		LibraryReadModel
	}
}

// Handle applies the rules of GetFolder: a parent the viewer may not see (or
// another company's) is ErrNotFound; workspaces are listed for the groups that
// see their customers. A portal user or an inactive one has no library.
func (h ListFoldersHandler) Handle(ctx context.Context, q ListFolders) ([]Folder, error) {
	v := q.Viewer
	if q.ParentID != nil {
		f, err := h.rm.Folder(ctx, *q.ParentID)
		if err != nil {
			return nil, err
		}
		if err := domain.Authorize(v.Principal, domain.ActionViewLibrary, v.itemScope(f.ProviderID, f.WorkspaceCustomerID, f.CustomerGroupID)); err != nil {
			return nil, err
		}
		return h.rm.Subfolders(ctx, f.ID, v.Customers(), q.After, q.Limit)
	}
	if err := domain.Authorize(v.Principal, domain.ActionViewLibrary, v.itemScope(v.CompanyID, nil, nil)); err != nil {
		return nil, err
	}
	return h.rm.RootFolders(ctx, v.CompanyID, v.Customers(), q.After, q.Limit)
}
