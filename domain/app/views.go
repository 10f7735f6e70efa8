package app

import (
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
)

// Commands answer ids and positions, and the resource they wrote as plain data
// in the query layer's shape (package query): never an aggregate. An API then
// has one mapper per resource, whichever side produced it. The fields a read
// model joins from elsewhere (a customer's group name, a share's customer name)
// stay empty here.

func optionalID(id uuid.UUID) *uuid.UUID {
	if id == uuid.Nil {
		return nil
	}
	return &id
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func customerView(c domain.Customer) query.Customer {
	out := query.Customer{ID: c.ID, ProviderID: c.ProviderID, CompanyID: c.CompanyID, CompanyName: c.CompanyName,
		Status: string(c.Status), Via: c.Via, GroupID: optionalID(c.GroupID), WorkspaceFolderID: c.WorkspaceFolderID,
		MasterAccess: c.MasterAccess, DocumentsEnabled: clonePtr(c.DocumentsEnabled), CreatedAt: c.CreatedAt}
	if c.RevokeReason != "" {
		reason := c.RevokeReason
		out.RevokeReason = &reason
	}
	return out
}

func folderView(f domain.Folder) query.Folder {
	return query.Folder{ID: f.ID, ProviderID: f.ProviderID, ParentID: optionalID(f.ParentID), Name: f.Name,
		WorkspaceCustomerID: optionalID(f.WorkspaceCustomerID), CreatedByCustomerID: optionalID(f.CreatedByCustomerID),
		CreatedAt: f.CreatedAt}
}

func versionView(v domain.Version) query.Version {
	return query.Version{Number: v.Number, SHA256: v.SHA256, Size: v.Size, MediaType: v.MediaType, Hidden: v.Hidden,
		UploadedByCustomerID: optionalID(v.UploadedByCustomerID), AddedAt: v.AddedAt}
}

// documentView is d with its newest version; changed is the version number the
// command added or changed (0: none), answered as Changed.
func documentView(d domain.Document, changed int) (query.Document, query.Version) {
	out := query.Document{ID: d.ID, ProviderID: d.ProviderID, FolderID: d.FolderID, Name: d.Name,
		WorkspaceCustomerID: optionalID(d.WorkspaceCustomerID), UploadedByCustomerID: optionalID(d.UploadedByCustomerID),
		Removed: d.Removed, AddedAt: d.AddedAt}
	if n := len(d.Versions); n > 0 {
		out.Newest = versionView(d.Versions[n-1])
	}
	var v query.Version
	if changed >= 1 && changed <= len(d.Versions) {
		v = versionView(d.Versions[changed-1])
	}
	return out, v
}

func shareView(s domain.Share) query.Share {
	out := query.Share{ID: s.ID, ProviderID: s.ProviderID, CustomerID: s.CustomerID, DocumentID: optionalID(s.DocumentID),
		FolderID: optionalID(s.FolderID), Permission: string(s.Permission), GrantedBy: s.GrantedBy, GrantedAt: s.GrantedAt,
		Cancelled: s.Cancelled, ExpiresAt: optionalTime(s.ExpiresAt)}
	if s.Cancelled {
		reason := s.Reason
		out.Reason, out.CancelledBy, out.CancelledAt = &reason, optionalID(s.CancelledBy), optionalTime(s.CancelledAt)
	}
	return out
}

// providerView is customer c of provider as the customer's side lists it, with
// the documents module in effect (the customer's setting, else the provider's
// default).
func providerView(provider *domain.Company, c domain.Customer) query.PortalProvider {
	return query.PortalProvider{ProviderID: provider.ID, Name: provider.Name, CustomerID: c.ID, Status: string(c.Status),
		DocumentsEnabled: c.DocumentsOn(provider.DocumentsEnabledDefault), MasterAccess: c.MasterAccess, Since: c.CreatedAt}
}
