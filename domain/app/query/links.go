package query

import (
	"context"

	"github.com/google/uuid"
)

// LinkReadModel answers what an anonymous visitor of a folder link sees.
type LinkReadModel interface {
	// FolderLinkContents lists folder's subfolders and the documents a folder
	// link serves in it (the provider's own, not removed, with a visible
	// version), by name.
	FolderLinkContents(ctx context.Context, provider, folder uuid.UUID) (folders, documents []FolderLinkItem, err error)
}

// FolderLinkItem is a folder or a document a visitor of a folder link sees.
type FolderLinkItem struct {
	ID        uuid.UUID
	Name      string
	Size      int64  // documents: the newest visible version's
	MediaType string // documents
}

// FolderLinkContents asks what a folder link shows inside one folder. The caller
// has proved access with the link's token (and password) through the
// application service (app.Service.InspectFolderLink), which also checked that
// FolderID lies at or below the link's folder: a link has no viewer.
type FolderLinkContents struct {
	ProviderID, FolderID uuid.UUID
}

// FolderLinkContentsHandler answers FolderLinkContents.
type FolderLinkContentsHandler struct{ rm LinkReadModel }

// Handle lists the folder's subfolders and the documents the link serves in it.
func (h FolderLinkContentsHandler) Handle(ctx context.Context, q FolderLinkContents) (folders, documents []FolderLinkItem, err error) {
	return h.rm.FolderLinkContents(ctx, q.ProviderID, q.FolderID)
}
