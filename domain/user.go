package domain

import (
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// User is a person. A staff user belongs to one company (CompanyID) and acts for
// it; a portal user (Kind portal) belongs to one provider's customer (PortalOf)
// and only ever sees that provider's portal: CompanyID is then the customer's
// company, of which it is not a member.
type User struct {
	base
	ID        uuid.UUID
	CompanyID uuid.UUID
	Personal  PersonalData
	Role      Role
	CanShare  bool
	Auditor   bool
	Active    bool
	Kind      UserKind
	PortalOf  PortalOf
	// The invitation, if the user was invited.
	TokenHash string
	ExpiresAt time.Time
	// Account is what deactivation, passwords and sessions left (user_lifecycle.go).
	Account AccountState
}

// NewUser is the input of Register and Invite.
type NewUser struct {
	ID        uuid.UUID
	CompanyID uuid.UUID
	Name      string
	Email     string
	Role      Role
	CanShare  bool
	Auditor   bool
	// CustomerID is set for a portal user: the customer it is invited for (the
	// provider is the one passed to Invite).
	CustomerID uuid.UUID
}

// Replay applies the aggregate's stored events in order.
func (u *User) Replay(events ...Event) { u.replay(u.apply, events) }

// StreamID is the aggregate's stream.
func (u *User) StreamID() string { return UserStream(u.ID) }

func (u *User) apply(e Event) {
	switch e := e.(type) {
	case UserRegistered:
		u.ID, u.CompanyID, u.Personal = e.UserID, e.CompanyID, e.Personal
		u.Role, u.CanShare, u.Auditor, u.Active = e.Role, e.CanShare, e.Auditor, true
		u.Kind = UserKindStaff
	case UserInvited:
		u.ID, u.CompanyID, u.Personal = e.UserID, e.CompanyID, e.Personal
		u.Role, u.CanShare, u.Auditor = e.Role, e.CanShare, e.Auditor
		u.Kind = e.Kind
		if u.Kind == UserKindPortal {
			u.PortalOf = PortalOf{ProviderID: e.ProviderID, CustomerID: e.CustomerID}
		}
		u.TokenHash, u.ExpiresAt = e.TokenHash, e.ExpiresAt
	case UserActivated:
		// The token hash stays: a second use of the same token is told "used", not
		// "unknown".
		u.Personal, u.Active = e.Personal, true
	case UserRoleChanged:
		u.Role, u.CanShare, u.Auditor = e.Role, e.CanShare, e.Auditor
	case UserInvitationRenewed:
		u.Account.ReplacedInvitations.add(u.TokenHash)
		u.TokenHash, u.ExpiresAt = e.TokenHash, e.ExpiresAt
	default:
		u.Account.apply(e)
	}
}

func (n NewUser) clean() (NewUser, error) {
	var err error
	if n.Name, err = cleanName("name", n.Name, maxNameLen); err != nil {
		return n, err
	}
	if n.Email, err = NormalizeEmail(n.Email); err != nil {
		return n, err
	}
	if !n.Role.valid() {
		return n, invalid("role", "must be admin or member")
	}
	return n, nil
}

// Register creates an active user: the person signs up themselves.
func (u *User) Register(n NewUser, now time.Time) ([]Event, error) {
	if u.Exists() {
		return nil, fmt.Errorf("user %s already exists: %w", u.ID, ErrConflict)
	}
	n, err := n.clean()
	if err != nil {
		return nil, err
	}
	return []Event{UserRegistered{
		UserID: n.ID, CompanyID: n.CompanyID, Personal: PersonalData{Name: n.Name, Email: n.Email},
		Role: n.Role, CanShare: n.CanShare, Auditor: n.Auditor, RegisteredAt: now,
	}}, nil
}

// Invite creates a user who becomes active by accepting the invitation whose token
// hashes to tokenHash before expiresAt. providerID is set when a provider invites a
// portal user for one of its customers.
func (u *User) Invite(n NewUser, providerID, invitedBy uuid.UUID, tokenHash string, expiresAt, now time.Time) ([]Event, error) {
	if u.Exists() {
		return nil, fmt.Errorf("user %s already exists: %w", u.ID, ErrConflict)
	}
	n, err := n.clean()
	if err != nil {
		return nil, err
	}
	if err := validExpiry("expires_at", expiresAt, now); err != nil {
		return nil, err
	}
	kind := UserKindStaff
	if providerID != uuid.Nil {
		kind = UserKindPortal
		if n.CustomerID == uuid.Nil {
			return nil, invalid("customer_id", "a portal user belongs to one customer")
		}
		// A portal user is never more than a viewer of one portal.
		n.Role, n.CanShare, n.Auditor = RoleMember, false, false
	}
	return []Event{UserInvited{
		UserID: n.ID, CompanyID: n.CompanyID, Kind: kind, ProviderID: providerID, CustomerID: n.CustomerID,
		Personal: PersonalData{Name: n.Name, Email: n.Email},
		Role:     n.Role, CanShare: n.CanShare, Auditor: n.Auditor,
		InvitedBy: invitedBy, TokenHash: tokenHash, ExpiresAt: expiresAt, InvitedAt: now,
	}}, nil
}

// Activate accepts the invitation. name replaces the invited name when not empty.
func (u *User) Activate(tokenHash, name string, now time.Time) ([]Event, error) {
	if u.Exists() && u.Account.ReplacedInvitations[tokenHash] {
		return nil, fmt.Errorf("invitation replaced by a newer one: %w", ErrInvitationGone)
	}
	if !u.Exists() || !sameHash(u.TokenHash, tokenHash) {
		return nil, fmt.Errorf("invitation: %w", ErrNotFound)
	}
	if u.Active || u.Account.Deactivated {
		return nil, fmt.Errorf("invitation already used or withdrawn: %w", ErrInvitationGone)
	}
	if !now.Before(u.ExpiresAt) {
		return nil, fmt.Errorf("invitation expired at %s: %w", u.ExpiresAt.Format(time.RFC3339), ErrInvitationGone)
	}
	personal := u.Personal
	if name != "" {
		var err error
		if personal.Name, err = cleanName("name", name, maxNameLen); err != nil {
			return nil, err
		}
	}
	return []Event{UserActivated{UserID: u.ID, CompanyID: u.CompanyID, Personal: personal, ActivatedAt: now}}, nil
}

// ChangeRole sets the user's role and flags. by is the user making the change: an
// admin may not take admin away from themselves, so a company cannot lock itself out
// by accident. Setting the current values records nothing.
func (u *User) ChangeRole(role Role, canShare, auditor bool, by uuid.UUID, now time.Time) ([]Event, error) {
	if !u.Exists() {
		return nil, fmt.Errorf("user: %w", ErrNotFound)
	}
	if !role.valid() {
		return nil, invalid("role", "must be admin or member")
	}
	if by == u.ID && u.Role == RoleAdmin && role != RoleAdmin {
		return nil, fmt.Errorf("an admin cannot demote themselves: %w", ErrConflict)
	}
	if u.Kind == UserKindPortal {
		// Portal users have no role in any company (and no staff route reaches
		// them; this keeps a future one honest).
		return nil, fmt.Errorf("user: %w", ErrNotFound)
	}
	if u.Role == role && u.CanShare == canShare && u.Auditor == auditor {
		return nil, nil
	}
	return []Event{UserRoleChanged{UserID: u.ID, CompanyID: u.CompanyID, Role: role, CanShare: canShare, Auditor: auditor, ChangedAt: now}}, nil
}

// Principal is what access rules know about the user.
func (u *User) Principal() Principal {
	if !u.Exists() {
		return Principal{}
	}
	p := Principal{UserID: u.ID, CompanyID: u.CompanyID, Role: u.Role, CanShare: u.CanShare, Auditor: u.Auditor, Active: u.Active && !u.Account.Deactivated && !u.Account.Verification.Pending,
		Kind: u.Kind, PortalOf: u.PortalOf}
	if p.Kind == "" {
		p.Kind = UserKindStaff
	}
	if p.Portal() {
		p.Role, p.CanShare, p.Auditor = RoleMember, false, false
	}
	return p
}

// sameHash compares two token hashes in constant time.
func sameHash(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
