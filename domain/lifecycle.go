package domain

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// The end of a customer connection, and what ends with it.
//
// A customer ends by a revoke (the provider) or by leaving (an admin of the
// customer company). Either way the customer becomes revoked, for good, and in the
// same batch every active share is cancelled and every live link to a document in
// its workspace is cancelled, each by its own event, with the reason of the end.
// While the customer is paused, those links are suspended: they answer as gone
// and work again after a resume (CheckWorkspaceLink).
//
// Links are tracked on the customer's stream (CustomerLinkAdded) for that reason:
// the revoke then knows every link it must cancel, and a link created concurrently
// with the revoke conflicts on the customer's version instead of slipping past it.
// Links created before this tracking existed are not on the customer's stream;
// CheckWorkspaceLink still refuses them once their customer is revoked.

// ReasonCustomerLeft is recorded on SharingRevoked, ShareCancelled and LinkCancelled
// when the customer's admin left the provider.
const ReasonCustomerLeft = "customer_left"

// CustomerLinkAdded tracks, on the customer's stream, a link to a document in its
// workspace, so that ending the customer cancels it.
type CustomerLinkAdded struct {
	CustomerID uuid.UUID `json:"customer_id"`
	LinkID     uuid.UUID `json:"link_id"`
	DocumentID uuid.UUID `json:"document_id"`
}

func (CustomerLinkAdded) EventType() string { return "CustomerLinkAdded" }
func (e CustomerLinkAdded) Stream() string  { return CustomerStream(e.CustomerID) }

// registerLifecycleEvents registers CustomerLinkAdded and SharingRevoked at
// schema v2 (v2 added reason).
func registerLifecycleEvents() {
	RegisterEvent(CustomerLinkAdded{}, 1)
	RegisterEvent(SharingRevoked{}, 2)
	RegisterUpcaster(SharingRevoked{}.EventType(), 1, upcastSharingRevokedV1)
}

// upcastSharingRevokedV1 states the reason of a v1 revoke: only the provider could
// revoke then.
func upcastSharingRevokedV1(payload []byte) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(payload, &fields); err != nil {
		return nil, fmt.Errorf("SharingRevoked v1: %w", err)
	}
	if fields == nil {
		return nil, fmt.Errorf("SharingRevoked v1: payload is not an object")
	}
	if _, ok := fields["reason"]; !ok {
		fields["reason"] = json.RawMessage(`"` + ReasonCustomerRevoked + `"`)
	}
	return json.Marshal(fields)
}

// CustomerEnding is the input of EndCustomer.
type CustomerEnding struct {
	Provider *Company
	Customer *Customer
	Shares   map[uuid.UUID]*Share // every share in Customer.Shares
	Links    map[uuid.UUID]*Link  // every link in Customer.Links
	Reason   string               // ReasonCustomerRevoked or ReasonCustomerLeft
	By       uuid.UUID            // the acting user
}

// EndCustomer revokes the customer for good: SharingRevoked with the reason, each
// active share cancelled by its own ShareCancelled and each live workspace link by
// its own LinkCancelled (both with the same reason), and the provider's tracking
// released so the company may be connected again as a new customer.
func EndCustomer(in CustomerEnding, now time.Time) ([]Change, error) {
	c, provider := in.Customer, in.Provider
	if err := c.live(); err != nil {
		return nil, err
	}
	if in.Reason != ReasonCustomerRevoked && in.Reason != ReasonCustomerLeft {
		return nil, fmt.Errorf("end %s: unknown reason %q", c.ID, in.Reason)
	}
	if provider == nil || provider.ID != c.ProviderID {
		return nil, fmt.Errorf("end %s: provider %s not loaded", c.ID, c.ProviderID)
	}
	out := []Change{
		change(c.StreamID(), c.Version(), SharingRevoked{CustomerID: c.ID, ProviderID: c.ProviderID, Reason: in.Reason, RevokedAt: now}),
		change(provider.StreamID(), provider.Version(), ProviderCustomerRemoved{ProviderID: c.ProviderID, CustomerID: c.ID, CustomerCompanyID: c.CompanyID}),
	}
	for _, id := range c.ActiveShareIDs() {
		s := in.Shares[id]
		if s == nil || s.ID != id {
			return nil, fmt.Errorf("end %s: share %s not loaded", c.ID, id)
		}
		if !s.Active() {
			continue
		}
		out = append(out, change(s.StreamID(), s.Version(), s.cancelled(in.Reason, in.By, now)))
	}
	for _, id := range c.Links {
		l := in.Links[id]
		if l == nil || l.ID != id {
			return nil, fmt.Errorf("end %s: link %s not loaded", c.ID, id)
		}
		if l.GoneAt(now) {
			continue
		}
		out = append(out, change(l.StreamID(), l.Version(), l.cancelled(in.Reason, in.By, now)))
	}
	return out, nil
}

// AuthorizeLeave decides whether p may end c from the customer's side: p must be an
// admin of the customer company itself (its staff, with the rights its company
// settings need), not a member, not a portal user, not anyone of another company.
// Everyone else gets ErrNotFound, as for a provider that is not theirs.
func AuthorizeLeave(p Principal, c *Customer) error {
	notFound := fmt.Errorf("leave: %w", ErrNotFound)
	if !c.Exists() || p.CompanyID != c.CompanyID || c.Status == StatusInvited {
		return notFound
	}
	if Authorize(p, ActionManageSettings, LibraryScope(c.CompanyID)) != nil {
		return notFound
	}
	return nil
}

// workspaceLink is the tracking of a new link to d on d's workspace customer c (no
// change when d lies in no workspace). A link to the workspace of a revoked
// customer is refused: the revoke has cancelled every link there for good.
func workspaceLink(c *Customer, d *Document, linkID uuid.UUID) ([]Change, error) {
	if d.WorkspaceCustomerID == uuid.Nil {
		return nil, nil
	}
	if c == nil || c.ID != d.WorkspaceCustomerID {
		return nil, fmt.Errorf("link to %s: workspace customer %s not loaded", d.ID, d.WorkspaceCustomerID)
	}
	if err := c.live(); err != nil {
		return nil, err
	}
	return []Change{change(c.StreamID(), c.Version(), CustomerLinkAdded{CustomerID: c.ID, LinkID: linkID, DocumentID: d.ID})}, nil
}

// CheckWorkspaceLink decides whether a link to d may be used now, as far as d's
// workspace customer c is concerned: not while c is paused (the link is suspended
// until a resume), never once c is revoked (also for links created before the
// revoke cancelled them by event). c may be nil when d lies in no workspace.
func CheckWorkspaceLink(d *Document, c *Customer) error {
	if d.WorkspaceCustomerID == uuid.Nil {
		return nil
	}
	if c == nil || c.ID != d.WorkspaceCustomerID {
		return fmt.Errorf("link to %s: workspace customer %s not loaded", d.ID, d.WorkspaceCustomerID)
	}
	switch c.Status {
	case StatusPaused:
		return fmt.Errorf("customer %s is paused: %w", c.ID, ErrLinkGone)
	case StatusRevoked:
		return fmt.Errorf("customer %s is revoked: %w", c.ID, ErrLinkGone)
	}
	return nil
}
