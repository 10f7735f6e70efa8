package domain

import (
	"time"

	"github.com/google/uuid"
)

// Share expiry (DESIGN.md v1.1 "time is part of access"): a portal share with an
// expiry stops counting at that instant. Nothing is written when it happens;
// every reader asks StatusAt with its own instant.

// StatusAt is the share's status at instant t (the one rule: AccessStatusAt).
func (s *Share) StatusAt(t time.Time) AccessStatus {
	return AccessStatusAt(s.Cancelled, s.ExpiresAt, t)
}

// ActiveAt reports whether the share exists and counts at instant t.
func (s *Share) ActiveAt(t time.Time) bool {
	return s.Exists() && s.StatusAt(t) == AccessActive
}

// ChangeExpiry sets when the share stops showing (zero: never). The new expiry
// must lie in the future. An expired share may be given a new expiry: it shows
// again from that change on, as its history records. Cancelled: ErrShareCancelled;
// the current expiry records nothing.
func (s *Share) ChangeExpiry(expiresAt time.Time, by uuid.UUID, now time.Time) ([]Event, error) {
	if err := s.live(); err != nil {
		return nil, err
	}
	if err := validExpiry("expires_at", expiresAt, now); err != nil {
		return nil, err
	}
	if expiresAt.Equal(s.ExpiresAt) {
		return nil, nil
	}
	return []Event{ShareExpiryChanged{ShareID: s.ID, ProviderID: s.ProviderID, CustomerID: s.CustomerID,
		DocumentID: s.DocumentID, FolderID: s.FolderID, ExpiresAt: expiresAt.UTC(), ChangedBy: by, ChangedAt: now}}, nil
}
