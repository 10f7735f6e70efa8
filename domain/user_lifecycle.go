package domain

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// PasswordResetTTL is how long a password reset token is valid.
const PasswordResetTTL = time.Hour

// Deactivate removes the user's access. by is the user doing it: nobody may
// deactivate themselves, which is also what keeps a company's last active admin:
// only an active admin deactivates staff, and never itself, so one always stays
// (409). Deactivating a deactivated user is a conflict too.
func (u *User) Deactivate(by uuid.UUID, now time.Time) ([]Event, error) {
	if !u.Exists() {
		return nil, fmt.Errorf("user: %w", ErrNotFound)
	}
	if by == u.ID {
		return nil, fmt.Errorf("a user cannot deactivate themselves (a company keeps its last active admin): %w", ErrConflict)
	}
	if u.Account.Deactivated {
		return nil, fmt.Errorf("user %s is deactivated already: %w", u.ID, ErrConflict)
	}
	return []Event{UserDeactivated{UserID: u.ID, CompanyID: u.CompanyID, ProviderID: u.PortalOf.ProviderID,
		CustomerID: u.PortalOf.CustomerID, DeactivatedBy: by, DeactivatedAt: now}}, nil
}

// Reactivate restores a deactivated user's access.
func (u *User) Reactivate(by uuid.UUID, now time.Time) ([]Event, error) {
	if !u.Exists() {
		return nil, fmt.Errorf("user: %w", ErrNotFound)
	}
	if !u.Account.Deactivated {
		return nil, fmt.Errorf("user %s is not deactivated: %w", u.ID, ErrConflict)
	}
	return []Event{UserReactivated{UserID: u.ID, CompanyID: u.CompanyID, ProviderID: u.PortalOf.ProviderID,
		CustomerID: u.PortalOf.CustomerID, ReactivatedBy: by, ReactivatedAt: now}}, nil
}

// canSignIn: the user accepted its invitation (or signed up) and is not
// deactivated.
func (u *User) canSignIn() bool { return u.Exists() && u.Active && !u.Account.Deactivated }

// ChangePassword records a password change by the user itself (the caller
// checked the current password: the hash is no business of the log).
func (u *User) ChangePassword(now time.Time) ([]Event, error) {
	if !u.Exists() {
		return nil, fmt.Errorf("user: %w", ErrNotFound)
	}
	if !u.canSignIn() {
		return nil, fmt.Errorf("user %s may not sign in: %w", u.ID, ErrForbidden)
	}
	return []Event{PasswordChanged{UserID: u.ID, CompanyID: u.CompanyID, ChangedAt: now}}, nil
}

// RequestPasswordReset issues a reset token (by its hash) valid until
// now+PasswordResetTTL; it replaces any earlier one. A user who cannot sign in
// (invited, deactivated) gets none: ErrNotFound, which the caller must answer
// like any other address.
func (u *User) RequestPasswordReset(tokenHash string, now time.Time) ([]Event, error) {
	if !u.canSignIn() {
		return nil, fmt.Errorf("user: %w", ErrNotFound)
	}
	if tokenHash == "" {
		return nil, invalid("token", "must not be empty")
	}
	return []Event{PasswordResetRequested{UserID: u.ID, CompanyID: u.CompanyID, TokenHash: tokenHash,
		ExpiresAt: now.Add(PasswordResetTTL), RequestedAt: now}}, nil
}

// CompletePasswordReset uses a reset token. A token never issued for this user
// is ErrNotFound; one used, replaced by a newer one or expired is ErrResetGone
// (410), and so is any token of a user who was deactivated since.
func (u *User) CompletePasswordReset(tokenHash string, now time.Time) ([]Event, error) {
	expiresAt, issued := u.Account.Resets[tokenHash]
	if !u.Exists() || !issued || tokenHash == "" {
		return nil, fmt.Errorf("password reset: %w", ErrNotFound)
	}
	switch {
	case u.Account.UsedResets[tokenHash]:
		return nil, fmt.Errorf("used: %w", ErrResetGone)
	case tokenHash != u.Account.LatestReset:
		return nil, fmt.Errorf("replaced by a newer reset: %w", ErrResetGone)
	case !now.Before(expiresAt):
		return nil, fmt.Errorf("expired at %s: %w", expiresAt.Format(time.RFC3339), ErrResetGone)
	case !u.canSignIn():
		return nil, fmt.Errorf("the user may not sign in: %w", ErrResetGone)
	}
	return []Event{PasswordResetCompleted{UserID: u.ID, CompanyID: u.CompanyID, TokenHash: tokenHash, CompletedAt: now}}, nil
}

// EndSessions records that the user signed out everywhere (sessionID nil) or
// revoked one of its sessions.
func (u *User) EndSessions(sessionID uuid.UUID, now time.Time) ([]Event, error) {
	if !u.canSignIn() {
		return nil, fmt.Errorf("user: %w", ErrNotFound)
	}
	return []Event{UserSessionsEnded{UserID: u.ID, CompanyID: u.CompanyID, SessionID: sessionID, EndedAt: now}}, nil
}
