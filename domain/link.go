package domain

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Link is a shareable URL for one document, or (FolderID set) for the visible
// documents below a folder. Lookups go by the token's hash; the plain token is
// kept only sealed (encrypted under the provider's key by the event store), so
// that staff who may share can copy the URL again; the optional password is kept
// as a hash only. Cancelled is final; expired answers like cancelled.
type Link struct {
	base
	ID           uuid.UUID
	ProviderID   uuid.UUID
	DocumentID   uuid.UUID // uuid.Nil for a folder link
	FolderID     uuid.UUID // set for a folder link
	TokenHash    string
	SealedToken  string // the plain token once the store opened it; "" for links created before v1.1
	TokenHashAlg string
	PasswordHash string
	ExpiresAt    time.Time // zero: never
	CreatedBy    uuid.UUID
	CreatedAt    time.Time
	Cancelled    bool
	Reason       string
	CancelledBy  uuid.UUID
	CancelledAt  time.Time
	Opens        int
	LastOpenedAt time.Time
}

// Replay applies the aggregate's stored events in order.
func (l *Link) Replay(events ...Event) { l.replay(l.apply, events) }

// StreamID is the aggregate's stream.
func (l *Link) StreamID() string { return LinkStream(l.ID) }

func (l *Link) apply(e Event) {
	switch e := e.(type) {
	case LinkCreated:
		l.ID, l.ProviderID, l.DocumentID = e.LinkID, e.ProviderID, e.DocumentID
		l.TokenHash, l.TokenHashAlg, l.PasswordHash, l.ExpiresAt = e.TokenHash, e.TokenHashAlg, e.PasswordHash, e.ExpiresAt
		l.CreatedBy, l.CreatedAt, l.SealedToken = e.CreatedBy, e.CreatedAt, e.SealedToken
	case FolderLinkCreated:
		l.ID, l.ProviderID, l.FolderID = e.LinkID, e.ProviderID, e.FolderID
		l.TokenHash, l.TokenHashAlg, l.PasswordHash, l.ExpiresAt = e.TokenHash, e.TokenHashAlg, e.PasswordHash, e.ExpiresAt
		l.CreatedBy, l.CreatedAt, l.SealedToken = e.CreatedBy, e.CreatedAt, e.SealedToken
	case LinkChanged:
		if e.Changes(LinkExpiry) {
			l.ExpiresAt = e.ExpiresAt
		}
		if e.Changes(LinkPassword) {
			l.PasswordHash = e.PasswordHash
		}
	case LinkUrlRevealed:
	case LinkCancelled:
		l.Cancelled, l.Reason, l.CancelledBy, l.CancelledAt = true, e.Reason, e.CancelledBy, e.CancelledAt
	case LinkOpened:
		l.Opens++
		l.LastOpenedAt = e.OpenedAt
	case LinkPasswordRejected:
	}
}

// MatchesToken reports, in constant time, whether tokenHash is this link's.
func (l *Link) MatchesToken(tokenHash string) bool { return sameHash(l.TokenHash, tokenHash) }

// PasswordRequired reports whether opening the link needs a password.
func (l *Link) PasswordRequired() bool { return l.PasswordHash != "" }

// ExpiredAt reports whether the link has expired at t.
func (l *Link) ExpiredAt(t time.Time) bool { return !l.ExpiresAt.IsZero() && !t.Before(l.ExpiresAt) }

// GoneAt reports whether the link is cancelled or expired at t.
func (l *Link) GoneAt(t time.Time) bool { return l.Cancelled || l.ExpiredAt(t) }

// live guards every command on the link at instant now.
func (l *Link) live(now time.Time) error {
	switch {
	case !l.Exists():
		return fmt.Errorf("link: %w", ErrNotFound)
	case l.Cancelled:
		return fmt.Errorf("link %s cancelled: %w", l.ID, ErrLinkGone)
	case l.ExpiredAt(now):
		return fmt.Errorf("link %s expired: %w", l.ID, ErrLinkGone)
	}
	return nil
}

func (l *Link) cancelled(reason string, by uuid.UUID, now time.Time) LinkCancelled {
	return LinkCancelled{LinkID: l.ID, ProviderID: l.ProviderID, DocumentID: l.DocumentID, Reason: reason, CancelledBy: by, CancelledAt: now}
}

// NewLink is the input of CreateLink. The caller generates the token (at least 128
// random bits) and hashes it; PasswordHash is empty for a link without password.
type NewLink struct {
	LinkID    uuid.UUID
	Document  *Document
	TokenHash string
	// SealedToken is the plain token, for the event store to encrypt (see
	// FolderLinkCreated); "" keeps no copy.
	SealedToken  string
	PasswordHash string
	ExpiresAt    time.Time // zero: never expires
	By           uuid.UUID
	// Customer is the customer whose workspace holds Document (required then): the
	// link is tracked on its stream, so that ending the customer cancels it.
	Customer *Customer
}

// CreateLink creates a link to a document, tracked on the document's stream so a
// concurrent removal conflicts, and on its workspace customer's stream (if any) so
// that ending the customer cancels it.
func CreateLink(in NewLink, now time.Time) ([]Change, error) {
	d := in.Document
	if err := d.live(); err != nil {
		return nil, err
	}
	if in.TokenHash == "" {
		return nil, invalid("token", "is missing")
	}
	if err := validExpiry("expires_at", in.ExpiresAt, now); err != nil {
		return nil, err
	}
	tracked, err := workspaceLink(in.Customer, d, in.LinkID)
	if err != nil {
		return nil, err
	}
	return append([]Change{
		change(LinkStream(in.LinkID), 0, LinkCreated{
			LinkID: in.LinkID, ProviderID: d.ProviderID, DocumentID: d.ID, TokenHash: in.TokenHash, TokenHashAlg: TokenHashSHA256,
			SealedToken: in.SealedToken, PasswordHash: in.PasswordHash, ExpiresAt: in.ExpiresAt, CreatedBy: in.By, CreatedAt: now,
		}),
		change(d.StreamID(), d.Version(), DocumentLinkAdded{DocumentID: d.ID, LinkID: in.LinkID}),
	}, tracked...), nil
}

// Cancel cancels the link for good. A cancelled or expired link is gone already.
func (l *Link) Cancel(by uuid.UUID, now time.Time) ([]Event, error) {
	if err := l.live(now); err != nil {
		return nil, err
	}
	return []Event{l.cancelled(ReasonCancelled, by, now)}, nil
}

// Open decides one access through the link at instant now, in this order: a gone
// link (or removed document) answers ErrLinkGone; a protected link without password
// ErrPasswordRequired; a wrong password ErrPasswordRejected together with a
// LinkPasswordRejected event the caller must record; a document with no visible
// version ErrNotFound. Otherwise LinkOpened for the newest visible version, in the
// stream of its own that openID names. verify checks a plain password against the
// stored hash.
func (l *Link) Open(d *Document, password string, verify func(hash, plain string) bool, openID uuid.UUID, now time.Time) ([]Event, error) {
	if err := l.live(now); err != nil {
		return nil, err
	}
	if d.ID != l.DocumentID {
		return nil, fmt.Errorf("open %s: document %s not loaded", l.ID, l.DocumentID)
	}
	if d.live() != nil {
		return nil, fmt.Errorf("link %s: document removed: %w", l.ID, ErrLinkGone)
	}
	if l.PasswordRequired() {
		if password == "" {
			return nil, fmt.Errorf("link %s: %w", l.ID, ErrPasswordRequired)
		}
		if !verify(l.PasswordHash, password) {
			return []Event{LinkPasswordRejected{LinkID: l.ID, ProviderID: l.ProviderID, DocumentID: l.DocumentID, RejectedAt: now}},
				fmt.Errorf("link %s: %w", l.ID, ErrPasswordRejected)
		}
	}
	v, ok := d.NewestVisible()
	if !ok {
		return nil, fmt.Errorf("link %s: no published version: %w", l.ID, ErrNotFound)
	}
	return l.RecordOpen(openID, l.PasswordHash, v.Number, now)
}
