package app

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
)

// The end of a customer connection (revoke by the provider, leave by the customer)
// and the links that depend on it. See domain.EndCustomer.

// endCustomer loads what ending c touches (its provider, active shares and tracked
// links) and decides the end.
func (u *unit) endCustomer(c *domain.Customer, reason string, by uuid.UUID) ([]domain.Change, error) {
	provider, err := u.company(c.ProviderID)
	if err != nil {
		return nil, err
	}
	in := domain.CustomerEnding{Provider: provider, Customer: c, Reason: reason, By: by,
		Shares: map[uuid.UUID]*domain.Share{}, Links: map[uuid.UUID]*domain.Link{}}
	for _, id := range c.ActiveShareIDs() {
		if in.Shares[id], err = u.share(id); err != nil {
			return nil, err
		}
	}
	for _, id := range c.Links {
		if in.Links[id], err = u.link(id); err != nil {
			return nil, err
		}
	}
	return domain.EndCustomer(in, u.now)
}

// workspaceCustomer is the customer whose workspace holds d (nil: none).
func (u *unit) workspaceCustomer(d *domain.Document) (*domain.Customer, error) {
	if d.WorkspaceCustomerID == uuid.Nil {
		return nil, nil
	}
	return u.customer(d.WorkspaceCustomerID)
}

// checkWorkspaceLink refuses a link to d while d's workspace customer is paused
// or once it is revoked (domain.ErrLinkGone).
func (u *unit) checkWorkspaceLink(d *domain.Document) error {
	c, err := u.workspaceCustomer(d)
	if err != nil {
		return err
	}
	return domain.CheckWorkspaceLink(d, c)
}

// LeaveProvider ends the actor's company's connection with a provider.
type LeaveProvider struct{ ProviderID uuid.UUID }

// ProviderConnection is a customer connection seen from the customer's side.
type ProviderConnection struct {
	// Provider is the connection as the command left it (views.go), in the shape
	// of the portal's provider list.
	Provider query.PortalProvider
	Appended AppendResult
}

// LeaveProvider: an admin of the customer company ends its connection with the
// provider. The customer becomes revoked (reason customer_left) and its shares and
// workspace links are cancelled with that reason, in one batch, as on a revoke.
// Anyone else, and a provider the company is not (or no longer) a customer of:
// domain.ErrNotFound.
func (s *Service) LeaveProvider(ctx context.Context, call Call, cmd LeaveProvider) (ProviderConnection, error) {
	var out ProviderConnection
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, err := u.principal()
		if err != nil {
			return err
		}
		provider, err := u.company(cmd.ProviderID)
		if err != nil {
			return err
		}
		customerID, ok := provider.Customers[p.CompanyID]
		if !ok || p.CompanyID == uuid.Nil {
			return fmt.Errorf("leave: %w", domain.ErrNotFound)
		}
		c, err := u.customer(customerID)
		if err != nil {
			return err
		}
		if err := domain.AuthorizeLeave(p, c); err != nil {
			return err
		}
		// The provider's log: its auditors see who left, and when.
		u.tenant = c.ProviderID
		changes, err := u.endCustomer(c, domain.ReasonCustomerLeft, p.UserID)
		if err != nil {
			return err
		}
		out.Provider = providerView(provider, after(c, cloneCustomer, eventsOn(c.StreamID(), changes)))
		return u.record(changes...)
	})
	return out, err
}
