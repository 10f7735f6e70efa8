package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
)

// CreateFolder creates a folder in the actor's library: under ParentID, or at the
// root; with CustomerID, inside that customer's workspace (ParentID defaults to the
// workspace folder and must lie in it).
type CreateFolder struct {
	Name       string
	ParentID   uuid.UUID
	CustomerID uuid.UUID
}

// FolderResult names the folder a command created.
type FolderResult struct {
	FolderID uuid.UUID
	// Folder is the folder as the command left it (views.go).
	Folder   query.Folder
	Appended AppendResult
}

// CreateFolder creates a library folder (staff with edit rights on where it goes).
func (s *Service) CreateFolder(ctx context.Context, call Call, cmd CreateFolder) (FolderResult, error) {
	var out FolderResult
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, err := u.principal()
		if err != nil {
			return err
		}
		parentID := cmd.ParentID
		if cmd.CustomerID != uuid.Nil {
			c, err := u.customer(cmd.CustomerID)
			if err != nil {
				return err
			}
			if _, err := u.customerScope(p, c); err != nil {
				return err
			}
			if parentID == uuid.Nil {
				parentID = c.WorkspaceFolderID
			}
		}
		var parent *domain.Folder
		scope := domain.LibraryScope(p.CompanyID)
		if parentID != uuid.Nil {
			if parent, err = u.folder(parentID); err != nil {
				return err
			}
			if scope, err = u.folderScope(p, parent); err != nil {
				return err
			}
			if cmd.CustomerID != uuid.Nil && parent.WorkspaceCustomerID != cmd.CustomerID {
				return &domain.ValidationError{Field: "parent_id", Message: "is not in the customer's workspace"}
			}
		}
		if err := u.authorize(p, domain.ActionEditLibrary, scope); err != nil {
			return err
		}
		if err := u.authorizeVisibleChange(p, scope.ProviderID, uuid.Nil, parentID); err != nil {
			return err
		}
		if out.FolderID, err = u.id(); err != nil {
			return err
		}
		events, err := (&domain.Folder{}).Create(domain.NewFolder{ID: out.FolderID, ProviderID: scope.ProviderID, Parent: parent, Name: cmd.Name}, u.now)
		if err != nil {
			return err
		}
		out.Folder = folderView(after(&domain.Folder{}, same[domain.Folder], events))
		return u.recordNew(events)
	})
	return out, err
}

// AddDocument adds a document with its first version; the content is already
// stored, addressed by File.SHA256.
type AddDocument struct {
	FolderID uuid.UUID
	Name     string
	File     domain.FileInfo
	Hidden   bool
	// HiddenUnsaid: the upload did not say hidden; the provider's
	// new_versions_hidden decides and Hidden is ignored.
	HiddenUnsaid bool
}

// DocumentResult names the document (and version) a command created or changed.
type DocumentResult struct {
	DocumentID uuid.UUID
	Version    int
	// Document is the document as the command left it (views.go), with its
	// newest version; Changed is version Version of it (zero when Version is 0).
	Document query.Document
	Changed  query.Version
	Appended AppendResult
}

// AddDocument adds a document with version 1 to a folder.
func (s *Service) AddDocument(ctx context.Context, call Call, cmd AddDocument) (DocumentResult, error) {
	out := DocumentResult{Version: 1}
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, err := u.principal()
		if err != nil {
			return err
		}
		f, err := u.folder(cmd.FolderID)
		if err != nil {
			return err
		}
		scope, err := u.folderScope(p, f)
		if err != nil {
			return err
		}
		if err := u.authorize(p, domain.ActionEditLibrary, scope); err != nil {
			return err
		}
		if err := u.authorizeVisibleChange(p, f.ProviderID, uuid.Nil, f.ID); err != nil {
			return err
		}
		if out.DocumentID, err = u.id(); err != nil {
			return err
		}
		hidden, err := u.uploadHidden(f.ProviderID, cmd.Hidden, cmd.HiddenUnsaid)
		if err != nil {
			return err
		}
		events, err := (&domain.Document{}).Add(domain.NewDocument{ID: out.DocumentID, Folder: f, Name: cmd.Name, File: cmd.File, Hidden: hidden}, u.now)
		if err != nil {
			return err
		}
		out.Document, out.Changed = documentView(after(&domain.Document{}, cloneDocument, events), out.Version)
		return u.recordNew(events)
	})
	return out, err
}

// documentFor loads a document the actor may do act to.
func (u *unit) documentFor(act domain.Action, documentID uuid.UUID) (domain.Principal, *domain.Document, error) {
	p, err := u.principal()
	if err != nil {
		return p, nil, err
	}
	d, err := u.document(documentID)
	if err != nil {
		return p, nil, err
	}
	scope, err := u.documentScope(p, d)
	if err != nil {
		return p, nil, err
	}
	return p, d, u.authorize(p, act, scope)
}

// onDocument runs a single-stream document command.
func (s *Service) onDocument(ctx context.Context, call Call, documentID uuid.UUID, out *DocumentResult, decide func(u *unit, d *domain.Document) ([]domain.Event, error)) error {
	out.DocumentID = documentID
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, d, err := u.documentFor(domain.ActionEditLibrary, documentID)
		if err != nil {
			return err
		}
		if err := u.authorizeVisibleChange(p, d.ProviderID, d.ID, d.FolderID); err != nil {
			return err
		}
		events, err := decide(u, d)
		if err != nil {
			return err
		}
		out.Document, out.Changed = documentView(after(d, cloneDocument, events), out.Version)
		return u.recordOn(d, events)
	})
	return err
}

// AddVersion adds the next version of a document.
type AddVersion struct {
	DocumentID uuid.UUID
	File       domain.FileInfo
	Hidden     bool
	// HiddenUnsaid: as in AddDocument.
	HiddenUnsaid bool
}

// AddVersion adds the next version of a document.
func (s *Service) AddVersion(ctx context.Context, call Call, cmd AddVersion) (DocumentResult, error) {
	var out DocumentResult
	err := s.onDocument(ctx, call, cmd.DocumentID, &out, func(u *unit, d *domain.Document) ([]domain.Event, error) {
		out.Version = len(d.Versions) + 1
		hidden, err := u.uploadHidden(d.ProviderID, cmd.Hidden, cmd.HiddenUnsaid)
		if err != nil {
			return nil, err
		}
		return d.AddVersion(cmd.File, hidden, uuid.Nil, u.now)
	})
	return out, err
}

// SetVersionVisibility publishes (Visible) or hides one version.
type SetVersionVisibility struct {
	DocumentID uuid.UUID
	Version    int
	Visible    bool
}

// SetVersionVisibility publishes or hides a version.
func (s *Service) SetVersionVisibility(ctx context.Context, call Call, cmd SetVersionVisibility) (DocumentResult, error) {
	out := DocumentResult{Version: cmd.Version}
	err := s.onDocument(ctx, call, cmd.DocumentID, &out, func(u *unit, d *domain.Document) ([]domain.Event, error) {
		return d.SetVersionVisibility(cmd.Version, cmd.Visible, u.now)
	})
	return out, err
}

// DocumentRef names the document of a command.
type DocumentRef struct{ DocumentID uuid.UUID }

// RemoveDocument removes a document and cancels its shares and links, in one batch.
func (s *Service) RemoveDocument(ctx context.Context, call Call, cmd DocumentRef) (DocumentResult, error) {
	out := DocumentResult{DocumentID: cmd.DocumentID}
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, d, err := u.documentFor(domain.ActionEditLibrary, cmd.DocumentID)
		if err != nil {
			return err
		}
		if err := u.authorizeVisibleChange(p, d.ProviderID, d.ID, d.FolderID); err != nil {
			return err
		}
		return u.removeDocument(d, p.UserID, uuid.Nil)
	})
	return out, err
}

func (u *unit) removeDocument(d *domain.Document, by, byCustomer uuid.UUID) error {
	in := domain.DocumentRemoval{
		Document: d, By: by, ByCustomer: byCustomer,
		Shares: map[uuid.UUID]*domain.Share{}, Links: map[uuid.UUID]*domain.Link{}, Customers: map[uuid.UUID]*domain.Customer{},
	}
	for _, id := range d.ShareIDs {
		sh, err := u.share(id)
		if err != nil {
			return err
		}
		in.Shares[id] = sh
		if sh.Active() {
			if in.Customers[sh.CustomerID], err = u.customer(sh.CustomerID); err != nil {
				return err
			}
		}
	}
	for _, id := range d.LinkIDs {
		l, err := u.link(id)
		if err != nil {
			return err
		}
		in.Links[id] = l
	}
	changes, err := domain.RemoveDocument(in, u.now)
	if err != nil {
		return err
	}
	return u.record(changes...)
}
