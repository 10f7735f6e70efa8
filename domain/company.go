package domain

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Company is an account on the platform. As a provider it also tracks which
// companies it has a live (not revoked) customer for, so a company cannot be
// connected twice.
//
// Fields are for reading; they change only through apply.
type Company struct {
	base
	ID           uuid.UUID
	Name         string
	Via          string
	RegisteredAt time.Time
	// DocumentsEnabledDefault applies to customers without their own setting. The
	// portal documents module is on until a provider switches the default off.
	DocumentsEnabledDefault bool
	// NewVersionsHidden: uploads that do not say hidden are hidden (off until set).
	NewVersionsHidden bool
	// Customers maps a customer company to this provider's live customer for it.
	Customers map[uuid.UUID]uuid.UUID
}

// Replay applies stored events in order.
func (c *Company) Replay(events ...Event) { c.replay(c.apply, events) }

// StreamID is the company's stream.
func (c *Company) StreamID() string { return CompanyStream(c.ID) }

func (c *Company) apply(e Event) {
	switch e := e.(type) {
	case CompanyRegistered:
		c.ID, c.Name, c.Via, c.RegisteredAt = e.CompanyID, e.Name, e.Via, e.RegisteredAt
		c.DocumentsEnabledDefault = true
		c.Customers = map[uuid.UUID]uuid.UUID{}
	case PortalDefaultsChanged:
		c.DocumentsEnabledDefault = e.DocumentsEnabledDefault
		if e.NewVersionsHidden != nil {
			c.NewVersionsHidden = *e.NewVersionsHidden
		}
	case ProviderCustomerAdded:
		c.Customers[e.CustomerCompanyID] = e.CustomerID
	case ProviderCustomerRemoved:
		if c.Customers[e.CustomerCompanyID] == e.CustomerID {
			delete(c.Customers, e.CustomerCompanyID)
		}
	}
}

// Register creates the company.
func (c *Company) Register(id uuid.UUID, name, via string, now time.Time) ([]Event, error) {
	if c.Exists() {
		return nil, fmt.Errorf("company %s already registered: %w", c.ID, ErrConflict)
	}
	name, err := cleanName("company_name", name, maxNameLen)
	if err != nil {
		return nil, err
	}
	return []Event{CompanyRegistered{CompanyID: id, Name: name, Via: via, RegisteredAt: now}}, nil
}

// SetPortalDefault sets whether the documents module is on for customers without a
// setting of their own. Setting the current value records nothing.
func (c *Company) SetPortalDefault(enabled bool, now time.Time) ([]Event, error) {
	if !c.Exists() {
		return nil, fmt.Errorf("company: %w", ErrNotFound)
	}
	if c.DocumentsEnabledDefault == enabled {
		return nil, nil
	}
	return []Event{PortalDefaultsChanged{CompanyID: c.ID, DocumentsEnabledDefault: enabled, ChangedAt: now}}, nil
}

// addCustomer records a new customer for companyID; a live one must not exist.
func (c *Company) addCustomer(customerID, companyID uuid.UUID) ([]Event, error) {
	if !c.Exists() {
		return nil, fmt.Errorf("provider: %w", ErrNotFound)
	}
	if companyID == c.ID {
		return nil, invalid("company_id", "a company cannot be its own customer")
	}
	if existing, ok := c.Customers[companyID]; ok {
		return nil, fmt.Errorf("company %s is already customer %s: %w", companyID, existing, ErrConflict)
	}
	return []Event{ProviderCustomerAdded{ProviderID: c.ID, CustomerID: customerID, CustomerCompanyID: companyID}}, nil
}
