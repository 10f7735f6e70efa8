package app

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// Portal commands are issued by users of a customer company; what they may do is
// decided by the customer's portal view (domain.ComputePortalView), computed here
// from the streams the command reads: the customer, its active shares, and the
// folders and documents concerned with their ancestors.

// portalCustomer finds the actor's customer connection with provider: its
// company's, for staff of the customer company; the one it belongs to, for a
// portal user (domain.AuthorizePortal decides).
func (u *unit) portalCustomer(providerID uuid.UUID) (domain.Principal, *domain.Company, *domain.Customer, error) {
	p, err := u.principal()
	if err != nil {
		return p, nil, nil, err
	}
	provider, err := u.company(providerID)
	if err != nil {
		return p, nil, nil, err
	}
	customerID, ok := provider.Customers[p.CompanyID]
	if p.Portal() && p.PortalOf.CustomerID != uuid.Nil {
		// A portal user belongs to one customer, even after the company is
		// connected again (a new customer).
		customerID = p.PortalOf.CustomerID
	}
	if !ok || !p.Active || p.Portal() && p.PortalOf.ProviderID != providerID {
		return p, nil, nil, fmt.Errorf("portal: %w", domain.ErrNotFound)
	}
	c, err := u.customer(customerID)
	if err != nil {
		return p, nil, nil, err
	}
	if err := domain.AuthorizePortal(p, c); err != nil {
		return p, nil, nil, err
	}
	u.guardActor()
	u.guardRead(c) // paused, revoked, documents module off (reads.go)
	u.tenant = providerID
	return p, provider, c, nil
}

// portalView computes the customer's view of the given folders and documents.
func (u *unit) portalView(provider *domain.Company, c *domain.Customer, folderIDs []uuid.UUID, docs []*domain.Document) (domain.PortalView, error) {
	in := domain.PortalInput{
		Customer: c, DocumentsEnabledDefault: provider.DocumentsEnabledDefault,
		Folders: map[uuid.UUID]*domain.Folder{}, Documents: map[uuid.UUID]*domain.Document{}, Shares: map[uuid.UUID]*domain.Share{},
	}
	for _, d := range docs {
		in.Documents[d.ID] = d
		folderIDs = append(folderIDs, d.FolderID)
	}
	for _, id := range folderIDs {
		for id != uuid.Nil {
			if _, seen := in.Folders[id]; seen {
				break
			}
			f, err := u.folder(id)
			if err != nil {
				return domain.PortalView{}, err
			}
			if !f.Exists() {
				break
			}
			in.Folders[id] = f
			id = f.ParentID
		}
	}
	for _, id := range c.ActiveShareIDs() {
		sh, err := u.share(id)
		if err != nil {
			return domain.PortalView{}, err
		}
		in.Shares[id] = sh
		// A share of what the view was asked about gives (or widens) the access
		// the command relies on: its cancellation must not commit unseen
		// (reads.go).
		if _, doc := in.Documents[sh.DocumentID]; doc || in.Folders[sh.FolderID] != nil {
			u.guardRead(sh)
		}
	}
	for _, d := range docs {
		u.guardRead(d) // removed, or its version hidden
	}
	in.At = u.now // expired shares no longer count (issue 17)
	return domain.ComputePortalView(in), nil
}

// PortalCreateFolder creates a folder from the portal, inside a folder the
// customer may edit (ParentID uuid.Nil: its workspace folder).
type PortalCreateFolder struct {
	ProviderID uuid.UUID
	ParentID   uuid.UUID
	Name       string
}

// PortalCreateFolder creates a folder as a customer user, where the portal view
// gives edit permission.
func (s *Service) PortalCreateFolder(ctx context.Context, call Call, cmd PortalCreateFolder) (FolderResult, error) {
	var out FolderResult
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		parent, c, err := u.portalTarget(cmd.ProviderID, cmd.ParentID)
		if err != nil {
			return err
		}
		if out.FolderID, err = u.id(); err != nil {
			return err
		}
		events, err := (&domain.Folder{}).Create(domain.NewFolder{ID: out.FolderID, ProviderID: c.ProviderID, Parent: parent, Name: cmd.Name, CreatedByCustomerID: c.ID}, u.now)
		if err != nil {
			return err
		}
		out.Folder = folderView(after(&domain.Folder{}, same[domain.Folder], events))
		return u.recordNew(events)
	})
	return out, err
}

// portalTarget loads the folder a customer wants to put something into and checks
// the portal view lets it.
func (u *unit) portalTarget(providerID, folderID uuid.UUID) (*domain.Folder, *domain.Customer, error) {
	_, provider, c, err := u.portalCustomer(providerID)
	if err != nil {
		return nil, nil, err
	}
	if folderID == uuid.Nil {
		folderID = c.WorkspaceFolderID
	}
	view, err := u.portalView(provider, c, []uuid.UUID{folderID}, nil)
	if err != nil {
		return nil, nil, err
	}
	if err := view.MayUpload(folderID); err != nil {
		return nil, nil, err
	}
	f, err := u.folder(folderID)
	return f, c, err
}

// PortalUpload adds a document from the portal into a folder the customer may
// edit (FolderID uuid.Nil: its workspace folder).
type PortalUpload struct {
	ProviderID uuid.UUID
	FolderID   uuid.UUID
	Name       string
	File       domain.FileInfo
}

// PortalUpload uploads a document as a customer user, where the portal view gives
// edit permission.
func (s *Service) PortalUpload(ctx context.Context, call Call, cmd PortalUpload) (DocumentResult, error) {
	out := DocumentResult{Version: 1}
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		f, c, err := u.portalTarget(cmd.ProviderID, cmd.FolderID)
		if err != nil {
			return err
		}
		if out.DocumentID, err = u.id(); err != nil {
			return err
		}
		events, err := (&domain.Document{}).Add(domain.NewDocument{ID: out.DocumentID, Folder: f, Name: cmd.Name, File: cmd.File, UploadedByCustomerID: c.ID}, u.now)
		if err != nil {
			return err
		}
		out.Document, out.Changed = documentView(after(&domain.Document{}, cloneDocument, events), out.Version)
		return u.recordNew(events)
	})
	return out, err
}

// portalDocument loads a document and the actor's view of it.
func (u *unit) portalDocument(documentID uuid.UUID) (domain.Principal, *domain.Customer, *domain.Document, domain.PortalView, error) {
	d, err := u.document(documentID)
	if err != nil {
		return domain.Principal{}, nil, nil, domain.PortalView{}, err
	}
	if !d.Exists() {
		return domain.Principal{}, nil, nil, domain.PortalView{}, fmt.Errorf("document: %w", domain.ErrNotFound)
	}
	p, provider, c, err := u.portalCustomer(d.ProviderID)
	if err != nil {
		return p, nil, nil, domain.PortalView{}, err
	}
	view, err := u.portalView(provider, c, nil, []*domain.Document{d})
	return p, c, d, view, err
}

// PortalRemoveDocument removes a document the customer uploaded itself; what the
// provider shared answers domain.ErrForbidden.
func (s *Service) PortalRemoveDocument(ctx context.Context, call Call, cmd DocumentRef) (DocumentResult, error) {
	out := DocumentResult{DocumentID: cmd.DocumentID}
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, c, d, view, err := u.portalDocument(cmd.DocumentID)
		if err != nil {
			return err
		}
		if err := view.MayRemove(d.ID); err != nil {
			return err
		}
		return u.removeDocument(d, p.UserID, c.ID)
	})
	return out, err
}

// Download is the version a portal user gets.
type Download struct {
	DocumentID uuid.UUID
	CustomerID uuid.UUID
	Name       string
	Version    int
	File       domain.FileInfo
	Appended   AppendResult
}

// RecordDownload checks that the actor's portal shows the document and records
// the download of its newest visible version (DocumentDownloaded). Not visible:
// domain.ErrNotFound.
func (s *Service) RecordDownload(ctx context.Context, call Call, cmd DocumentRef) (Download, error) {
	return s.recordDownload(ctx, call, cmd, "")
}

// recordDownload is RecordDownload with the route named (DocumentDownloaded.Via).
func (s *Service) recordDownload(ctx context.Context, call Call, cmd DocumentRef, via string) (Download, error) {
	var out Download
	var err error
	out.Appended, err = s.execRecording(ctx, call, func(u *unit) error {
		p, c, d, view, err := u.portalDocument(cmd.DocumentID)
		if err != nil {
			return err
		}
		pd, ok := view.Document(d.ID)
		if !ok {
			return fmt.Errorf("portal document: %w", domain.ErrNotFound)
		}
		out = Download{DocumentID: d.ID, CustomerID: c.ID, Name: pd.Name, Version: pd.Version, File: pd.File}
		id, err := u.id()
		if err != nil {
			return err
		}
		events, err := d.RecordDownload(id, c.ID, p.UserID, pd.Version, u.now)
		if err != nil {
			return err
		}
		for i, e := range events {
			if dd, ok := e.(domain.DocumentDownloaded); ok {
				dd.Via = via
				events[i] = dd
			}
		}
		return u.recordNew(events)
	})
	if err != nil {
		return Download{}, err
	}
	return out, nil
}
