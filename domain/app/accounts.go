package app

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/domain/mail"
)

// RegisterCompany is a signup: a new company with its first admin.
type RegisterCompany struct {
	CompanyName string
	Name        string
	Email       string
	Password    string
	// VerifyURLPrefix, when set (SIGNUP_VERIFY), makes the first admin verify its
	// address before the company may act: a link VerifyURLPrefix+token is mailed
	// (email_verification.go).
	VerifyURLPrefix string
}

// Registration is what a signup or registration created.
type Registration struct {
	CompanyID  uuid.UUID
	UserID     uuid.UUID
	CustomerID uuid.UUID // set when registering made the company a customer
	Appended   AppendResult
}

// withNewPassword runs a command that stores a new login. decide runs once first
// against fresh state without appending (with an empty hash), so that a forged
// token, an unknown or closed group code or invalid input fail before the
// deliberately slow, memory-hard hash is computed: an anonymous flood of forged
// requests costs reads, not argon2id. Then the password is hashed once (not again
// on a retry) and the command runs for real.
func (s *Service) withNewPassword(ctx context.Context, call Call, password string, decide func(u *unit, hash string) error) (AppendResult, error) {
	if err := domain.ValidatePassword(password); err != nil {
		return AppendResult{}, err
	}
	if err := decide(s.dryUnit(ctx, call), ""); err != nil {
		return AppendResult{}, err
	}
	hash, err := s.hasher.Hash(password)
	if err != nil {
		return AppendResult{}, fmt.Errorf("hash password: %w", err)
	}
	return s.exec(ctx, call, func(u *unit) error { return decide(u, hash) })
}

// login records the claim on the e-mail and the credential, with the events.
func (u *unit) login(userID, companyID uuid.UUID, email, hash string) {
	u.records = append(u.records,
		Claim{Scope: EmailClaimScope, Value: email, Owner: userID},
		Credential{UserID: userID, CompanyID: companyID, Email: email, PasswordHash: hash})
}

// RegisterCompany signs a company up. A taken e-mail fails with *ClaimTakenError.
func (s *Service) RegisterCompany(ctx context.Context, call Call, cmd RegisterCompany) (Registration, error) {
	email, err := domain.NormalizeEmail(cmd.Email)
	if err != nil {
		return Registration{}, err
	}
	var out Registration
	out.Appended, err = s.withNewPassword(ctx, call, cmd.Password, func(u *unit, hash string) error {
		var err error
		if out.CompanyID, err = u.id(); err != nil {
			return err
		}
		if out.UserID, err = u.id(); err != nil {
			return err
		}
		company, err := (&domain.Company{}).Register(out.CompanyID, cmd.CompanyName, domain.ViaSignup, u.now)
		if err != nil {
			return err
		}
		user, err := (&domain.User{}).Register(domain.NewUser{ID: out.UserID, CompanyID: out.CompanyID, Name: cmd.Name, Email: email, Role: domain.RoleAdmin}, u.now)
		if err != nil {
			return err
		}
		u.tenant = out.CompanyID
		u.login(out.UserID, out.CompanyID, email, hash)
		if err := u.recordNew(company); err != nil {
			return err
		}
		if cmd.VerifyURLPrefix != "" {
			if user, err = u.requestVerification(user, cmd.VerifyURLPrefix); err != nil {
				return err
			}
		}
		return u.recordNew(user)
	})
	return out, err
}

// InviteStaff invites a user into the actor's company (admins only).
type InviteStaff struct {
	Name     string
	Email    string
	Admin    bool
	CanShare bool
	Auditor  bool
}

// Invitation is an invitation that was sent. Token is the plain invitation token:
// shown to the caller once (it goes into the invitation URL), never stored.
type Invitation struct {
	UserID     uuid.UUID
	CustomerID uuid.UUID
	CompanyID  uuid.UUID
	Token      string
	ExpiresAt  time.Time
	// Customer is the invited customer as InviteCustomer left it (nil for user
	// invitations).
	Customer *query.Customer
	Appended AppendResult
}

// InviteStaff invites a staff user into the actor's company; the result carries the
// plain invitation token (admins only).
func (s *Service) InviteStaff(ctx context.Context, call Call, cmd InviteStaff) (Invitation, error) {
	var out Invitation
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, err := u.principal()
		if err != nil {
			return err
		}
		if err := u.authorize(p, domain.ActionManageStaff, domain.LibraryScope(p.CompanyID)); err != nil {
			return err
		}
		if out.UserID, err = u.id(); err != nil {
			return err
		}
		token, hash, err := newToken(s.random, tokenUserInvitation, out.UserID)
		if err != nil {
			return err
		}
		role := domain.RoleMember
		if cmd.Admin {
			role = domain.RoleAdmin
		}
		out.CompanyID, out.Token, out.ExpiresAt = p.CompanyID, token, u.now.Add(s.invitationTTL)
		events, err := (&domain.User{}).Invite(domain.NewUser{
			ID: out.UserID, CompanyID: p.CompanyID, Name: cmd.Name, Email: cmd.Email, Role: role, CanShare: cmd.CanShare, Auditor: cmd.Auditor,
		}, uuid.Nil, p.UserID, hash, out.ExpiresAt, u.now)
		if err != nil {
			return err
		}
		if err := u.mail(events[0].(domain.UserInvited).Personal.Email, mail.StaffInvitation, mail.Invitation{}, token); err != nil {
			return err
		}
		return u.recordNew(events)
	})
	return out, err
}

// AcceptInvitation accepts any invitation token: a staff or portal user's (the user
// becomes active) or a customer company's (the company, its first admin and the
// customer connection). Used or expired: domain.ErrInvitationGone; unknown:
// domain.ErrNotFound; the e-mail already has a login: *ClaimTakenError.
type AcceptInvitation struct {
	Token    string
	Name     string // optional: replaces the name the inviter typed
	Password string
}

// AcceptInvitation accepts a staff, portal-user or customer invitation token.
func (s *Service) AcceptInvitation(ctx context.Context, call Call, cmd AcceptInvitation) (Registration, error) {
	kind, id, err := parseToken(cmd.Token)
	if err != nil {
		return Registration{}, err
	}
	switch kind {
	case tokenUserInvitation:
		return s.acceptUserInvitation(ctx, call, id, cmd)
	case tokenCustomerInvitation:
		return s.AcceptCustomerInvitation(ctx, call, cmd)
	}
	return Registration{}, fmt.Errorf("token: %w", domain.ErrNotFound)
}

func (s *Service) acceptUserInvitation(ctx context.Context, call Call, userID uuid.UUID, cmd AcceptInvitation) (Registration, error) {
	out := Registration{UserID: userID}
	var err error
	out.Appended, err = s.withNewPassword(ctx, call, cmd.Password, func(u *unit, hash string) error {
		user, err := u.user(userID)
		if err != nil {
			return err
		}
		events, err := user.Activate(TokenHash(cmd.Token), cmd.Name, u.now)
		if err != nil {
			return err
		}
		out.CompanyID, u.tenant = user.CompanyID, user.CompanyID
		u.login(user.ID, user.CompanyID, user.Personal.Email, hash)
		return u.recordOn(user, events)
	})
	return out, err
}

// AcceptCustomerInvitation accepts a customer invitation token (AcceptInvitation
// dispatches here too).
func (s *Service) AcceptCustomerInvitation(ctx context.Context, call Call, cmd AcceptInvitation) (Registration, error) {
	kind, customerID, err := parseToken(cmd.Token)
	if err != nil || kind != tokenCustomerInvitation {
		return Registration{}, fmt.Errorf("token: %w", domain.ErrNotFound)
	}
	out := Registration{CustomerID: customerID}
	out.Appended, err = s.withNewPassword(ctx, call, cmd.Password, func(u *unit, hash string) error {
		c, err := u.customer(customerID)
		if err != nil {
			return err
		}
		if out.UserID, err = u.id(); err != nil {
			return err
		}
		changes, err := domain.AcceptCustomerInvitation(c, TokenHash(cmd.Token), out.UserID, cmd.Name, u.now)
		if err != nil {
			return err
		}
		out.CompanyID, u.tenant = c.CompanyID, c.ProviderID
		u.login(out.UserID, c.CompanyID, c.Contact.Email, hash)
		return u.record(changes...)
	})
	return out, err
}

// ChangeRole changes a staff user's role and flags (admins only); nil fields keep
// their value.
type ChangeRole struct {
	UserID   uuid.UUID
	Admin    *bool
	CanShare *bool
	Auditor  *bool
}

// UserResult names the user a command changed.
type UserResult struct {
	UserID uuid.UUID
	// The user's role and flags as the command left them.
	Role     domain.Role
	CanShare bool
	Auditor  bool
	Appended AppendResult
}

// ChangeRole changes a staff user's role and flags; an admin cannot demote themselves.
func (s *Service) ChangeRole(ctx context.Context, call Call, cmd ChangeRole) (UserResult, error) {
	out := UserResult{UserID: cmd.UserID}
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, target, err := u.staffTarget(cmd.UserID)
		if err != nil {
			return err
		}
		role, canShare, auditor := target.Role, target.CanShare, target.Auditor
		if cmd.Admin != nil {
			role = domain.RoleMember
			if *cmd.Admin {
				role = domain.RoleAdmin
			}
		}
		if cmd.CanShare != nil {
			canShare = *cmd.CanShare
		}
		if cmd.Auditor != nil {
			auditor = *cmd.Auditor
		}
		events, err := target.ChangeRole(role, canShare, auditor, p.UserID, u.now)
		if err != nil {
			return err
		}
		changed := after(target, same[domain.User], events)
		out.Role, out.CanShare, out.Auditor = changed.Role, changed.CanShare, changed.Auditor
		if target.Role == domain.RoleAdmin && changed.Role != domain.RoleAdmin {
			u.guardActor() // two admins demoting each other at once (see setActive)
		}
		return u.recordOn(target, events)
	})
	return out, err
}

// staffTarget authorizes the actor to manage its company's staff and loads the
// user it acts on, which must be of the actor's company (else domain.ErrNotFound,
// as for an id nobody has).
func (u *unit) staffTarget(id uuid.UUID) (domain.Principal, *domain.User, error) {
	p, err := u.principal()
	if err != nil {
		return p, nil, err
	}
	if err := u.authorize(p, domain.ActionManageStaff, domain.LibraryScope(p.CompanyID)); err != nil {
		return p, nil, err
	}
	target, err := u.user(id)
	if err != nil {
		return p, nil, err
	}
	if !target.Exists() || target.CompanyID != p.CompanyID {
		return p, nil, fmt.Errorf("user: %w", domain.ErrNotFound)
	}
	return p, target, nil
}
