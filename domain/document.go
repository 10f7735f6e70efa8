package domain

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Document is a file in the library with numbered versions (1, 2, ...). Customers
// see the newest version that is not hidden. Removing a document cancels its shares
// and links; it also tracks them for that reason.
type Document struct {
	base
	ID                   uuid.UUID
	ProviderID           uuid.UUID
	FolderID             uuid.UUID
	Name                 string
	WorkspaceCustomerID  uuid.UUID
	UploadedByCustomerID uuid.UUID // set when a customer uploaded it from the portal
	Versions             []Version // Versions[i].Number == i+1
	Removed              bool
	RemovedAt            time.Time
	ShareIDs             []uuid.UUID // every portal share ever granted on it, in order
	LinkIDs              []uuid.UUID // every link ever created to it, in order
	AddedAt              time.Time
}

// Version is one numbered version of a document.
type Version struct {
	Number int
	FileInfo
	Hidden               bool
	UploadedByCustomerID uuid.UUID
	AddedAt              time.Time
}

// Replay applies the aggregate's stored events in order.
func (d *Document) Replay(events ...Event) { d.replay(d.apply, events) }

// StreamID is the aggregate's stream.
func (d *Document) StreamID() string { return DocumentStream(d.ID) }

func (d *Document) apply(e Event) {
	switch e := e.(type) {
	case DocumentAdded:
		d.ID, d.ProviderID, d.FolderID, d.Name = e.DocumentID, e.ProviderID, e.FolderID, e.Name
		d.WorkspaceCustomerID, d.UploadedByCustomerID, d.AddedAt = e.WorkspaceCustomerID, e.UploadedByCustomerID, e.AddedAt
		d.Versions = []Version{{Number: 1, FileInfo: e.FileInfo, Hidden: e.Hidden, UploadedByCustomerID: e.UploadedByCustomerID, AddedAt: e.AddedAt}}
	case DocumentVersionAdded:
		d.Versions = append(d.Versions, Version{Number: e.Version, FileInfo: e.FileInfo, Hidden: e.Hidden, UploadedByCustomerID: e.UploadedByCustomerID, AddedAt: e.AddedAt})
	case VersionVisibilityChanged:
		d.Versions[e.Version-1].Hidden = e.Hidden
	case DocumentRemoved:
		d.Removed, d.RemovedAt = true, e.RemovedAt
	case DocumentShareAdded:
		d.ShareIDs = append(d.ShareIDs, e.ShareID)
	case DocumentLinkAdded:
		d.LinkIDs = append(d.LinkIDs, e.LinkID)
	case DocumentDownloaded:
	}
}

// NewestVisible is the version customers and link holders get.
func (d *Document) NewestVisible() (Version, bool) {
	for i := len(d.Versions) - 1; i >= 0; i-- {
		if !d.Versions[i].Hidden {
			return d.Versions[i], true
		}
	}
	return Version{}, false
}

// Newest is the latest version, hidden or not (what staff see by default).
func (d *Document) Newest() Version {
	if len(d.Versions) == 0 {
		return Version{}
	}
	return d.Versions[len(d.Versions)-1]
}

func (d *Document) live() error {
	if !d.Exists() || d.Removed {
		return fmt.Errorf("document: %w", ErrNotFound)
	}
	return nil
}

// NewDocument is the input of Document.Add.
type NewDocument struct {
	ID     uuid.UUID
	Folder *Folder
	Name   string
	File   FileInfo
	Hidden bool
	// UploadedByCustomerID is set when a customer uploads from the portal (the caller
	// has checked the portal view allows it).
	UploadedByCustomerID uuid.UUID
}

// Add creates the document with its first version in a folder.
func (d *Document) Add(in NewDocument, now time.Time) ([]Event, error) {
	if d.Exists() {
		return nil, fmt.Errorf("document %s exists: %w", d.ID, ErrConflict)
	}
	name, err := cleanItemName("name", in.Name)
	if err != nil {
		return nil, err
	}
	if err := validateFile(in.File); err != nil {
		return nil, err
	}
	if in.Folder == nil || !in.Folder.Exists() {
		return nil, fmt.Errorf("folder: %w", ErrNotFound)
	}
	return []Event{DocumentAdded{
		DocumentID: in.ID, ProviderID: in.Folder.ProviderID, FolderID: in.Folder.ID, Name: name,
		WorkspaceCustomerID: in.Folder.WorkspaceCustomerID, UploadedByCustomerID: in.UploadedByCustomerID,
		FileInfo: in.File, Hidden: in.Hidden, AddedAt: now,
	}}, nil
}

// AddVersion adds the next numbered version.
func (d *Document) AddVersion(file FileInfo, hidden bool, uploadedByCustomer uuid.UUID, now time.Time) ([]Event, error) {
	if err := d.live(); err != nil {
		return nil, err
	}
	if err := validateFile(file); err != nil {
		return nil, err
	}
	return []Event{DocumentVersionAdded{
		DocumentID: d.ID, ProviderID: d.ProviderID, Version: len(d.Versions) + 1,
		UploadedByCustomerID: uploadedByCustomer, FileInfo: file, Hidden: hidden, AddedAt: now,
	}}, nil
}

// SetVersionVisibility publishes (visible) or hides one version; the current value
// records nothing.
func (d *Document) SetVersionVisibility(version int, visible bool, now time.Time) ([]Event, error) {
	if err := d.live(); err != nil {
		return nil, err
	}
	if version < 1 || version > len(d.Versions) {
		return nil, fmt.Errorf("version %d: %w", version, ErrNotFound)
	}
	if d.Versions[version-1].Hidden == !visible {
		return nil, nil
	}
	return []Event{VersionVisibilityChanged{DocumentID: d.ID, ProviderID: d.ProviderID, Version: version, Hidden: !visible, ChangedAt: now}}, nil
}

// RecordDownload records that a customer's user downloaded a version; the caller has
// checked the portal view shows that version.
func (d *Document) RecordDownload(downloadID, customerID, userID uuid.UUID, version int, now time.Time) ([]Event, error) {
	if err := d.live(); err != nil {
		return nil, err
	}
	if version < 1 || version > len(d.Versions) {
		return nil, fmt.Errorf("version %d: %w", version, ErrNotFound)
	}
	return []Event{DocumentDownloaded{DownloadID: downloadID, DocumentID: d.ID, ProviderID: d.ProviderID, CustomerID: customerID,
		UserID: userID, Version: version, DownloadedAt: now}}, nil
}

// Download is one recorded download: a stream holding its DocumentDownloaded.
type Download struct {
	base
	ID         uuid.UUID
	DocumentID uuid.UUID
}

// Replay applies the aggregate's stored events in order.
func (x *Download) Replay(events ...Event) { x.replay(x.apply, events) }

// StreamID is the aggregate's stream.
func (x *Download) StreamID() string { return DownloadStream(x.ID) }

func (x *Download) apply(e Event) {
	if e, ok := e.(DocumentDownloaded); ok {
		x.ID, x.DocumentID = e.DownloadID, e.DocumentID
	}
}

// DocumentRemoval is the input of RemoveDocument.
type DocumentRemoval struct {
	Document  *Document
	Shares    map[uuid.UUID]*Share    // every share in Document.ShareIDs
	Links     map[uuid.UUID]*Link     // every link in Document.LinkIDs
	Customers map[uuid.UUID]*Customer // the customer of every active share
	By        uuid.UUID               // the acting user
	// ByCustomer is set when a customer removes its own upload from the portal.
	ByCustomer uuid.UUID
}

// RemoveDocument removes a document and, in the same batch, cancels each of its
// active shares (untracking it on its customer) and each of its live links, with
// reason document_removed.
func RemoveDocument(in DocumentRemoval, now time.Time) ([]Change, error) {
	d := in.Document
	if err := d.live(); err != nil {
		return nil, err
	}
	if in.ByCustomer != uuid.Nil && d.UploadedByCustomerID != in.ByCustomer {
		return nil, fmt.Errorf("customers may remove only their own uploads: %w", ErrForbidden)
	}
	out := []Change{change(d.StreamID(), d.Version(), DocumentRemoved{DocumentID: d.ID, ProviderID: d.ProviderID, RemovedByCustomerID: in.ByCustomer, RemovedAt: now})}
	for _, id := range d.ShareIDs {
		s := in.Shares[id]
		if s == nil || s.ID != id {
			return nil, fmt.Errorf("remove %s: share %s not loaded", d.ID, id)
		}
		if !s.Active() {
			continue
		}
		c := in.Customers[s.CustomerID]
		if c == nil || c.ID != s.CustomerID {
			return nil, fmt.Errorf("remove %s: customer %s not loaded", d.ID, s.CustomerID)
		}
		out = append(out, change(s.StreamID(), s.Version(), s.cancelled(ReasonDocumentRemoved, in.By, now)))
		if c.Status != StatusRevoked {
			out = append(out, change(c.StreamID(), c.Version(), CustomerShareRemoved{CustomerID: c.ID, ShareID: s.ID}))
		}
	}
	for _, id := range d.LinkIDs {
		l := in.Links[id]
		if l == nil || l.ID != id {
			return nil, fmt.Errorf("remove %s: link %s not loaded", d.ID, id)
		}
		if l.GoneAt(now) {
			continue
		}
		out = append(out, change(l.StreamID(), l.Version(), l.cancelled(ReasonDocumentRemoved, in.By, now)))
	}
	return out, nil
}
