package domain

import (
	"time"

	"github.com/google/uuid"
)

// Link events of v1.1: a link to a folder, a change of a live link's expiry or
// password, and every copy of a link's URL. Same catalogue rules as events.go.

// FolderLinkCreated: a shareable URL for a folder: every visible document below
// it (never a customer's deposit, a workspace, a removed document or a hidden
// version) can be downloaded through it. SealedToken is the plain token, which
// the event store encrypts under the provider's key (PersonalDataHolder): staff
// who may share can copy the URL again, and forgetting the company shreds it.
type FolderLinkCreated struct {
	LinkID       uuid.UUID `json:"link_id"`
	ProviderID   uuid.UUID `json:"provider_id"`
	FolderID     uuid.UUID `json:"folder_id"`
	TokenHash    string    `json:"token_hash"`
	TokenHashAlg string    `json:"token_hash_alg"`
	SealedToken  string    `json:"sealed_token,omitempty"`
	PasswordHash string    `json:"password_hash,omitempty"`
	ExpiresAt    time.Time `json:"expires_at,omitzero"`
	CreatedBy    uuid.UUID `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
}

// LinkChanged: the expiry or the password of a live link changed. Changed names
// what changed: LinkExpiry (ExpiresAt is the new expiry, zero: never) and/or
// LinkPassword (PasswordHash is the new password's hash, "": none any more).
type LinkChanged struct {
	LinkID       uuid.UUID `json:"link_id"`
	ProviderID   uuid.UUID `json:"provider_id"`
	DocumentID   uuid.UUID `json:"document_id,omitzero"`
	FolderID     uuid.UUID `json:"folder_id,omitzero"`
	Changed      []string  `json:"changed"`
	ExpiresAt    time.Time `json:"expires_at,omitzero"`
	PasswordHash string    `json:"password_hash,omitempty"`
	ChangedBy    uuid.UUID `json:"changed_by"`
	ChangedAt    time.Time `json:"changed_at"`
}

// What a LinkChanged changes.
const (
	LinkExpiry   = "expires_at"
	LinkPassword = "password"
)

// Changes reports whether the event changes what (LinkExpiry, LinkPassword).
func (e LinkChanged) Changes(what string) bool {
	for _, c := range e.Changed {
		if c == what {
			return true
		}
	}
	return false
}

// LinkUrlRevealed: a user was given a link's URL again (GET /links/{id}); who
// and when, never the URL.
type LinkUrlRevealed struct {
	LinkID     uuid.UUID `json:"link_id"`
	ProviderID uuid.UUID `json:"provider_id"`
	DocumentID uuid.UUID `json:"document_id,omitzero"`
	FolderID   uuid.UUID `json:"folder_id,omitzero"`
	RevealedBy uuid.UUID `json:"revealed_by"`
	RevealedAt time.Time `json:"revealed_at"`
}

func (FolderLinkCreated) EventType() string { return "FolderLinkCreated" }
func (LinkChanged) EventType() string       { return "LinkChanged" }
func (LinkUrlRevealed) EventType() string   { return "LinkUrlRevealed" }

func (e FolderLinkCreated) Stream() string { return LinkStream(e.LinkID) }
func (e LinkChanged) Stream() string       { return LinkStream(e.LinkID) }
func (e LinkUrlRevealed) Stream() string   { return LinkStream(e.LinkID) }

// The sealed token of a link is encrypted with its provider's key, as personal
// data is: after `company forget` it reads as Forgotten and no URL can be shown.
func (e *LinkCreated) PersonalDataSubject() uuid.UUID       { return e.ProviderID }
func (e *LinkCreated) PersonalDataFields() []*string        { return []*string{&e.SealedToken} }
func (e *FolderLinkCreated) PersonalDataSubject() uuid.UUID { return e.ProviderID }
func (e *FolderLinkCreated) PersonalDataFields() []*string  { return []*string{&e.SealedToken} }

func init() {
	for _, e := range []Event{FolderLinkCreated{}, LinkChanged{}, LinkUrlRevealed{}} {
		RegisterEvent(e, 1)
	}
}
