package domain

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Signup e-mail verification (issue 16, behind SIGNUP_VERIFY): a company that
// signed up acts only once its first admin proved the address. Until then the
// admin's principal is not active, so every rule refuses it every command (no
// invitation, connection, share or upload); it may still sign in, read its own
// account, and verify.

// EmailVerificationTTL is how long a verification link is valid.
const EmailVerificationTTL = 48 * time.Hour

// EmailVerificationRequested: a verification link was mailed to the user's
// address (only the token's hash is kept; a newer one replaces it).
type EmailVerificationRequested struct {
	UserID      uuid.UUID `json:"user_id"`
	CompanyID   uuid.UUID `json:"company_id"`
	TokenHash   string    `json:"token_hash"`
	ExpiresAt   time.Time `json:"expires_at"`
	RequestedAt time.Time `json:"requested_at"`
}

// EmailVerified: the user followed the verification link.
type EmailVerified struct {
	UserID     uuid.UUID `json:"user_id"`
	CompanyID  uuid.UUID `json:"company_id"`
	VerifiedAt time.Time `json:"verified_at"`
}

func (EmailVerificationRequested) EventType() string { return "EmailVerificationRequested" }
func (EmailVerified) EventType() string              { return "EmailVerified" }

func (e EmailVerificationRequested) Stream() string { return UserStream(e.UserID) }
func (e EmailVerified) Stream() string              { return UserStream(e.UserID) }

func init() {
	RegisterEvent(EmailVerificationRequested{}, 1)
	RegisterEvent(EmailVerified{}, 1)
}

// verification is the part of AccountState verification changes.
type verification struct {
	Pending   bool
	TokenHash string
	ExpiresAt time.Time
}

func (v *verification) apply(e Event) {
	switch e := e.(type) {
	case EmailVerificationRequested:
		v.Pending, v.TokenHash, v.ExpiresAt = true, e.TokenHash, e.ExpiresAt
	case EmailVerified:
		v.Pending = false
	}
}

// RequestEmailVerification mails a (new) verification link. Only a user whose
// address awaits verification gets one when resending (verified: 409); at signup
// the caller records it with UserRegistered (fresh: true).
func (u *User) RequestEmailVerification(tokenHash string, fresh bool, now time.Time) ([]Event, error) {
	if !fresh {
		if !u.Exists() {
			return nil, fmt.Errorf("user: %w", ErrNotFound)
		}
		if !u.Account.Verification.Pending {
			return nil, fmt.Errorf("the address of %s is verified: %w", u.ID, ErrConflict)
		}
	}
	if tokenHash == "" {
		return nil, invalid("token", "must not be empty")
	}
	return []Event{EmailVerificationRequested{UserID: u.ID, CompanyID: u.CompanyID, TokenHash: tokenHash,
		ExpiresAt: now.Add(EmailVerificationTTL), RequestedAt: now}}, nil
}

// VerifyEmail uses a verification token: unknown or replaced -> ErrNotFound;
// used (verified already) or expired -> ErrInvitationGone (410).
func (u *User) VerifyEmail(tokenHash string, now time.Time) ([]Event, error) {
	v := u.Account.Verification
	if !u.Exists() || !sameHash(v.TokenHash, tokenHash) {
		return nil, fmt.Errorf("verification: %w", ErrNotFound)
	}
	if !v.Pending {
		return nil, fmt.Errorf("verified already: %w", ErrInvitationGone)
	}
	if !now.Before(v.ExpiresAt) {
		return nil, fmt.Errorf("verification expired at %s: %w", v.ExpiresAt.Format(time.RFC3339), ErrInvitationGone)
	}
	return []Event{EmailVerified{UserID: u.ID, CompanyID: u.CompanyID, VerifiedAt: now}}, nil
}
