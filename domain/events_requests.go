package domain

import (
	"time"

	"github.com/google/uuid"
)

// Events of v1.1 document requests (a provider asks a customer for a file, the
// customer answers by uploading: the CA Cloud Desk and JarvisDrive flow) and of
// new-content notification preferences. Same catalogue rules as events.go.

// ---- request-<id> ----

// DocumentRequested: a provider's staff asked a customer for a file. FolderID is
// where the customer's uploads for it go: the customer's workspace folder or a
// folder below it. DueAt is zero when there is no due date.
type DocumentRequested struct {
	RequestID   uuid.UUID `json:"request_id"`
	ProviderID  uuid.UUID `json:"provider_id"`
	CustomerID  uuid.UUID `json:"customer_id"`
	FolderID    uuid.UUID `json:"folder_id"`
	Title       string    `json:"title"`
	Note        string    `json:"note,omitempty"`
	DueAt       time.Time `json:"due_at,omitzero"`
	RequestedBy uuid.UUID `json:"requested_by"`
	RequestedAt time.Time `json:"requested_at"`
}

// DocumentRequestFulfilled: a customer user uploaded a document for the request
// (one event per document: more files may follow the first, which makes the
// request fulfilled). Title is copied so that the mail needs no other stream.
type DocumentRequestFulfilled struct {
	RequestID   uuid.UUID `json:"request_id"`
	ProviderID  uuid.UUID `json:"provider_id"`
	CustomerID  uuid.UUID `json:"customer_id"`
	DocumentID  uuid.UUID `json:"document_id"`
	Title       string    `json:"title"`
	FulfilledBy uuid.UUID `json:"fulfilled_by"`
	FulfilledAt time.Time `json:"fulfilled_at"`
}

// DocumentRequestCancelled: the provider withdrew the request. Final: nothing
// may follow it on the stream.
type DocumentRequestCancelled struct {
	RequestID   uuid.UUID `json:"request_id"`
	ProviderID  uuid.UUID `json:"provider_id"`
	CustomerID  uuid.UUID `json:"customer_id"`
	CancelledBy uuid.UUID `json:"cancelled_by"`
	CancelledAt time.Time `json:"cancelled_at"`
}

// DocumentRequestReminded: the due date of an open request passed, and the
// platform reminded the customer (once per request).
type DocumentRequestReminded struct {
	RequestID  uuid.UUID `json:"request_id"`
	ProviderID uuid.UUID `json:"provider_id"`
	CustomerID uuid.UUID `json:"customer_id"`
	Title      string    `json:"title"`
	DueAt      time.Time `json:"due_at"`
	RemindedAt time.Time `json:"reminded_at"`
}

// ---- user-<id> ----

// NotificationPreferenceSet: a user chose how it hears of new content
// (NewContentImmediate, NewContentDaily or NewContentOff).
type NotificationPreferenceSet struct {
	UserID     uuid.UUID `json:"user_id"`
	NewContent string    `json:"new_content"`
	SetAt      time.Time `json:"set_at"`
}

func (DocumentRequested) EventType() string         { return "DocumentRequested" }
func (DocumentRequestFulfilled) EventType() string  { return "DocumentRequestFulfilled" }
func (DocumentRequestCancelled) EventType() string  { return "DocumentRequestCancelled" }
func (DocumentRequestReminded) EventType() string   { return "DocumentRequestReminded" }
func (NotificationPreferenceSet) EventType() string { return "NotificationPreferenceSet" }

func (e DocumentRequested) Stream() string         { return RequestStream(e.RequestID) }
func (e DocumentRequestFulfilled) Stream() string  { return RequestStream(e.RequestID) }
func (e DocumentRequestCancelled) Stream() string  { return RequestStream(e.RequestID) }
func (e DocumentRequestReminded) Stream() string   { return RequestStream(e.RequestID) }
func (e NotificationPreferenceSet) Stream() string { return UserStream(e.UserID) }

func init() {
	for _, e := range []Event{DocumentRequested{}, DocumentRequestFulfilled{}, DocumentRequestCancelled{},
		DocumentRequestReminded{}, NotificationPreferenceSet{}} {
		RegisterEvent(e, 1)
	}
}
