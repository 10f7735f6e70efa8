package domain

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Folder is a node of a provider's library tree. Folders are never moved or
// removed, so what lies below a folder (and which workspace it belongs to) is fixed
// when it is created.
type Folder struct {
	base
	ID                  uuid.UUID
	ProviderID          uuid.UUID
	ParentID            uuid.UUID // uuid.Nil: a root folder
	Name                string
	WorkspaceCustomerID uuid.UUID // the customer whose workspace this is in, if any
	CreatedByCustomerID uuid.UUID
	CreatedAt           time.Time
}

// Replay applies the aggregate's stored events in order.
func (f *Folder) Replay(events ...Event) { f.replay(f.apply, events) }

// StreamID is the aggregate's stream.
func (f *Folder) StreamID() string { return FolderStream(f.ID) }

func (f *Folder) apply(e Event) {
	if e, ok := e.(FolderCreated); ok {
		f.ID, f.ProviderID, f.ParentID, f.Name = e.FolderID, e.ProviderID, e.ParentID, e.Name
		f.WorkspaceCustomerID, f.CreatedByCustomerID, f.CreatedAt = e.WorkspaceCustomerID, e.CreatedByCustomerID, e.CreatedAt
	}
}

// NewFolder is the input of Folder.Create.
type NewFolder struct {
	ID         uuid.UUID
	ProviderID uuid.UUID
	Parent     *Folder // nil: a root folder of the library
	Name       string
	// CreatedByCustomerID is set when a customer user creates the folder from the
	// portal (the caller has checked the portal view allows it).
	CreatedByCustomerID uuid.UUID
}

// Create creates the folder under its parent, inheriting the parent's workspace.
func (f *Folder) Create(in NewFolder, now time.Time) ([]Event, error) {
	if f.Exists() {
		return nil, fmt.Errorf("folder %s exists: %w", f.ID, ErrConflict)
	}
	name, err := cleanItemName("name", in.Name)
	if err != nil {
		return nil, err
	}
	e := FolderCreated{FolderID: in.ID, ProviderID: in.ProviderID, Name: name, CreatedByCustomerID: in.CreatedByCustomerID, CreatedAt: now}
	if in.Parent != nil {
		if !in.Parent.Exists() || in.Parent.ProviderID != in.ProviderID {
			return nil, fmt.Errorf("parent folder: %w", ErrNotFound)
		}
		e.ParentID, e.WorkspaceCustomerID = in.Parent.ID, in.Parent.WorkspaceCustomerID
	}
	if in.CreatedByCustomerID != uuid.Nil && e.WorkspaceCustomerID != uuid.Nil && e.WorkspaceCustomerID != in.CreatedByCustomerID {
		return nil, fmt.Errorf("folder in another customer's workspace: %w", ErrForbidden)
	}
	return []Event{e}, nil
}
