package query

import (
	"bytes"
	"cmp"
	"context"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// ListPortal asks for one page of what the viewer's company sees of a provider:
// one folder level (FolderID uuid.Nil: the top), or every document below it
// (Flat). Pages hold folders first, then documents, each sorted by name (byte
// order) then id, as domain.PortalView sorts them.
type ListPortal struct {
	Viewer     Viewer
	ProviderID uuid.UUID
	FolderID   uuid.UUID
	Flat       bool
	After      *ViewKey
	Limit      int
}

// PortalListingFilter is the part of ListPortal a read model answers.
type PortalListingFilter struct {
	FolderID uuid.UUID // uuid.Nil: the top
	Flat     bool
}

// PortalListing is one page of a portal listing. A closed portal (customer
// paused or revoked, documents module off) lists nothing.
type PortalListing struct {
	Folders   []PortalListFolder
	Documents []PortalListDocument
	Next      *ViewKey // the position after the page's last item when more follow
}

// PortalListFolder is a visible folder as a listing shows it.
type PortalListFolder struct {
	ID         uuid.UUID
	Name       string
	ParentID   *uuid.UUID // nil at the top
	Permission domain.Permission
	Workspace  bool
}

// PortalListDocument is a visible document with the version customers get.
type PortalListDocument struct {
	ID         uuid.UUID
	Name       string
	FolderID   *uuid.UUID // nil when its folder is not visible (shared on its own)
	Version    int
	File       domain.FileInfo
	Permission domain.Permission
	OwnUpload  bool
}

// PortalListingReadModel reads listings from the materialised reach of the
// portal read model. A folder that is not visible in an open portal is
// ErrNotFound.
type PortalListingReadModel interface {
	PortalListing(ctx context.Context, customer uuid.UUID, f PortalListingFilter, after *ViewKey, limit int) (PortalListing, error)
}

// ListPortalHandler answers ListPortal.
type ListPortalHandler struct {
	customers CustomerReadModel
	rm        PortalListingReadModel
}

// Handle answers ErrNotFound unless the viewer may use the provider's portal
// (domain.AuthorizePortal, as PortalViewHandler).
func (h ListPortalHandler) Handle(ctx context.Context, q ListPortal) (PortalListing, error) {
	row, err := h.customers.PortalCustomer(ctx, q.Viewer.CompanyID, q.ProviderID)
	if err != nil {
		return PortalListing{}, err
	}
	c := &domain.Customer{ID: row.ID, ProviderID: row.ProviderID, CompanyID: row.CompanyID, Status: domain.CustomerStatus(row.Status)}
	c.Restore(1)
	if err := domain.AuthorizePortal(q.Viewer.Principal, c); err != nil {
		return PortalListing{}, err
	}
	return h.rm.PortalListing(ctx, row.ID, PortalListingFilter{FolderID: q.FolderID, Flat: q.Flat}, q.After, q.Limit)
}

// CutPortalView is the listing the rule itself gives: one page of view, cut as
// ListPortal asks. It is the reference the materialised listing is tested
// against (the differential oracle), and what a listing of an as-of view is.
func CutPortalView(view domain.PortalView, f PortalListingFilter, after *ViewKey, limit int) (PortalListing, error) {
	out := PortalListing{}
	if !view.Open {
		return out, nil
	}
	if f.FolderID != uuid.Nil {
		if _, ok := view.Folder(f.FolderID); !ok {
			return out, domain.ErrNotFound
		}
	}
	visible := map[uuid.UUID]domain.PortalFolder{}
	for _, fo := range view.Folders {
		visible[fo.ID] = fo
	}
	ref := func(id uuid.UUID) *uuid.UUID {
		if _, ok := visible[id]; ok && id != uuid.Nil {
			return &id
		}
		return nil
	}
	var folders []PortalListFolder
	var docs []PortalListDocument
	addDocument := func(d domain.PortalDocument) {
		docs = append(docs, PortalListDocument{ID: d.ID, Name: d.Name, FolderID: ref(d.FolderID), Version: d.Version,
			File: d.File, Permission: d.Permission, OwnUpload: d.OwnUpload})
	}
	if f.Flat {
		for _, d := range view.Documents {
			if f.FolderID == uuid.Nil || below(visible, d.FolderID, f.FolderID) {
				addDocument(d)
			}
		}
	} else {
		fs, ds := view.Children(f.FolderID)
		for _, fo := range fs {
			item := PortalListFolder{ID: fo.ID, Name: fo.Name, Permission: fo.Permission, Workspace: fo.Workspace}
			if !fo.Top {
				item.ParentID = ref(fo.ParentID)
			}
			folders = append(folders, item)
		}
		for _, d := range ds {
			addDocument(d)
		}
	}
	return pageOf(folders, docs, after, limit), nil
}

// pageOf cuts full, sorted lists to the page after after.
func pageOf(folders []PortalListFolder, docs []PortalListDocument, after *ViewKey, limit int) PortalListing {
	if after != nil {
		if after.Doc {
			folders = nil
			docs = docs[firstAfter(docs, *after, func(d PortalListDocument) (string, uuid.UUID) { return d.Name, d.ID }):]
		} else {
			folders = folders[firstAfter(folders, *after, func(f PortalListFolder) (string, uuid.UUID) { return f.Name, f.ID }):]
		}
	}
	var next *ViewKey
	switch {
	case len(folders) > limit:
		folders, docs = folders[:limit], nil
		next = &ViewKey{Name: folders[limit-1].Name, ID: folders[limit-1].ID}
	case len(folders)+len(docs) > limit:
		docs = docs[:limit-len(folders)]
		if len(docs) > 0 {
			next = &ViewKey{Doc: true, Name: docs[len(docs)-1].Name, ID: docs[len(docs)-1].ID}
		} else {
			next = &ViewKey{Name: folders[len(folders)-1].Name, ID: folders[len(folders)-1].ID}
		}
	}
	return PortalListing{Folders: folders, Documents: docs, Next: next}
}

// firstAfter is the index of the first item after k in items sorted by (name,
// id).
func firstAfter[T any](items []T, k ViewKey, key func(T) (string, uuid.UUID)) int {
	for i, it := range items {
		name, id := key(it)
		if cmp.Or(cmp.Compare(name, k.Name), bytes.Compare(id[:], k.ID[:])) > 0 {
			return i
		}
	}
	return len(items)
}

// below reports whether folder is ancestor or lies under it, through visible
// folders.
func below(visible map[uuid.UUID]domain.PortalFolder, folder, ancestor uuid.UUID) bool {
	for range len(visible) + 1 {
		if folder == ancestor {
			return true
		}
		f, ok := visible[folder]
		if !ok {
			return false
		}
		folder = f.ParentID
	}
	return false
}
