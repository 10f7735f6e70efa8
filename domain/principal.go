package domain

import (
	"fmt"

	"github.com/google/uuid"
)

// UserKind says which side of the tenant boundary a user is on.
type UserKind string

const (
	// UserKindStaff is a member or admin of the user's own company: it acts on
	// that company's data (its library, customers, staff, settings, audit) as its
	// role and group access allow, and sees the portals of the providers its
	// company is a customer of.
	UserKindStaff UserKind = "staff"
	// UserKindPortal is a user a provider invited for one of its customers: it
	// sees that provider's portal with that customer's permissions, and nothing
	// else. It is not a member of the customer's company.
	UserKindPortal UserKind = "portal"
)

// PortalOf is the (provider, customer) pair a portal user belongs to. CustomerID
// is uuid.Nil for users invited before v1.1 recorded it (see upcastUserInvitedV1):
// they belong to the provider's customer for their company.
type PortalOf struct {
	ProviderID uuid.UUID
	CustomerID uuid.UUID
}

// Portal reports whether p is a portal user (never staff of any company).
func (p Principal) Portal() bool { return p.Kind == UserKindPortal }

// portalMayUse reports whether portal principal p belongs to customer c.
func (p Principal) portalMayUse(c *Customer) bool {
	if p.PortalOf.ProviderID != c.ProviderID || p.CompanyID != c.CompanyID {
		return false
	}
	return p.PortalOf.CustomerID == uuid.Nil || p.PortalOf.CustomerID == c.ID
}

// portalRefused is what Authorize answers a portal principal for every
// provider-side action: exactly what an unknown id gets.
func portalRefused(a Action) error { return fmt.Errorf("%s: %w", a, ErrNotFound) }
