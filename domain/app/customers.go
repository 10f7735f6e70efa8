package app

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/domain/mail"
)

// CreateGroup creates a customer group with a random four-digit suffix (admins only).
type CreateGroup struct{ Name string }

// GroupResult names the group a command created or changed.
type GroupResult struct {
	GroupID  uuid.UUID
	Name     string
	Code     string
	Appended AppendResult
	// SelfRegistration: the code registers customers (groups start with it on).
	SelfRegistration bool
}

// suffixTries bounds how many random suffixes one attempt tries against groups
// that already exist before giving the store's claim the last word.
const suffixTries = 20

// CreateGroup creates a group with code Name-NNNN, retrying other suffixes when a
// code is taken (admins only).
func (s *Service) CreateGroup(ctx context.Context, call Call, cmd CreateGroup) (GroupResult, error) {
	var out GroupResult
	var err error
	// A code someone else claimed between our read and our append fails the
	// claim: pick another suffix, a bounded number of times.
	for range s.maxAttempts {
		out.Appended, err = s.exec(ctx, call, func(u *unit) error {
			p, err := u.principal()
			if err != nil {
				return err
			}
			if err := u.authorize(p, domain.ActionManageGroups, domain.LibraryScope(p.CompanyID)); err != nil {
				return err
			}
			for range suffixTries {
				suffix, err := randomSuffix(s.random)
				if err != nil {
					return err
				}
				code, err := domain.GroupCode(cmd.Name, suffix)
				if err != nil {
					return err
				}
				g, err := u.group(domain.GroupIDForCode(code))
				if err != nil {
					return err
				}
				if g.Exists() {
					continue
				}
				events, err := g.Create(p.CompanyID, cmd.Name, suffix, u.now)
				if err != nil {
					return err
				}
				out.GroupID = domain.GroupIDForCode(code)
				out.setFrom(after(g, same[domain.Group], events))
				u.records = append(u.records, Claim{Scope: domain.GroupCodeClaimScope, Value: domain.NormalizeGroupCode(code), Owner: out.GroupID})
				return u.recordNew(events)
			}
			return fmt.Errorf("no free code for group %q after %d tries: %w", cmd.Name, suffixTries, domain.ErrConflict)
		})
		var taken *ClaimTakenError
		if !errors.As(err, &taken) {
			break
		}
	}
	if err != nil {
		return GroupResult{}, err
	}
	return out, nil
}

// randomSuffix draws 0..9999 uniformly.
func randomSuffix(r io.Reader) (int, error) {
	var b [2]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, fmt.Errorf("group code: %w", err)
		}
		// Rejecting the top of the range keeps the draw uniform.
		if n := binary.BigEndian.Uint16(b[:]); n < 60000 {
			return int(n % 10000), nil
		}
	}
}

// GrantGroupAccess gives a staff user read or write access to a group's customers
// (admins only).
type GrantGroupAccess struct {
	GroupID uuid.UUID
	UserID  uuid.UUID
	Access  domain.AccessLevel
}

// GrantGroupAccess sets a staff user's read or write access to a group.
func (s *Service) GrantGroupAccess(ctx context.Context, call Call, cmd GrantGroupAccess) (GroupResult, error) {
	return s.groupAccess(ctx, call, cmd.GroupID, func(u *unit, g *domain.Group) ([]domain.Event, error) {
		staff, err := u.user(cmd.UserID)
		if err != nil {
			return nil, err
		}
		return g.GrantAccess(staff, cmd.Access, u.now)
	})
}

// RevokeGroupAccess removes a staff user's access to a group (admins only).
type RevokeGroupAccess struct {
	GroupID uuid.UUID
	UserID  uuid.UUID
}

// RevokeGroupAccess removes a staff user's access to a group.
func (s *Service) RevokeGroupAccess(ctx context.Context, call Call, cmd RevokeGroupAccess) (GroupResult, error) {
	return s.groupAccess(ctx, call, cmd.GroupID, func(u *unit, g *domain.Group) ([]domain.Event, error) {
		return g.RevokeAccess(cmd.UserID, u.now)
	})
}

func (s *Service) groupAccess(ctx context.Context, call Call, groupID uuid.UUID, decide func(*unit, *domain.Group) ([]domain.Event, error)) (GroupResult, error) {
	out := GroupResult{GroupID: groupID}
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, err := u.principal()
		if err != nil {
			return err
		}
		g, err := u.group(groupID)
		if err != nil {
			return err
		}
		if !g.Exists() {
			return fmt.Errorf("group: %w", domain.ErrNotFound)
		}
		if err := u.authorize(p, domain.ActionManageGroups, domain.LibraryScope(g.ProviderID)); err != nil {
			return err
		}
		out.setFrom(*g)
		events, err := decide(u, g)
		if err != nil {
			return err
		}
		return u.recordOn(g, events)
	})
	return out, err
}

// CustomerResult names the customer a command created or changed.
type CustomerResult struct {
	CustomerID        uuid.UUID
	WorkspaceFolderID uuid.UUID
	// Customer is the customer as the command left it (views.go).
	Customer query.Customer
	Appended AppendResult
}

// ConnectCustomer connects the actor's company to a company already on the
// platform; the customer starts active. GroupID is optional.
type ConnectCustomer struct {
	CompanyID uuid.UUID
	GroupID   uuid.UUID
}

// groupForNewCustomer loads the target group (nil for none) and checks the actor
// may add customers to it.
func (u *unit) groupForNewCustomer(p domain.Principal, groupID uuid.UUID) (*domain.Group, error) {
	if groupID == uuid.Nil {
		return nil, u.authorize(p, domain.ActionAddCustomer, domain.CustomerScope(p.CompanyID, domain.AccessNone))
	}
	g, err := u.group(groupID)
	if err != nil {
		return nil, err
	}
	return g, u.authorize(p, domain.ActionAddCustomer, domain.CustomerScope(p.CompanyID, g.AccessOf(p.UserID)))
}

// ConnectCustomer connects a company already on the platform as an active customer,
// with its workspace folder. A live customer for the company already: ErrConflict.
func (s *Service) ConnectCustomer(ctx context.Context, call Call, cmd ConnectCustomer) (CustomerResult, error) {
	var out CustomerResult
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, err := u.principal()
		if err != nil {
			return err
		}
		g, err := u.groupForNewCustomer(p, cmd.GroupID)
		if err != nil {
			return err
		}
		provider, err := u.company(p.CompanyID)
		if err != nil {
			return err
		}
		company, err := u.company(cmd.CompanyID)
		if err != nil {
			return err
		}
		if out.CustomerID, err = u.id(); err != nil {
			return err
		}
		if out.WorkspaceFolderID, err = u.id(); err != nil {
			return err
		}
		changes, err := domain.ConnectCustomer(provider, domain.NewCustomer{CustomerID: out.CustomerID, WorkspaceFolderID: out.WorkspaceFolderID, Company: company, Group: g}, domain.ViaProvider, u.now)
		if err != nil {
			return err
		}
		out.Customer = customerView(after(&domain.Customer{}, cloneCustomer, eventsOn(domain.CustomerStream(out.CustomerID), changes)))
		return u.record(changes...)
	})
	return out, err
}

// InviteCustomer invites a company that is not on the platform yet; the customer
// is invited until the contact accepts. GroupID is optional.
type InviteCustomer struct {
	CompanyName string
	ContactName string
	Email       string
	GroupID     uuid.UUID
}

// InviteCustomer invites a company not yet on the platform; the result carries the
// plain invitation token.
func (s *Service) InviteCustomer(ctx context.Context, call Call, cmd InviteCustomer) (Invitation, error) {
	var out Invitation
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, err := u.principal()
		if err != nil {
			return err
		}
		g, err := u.groupForNewCustomer(p, cmd.GroupID)
		if err != nil {
			return err
		}
		provider, err := u.company(p.CompanyID)
		if err != nil {
			return err
		}
		var folderID uuid.UUID
		for _, id := range []*uuid.UUID{&out.CustomerID, &out.CompanyID, &folderID} {
			if *id, err = u.id(); err != nil {
				return err
			}
		}
		token, hash, err := newToken(s.random, tokenCustomerInvitation, out.CustomerID)
		if err != nil {
			return err
		}
		out.Token, out.ExpiresAt = token, u.now.Add(s.invitationTTL)
		changes, err := domain.InviteCustomer(provider, domain.CustomerInvitation{
			CustomerID: out.CustomerID, CompanyID: out.CompanyID, WorkspaceFolderID: folderID,
			CompanyName: cmd.CompanyName, ContactName: cmd.ContactName, ContactEmail: cmd.Email,
			Group: g, TokenHash: hash, ExpiresAt: out.ExpiresAt,
		}, u.now)
		if err != nil {
			return err
		}
		customer := customerView(after(&domain.Customer{}, cloneCustomer, eventsOn(domain.CustomerStream(out.CustomerID), changes)))
		out.Customer = &customer
		email, _ := domain.NormalizeEmail(cmd.Email) // valid: InviteCustomer checked it
		if err := u.mail(email, mail.CustomerInvitation, mail.Invitation{Provider: provider.Name}, token); err != nil {
			return err
		}
		return u.record(changes...)
	})
	return out, err
}

// RegisterWithGroupCode registers a new company that becomes an active customer
// of the group's provider, in that group (the QUBEdocs business-partner code).
type RegisterWithGroupCode struct {
	GroupCode   string
	CompanyName string
	Name        string
	Email       string
	Password    string
}

// RegisterWithGroupCode registers a company with its first admin as an active
// customer of the group's provider. Unknown code: domain.ErrNotFound.
func (s *Service) RegisterWithGroupCode(ctx context.Context, call Call, cmd RegisterWithGroupCode) (Registration, error) {
	email, err := domain.NormalizeEmail(cmd.Email)
	if err != nil {
		return Registration{}, err
	}
	var out Registration
	out.Appended, err = s.withNewPassword(ctx, call, cmd.Password, func(u *unit, hash string) error {
		g, err := u.groupForCode(cmd.GroupCode)
		if err != nil {
			return err
		}
		if !g.Exists() {
			return fmt.Errorf("group code: %w", domain.ErrNotFound)
		}
		provider, err := u.company(g.ProviderID)
		if err != nil {
			return err
		}
		var folderID uuid.UUID
		for _, id := range []*uuid.UUID{&out.CompanyID, &out.UserID, &out.CustomerID, &folderID} {
			if *id, err = u.id(); err != nil {
				return err
			}
		}
		changes, err := domain.RegisterWithGroupCode(g, provider, domain.GroupRegistration{
			CompanyID: out.CompanyID, UserID: out.UserID, CustomerID: out.CustomerID, WorkspaceFolderID: folderID,
			CompanyName: cmd.CompanyName, Name: cmd.Name, Email: email, Code: cmd.GroupCode,
		}, u.now)
		if err != nil {
			return err
		}
		u.tenant = provider.ID
		u.login(out.UserID, out.CompanyID, email, hash)
		return u.record(changes...)
	})
	return out, err
}

// CustomerRef names the customer of a command.
type CustomerRef struct{ CustomerID uuid.UUID }

// managedCustomer loads a customer the actor may manage.
func (u *unit) managedCustomer(customerID uuid.UUID) (domain.Principal, *domain.Customer, error) {
	p, err := u.principal()
	if err != nil {
		return p, nil, err
	}
	c, err := u.customer(customerID)
	if err != nil {
		return p, nil, err
	}
	scope, err := u.customerScope(p, c)
	if err != nil {
		return p, nil, err
	}
	return p, c, u.authorize(p, domain.ActionManageCustomer, scope)
}

// onCustomer runs a single-stream customer command.
func (s *Service) onCustomer(ctx context.Context, call Call, customerID uuid.UUID, decide func(u *unit, p domain.Principal, c *domain.Customer) ([]domain.Event, error)) (CustomerResult, error) {
	out := CustomerResult{CustomerID: customerID}
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, c, err := u.managedCustomer(customerID)
		if err != nil {
			return err
		}
		out.WorkspaceFolderID = c.WorkspaceFolderID
		events, err := decide(u, p, c)
		if err != nil {
			return err
		}
		out.Customer = customerView(after(c, cloneCustomer, events))
		return u.recordOn(c, events)
	})
	return out, err
}

// PauseCustomer: the customer sees nothing until resumed. Pausing a paused
// customer is domain.ErrConflict; a revoked one domain.ErrCustomerRevoked.
func (s *Service) PauseCustomer(ctx context.Context, call Call, cmd CustomerRef) (CustomerResult, error) {
	return s.onCustomer(ctx, call, cmd.CustomerID, func(u *unit, _ domain.Principal, c *domain.Customer) ([]domain.Event, error) {
		return c.Pause(u.now)
	})
}

// ResumeCustomer: a paused customer sees its shares again.
func (s *Service) ResumeCustomer(ctx context.Context, call Call, cmd CustomerRef) (CustomerResult, error) {
	return s.onCustomer(ctx, call, cmd.CustomerID, func(u *unit, _ domain.Principal, c *domain.Customer) ([]domain.Event, error) {
		return c.Resume(u.now)
	})
}

// RevokeCustomer ends the customer for good and cancels each of its active shares
// and each live link to a document in its workspace, in one batch (reason
// customer_revoked).
func (s *Service) RevokeCustomer(ctx context.Context, call Call, cmd CustomerRef) (CustomerResult, error) {
	out := CustomerResult{CustomerID: cmd.CustomerID}
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, c, err := u.managedCustomer(cmd.CustomerID)
		if err != nil {
			return err
		}
		out.WorkspaceFolderID = c.WorkspaceFolderID
		changes, err := u.endCustomer(c, domain.ReasonCustomerRevoked, p.UserID)
		if err != nil {
			return err
		}
		out.Customer = customerView(after(c, cloneCustomer, eventsOn(c.StreamID(), changes)))
		return u.record(changes...)
	})
	return out, err
}

// SetMasterAccess turns master access (the whole workspace is visible) on or off.
type SetMasterAccess struct {
	CustomerID uuid.UUID
	Enabled    bool
}

// SetMasterAccess turns master access on or off (the current value records nothing).
func (s *Service) SetMasterAccess(ctx context.Context, call Call, cmd SetMasterAccess) (CustomerResult, error) {
	return s.onCustomer(ctx, call, cmd.CustomerID, func(u *unit, _ domain.Principal, c *domain.Customer) ([]domain.Event, error) {
		return c.SetMasterAccess(cmd.Enabled, u.now)
	})
}

// SetPortalDocuments sets the customer's documents-module setting (nil: the
// provider's default).
type SetPortalDocuments struct {
	CustomerID uuid.UUID
	Enabled    *bool
}

// SetPortalDocuments sets or clears the customer's documents-module setting.
func (s *Service) SetPortalDocuments(ctx context.Context, call Call, cmd SetPortalDocuments) (CustomerResult, error) {
	return s.onCustomer(ctx, call, cmd.CustomerID, func(u *unit, _ domain.Principal, c *domain.Customer) ([]domain.Event, error) {
		return c.SetDocumentsEnabled(cmd.Enabled, u.now)
	})
}

// AssignGroup moves a customer into a group (uuid.Nil: out of any group). The
// actor needs write access to both the current and the new group.
type AssignGroup struct {
	CustomerID uuid.UUID
	GroupID    uuid.UUID
}

// AssignGroup moves a customer between groups.
func (s *Service) AssignGroup(ctx context.Context, call Call, cmd AssignGroup) (CustomerResult, error) {
	return s.onCustomer(ctx, call, cmd.CustomerID, func(u *unit, p domain.Principal, c *domain.Customer) ([]domain.Event, error) {
		var g *domain.Group
		access := domain.AccessNone
		if cmd.GroupID != uuid.Nil {
			var err error
			if g, err = u.group(cmd.GroupID); err != nil {
				return nil, err
			}
			access = g.AccessOf(p.UserID)
		}
		// Moving a customer adds it to the target group.
		if err := u.authorize(p, domain.ActionAddCustomer, domain.CustomerScope(c.ProviderID, access)); err != nil {
			return nil, err
		}
		return c.AssignGroup(g, u.now)
	})
}

// SetPortalDefault sets whether the documents module is on for customers without
// their own setting (admins only).
type SetPortalDefault struct{ Enabled bool }

// CompanyResult names the company a command changed.
type CompanyResult struct {
	CompanyID uuid.UUID
	// DocumentsEnabledDefault is the provider default as the command left it.
	DocumentsEnabledDefault bool
	Appended                AppendResult
}

// SetPortalDefault sets the provider-wide documents-module default.
func (s *Service) SetPortalDefault(ctx context.Context, call Call, cmd SetPortalDefault) (CompanyResult, error) {
	var out CompanyResult
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, err := u.principal()
		if err != nil {
			return err
		}
		if err := u.authorize(p, domain.ActionManageSettings, domain.LibraryScope(p.CompanyID)); err != nil {
			return err
		}
		company, err := u.company(p.CompanyID)
		if err != nil {
			return err
		}
		out.CompanyID = company.ID
		events, err := company.SetPortalDefault(cmd.Enabled, u.now)
		if err != nil {
			return err
		}
		out.DocumentsEnabledDefault = cmd.Enabled
		return u.recordOn(company, events)
	})
	return out, err
}

// InviteCustomerUser invites another portal user for a customer (a user of the
// customer's company).
type InviteCustomerUser struct {
	CustomerID uuid.UUID
	Name       string
	Email      string
}

// InviteCustomerUser invites a portal user into the customer's company; the result
// carries the plain invitation token.
func (s *Service) InviteCustomerUser(ctx context.Context, call Call, cmd InviteCustomerUser) (Invitation, error) {
	out := Invitation{CustomerID: cmd.CustomerID}
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, c, err := u.managedCustomer(cmd.CustomerID)
		if err != nil {
			return err
		}
		if out.UserID, err = u.id(); err != nil {
			return err
		}
		token, hash, err := newToken(s.random, tokenUserInvitation, out.UserID)
		if err != nil {
			return err
		}
		out.CompanyID, out.Token, out.ExpiresAt = c.CompanyID, token, u.now.Add(s.invitationTTL)
		changes, err := domain.InviteCustomerUser(c, domain.NewUser{ID: out.UserID, Name: cmd.Name, Email: cmd.Email}, p.UserID, hash, out.ExpiresAt, u.now)
		if err != nil {
			return err
		}
		email, _ := domain.NormalizeEmail(cmd.Email)
		if err := u.mail(email, mail.CustomerUserInvitation, mail.Invitation{}, token); err != nil {
			return err
		}
		return u.record(changes...)
	})
	return out, err
}
