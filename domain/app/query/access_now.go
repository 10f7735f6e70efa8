package query

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// Who can see a document now, and why (GET /documents/{id}/access, issue 17).
// The audit's DocumentAccess (audit.go) is the access *history*; this is the
// present.

// Ways a customer (or anyone, for a link) reaches a document.
const (
	ViaShare        = "share"         // a portal share of the document itself
	ViaFolderShare  = "folder_share"  // a portal share of a folder above it
	ViaMasterAccess = "master_access" // master access to the workspace it lies in
	ViaLink         = "link"          // a live link to it, or to a folder above it
)

// Access is one reason someone can see a document now. For a link, CustomerID
// is nil: whoever holds the URL.
type Access struct {
	CustomerID   *uuid.UUID
	CustomerName *string
	Via          string
	ShareID      *uuid.UUID
	LinkID       *uuid.UUID
	FolderID     *uuid.UUID // the folder shared or linked, for folder_share and folder links
	Permission   string
	Since        time.Time
}

// AccessReadModel answers who can see a document now.
type AccessReadModel interface {
	// DocumentAudience lists every reason a customer the filter lets through,
	// or a link, reaches document (of provider) at the read model's instant: the
	// reasons of customers whose portal view (domain.ComputePortalView) shows
	// the document, and every live link that reaches it. Customers first (by
	// name, then id), links last.
	DocumentAudience(ctx context.Context, provider, document uuid.UUID, visible GroupFilter) ([]Access, error)
}

// DocumentAudience asks who can see a document now and why.
type DocumentAudience struct {
	Viewer     Viewer
	DocumentID uuid.UUID
}

// DocumentAudienceHandler answers DocumentAudience.
type DocumentAudienceHandler struct {
	rm       AccessReadModel
	document GetDocumentHandler
}

// Handle answers ErrNotFound unless the viewer may see the document (another
// company's staff, or a group that does not see the workspace it lies in); the
// customers listed are only those the viewer's groups see, so that staff learn
// nothing of the others.
func (h DocumentAudienceHandler) Handle(ctx context.Context, q DocumentAudience) ([]Access, error) {
	d, err := h.document.Handle(ctx, GetDocument{Viewer: q.Viewer, ID: q.DocumentID})
	if err != nil {
		return nil, err
	}
	return h.rm.DocumentAudience(ctx, d.ProviderID, d.ID, q.Viewer.Customers())
}
