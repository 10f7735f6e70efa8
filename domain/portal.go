package domain

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
)

// PortalView is exactly what a customer's users see of one provider: the rules of
// DESIGN.md's "What a customer user sees" as one pure function (ComputePortalView),
// which the portal read model is tested against and audit replays reuse.
type PortalView struct {
	CustomerID uuid.UUID
	ProviderID uuid.UUID
	// Open is false when the customer is not active (invited, paused, revoked) or the
	// documents module is off for it; then the view is empty.
	Open bool
	// Root is the workspace folder when master access is on: its contents are the top
	// of the portal rather than the folder itself. uuid.Nil otherwise.
	Root      uuid.UUID
	Folders   []PortalFolder   // sorted by name, then id
	Documents []PortalDocument // sorted by name, then id
}

// PortalFolder is a visible folder.
type PortalFolder struct {
	ID         uuid.UUID
	ParentID   uuid.UUID
	Name       string
	Permission Permission // edit: the customer may upload and create folders here
	Top        bool       // shown at the top of the portal (its parent is not visible, or is Root)
	Workspace  bool       // the customer's workspace folder itself
}

// PortalDocument is a visible document with the version customers get.
type PortalDocument struct {
	ID         uuid.UUID
	FolderID   uuid.UUID
	Name       string
	Version    int // the newest visible version
	File       FileInfo
	Permission Permission
	Top        bool
	OwnUpload  bool // uploaded by this customer: its users may remove it
}

// PortalInput is the state ComputePortalView reads. Folders must contain the
// ancestors of every folder and document given; Documents and Folders may be a
// subset of the library (then the view covers that subset); Shares may contain
// shares of other customers (they are ignored).
type PortalInput struct {
	Customer                *Customer
	DocumentsEnabledDefault bool
	Folders                 map[uuid.UUID]*Folder
	Documents               map[uuid.UUID]*Document
	Shares                  map[uuid.UUID]*Share
	// At is the instant of the view: a share counts while AccessStatusAt says
	// active at At (cancelled or expired ones do not). Zero: expiries are not
	// reached.
	At time.Time
}

// ComputePortalView decides what the customer sees. A document is visible when the
// customer is active, the documents module is on for it (its own setting, else the
// provider's default), the document is not removed and has a visible version, and
// either master access is on and the document lies in the customer's workspace, or
// a share active at in.At covers the document or a folder above it. Shares granted while
// paused count as soon as the customer is active again. The permission is the
// highest of the covering shares; master access gives edit inside the workspace.
//
// Deposits are private (DESIGN.md v1.1): what another customer uploaded, or a
// folder another customer created (and so what lies in it), is visible only
// through a share of that very document or folder, which the provider grants on
// purpose; a share of a folder above it does not reach it.
func ComputePortalView(in PortalInput) PortalView {
	c := in.Customer
	v := PortalView{CustomerID: c.ID, ProviderID: c.ProviderID}
	if !c.Exists() || c.Status != StatusActive || !c.DocumentsOn(in.DocumentsEnabledDefault) {
		return v
	}
	v.Open = true
	direct := map[uuid.UUID]Permission{}
	for _, s := range in.Shares {
		if !s.ActiveAt(in.At) || s.CustomerID != c.ID || s.ProviderID != c.ProviderID {
			continue
		}
		target := s.DocumentID
		if target == uuid.Nil {
			target = s.FolderID
		}
		direct[target] = maxPermission(direct[target], s.Permission)
	}
	memo := map[uuid.UUID]Permission{}
	var folderPerm func(id uuid.UUID) Permission
	folderPerm = func(id uuid.UUID) Permission {
		if p, ok := memo[id]; ok {
			return p
		}
		memo[id] = PermissionNone // a cycle cannot happen, but must not hang
		f := in.Folders[id]
		if f == nil || !f.Exists() || f.ProviderID != c.ProviderID {
			return PermissionNone
		}
		p := direct[id]
		if c.MasterAccess && f.WorkspaceCustomerID == c.ID {
			p = PermissionEdit
		}
		// Another customer's deposit (a folder it created) is reached only by a
		// share of that folder itself: sharing a folder above it is not sharing it.
		if f.ParentID != uuid.Nil && !depositOfAnother(f.CreatedByCustomerID, c.ID) {
			p = maxPermission(p, folderPerm(f.ParentID))
		}
		memo[id] = p
		return p
	}
	if c.MasterAccess && folderPerm(c.WorkspaceFolderID) != PermissionNone {
		v.Root = c.WorkspaceFolderID
	}
	top := func(parent uuid.UUID) bool {
		return parent == uuid.Nil || (v.Root != uuid.Nil && parent == v.Root) || folderPerm(parent) == PermissionNone
	}
	for id, f := range in.Folders {
		p := folderPerm(id)
		if p == PermissionNone {
			continue
		}
		v.Folders = append(v.Folders, PortalFolder{
			ID: id, ParentID: f.ParentID, Name: f.Name, Permission: p,
			Top: id != v.Root && top(f.ParentID), Workspace: id == c.WorkspaceFolderID,
		})
	}
	for id, d := range in.Documents {
		if !d.Exists() || d.Removed || d.ProviderID != c.ProviderID {
			continue
		}
		p := direct[id]
		if !depositOfAnother(d.UploadedByCustomerID, c.ID) {
			p = maxPermission(p, folderPerm(d.FolderID))
		}
		ver, ok := d.NewestVisible()
		if p == PermissionNone || !ok {
			continue
		}
		v.Documents = append(v.Documents, PortalDocument{
			ID: id, FolderID: d.FolderID, Name: d.Name, Version: ver.Number, File: ver.FileInfo, Permission: p,
			Top: top(d.FolderID), OwnUpload: d.UploadedByCustomerID == c.ID,
		})
	}
	slices.SortFunc(v.Folders, func(a, b PortalFolder) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), compareUUID(a.ID, b.ID))
	})
	slices.SortFunc(v.Documents, func(a, b PortalDocument) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), compareUUID(a.ID, b.ID))
	})
	return v
}

// Folder returns a visible folder.
func (v PortalView) Folder(id uuid.UUID) (PortalFolder, bool) {
	i := slices.IndexFunc(v.Folders, func(f PortalFolder) bool { return f.ID == id })
	if i < 0 {
		return PortalFolder{}, false
	}
	return v.Folders[i], true
}

// Document returns a visible document.
func (v PortalView) Document(id uuid.UUID) (PortalDocument, bool) {
	i := slices.IndexFunc(v.Documents, func(d PortalDocument) bool { return d.ID == id })
	if i < 0 {
		return PortalDocument{}, false
	}
	return v.Documents[i], true
}

// Children lists what the portal shows inside folder id; uuid.Nil lists the top.
func (v PortalView) Children(id uuid.UUID) ([]PortalFolder, []PortalDocument) {
	var folders []PortalFolder
	var docs []PortalDocument
	for _, f := range v.Folders {
		if id == uuid.Nil && f.Top || id != uuid.Nil && f.ParentID == id && f.ID != v.Root {
			folders = append(folders, f)
		}
	}
	for _, d := range v.Documents {
		if id == uuid.Nil && d.Top || id != uuid.Nil && d.FolderID == id {
			docs = append(docs, d)
		}
	}
	return folders, docs
}

// MayUpload decides whether the customer may upload into, or create a folder in,
// folder id: it must be visible with edit permission (an edit share covering it, or
// master access inside the workspace). Not visible answers ErrNotFound.
func (v PortalView) MayUpload(id uuid.UUID) error {
	f, ok := v.Folder(id)
	switch {
	case !ok:
		return fmt.Errorf("portal folder: %w", ErrNotFound)
	case f.Permission != PermissionEdit:
		return fmt.Errorf("folder is shared for viewing only: %w", ErrForbidden)
	}
	return nil
}

// MayRemove decides whether the customer may remove a document: only what it
// uploaded itself, never what the provider shared.
func (v PortalView) MayRemove(id uuid.UUID) error {
	d, ok := v.Document(id)
	switch {
	case !ok:
		return fmt.Errorf("portal document: %w", ErrNotFound)
	case !d.OwnUpload:
		return fmt.Errorf("shared by the provider: %w", ErrForbidden)
	}
	return nil
}

// depositOfAnother reports whether an item created or uploaded by customer by
// (uuid.Nil: by the provider's staff) is another customer's deposit for viewer.
func depositOfAnother(by, viewer uuid.UUID) bool { return by != uuid.Nil && by != viewer }
