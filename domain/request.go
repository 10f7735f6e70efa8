package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// DocumentRequest is a provider asking one customer for a file (issue 17): open
// until a customer user uploads a document for it (fulfilled; more files may
// follow), or until the provider cancels it (final). Its uploads land in FolderID,
// a folder of the customer's workspace, as the customer's deposits.
type DocumentRequest struct {
	base
	ID          uuid.UUID
	ProviderID  uuid.UUID
	CustomerID  uuid.UUID
	FolderID    uuid.UUID
	Title       string
	Note        string
	DueAt       time.Time // zero: no due date
	Status      RequestStatus
	RequestedBy uuid.UUID
	RequestedAt time.Time
	Documents   []uuid.UUID
	FulfilledAt time.Time // the first upload's
	CancelledBy uuid.UUID
	CancelledAt time.Time
	Reminded    bool
}

// RequestStatus is where a document request stands.
type RequestStatus string

const (
	RequestOpen      RequestStatus = "open"
	RequestFulfilled RequestStatus = "fulfilled"
	RequestCancelled RequestStatus = "cancelled"
)

// Valid reports whether s is one of the statuses.
func (s RequestStatus) Valid() bool {
	return s == RequestOpen || s == RequestFulfilled || s == RequestCancelled
}

// maxRequestNote bounds a request's note (a paragraph, not a document).
const maxRequestNote = 2000

// Replay applies the aggregate's stored events in order.
func (r *DocumentRequest) Replay(events ...Event) { r.replay(r.apply, events) }

// StreamID is the aggregate's stream.
func (r *DocumentRequest) StreamID() string { return RequestStream(r.ID) }

func (r *DocumentRequest) apply(e Event) {
	switch e := e.(type) {
	case DocumentRequested:
		r.ID, r.ProviderID, r.CustomerID, r.FolderID = e.RequestID, e.ProviderID, e.CustomerID, e.FolderID
		r.Title, r.Note, r.DueAt, r.Status = e.Title, e.Note, e.DueAt, RequestOpen
		r.RequestedBy, r.RequestedAt = e.RequestedBy, e.RequestedAt
	case DocumentRequestFulfilled:
		if r.Status == RequestOpen {
			r.Status, r.FulfilledAt = RequestFulfilled, e.FulfilledAt
		}
		r.Documents = append(r.Documents, e.DocumentID)
	case DocumentRequestCancelled:
		r.Status, r.CancelledBy, r.CancelledAt = RequestCancelled, e.CancelledBy, e.CancelledAt
	case DocumentRequestReminded:
		r.Reminded = true
	}
}

// NewDocumentRequest is the input of RequestDocument. Folder is where uploads go
// (nil: the customer's workspace folder, which the caller loads).
type NewDocumentRequest struct {
	ID       uuid.UUID
	Customer *Customer
	Folder   *Folder
	Title    string
	Note     string
	DueAt    time.Time // zero: none
	By       uuid.UUID
}

// RequestDocument opens a request. The customer must be active (a paused
// customer sees nothing, a revoked one never comes back, an invited one has no
// users yet); the folder must lie in its workspace; a due date must be in the
// future.
func RequestDocument(in NewDocumentRequest, now time.Time) ([]Event, error) {
	c := in.Customer
	if c == nil || !c.Exists() {
		return nil, fmt.Errorf("customer: %w", ErrNotFound)
	}
	switch c.Status {
	case StatusRevoked:
		return nil, fmt.Errorf("customer %s: %w", c.ID, ErrCustomerRevoked)
	case StatusActive:
	default:
		return nil, fmt.Errorf("customer %s is %s, not active: %w", c.ID, c.Status, ErrConflict)
	}
	title, err := cleanName("title", in.Title, maxNameLen)
	if err != nil {
		return nil, err
	}
	note, err := cleanNote("note", in.Note, maxRequestNote)
	if err != nil {
		return nil, err
	}
	if !in.DueAt.IsZero() && !in.DueAt.After(now) {
		return nil, invalid("due_at", "must be in the future")
	}
	f := in.Folder
	if f == nil || !f.Exists() || f.ProviderID != c.ProviderID || f.WorkspaceCustomerID != c.ID {
		return nil, invalid("folder_id", "must be a folder of the customer's workspace")
	}
	return []Event{DocumentRequested{
		RequestID: in.ID, ProviderID: c.ProviderID, CustomerID: c.ID, FolderID: f.ID, Title: title, Note: note,
		DueAt: in.DueAt.UTC(), RequestedBy: in.By, RequestedAt: now,
	}}, nil
}

// Fulfil records a document a customer user uploaded for the request: the first
// makes it fulfilled, more may follow. A cancelled request takes nothing.
func (r *DocumentRequest) Fulfil(documentID, by uuid.UUID, now time.Time) ([]Event, error) {
	if err := r.live(); err != nil {
		return nil, err
	}
	if slices.Contains(r.Documents, documentID) {
		return nil, fmt.Errorf("document %s already fulfils request %s: %w", documentID, r.ID, ErrConflict)
	}
	return []Event{DocumentRequestFulfilled{RequestID: r.ID, ProviderID: r.ProviderID, CustomerID: r.CustomerID,
		DocumentID: documentID, Title: r.Title, FulfilledBy: by, FulfilledAt: now}}, nil
}

// Cancel withdraws the request, open or fulfilled (no more files). Final:
// cancelling again conflicts.
func (r *DocumentRequest) Cancel(by uuid.UUID, now time.Time) ([]Event, error) {
	if err := r.live(); err != nil {
		return nil, err
	}
	return []Event{DocumentRequestCancelled{RequestID: r.ID, ProviderID: r.ProviderID, CustomerID: r.CustomerID,
		CancelledBy: by, CancelledAt: now}}, nil
}

// Remind records the reminder of an open request whose due date has passed,
// once: a request reminded already, fulfilled, cancelled, without a due date or
// not due yet conflicts.
func (r *DocumentRequest) Remind(now time.Time) ([]Event, error) {
	if err := r.live(); err != nil {
		return nil, err
	}
	switch {
	case r.Status != RequestOpen:
		return nil, fmt.Errorf("request %s is %s: %w", r.ID, r.Status, ErrConflict)
	case r.DueAt.IsZero() || now.Before(r.DueAt):
		return nil, fmt.Errorf("request %s is not due: %w", r.ID, ErrConflict)
	case r.Reminded:
		return nil, fmt.Errorf("request %s was reminded: %w", r.ID, ErrConflict)
	}
	return []Event{DocumentRequestReminded{RequestID: r.ID, ProviderID: r.ProviderID, CustomerID: r.CustomerID,
		Title: r.Title, DueAt: r.DueAt, RemindedAt: now}}, nil
}

// Overdue reports whether the request is open with its due date passed at now.
func (r *DocumentRequest) Overdue(now time.Time) bool {
	return r.Status == RequestOpen && !r.DueAt.IsZero() && !now.Before(r.DueAt)
}

func (r *DocumentRequest) live() error {
	switch {
	case !r.Exists():
		return fmt.Errorf("request: %w", ErrNotFound)
	case r.Status == RequestCancelled:
		return fmt.Errorf("request %s was cancelled: %w", r.ID, ErrConflict)
	}
	return nil
}

// cleanNote trims an optional free text: at most max characters, valid UTF-8,
// no control characters but line breaks and tabs.
func cleanNote(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case !utf8.ValidString(s):
		return "", invalid(field, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		return "", invalid(field, "is too long")
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0:
		return "", invalid(field, "must not contain control characters")
	}
	return s, nil
}
