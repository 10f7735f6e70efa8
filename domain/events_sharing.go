package domain

import (
	"time"

	"github.com/google/uuid"
)

// Sharing events of v1.1 (issue 17). Same catalogue rules as events.go.

// ShareExpiryChanged: the instant a portal share stops showing changed
// (ExpiresAt zero: never). The share's status at any instant follows from its
// events and that instant (AccessStatusAt): no event is recorded when it
// expires.
type ShareExpiryChanged struct {
	ShareID    uuid.UUID `json:"share_id"`
	ProviderID uuid.UUID `json:"provider_id"`
	CustomerID uuid.UUID `json:"customer_id"`
	DocumentID uuid.UUID `json:"document_id,omitzero"`
	FolderID   uuid.UUID `json:"folder_id,omitzero"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
	ChangedBy  uuid.UUID `json:"changed_by"`
	ChangedAt  time.Time `json:"changed_at"`
}

func (ShareExpiryChanged) EventType() string { return "ShareExpiryChanged" }

func (e ShareExpiryChanged) Stream() string { return ShareStream(e.ShareID) }

func init() {
	for _, e := range []Event{ShareExpiryChanged{}} {
		RegisterEvent(e, 1)
	}
}
