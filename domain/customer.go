package domain

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Customer is one provider's connection to one customer company:
//
//	invited -> active <-> paused -> revoked (terminal)
//
// A revoked customer never comes back; connecting the company again creates a new
// customer. The customer also tracks its active shares, so that revoking and
// granting meet on this stream's version.
type Customer struct {
	base
	ID                uuid.UUID
	ProviderID        uuid.UUID
	CompanyID         uuid.UUID
	CompanyName       string
	Status            CustomerStatus
	Via               string
	GroupID           uuid.UUID
	WorkspaceFolderID uuid.UUID
	MasterAccess      bool
	DocumentsEnabled  *bool // nil: the provider's default
	CreatedAt         time.Time
	// The invitation, while Status is invited.
	Contact   PersonalData
	TokenHash string
	ExpiresAt time.Time
	// Replaced are the invitation tokens a resend replaced (invitation_renewal.go).
	Replaced ReplacedTokens
	// Shares maps each active share of the customer to what it covers.
	Shares map[uuid.UUID]ShareTarget
	// Links lists every link ever created to a document in the workspace (see
	// EndCustomer), in order.
	Links []uuid.UUID
	// RevokeReason is set once revoked: ReasonCustomerRevoked or ReasonCustomerLeft.
	RevokeReason string
}

// ShareTarget is what a share covers: a document, or a folder and everything below.
type ShareTarget struct {
	DocumentID uuid.UUID
	FolderID   uuid.UUID
}

// Replay applies the aggregate's stored events in order.
func (c *Customer) Replay(events ...Event) { c.replay(c.apply, events) }

// StreamID is the aggregate's stream.
func (c *Customer) StreamID() string { return CustomerStream(c.ID) }

func (c *Customer) apply(e Event) {
	switch e := e.(type) {
	case CustomerConnected:
		c.ID, c.ProviderID, c.CompanyID, c.CompanyName = e.CustomerID, e.ProviderID, e.CompanyID, e.CompanyName
		c.WorkspaceFolderID, c.Via, c.CreatedAt, c.Status = e.WorkspaceFolderID, e.Via, e.ConnectedAt, StatusActive
		c.Shares = map[uuid.UUID]ShareTarget{}
	case CustomerInvited:
		c.ID, c.ProviderID, c.CompanyID, c.CompanyName = e.CustomerID, e.ProviderID, e.CompanyID, e.CompanyName
		c.WorkspaceFolderID, c.Via, c.CreatedAt, c.Status = e.WorkspaceFolderID, ViaProvider, e.InvitedAt, StatusInvited
		c.Contact, c.TokenHash, c.ExpiresAt = e.Contact, e.TokenHash, e.ExpiresAt
		c.Shares = map[uuid.UUID]ShareTarget{}
	case CustomerInvitationAccepted:
		c.Status = StatusActive
	case CustomerAssignedToGroup:
		c.GroupID = e.GroupID
	case SharingPaused:
		c.Status = StatusPaused
	case SharingResumed:
		c.Status = StatusActive
	case SharingRevoked:
		c.Status, c.RevokeReason = StatusRevoked, e.Reason
		// Every active share is cancelled in the revoking batch.
		clear(c.Shares)
	case MasterAccessGranted:
		c.MasterAccess = true
	case MasterAccessWithdrawn:
		c.MasterAccess = false
	case PortalDocumentsToggled:
		c.DocumentsEnabled = e.DocumentsEnabled
	case CustomerShareAdded:
		c.Shares[e.ShareID] = ShareTarget{DocumentID: e.DocumentID, FolderID: e.FolderID}
	case CustomerShareRemoved:
		delete(c.Shares, e.ShareID)
	case CustomerUserInvited:
	case CustomerLinkAdded:
		c.Links = append(c.Links, e.LinkID)
	case CustomerInvitationRenewed:
		c.Replaced.add(c.TokenHash)
		c.TokenHash, c.ExpiresAt = e.TokenHash, e.ExpiresAt
	}
}

// ActiveShareIDs lists the active shares in a stable order.
func (c *Customer) ActiveShareIDs() []uuid.UUID {
	ids := make([]uuid.UUID, 0, len(c.Shares))
	for id := range c.Shares {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, compareUUID)
	return ids
}

// DocumentsOn reports whether the portal documents module is on for the customer.
func (c *Customer) DocumentsOn(providerDefault bool) bool {
	if c.DocumentsEnabled != nil {
		return *c.DocumentsEnabled
	}
	return providerDefault
}

// live is the guard of every command on an existing customer.
func (c *Customer) live() error {
	switch {
	case !c.Exists():
		return fmt.Errorf("customer: %w", ErrNotFound)
	case c.Status == StatusRevoked:
		return fmt.Errorf("customer %s: %w", c.ID, ErrCustomerRevoked)
	}
	return nil
}

// NewCustomer is the input of ConnectCustomer.
type NewCustomer struct {
	CustomerID        uuid.UUID
	WorkspaceFolderID uuid.UUID
	Company           *Company // the customer company, already on the platform
	Group             *Group   // nil: no group
}

// ConnectCustomer connects provider to a company already on the platform: an active
// customer with its workspace folder, tracked on the provider's stream so the same
// company cannot be connected twice while this customer lives.
func ConnectCustomer(provider *Company, in NewCustomer, via string, now time.Time) ([]Change, error) {
	if !in.Company.Exists() {
		return nil, fmt.Errorf("company: %w", ErrNotFound)
	}
	if err := checkGroup(provider, in.Group); err != nil {
		return nil, err
	}
	tracked, err := provider.addCustomer(in.CustomerID, in.Company.ID)
	if err != nil {
		return nil, err
	}
	customer := []Event{CustomerConnected{
		CustomerID: in.CustomerID, ProviderID: provider.ID, CompanyID: in.Company.ID, CompanyName: in.Company.Name,
		WorkspaceFolderID: in.WorkspaceFolderID, Via: via, ConnectedAt: now,
	}}
	return newCustomerChanges(provider, in.CustomerID, in.WorkspaceFolderID, in.Company.Name, in.Group, customer, tracked, now), nil
}

// CustomerInvitation is the input of InviteCustomer.
type CustomerInvitation struct {
	CustomerID        uuid.UUID
	CompanyID         uuid.UUID // reserved for the company the invitation creates
	WorkspaceFolderID uuid.UUID
	CompanyName       string
	ContactName       string
	ContactEmail      string
	Group             *Group // nil: no group
	TokenHash         string
	ExpiresAt         time.Time
}

// InviteCustomer invites a company that is not on the platform yet: the customer is
// invited until the contact accepts (AcceptCustomerInvitation).
func InviteCustomer(provider *Company, in CustomerInvitation, now time.Time) ([]Change, error) {
	name, err := cleanName("company_name", in.CompanyName, maxNameLen)
	if err != nil {
		return nil, err
	}
	contact, err := cleanName("contact_name", in.ContactName, maxNameLen)
	if err != nil {
		return nil, err
	}
	email, err := NormalizeEmail(in.ContactEmail)
	if err != nil {
		return nil, err
	}
	if in.TokenHash == "" {
		return nil, invalid("token", "is missing")
	}
	if err := validExpiry("expires_at", in.ExpiresAt, now); err != nil {
		return nil, err
	}
	if err := checkGroup(provider, in.Group); err != nil {
		return nil, err
	}
	tracked, err := provider.addCustomer(in.CustomerID, in.CompanyID)
	if err != nil {
		return nil, err
	}
	customer := []Event{CustomerInvited{
		CustomerID: in.CustomerID, ProviderID: provider.ID, CompanyID: in.CompanyID, CompanyName: name,
		Contact: PersonalData{Name: contact, Email: email}, WorkspaceFolderID: in.WorkspaceFolderID,
		TokenHash: in.TokenHash, ExpiresAt: in.ExpiresAt, InvitedAt: now,
	}}
	return newCustomerChanges(provider, in.CustomerID, in.WorkspaceFolderID, name, in.Group, customer, tracked, now), nil
}

func checkGroup(provider *Company, g *Group) error {
	if g != nil && (!g.Exists() || g.ProviderID != provider.ID) {
		return fmt.Errorf("group: %w", ErrNotFound)
	}
	return nil
}

func newCustomerChanges(provider *Company, customerID, folderID uuid.UUID, name string, g *Group, customer, tracked []Event, now time.Time) []Change {
	if g != nil {
		customer = append(customer, CustomerAssignedToGroup{CustomerID: customerID, ProviderID: provider.ID, GroupID: g.ID, AssignedAt: now})
	}
	folder := FolderCreated{FolderID: folderID, ProviderID: provider.ID, Name: name, WorkspaceCustomerID: customerID, CreatedAt: now}
	return []Change{
		change(CustomerStream(customerID), 0, customer...),
		change(FolderStream(folderID), 0, folder),
		change(provider.StreamID(), provider.Version(), tracked...),
	}
}

// AcceptCustomerInvitation turns an invitation into a company with its first user
// (an admin, the invited contact) and makes the customer active. name, when not
// empty, replaces the contact name the provider typed.
func AcceptCustomerInvitation(c *Customer, tokenHash string, userID uuid.UUID, name string, now time.Time) ([]Change, error) {
	if c.Exists() && c.Replaced[tokenHash] {
		return nil, fmt.Errorf("invitation replaced by a newer one: %w", ErrInvitationGone)
	}
	if !c.Exists() || !sameHash(c.TokenHash, tokenHash) {
		return nil, fmt.Errorf("invitation: %w", ErrNotFound)
	}
	switch {
	case c.Status == StatusRevoked:
		return nil, fmt.Errorf("invitation withdrawn: %w", ErrInvitationGone)
	case c.Status != StatusInvited:
		return nil, fmt.Errorf("invitation already used: %w", ErrInvitationGone)
	case !now.Before(c.ExpiresAt):
		return nil, fmt.Errorf("invitation expired at %s: %w", c.ExpiresAt.Format(time.RFC3339), ErrInvitationGone)
	}
	if name == "" {
		name = c.Contact.Name
	}
	company, err := (&Company{}).Register(c.CompanyID, c.CompanyName, ViaCustomerInvitation, now)
	if err != nil {
		return nil, err
	}
	user, err := (&User{}).Register(NewUser{ID: userID, CompanyID: c.CompanyID, Name: name, Email: c.Contact.Email, Role: RoleAdmin}, now)
	if err != nil {
		return nil, err
	}
	return []Change{
		change(CompanyStream(c.CompanyID), 0, company...),
		change(UserStream(userID), 0, user...),
		change(c.StreamID(), c.Version(), CustomerInvitationAccepted{CustomerID: c.ID, ProviderID: c.ProviderID, CompanyID: c.CompanyID, UserID: userID, AcceptedAt: now}),
	}, nil
}

// GroupRegistration is the input of RegisterWithGroupCode.
type GroupRegistration struct {
	CompanyID         uuid.UUID
	UserID            uuid.UUID
	CustomerID        uuid.UUID
	WorkspaceFolderID uuid.UUID
	CompanyName       string
	Name              string
	Email             string
	// Code is the code the customer typed: it must be the group's current one,
	// and the group must admit self-registration.
	Code string
}

// RegisterWithGroupCode registers a new company with its first admin and connects
// it, active, as a customer of the group's provider, in that group.
func RegisterWithGroupCode(g *Group, provider *Company, in GroupRegistration, now time.Time) ([]Change, error) {
	if !g.Exists() || !provider.Exists() || g.ProviderID != provider.ID {
		return nil, fmt.Errorf("group code: %w", ErrNotFound)
	}
	if err := g.admits(in.Code); err != nil {
		return nil, err
	}
	companyEvents, err := (&Company{}).Register(in.CompanyID, in.CompanyName, ViaGroupCode, now)
	if err != nil {
		return nil, err
	}
	user, err := (&User{}).Register(NewUser{ID: in.UserID, CompanyID: in.CompanyID, Name: in.Name, Email: in.Email, Role: RoleAdmin}, now)
	if err != nil {
		return nil, err
	}
	company := &Company{}
	company.Replay(companyEvents...)
	connected, err := ConnectCustomer(provider, NewCustomer{CustomerID: in.CustomerID, WorkspaceFolderID: in.WorkspaceFolderID, Company: company, Group: g}, ViaGroupCode, now)
	if err != nil {
		return nil, err
	}
	return append([]Change{
		change(CompanyStream(in.CompanyID), 0, companyEvents...),
		change(UserStream(in.UserID), 0, user...),
	}, connected...), nil
}

// Pause stops the customer seeing anything until Resume.
func (c *Customer) Pause(now time.Time) ([]Event, error) {
	if err := c.live(); err != nil {
		return nil, err
	}
	if c.Status != StatusActive {
		return nil, fmt.Errorf("customer is %s, not active: %w", c.Status, ErrConflict)
	}
	return []Event{SharingPaused{CustomerID: c.ID, ProviderID: c.ProviderID, PausedAt: now}}, nil
}

// Resume lets a paused customer see its shares again (including those granted while
// it was paused).
func (c *Customer) Resume(now time.Time) ([]Event, error) {
	if err := c.live(); err != nil {
		return nil, err
	}
	if c.Status != StatusPaused {
		return nil, fmt.Errorf("customer is %s, not paused: %w", c.Status, ErrConflict)
	}
	return []Event{SharingResumed{CustomerID: c.ID, ProviderID: c.ProviderID, ResumedAt: now}}, nil
}

// RevokeCustomer ends the customer for good, by the provider: EndCustomer with
// reason customer_revoked. shares must hold every share in c.Shares; c must track no
// link (else use EndCustomer with the links loaded).
func RevokeCustomer(provider *Company, c *Customer, shares map[uuid.UUID]*Share, by uuid.UUID, now time.Time) ([]Change, error) {
	return EndCustomer(CustomerEnding{Provider: provider, Customer: c, Shares: shares, Reason: ReasonCustomerRevoked, By: by}, now)
}

// SetMasterAccess turns master access on or off; the current value records nothing.
func (c *Customer) SetMasterAccess(on bool, now time.Time) ([]Event, error) {
	if err := c.live(); err != nil {
		return nil, err
	}
	switch {
	case on == c.MasterAccess:
		return nil, nil
	case on:
		return []Event{MasterAccessGranted{CustomerID: c.ID, ProviderID: c.ProviderID, GrantedAt: now}}, nil
	}
	return []Event{MasterAccessWithdrawn{CustomerID: c.ID, ProviderID: c.ProviderID, WithdrawnAt: now}}, nil
}

// SetDocumentsEnabled sets the customer's own documents-module setting (nil: use the
// provider's default); the current value records nothing.
func (c *Customer) SetDocumentsEnabled(enabled *bool, now time.Time) ([]Event, error) {
	if err := c.live(); err != nil {
		return nil, err
	}
	if (enabled == nil) == (c.DocumentsEnabled == nil) && (enabled == nil || *enabled == *c.DocumentsEnabled) {
		return nil, nil
	}
	var v *bool
	if enabled != nil {
		v = new(*enabled) // the event must not alias the caller's variable
	}
	return []Event{PortalDocumentsToggled{CustomerID: c.ID, ProviderID: c.ProviderID, DocumentsEnabled: v, ToggledAt: now}}, nil
}

// AssignGroup moves the customer into g (nil: into no group). A customer is in at
// most one group at a time.
func (c *Customer) AssignGroup(g *Group, now time.Time) ([]Event, error) {
	if err := c.live(); err != nil {
		return nil, err
	}
	var to uuid.UUID
	if g != nil {
		if !g.Exists() || g.ProviderID != c.ProviderID {
			return nil, fmt.Errorf("group: %w", ErrNotFound)
		}
		to = g.ID
	}
	if to == c.GroupID {
		return nil, nil
	}
	return []Event{CustomerAssignedToGroup{CustomerID: c.ID, ProviderID: c.ProviderID, GroupID: to, PreviousGroupID: c.GroupID, AssignedAt: now}}, nil
}

// InviteCustomerUser invites another portal user for the customer: a user of this
// (provider, customer) pair only, not a member of the customer's company. The
// customer stream records it too, so an invitation cannot slip in after a revoke.
func InviteCustomerUser(c *Customer, in NewUser, invitedBy uuid.UUID, tokenHash string, expiresAt, now time.Time) ([]Change, error) {
	if err := c.live(); err != nil {
		return nil, err
	}
	if c.Status == StatusInvited {
		return nil, fmt.Errorf("customer has not accepted its invitation yet: %w", ErrConflict)
	}
	in.CompanyID, in.CustomerID, in.Role, in.CanShare, in.Auditor = c.CompanyID, c.ID, RoleMember, false, false
	user, err := (&User{}).Invite(in, c.ProviderID, invitedBy, tokenHash, expiresAt, now)
	if err != nil {
		return nil, err
	}
	return []Change{
		change(UserStream(in.ID), 0, user...),
		change(c.StreamID(), c.Version(), CustomerUserInvited{CustomerID: c.ID, ProviderID: c.ProviderID, UserID: in.ID, InvitedAt: now}),
	}, nil
}

func compareUUID(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) }
