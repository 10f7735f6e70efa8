package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/mail"
)

// The account lifecycle (issue 16): deactivation and reactivation, password
// change and reset, signing out. Each decision is an event in the user's stream;
// what it does to logins and sessions travels with it as side records that commit
// in the same transaction (EndSessions, LoginDisabled), so that every API process
// sees a deactivated user's sessions die at the commit, with nothing to poll.

// EndSessions ends sessions of a user when its batch commits: every live one but
// Except, or only Only when set.
type EndSessions struct {
	UserID uuid.UUID
	Except uuid.UUID
	Only   uuid.UUID
}

// LoginDisabled turns a user's login off (deactivation) or back on. A disabled
// login cannot sign in, and no session of it authenticates.
type LoginDisabled struct {
	UserID   uuid.UUID
	Disabled bool
}

func (EndSessions) isRecord()   {}
func (LoginDisabled) isRecord() {}

// tokenPasswordReset is the kind byte of password reset tokens.
const tokenPasswordReset byte = 'r'

// tenantOfUser is the audit tenant of events about u: its company for staff, the
// provider for a portal user.
func tenantOfUser(u *domain.User) uuid.UUID {
	if u.Kind == domain.UserKindPortal && u.PortalOf.ProviderID != uuid.Nil {
		return u.PortalOf.ProviderID
	}
	return u.CompanyID
}

// SetStaffActive deactivates (Active false) or reactivates a staff user of the
// actor's company (admins only).
type SetStaffActive struct {
	UserID uuid.UUID
	Active bool
}

// SetStaffActive deactivates or reactivates a staff user: admins only; nobody
// deactivates themselves, so a company keeps an active admin (domain.ErrConflict).
func (s *Service) SetStaffActive(ctx context.Context, call Call, cmd SetStaffActive) (UserResult, error) {
	out := UserResult{UserID: cmd.UserID}
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, target, err := u.staffTarget(cmd.UserID)
		if err != nil {
			return err
		}
		if target.Kind == domain.UserKindPortal {
			return fmt.Errorf("user: %w", domain.ErrNotFound)
		}
		return u.setActive(target, p.UserID, cmd.Active, &out)
	})
	return out, err
}

// SetPortalUserActive deactivates or reactivates a portal user of one of the
// provider's customers.
type SetPortalUserActive struct {
	CustomerID uuid.UUID
	UserID     uuid.UUID
	Active     bool
}

// SetPortalUserActive deactivates or reactivates a portal user: staff with write
// access to the customer's group (or admins).
func (s *Service) SetPortalUserActive(ctx context.Context, call Call, cmd SetPortalUserActive) (UserResult, error) {
	out := UserResult{UserID: cmd.UserID}
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, err := u.principal()
		if err != nil {
			return err
		}
		c, err := u.customer(cmd.CustomerID)
		if err != nil {
			return err
		}
		scope, err := u.customerScope(p, c)
		if err != nil {
			return err
		}
		if err := u.authorize(p, domain.ActionManageCustomer, scope); err != nil {
			return err
		}
		target, err := u.user(cmd.UserID)
		if err != nil {
			return err
		}
		if !target.Exists() || target.Kind != domain.UserKindPortal || target.PortalOf.CustomerID != c.ID ||
			target.PortalOf.ProviderID != c.ProviderID {
			return fmt.Errorf("portal user: %w", domain.ErrNotFound)
		}
		return u.setActive(target, p.UserID, cmd.Active, &out)
	})
	return out, err
}

func (u *unit) setActive(target *domain.User, by uuid.UUID, active bool, out *UserResult) error {
	var events []domain.Event
	var err error
	if active {
		events, err = target.Reactivate(by, u.now)
	} else {
		events, err = target.Deactivate(by, u.now)
	}
	if err != nil {
		return err
	}
	u.records = append(u.records, LoginDisabled{UserID: target.ID, Disabled: !active})
	if !active {
		u.records = append(u.records, EndSessions{UserID: target.ID})
		u.guardActor()
	}
	out.Role, out.CanShare, out.Auditor = target.Role, target.CanShare, target.Auditor
	return u.recordOn(target, events)
}

// ChangePassword sets the actor's new password. The caller has checked the
// current one (the hash lives with the logins, not in the log). Every session of
// the actor but KeepSession ends.
type ChangePassword struct {
	NewPassword string
	KeepSession uuid.UUID
}

// ChangePassword records PasswordChanged, the new login and the end of the
// actor's other sessions, in one batch.
func (s *Service) ChangePassword(ctx context.Context, call Call, cmd ChangePassword) (AppendResult, error) {
	if call.ActorID == uuid.Nil {
		return AppendResult{}, fmt.Errorf("change password: %w", domain.ErrForbidden)
	}
	return s.withNewPassword(ctx, call, cmd.NewPassword, func(u *unit, hash string) error {
		user, err := u.user(call.ActorID)
		if err != nil {
			return err
		}
		events, err := user.ChangePassword(u.now)
		if err != nil {
			return err
		}
		u.tenant = tenantOfUser(user)
		u.records = append(u.records,
			Credential{UserID: user.ID, CompanyID: user.CompanyID, Email: user.Personal.Email, PasswordHash: hash},
			EndSessions{UserID: user.ID, Except: cmd.KeepSession})
		return u.recordOn(user, events)
	})
}

// RequestPasswordReset mails a reset link to a user who may sign in. URLPrefix
// is what the token is appended to ({PUBLIC_BASE_URL}/password-resets/). The
// plain token is only in the mail (the outbox row is emptied once sent).
type RequestPasswordReset struct {
	UserID    uuid.UUID
	URLPrefix string
}

// RequestPasswordReset records PasswordResetRequested and queues its mail. A user
// who may not sign in gets nothing: domain.ErrNotFound, which callers must answer
// like success.
func (s *Service) RequestPasswordReset(ctx context.Context, call Call, cmd RequestPasswordReset) (AppendResult, error) {
	return s.exec(ctx, call, func(u *unit) error {
		user, err := u.user(cmd.UserID)
		if err != nil {
			return err
		}
		token, hash, err := newToken(s.random, tokenPasswordReset, cmd.UserID)
		if err != nil {
			return err
		}
		events, err := user.RequestPasswordReset(hash, u.now)
		if err != nil {
			return err
		}
		u.tenant = tenantOfUser(user)
		id, err := u.id()
		if err != nil {
			return err
		}
		url := strings.TrimRight(cmd.URLPrefix, "/") + "/" + token
		m, err := mail.Render(mail.PasswordReset, mail.Link{URL: url, Valid: domain.PasswordResetTTL.String()})
		if err != nil {
			return err
		}
		u.records = append(u.records, OutboxMail{ID: id, To: user.Personal.Email, Subject: m.Subject, Template: m.Template, Body: m.Body})
		return u.recordOn(user, events)
	})
}

// ResetPassword uses a reset token to set a new password; every session of the
// user ends. Unknown or forged: domain.ErrNotFound; used, replaced or expired:
// domain.ErrResetGone. The token is checked before the password is hashed.
type ResetPassword struct {
	Token    string
	Password string
}

// ResetPassword records PasswordResetCompleted with the new login.
func (s *Service) ResetPassword(ctx context.Context, call Call, cmd ResetPassword) (Registration, error) {
	kind, userID, err := parseToken(cmd.Token)
	if err != nil || kind != tokenPasswordReset {
		return Registration{}, fmt.Errorf("password reset: %w", domain.ErrNotFound)
	}
	out := Registration{UserID: userID}
	out.Appended, err = s.withNewPassword(ctx, call, cmd.Password, func(u *unit, hash string) error {
		user, err := u.user(userID)
		if err != nil {
			return err
		}
		events, err := user.CompletePasswordReset(TokenHash(cmd.Token), u.now)
		if err != nil {
			return err
		}
		out.CompanyID, u.tenant = user.CompanyID, tenantOfUser(user)
		u.records = append(u.records,
			Credential{UserID: user.ID, CompanyID: user.CompanyID, Email: user.Personal.Email, PasswordHash: hash},
			EndSessions{UserID: user.ID})
		return u.recordOn(user, events)
	})
	return out, err
}

// EndMySessions signs the actor out everywhere (Session nil) or ends one of its
// sessions.
type EndMySessions struct {
	Session uuid.UUID
}

// EndMySessions records UserSessionsEnded and ends the sessions with it.
func (s *Service) EndMySessions(ctx context.Context, call Call, cmd EndMySessions) (AppendResult, error) {
	if call.ActorID == uuid.Nil {
		return AppendResult{}, fmt.Errorf("end sessions: %w", domain.ErrForbidden)
	}
	return s.exec(ctx, call, func(u *unit) error {
		user, err := u.user(call.ActorID)
		if err != nil {
			return err
		}
		events, err := user.EndSessions(cmd.Session, u.now)
		if err != nil {
			return err
		}
		u.tenant = tenantOfUser(user)
		u.records = append(u.records, EndSessions{UserID: user.ID, Only: cmd.Session})
		return u.recordOn(user, events)
	})
}

// guardActor makes the batch depend on the actor's own stream. The actor's
// standing is a read a deactivation or a demotion relies on: two admins doing it
// to each other at once must not both succeed and leave the company without one.
// The batch commits only if the actor's stream is still as loaded; a concurrent
// change of the actor (an append to a guarded user stream, which locks it) fails
// it, and the command's retry finds the actor deactivated or demoted.
func (u *unit) guardActor() {
	if u.actor != nil {
		u.records = append(u.records, StreamGuard{StreamID: u.actor.StreamID(), Version: u.actor.Version()})
	}
}
