package query

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// ViewKey is the keyset position in a view that holds two lists, folders first
// and then documents, each sorted by name then id: after the folder (Doc false)
// or document named Name with id ID.
type ViewKey struct {
	Doc  bool      `json:"d,omitempty"`
	Name string    `json:"n"`
	ID   uuid.UUID `json:"id"`
}

// GetFolder asks for a folder and one page of what lies directly inside it
// (subfolders, then documents) that the viewer may see.
type GetFolder struct {
	Viewer Viewer
	ID     uuid.UUID
	After  *ViewKey // nil: the first page
	Limit  int      // items per page, folders and documents together
}

// FolderPage answers GetFolder; Next is the position after its last item when
// more follow.
type FolderPage struct {
	Folder     Folder
	Subfolders []Folder
	Documents  []Document
	Next       *ViewKey
}

// GetFolderHandler answers GetFolder.
type GetFolderHandler struct{ rm LibraryReadModel }

// Handle reads the folder, checks the viewer may see it, then reads one page
// (keyset queries: a page costs the same wherever it is).
func (h GetFolderHandler) Handle(ctx context.Context, q GetFolder) (FolderPage, error) {
	f, err := h.rm.Folder(ctx, q.ID)
	if err != nil {
		return FolderPage{}, err
	}
	scope := q.Viewer.itemScope(f.ProviderID, f.WorkspaceCustomerID, f.CustomerGroupID)
	if err := domain.Authorize(q.Viewer.Principal, domain.ActionViewLibrary, scope); err != nil {
		return FolderPage{}, err
	}
	out := FolderPage{Folder: f}
	visible, limit, after := q.Viewer.Customers(), q.Limit, q.After
	if after == nil || !after.Doc {
		var fa *NameKey
		if after != nil {
			fa = &NameKey{Name: after.Name, ID: after.ID}
		}
		if out.Subfolders, err = h.rm.Subfolders(ctx, f.ID, visible, fa, limit+1); err != nil {
			return FolderPage{}, err
		}
		if len(out.Subfolders) > limit {
			out.Subfolders = out.Subfolders[:limit]
			last := out.Subfolders[limit-1]
			out.Next = &ViewKey{Name: last.Name, ID: last.ID}
		}
		limit -= len(out.Subfolders)
	}
	if out.Next != nil {
		return out, nil
	}
	var da *NameKey
	if after != nil && after.Doc {
		da = &NameKey{Name: after.Name, ID: after.ID}
	}
	// One more than fits tells whether a next page exists (also when the folders
	// filled this one).
	if out.Documents, err = h.rm.Documents(ctx, DocumentFilter{Provider: f.ProviderID, Visible: visible, FolderID: &f.ID}, da, limit+1); err != nil {
		return FolderPage{}, err
	}
	if len(out.Documents) > limit {
		out.Documents = out.Documents[:limit]
		if limit > 0 {
			last := out.Documents[limit-1]
			out.Next = &ViewKey{Doc: true, Name: last.Name, ID: last.ID}
		} else {
			last := out.Subfolders[len(out.Subfolders)-1]
			out.Next = &ViewKey{Name: last.Name, ID: last.ID}
		}
	}
	return out, nil
}

// ListDocuments asks for the library's documents the viewer sees. Limit is how
// many rows to read (a page reads one more than it shows, to know whether
// another follows).
type ListDocuments struct {
	Viewer     Viewer
	FolderID   *uuid.UUID
	CustomerID *uuid.UUID
	Search     string
	// UploadedByCustomer: nil any; true only customers' uploads; false only not.
	UploadedByCustomer *bool
	After              *NameKey
	Limit              int
}

// ListDocumentsHandler answers ListDocuments.
type ListDocumentsHandler struct{ rm LibraryReadModel }

// Handle lists nothing for an inactive viewer.
func (h ListDocumentsHandler) Handle(ctx context.Context, q ListDocuments) ([]Document, error) {
	if !q.Viewer.Active {
		return nil, nil
	}
	return h.rm.Documents(ctx, DocumentFilter{Provider: q.Viewer.CompanyID, Visible: q.Viewer.Customers(),
		FolderID: q.FolderID, CustomerID: q.CustomerID, Search: q.Search, UploadedByCustomer: q.UploadedByCustomer}, q.After, q.Limit)
}

// GetDocument asks for a document the viewer may see; a removed one is not
// found unless WithRemoved (its history outlives it).
type GetDocument struct {
	Viewer      Viewer
	ID          uuid.UUID
	WithRemoved bool
}

// GetDocumentHandler answers GetDocument.
type GetDocumentHandler struct{ rm LibraryReadModel }

// Handle checks the viewer may see the document: a customer's deposit is that
// customer's data, like its workspace.
func (h GetDocumentHandler) Handle(ctx context.Context, q GetDocument) (Document, error) {
	d, err := h.rm.Document(ctx, q.ID)
	if err != nil {
		return Document{}, err
	}
	scope := q.Viewer.itemScope(d.ProviderID, d.owner(), d.CustomerGroupID)
	if err := domain.Authorize(q.Viewer.Principal, domain.ActionViewLibrary, scope); err != nil {
		return Document{}, err
	}
	if d.Removed && !q.WithRemoved {
		return Document{}, domain.ErrNotFound
	}
	return d, nil
}

// DocumentVersions asks for every version of a document the viewer may see,
// newest first.
type DocumentVersions struct {
	Viewer Viewer
	ID     uuid.UUID
}

// DocumentVersionsHandler answers DocumentVersions.
type DocumentVersionsHandler struct {
	rm       LibraryReadModel
	document GetDocumentHandler
}

// Handle answers the document and its versions.
func (h DocumentVersionsHandler) Handle(ctx context.Context, q DocumentVersions) (Document, []Version, error) {
	d, err := h.document.Handle(ctx, GetDocument{Viewer: q.Viewer, ID: q.ID})
	if err != nil {
		return Document{}, nil, err
	}
	versions, err := h.rm.DocumentVersions(ctx, d.ID)
	if err != nil {
		return Document{}, nil, err
	}
	return d, versions, nil
}

// DocumentVersion asks for one version of a document the viewer may see (Number
// 0: the newest, hidden or not).
type DocumentVersion struct {
	Viewer Viewer
	ID     uuid.UUID
	Number int
}

// DocumentVersionHandler answers DocumentVersion.
type DocumentVersionHandler struct {
	rm       LibraryReadModel
	document GetDocumentHandler
}

// Handle answers the document and the version asked for (ErrNotFound: no such
// version).
func (h DocumentVersionHandler) Handle(ctx context.Context, q DocumentVersion) (Document, Version, error) {
	d, err := h.document.Handle(ctx, GetDocument{Viewer: q.Viewer, ID: q.ID})
	if err != nil {
		return Document{}, Version{}, err
	}
	if q.Number == 0 || q.Number == d.Newest.Number {
		return d, d.Newest, nil
	}
	versions, err := h.rm.DocumentVersions(ctx, d.ID)
	if err != nil {
		return Document{}, Version{}, err
	}
	for _, v := range versions {
		if v.Number == q.Number {
			return d, v, nil
		}
	}
	return Document{}, Version{}, domain.ErrNotFound
}

// ListShares asks for the portal shares of the customers the viewer sees,
// newest first.
type ListShares struct {
	Viewer     Viewer
	CustomerID *uuid.UUID
	DocumentID *uuid.UUID
	Status     string    // active, expired, cancelled or "" (any)
	Now        time.Time // the request's clock: active versus expired
	After      *TimeKey
	Limit      int
}

// ListSharesHandler answers ListShares.
type ListSharesHandler struct{ rm LibraryReadModel }

// Handle lists nothing for an inactive viewer.
func (h ListSharesHandler) Handle(ctx context.Context, q ListShares) ([]Share, error) {
	if !q.Viewer.Active {
		return nil, nil
	}
	return h.rm.Shares(ctx, ShareFilter{Provider: q.Viewer.CompanyID, Visible: q.Viewer.Customers(),
		CustomerID: q.CustomerID, DocumentID: q.DocumentID, Status: q.Status, Now: q.Now}, q.After, q.Limit)
}

// ShareHistory asks for every portal share and link that gave access to a
// document the viewer may see (removed or not), newest first, limited to the
// customers the viewer sees.
type ShareHistory struct {
	Viewer     Viewer
	DocumentID uuid.UUID
	After      *TimeKey
	Limit      int
}

// ShareHistoryHandler answers ShareHistory.
type ShareHistoryHandler struct {
	rm       LibraryReadModel
	document GetDocumentHandler
}

// Handle checks the document first: another provider's is not found.
func (h ShareHistoryHandler) Handle(ctx context.Context, q ShareHistory) ([]HistoryEntry, error) {
	d, err := h.document.Handle(ctx, GetDocument{Viewer: q.Viewer, ID: q.DocumentID, WithRemoved: true})
	if err != nil {
		return nil, err
	}
	return h.rm.ShareHistory(ctx, d.ProviderID, d.ID, q.Viewer.Customers(), q.After, q.Limit)
}
