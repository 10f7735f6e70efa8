package app

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/mail"
)

// ResendCustomerInvitation issues a fresh invitation token for a customer still
// invited (staff who manage the customer); the old token answers 410 from then
// on. The result carries the plain token, as InviteCustomer's does.
func (s *Service) ResendCustomerInvitation(ctx context.Context, call Call, customerID uuid.UUID) (Invitation, error) {
	out := Invitation{CustomerID: customerID}
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, c, err := u.managedCustomer(customerID)
		if err != nil {
			return err
		}
		token, hash, err := newToken(s.random, tokenCustomerInvitation, customerID)
		if err != nil {
			return err
		}
		out.CompanyID, out.Token, out.ExpiresAt = c.CompanyID, token, u.now.Add(s.invitationTTL)
		events, err := c.RenewInvitation(hash, out.ExpiresAt, p.UserID, u.now)
		if err != nil {
			return err
		}
		provider, err := u.company(c.ProviderID)
		if err != nil {
			return err
		}
		if err := u.mail(c.Contact.Email, mail.CustomerInvitation, mail.Invitation{Provider: provider.Name}, token); err != nil {
			return err
		}
		return u.recordOn(c, events)
	})
	return out, err
}

// ResendPortalUserInvitation issues a fresh invitation token for a portal user
// of the customer still invited.
type ResendPortalUserInvitation struct {
	CustomerID uuid.UUID
	UserID     uuid.UUID
}

// ResendPortalUserInvitation renews a portal user's invitation (staff who manage
// the customer).
func (s *Service) ResendPortalUserInvitation(ctx context.Context, call Call, cmd ResendPortalUserInvitation) (Invitation, error) {
	out := Invitation{CustomerID: cmd.CustomerID, UserID: cmd.UserID}
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, c, err := u.managedCustomer(cmd.CustomerID)
		if err != nil {
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
		token, hash, err := newToken(s.random, tokenUserInvitation, target.ID)
		if err != nil {
			return err
		}
		out.CompanyID, out.Token, out.ExpiresAt = target.CompanyID, token, u.now.Add(s.invitationTTL)
		events, err := target.RenewInvitation(hash, out.ExpiresAt, p.UserID, u.now)
		if err != nil {
			return err
		}
		if err := u.mail(target.Personal.Email, mail.CustomerUserInvitation, mail.Invitation{}, token); err != nil {
			return err
		}
		return u.recordOn(target, events)
	})
	return out, err
}
