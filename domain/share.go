package domain

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Share is a portal share: one customer may see one document, or one folder and
// everything below it, with view or edit permission. Cancelled is final: no event
// follows ShareCancelled on its stream, because every command checks it first.
type Share struct {
	base
	ID          uuid.UUID
	ProviderID  uuid.UUID
	CustomerID  uuid.UUID
	DocumentID  uuid.UUID
	FolderID    uuid.UUID
	Permission  Permission
	GrantedBy   uuid.UUID
	GrantedAt   time.Time
	ExpiresAt   time.Time // zero: never (share_expiry.go)
	Cancelled   bool
	Reason      string
	CancelledBy uuid.UUID
	CancelledAt time.Time
}

// Replay applies the aggregate's stored events in order.
func (s *Share) Replay(events ...Event) { s.replay(s.apply, events) }

// StreamID is the aggregate's stream.
func (s *Share) StreamID() string { return ShareStream(s.ID) }

func (s *Share) apply(e Event) {
	switch e := e.(type) {
	case PortalShareGranted:
		s.ID, s.ProviderID, s.CustomerID = e.ShareID, e.ProviderID, e.CustomerID
		s.DocumentID, s.FolderID, s.Permission = e.DocumentID, e.FolderID, e.Permission
		s.GrantedBy, s.GrantedAt, s.ExpiresAt = e.GrantedBy, e.GrantedAt, e.ExpiresAt
	case ShareExpiryChanged:
		s.ExpiresAt = e.ExpiresAt
	case SharePermissionChanged:
		s.Permission = e.Permission
	case ShareCancelled:
		s.Cancelled, s.Reason, s.CancelledBy, s.CancelledAt = true, e.Reason, e.CancelledBy, e.CancelledAt
	}
}

// Active reports whether the share exists and is not cancelled.
func (s *Share) Active() bool { return s.Exists() && !s.Cancelled }

func (s *Share) live() error {
	switch {
	case !s.Exists():
		return fmt.Errorf("share: %w", ErrNotFound)
	case s.Cancelled:
		return fmt.Errorf("share %s: %w", s.ID, ErrShareCancelled)
	}
	return nil
}

func (s *Share) cancelled(reason string, by uuid.UUID, now time.Time) ShareCancelled {
	return ShareCancelled{
		ShareID: s.ID, ProviderID: s.ProviderID, CustomerID: s.CustomerID, DocumentID: s.DocumentID, FolderID: s.FolderID,
		Reason: reason, CancelledBy: by, CancelledAt: now,
	}
}

// NewShare is the input of GrantShare. Exactly one of Document and Folder is set.
type NewShare struct {
	ShareID    uuid.UUID
	Customer   *Customer
	Document   *Document
	Folder     *Folder
	Permission Permission
	ExpiresAt  time.Time // zero: never; else in the future
	By         uuid.UUID
}

// GrantShare shares a document or folder with a customer. The grant is tracked on
// the customer's stream (a concurrent revoke conflicts) and, for a document, on the
// document's stream (a concurrent removal conflicts). Granting to a paused customer
// is allowed (it becomes visible on resume); to a revoked one it is not.
func GrantShare(in NewShare, now time.Time) ([]Change, error) {
	if !in.Permission.valid() {
		return nil, invalid("permission", "must be view or edit")
	}
	if (in.Document == nil) == (in.Folder == nil) {
		return nil, invalid("document_id", "give exactly one of document_id and folder_id")
	}
	if err := validExpiry("expires_at", in.ExpiresAt, now); err != nil {
		return nil, err
	}
	c := in.Customer
	if err := c.live(); err != nil {
		return nil, err
	}
	target := ShareTarget{}
	var provider, workspace uuid.UUID
	if d := in.Document; d != nil {
		if err := d.live(); err != nil {
			return nil, err
		}
		target.DocumentID, provider, workspace = d.ID, d.ProviderID, d.WorkspaceCustomerID
	} else {
		f := in.Folder
		if !f.Exists() {
			return nil, fmt.Errorf("folder: %w", ErrNotFound)
		}
		target.FolderID, provider, workspace = f.ID, f.ProviderID, f.WorkspaceCustomerID
	}
	if provider != c.ProviderID {
		return nil, fmt.Errorf("target of share: %w", ErrNotFound)
	}
	if workspace != uuid.Nil && workspace != c.ID {
		field := "document_id"
		if in.Folder != nil {
			field = "folder_id"
		}
		return nil, invalid(field, "lies in another customer's workspace")
	}
	for id, t := range c.Shares {
		if t == target {
			return nil, fmt.Errorf("already shared with this customer by share %s (change its permission instead): %w", id, ErrConflict)
		}
	}
	out := []Change{
		change(ShareStream(in.ShareID), 0, PortalShareGranted{
			ShareID: in.ShareID, ProviderID: c.ProviderID, CustomerID: c.ID, DocumentID: target.DocumentID, FolderID: target.FolderID,
			Permission: in.Permission, GrantedBy: in.By, GrantedAt: now, ExpiresAt: in.ExpiresAt.UTC(),
		}),
		change(c.StreamID(), c.Version(), CustomerShareAdded{CustomerID: c.ID, ShareID: in.ShareID, DocumentID: target.DocumentID, FolderID: target.FolderID}),
	}
	if d := in.Document; d != nil {
		out = append(out, change(d.StreamID(), d.Version(), DocumentShareAdded{DocumentID: d.ID, ShareID: in.ShareID, CustomerID: c.ID}))
	}
	return out, nil
}

// ChangePermission switches between view and edit; the current value records nothing.
func (s *Share) ChangePermission(p Permission, by uuid.UUID, now time.Time) ([]Event, error) {
	if err := s.live(); err != nil {
		return nil, err
	}
	if !p.valid() {
		return nil, invalid("permission", "must be view or edit")
	}
	if p == s.Permission {
		return nil, nil
	}
	return []Event{SharePermissionChanged{ShareID: s.ID, ProviderID: s.ProviderID, CustomerID: s.CustomerID, Permission: p, ChangedBy: by, ChangedAt: now}}, nil
}

// CancelShare cancels a share for good and untracks it on its customer.
func CancelShare(s *Share, c *Customer, by uuid.UUID, now time.Time) ([]Change, error) {
	if err := s.live(); err != nil {
		return nil, err
	}
	if c.ID != s.CustomerID {
		return nil, fmt.Errorf("cancel %s: customer %s not loaded", s.ID, s.CustomerID)
	}
	out := []Change{change(s.StreamID(), s.Version(), s.cancelled(ReasonCancelled, by, now))}
	if c.Status != StatusRevoked {
		out = append(out, change(c.StreamID(), c.Version(), CustomerShareRemoved{CustomerID: c.ID, ShareID: s.ID}))
	}
	return out, nil
}
