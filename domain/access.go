package domain

import (
	"fmt"

	"github.com/google/uuid"
)

// Principal is who acts, as far as access rules are concerned.
type Principal struct {
	UserID    uuid.UUID
	CompanyID uuid.UUID
	Role      Role
	CanShare  bool
	Auditor   bool
	Active    bool
	// Kind is staff (the zero value counts as staff) or portal; a portal principal
	// belongs to PortalOf only, and CompanyID is then its customer's company.
	Kind     UserKind
	PortalOf PortalOf
}

// Action is something a staff user does with a provider's data.
type Action string

const (
	ActionViewCustomer   Action = "view_customer"   // read a customer, its settings and workspace
	ActionManageCustomer Action = "manage_customer" // pause/resume/revoke, master access, portal settings, portal users, group moves
	ActionAddCustomer    Action = "add_customer"    // connect or invite a customer into the scope's group
	ActionShare          Action = "share"           // grant/change/cancel portal shares, create/cancel links
	ActionViewLibrary    Action = "view_library"    // read folders and documents
	ActionEditLibrary    Action = "edit_library"    // create folders, add/remove documents and versions, publish/hide
	ActionManageStaff    Action = "manage_staff"    // invite staff, change roles
	ActionManageGroups   Action = "manage_groups"   // create groups, grant/revoke group access
	ActionManageSettings Action = "manage_settings" // provider-wide portal defaults
	ActionReadAudit      Action = "read_audit"      // raw log, share history replay, hash-chain check
)

// Actions lists every Action (for exhaustive tests and documentation).
var Actions = []Action{
	ActionViewCustomer, ActionManageCustomer, ActionAddCustomer, ActionShare,
	ActionViewLibrary, ActionEditLibrary, ActionManageStaff, ActionManageGroups,
	ActionManageSettings, ActionReadAudit,
}

// Scope is where an action happens.
type Scope struct {
	// ProviderID owns the data.
	ProviderID uuid.UUID
	// Customer is set when the data belongs to one customer: the customer itself, its
	// workspace folder and what lies in it, a share with it, a link to a document in
	// its workspace. Then GroupAccess decides for members.
	Customer bool
	// GroupAccess is the principal's access to the customer's group; AccessNone when
	// the customer is in no group (ungrouped customers are for admins only).
	GroupAccess AccessLevel
}

// LibraryScope is the scope of provider data that belongs to no customer.
func LibraryScope(providerID uuid.UUID) Scope { return Scope{ProviderID: providerID} }

// CustomerScope is the scope of one customer's data for a principal with the given
// access to the customer's group.
func CustomerScope(providerID uuid.UUID, access AccessLevel) Scope {
	return Scope{ProviderID: providerID, Customer: true, GroupAccess: access}
}

// Authorize decides whether p may do a in s. It answers ErrNotFound when p may not
// even see the target (another company's data, a customer outside p's groups), so
// that existence does not leak, and ErrForbidden when p sees it but may not act.
//
// The rules: admins do everything in their own company. Members see customers of the
// groups they have read or write access to and change them only with write; the
// provider's library outside workspaces is open to every member. Sharing (portal
// shares and links) additionally needs the can_share flag. Staff, groups and
// provider settings are for admins. Audit data is for admins and auditors; the
// auditor flag grants nothing else, and makes a member read-only: an auditor
// member only views (an admin stays an admin).
//
// A portal principal is never staff: every action answers ErrNotFound, whatever
// company the scope names (its own customer company's included). What it may do
// is AuthorizePortal's business.
func Authorize(p Principal, a Action, s Scope) error {
	if p.Portal() {
		return portalRefused(a)
	}
	if !p.Active || p.UserID == uuid.Nil || p.CompanyID != s.ProviderID {
		return fmt.Errorf("%s: %w", a, ErrNotFound)
	}
	if p.Role == RoleAdmin {
		return nil
	}
	forbidden := fmt.Errorf("%s needs more rights: %w", a, ErrForbidden)
	switch a {
	case ActionReadAudit:
		if p.Auditor {
			return nil
		}
		return forbidden
	case ActionManageStaff, ActionManageGroups, ActionManageSettings:
		return forbidden
	}
	// Actions on customers are always customer-scoped, whatever scope was passed.
	customer := s.Customer || a == ActionViewCustomer || a == ActionManageCustomer || a == ActionAddCustomer
	sees := !customer || s.GroupAccess == AccessRead || s.GroupAccess == AccessWrite
	writes := !customer || s.GroupAccess == AccessWrite
	switch a {
	case ActionAddCustomer:
		// The customer does not exist yet: there is nothing to hide.
		if writes && !p.Auditor {
			return nil
		}
		return forbidden
	case ActionViewCustomer, ActionViewLibrary:
		if sees {
			return nil
		}
		return fmt.Errorf("%s: %w", a, ErrNotFound)
	case ActionManageCustomer, ActionEditLibrary, ActionShare:
		switch {
		case !sees:
			return fmt.Errorf("%s: %w", a, ErrNotFound)
		case !writes, a == ActionShare && !p.CanShare, p.Auditor:
			return forbidden
		}
		return nil
	}
	return fmt.Errorf("unknown action %q: %w", a, ErrForbidden)
}

// AuthorizePortal decides whether p may use c's portal at all: p must be an active
// staff user of the customer company, or an active portal user of exactly this
// customer (its provider and its customer), and the customer must have accepted
// (an invited customer's company does not exist yet). What p may do inside is the
// portal view's business (see PortalView.MayUpload and friends).
func AuthorizePortal(p Principal, c *Customer) error {
	if !p.Active || !c.Exists() || p.CompanyID != c.CompanyID || c.Status == StatusInvited ||
		p.Portal() && !p.portalMayUse(c) {
		return fmt.Errorf("portal: %w", ErrNotFound)
	}
	return nil
}
