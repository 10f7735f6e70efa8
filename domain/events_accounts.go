package domain

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// The account lifecycle (issue 16): deactivation, passwords, sessions. Every
// event lives in the user's stream. None carries a password, a password hash or a
// token: a reset is known by the SHA-256 of its token (token_hash, as invitations
// are), which opens nothing. The actor is the event's metadata; the tenant is the
// user's company for staff and the provider for a portal user, so that each
// audit log shows what happened to its own people.

// UserDeactivated: an admin (staff) or the provider (a portal user) removed the
// user's access. Its sessions ended with it; it cannot sign in until reactivated.
// ProviderID and CustomerID are set for a portal user.
type UserDeactivated struct {
	UserID        uuid.UUID `json:"user_id"`
	CompanyID     uuid.UUID `json:"company_id"`
	ProviderID    uuid.UUID `json:"provider_id,omitzero"`
	CustomerID    uuid.UUID `json:"customer_id,omitzero"`
	DeactivatedBy uuid.UUID `json:"deactivated_by"`
	DeactivatedAt time.Time `json:"deactivated_at"`
}

// UserReactivated: a deactivated user may sign in again (with its old password;
// its old sessions stay ended).
type UserReactivated struct {
	UserID        uuid.UUID `json:"user_id"`
	CompanyID     uuid.UUID `json:"company_id"`
	ProviderID    uuid.UUID `json:"provider_id,omitzero"`
	CustomerID    uuid.UUID `json:"customer_id,omitzero"`
	ReactivatedBy uuid.UUID `json:"reactivated_by"`
	ReactivatedAt time.Time `json:"reactivated_at"`
}

// PasswordChanged: the user changed its password, giving the current one. Every
// other session of the user ended with it.
type PasswordChanged struct {
	UserID    uuid.UUID `json:"user_id"`
	CompanyID uuid.UUID `json:"company_id"`
	ChangedAt time.Time `json:"changed_at"`
}

// PasswordResetRequested: a reset link was mailed to the user's address. Only the
// token's hash is kept; the token is valid until ExpiresAt, once.
type PasswordResetRequested struct {
	UserID      uuid.UUID `json:"user_id"`
	CompanyID   uuid.UUID `json:"company_id"`
	TokenHash   string    `json:"token_hash"`
	ExpiresAt   time.Time `json:"expires_at"`
	RequestedAt time.Time `json:"requested_at"`
}

// PasswordResetCompleted: the reset token was used to set a new password. Every
// session of the user ended with it.
type PasswordResetCompleted struct {
	UserID      uuid.UUID `json:"user_id"`
	CompanyID   uuid.UUID `json:"company_id"`
	TokenHash   string    `json:"token_hash"`
	CompletedAt time.Time `json:"completed_at"`
}

// UserSessionsEnded: the user signed out everywhere (SessionID nil) or revoked
// one of its sessions.
type UserSessionsEnded struct {
	UserID    uuid.UUID `json:"user_id"`
	CompanyID uuid.UUID `json:"company_id"`
	SessionID uuid.UUID `json:"session_id,omitzero"`
	EndedAt   time.Time `json:"ended_at"`
}

func (UserDeactivated) EventType() string        { return "UserDeactivated" }
func (UserReactivated) EventType() string        { return "UserReactivated" }
func (PasswordChanged) EventType() string        { return "PasswordChanged" }
func (PasswordResetRequested) EventType() string { return "PasswordResetRequested" }
func (PasswordResetCompleted) EventType() string { return "PasswordResetCompleted" }
func (UserSessionsEnded) EventType() string      { return "UserSessionsEnded" }

func (e UserDeactivated) Stream() string        { return UserStream(e.UserID) }
func (e UserReactivated) Stream() string        { return UserStream(e.UserID) }
func (e PasswordChanged) Stream() string        { return UserStream(e.UserID) }
func (e PasswordResetRequested) Stream() string { return UserStream(e.UserID) }
func (e PasswordResetCompleted) Stream() string { return UserStream(e.UserID) }
func (e UserSessionsEnded) Stream() string      { return UserStream(e.UserID) }

// AccountLifecycleEvents are the event types of this file (projections that do
// not care about them skip them all at once).
func AccountLifecycleEvents() []Event {
	return []Event{UserDeactivated{}, UserReactivated{}, PasswordChanged{}, PasswordResetRequested{},
		PasswordResetCompleted{}, UserSessionsEnded{}}
}

// IsAccountLifecycleEvent reports whether e is one of AccountLifecycleEvents.
func IsAccountLifecycleEvent(e Event) bool {
	switch e.(type) {
	case UserDeactivated, UserReactivated, PasswordChanged, PasswordResetRequested,
		PasswordResetCompleted, UserSessionsEnded:
		return true
	}
	return false
}

func init() {
	for _, e := range AccountLifecycleEvents() {
		RegisterEvent(e, 1)
	}
}

// ErrResetGone: the password reset token was used, replaced by a newer one, or
// has expired (410). It is an ErrInvitationGone for callers that only know that.
var ErrResetGone = fmt.Errorf("password reset used or expired: %w", ErrInvitationGone)

// AccountState is what the lifecycle events leave on a User.
type AccountState struct {
	Deactivated bool
	// Resets are the reset tokens ever issued, by hash: the newest one, unused
	// and unexpired, is the only one that works.
	Resets      map[string]time.Time // hash -> expiry
	LatestReset string
	UsedResets  map[string]bool
	// ReplacedInvitations are the invitation tokens a resend replaced.
	ReplacedInvitations ReplacedTokens
	// Verification is the signup e-mail verification (email_verification.go).
	Verification verification
}

func (a *AccountState) apply(e Event) {
	a.Verification.apply(e)
	switch e := e.(type) {
	case UserDeactivated:
		a.Deactivated = true
	case UserReactivated:
		a.Deactivated = false
	case PasswordResetRequested:
		if a.Resets == nil {
			a.Resets = map[string]time.Time{}
		}
		a.Resets[e.TokenHash], a.LatestReset = e.ExpiresAt, e.TokenHash
	case PasswordResetCompleted:
		if a.UsedResets == nil {
			a.UsedResets = map[string]bool{}
		}
		a.UsedResets[e.TokenHash] = true
	}
}
