package domain

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Resending an invitation (issue 16) issues a fresh token: the new hash replaces
// the old one, which from then on answers "gone" (410), not "unknown" (404), so
// that whoever holds the old mail learns it was replaced.

// CustomerInvitationRenewed: the provider resent an invitation to a customer
// still invited, with a fresh token valid until ExpiresAt.
type CustomerInvitationRenewed struct {
	CustomerID uuid.UUID `json:"customer_id"`
	ProviderID uuid.UUID `json:"provider_id"`
	TokenHash  string    `json:"token_hash"`
	ExpiresAt  time.Time `json:"expires_at"`
	RenewedBy  uuid.UUID `json:"renewed_by"`
	RenewedAt  time.Time `json:"renewed_at"`
}

// UserInvitationRenewed: an invitation to a user still invited was resent with a
// fresh token. ProviderID is set for a portal user.
type UserInvitationRenewed struct {
	UserID     uuid.UUID `json:"user_id"`
	CompanyID  uuid.UUID `json:"company_id"`
	ProviderID uuid.UUID `json:"provider_id,omitzero"`
	TokenHash  string    `json:"token_hash"`
	ExpiresAt  time.Time `json:"expires_at"`
	RenewedBy  uuid.UUID `json:"renewed_by"`
	RenewedAt  time.Time `json:"renewed_at"`
}

func (CustomerInvitationRenewed) EventType() string { return "CustomerInvitationRenewed" }
func (UserInvitationRenewed) EventType() string     { return "UserInvitationRenewed" }

func (e CustomerInvitationRenewed) Stream() string { return CustomerStream(e.CustomerID) }
func (e UserInvitationRenewed) Stream() string     { return UserStream(e.UserID) }

func init() {
	RegisterEvent(CustomerInvitationRenewed{}, 1)
	RegisterEvent(UserInvitationRenewed{}, 1)
}

// ReplacedTokens are the hashes of invitation tokens a resend replaced.
type ReplacedTokens map[string]bool

func (r *ReplacedTokens) add(hash string) {
	if hash == "" {
		return
	}
	if *r == nil {
		*r = ReplacedTokens{}
	}
	(*r)[hash] = true
}

// RenewInvitation resends the customer's invitation with a fresh token. Only an
// invited customer has one (409 otherwise).
func (c *Customer) RenewInvitation(tokenHash string, expiresAt time.Time, by uuid.UUID, now time.Time) ([]Event, error) {
	if !c.Exists() {
		return nil, fmt.Errorf("customer: %w", ErrNotFound)
	}
	if c.Status != StatusInvited {
		return nil, fmt.Errorf("customer %s is %s, not invited: %w", c.ID, c.Status, ErrConflict)
	}
	if tokenHash == "" {
		return nil, invalid("token", "must not be empty")
	}
	if err := validExpiry("expires_at", expiresAt, now); err != nil {
		return nil, err
	}
	return []Event{CustomerInvitationRenewed{CustomerID: c.ID, ProviderID: c.ProviderID, TokenHash: tokenHash,
		ExpiresAt: expiresAt, RenewedBy: by, RenewedAt: now}}, nil
}

// RenewInvitation resends the user's invitation with a fresh token. A user who
// accepted already, or was deactivated, has none (409).
func (u *User) RenewInvitation(tokenHash string, expiresAt time.Time, by uuid.UUID, now time.Time) ([]Event, error) {
	if !u.Exists() {
		return nil, fmt.Errorf("user: %w", ErrNotFound)
	}
	if u.Active || u.Account.Deactivated || u.TokenHash == "" {
		return nil, fmt.Errorf("user %s is not invited: %w", u.ID, ErrConflict)
	}
	if tokenHash == "" {
		return nil, invalid("token", "must not be empty")
	}
	if err := validExpiry("expires_at", expiresAt, now); err != nil {
		return nil, err
	}
	return []Event{UserInvitationRenewed{UserID: u.ID, CompanyID: u.CompanyID, ProviderID: u.PortalOf.ProviderID,
		TokenHash: tokenHash, ExpiresAt: expiresAt, RenewedBy: by, RenewedAt: now}}, nil
}
