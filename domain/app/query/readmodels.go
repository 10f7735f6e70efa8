package query

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// The read models a query asks, as interfaces. Package projections implements
// them over PostgreSQL (projections/readmodels.go); the rows they answer are
// plain data. None of them decides access: they are told, through a GroupFilter
// or a company id, which rows a viewer may see.

// ErrOtherCompany is a session's user known under another company than the
// session's: not a valid session.
var ErrOtherCompany = errors.New("the user belongs to another company than its session")

// Viewers resolves the caller of a request.
type Viewers interface {
	// Viewer reads a user's role, flags and group access; a user the read model
	// does not know (yet) is an inactive principal of companyID, one it knows
	// under another company is ErrOtherCompany.
	Viewer(ctx context.Context, userID, companyID uuid.UUID) (Viewer, error)
	// UserRole reads one user's role and flags, to resolve a session's principal;
	// ErrNotFound when the read model does not know the user (yet).
	UserRole(ctx context.Context, userID uuid.UUID) (UserRole, error)
	// Me reads the user of a session; ErrNotFound when the read model does not
	// know it (yet), or knows it under another company.
	Me(ctx context.Context, userID, companyID uuid.UUID) (Me, error)
}

// UserRole is a user's role and flags.
type UserRole struct {
	CompanyID uuid.UUID
	Role      domain.Role
	CanShare  bool
	Auditor   bool
	Active    bool
	Kind      domain.UserKind
	PortalOf  domain.PortalOf
}

// Me is a user as it sees itself.
type Me struct {
	UserID    uuid.UUID
	CompanyID uuid.UUID
	Name      string
	Email     string
	Kind      domain.UserKind
	Role      domain.Role
	CanShare  bool
	Auditor   bool
	Active    bool
	PortalOf  domain.PortalOf
}

// LibraryReadModel answers about folders, documents and portal shares.
type LibraryReadModel interface {
	Folder(ctx context.Context, id uuid.UUID) (Folder, error)
	Subfolders(ctx context.Context, parent uuid.UUID, visible GroupFilter, after *NameKey, limit int) ([]Folder, error)
	Document(ctx context.Context, id uuid.UUID) (Document, error)
	Documents(ctx context.Context, f DocumentFilter, after *NameKey, limit int) ([]Document, error)
	DocumentVersions(ctx context.Context, id uuid.UUID) ([]Version, error)
	Shares(ctx context.Context, f ShareFilter, after *TimeKey, limit int) ([]Share, error)
	ShareHistory(ctx context.Context, provider, document uuid.UUID, visible GroupFilter, after *TimeKey, limit int) ([]HistoryEntry, error)
}

// CustomerReadModel answers about a provider's customers and what their portal
// shows.
type CustomerReadModel interface {
	Customer(ctx context.Context, id uuid.UUID) (Customer, error)
	Customers(ctx context.Context, f CustomerFilter, after *NameKey, limit int) ([]Customer, error)
	// PortalCustomer is the customer company is of provider.
	PortalCustomer(ctx context.Context, company, provider uuid.UUID) (Customer, error)
	PortalView(ctx context.Context, customer uuid.UUID) (domain.PortalView, error)
	// PortalProviders lists the providers company is a customer of; with of set,
	// only that provider's.
	PortalProviders(ctx context.Context, company uuid.UUID, of *domain.PortalOf, after *NameKey, limit int) ([]PortalProvider, error)
	// CustomerUsers lists the portal users of a customer sorted by name.
	CustomerUsers(ctx context.Context, customer uuid.UUID, after *NameKey, limit int) ([]CustomerUser, error)
}

// AccountReadModel answers about companies, staff and groups.
type AccountReadModel interface {
	Directory(ctx context.Context, self uuid.UUID, search string, after *NameKey, limit int) ([]DirectoryEntry, error)
	// Groups lists a provider's groups; only, when not nil, limits them.
	Groups(ctx context.Context, provider uuid.UUID, only []uuid.UUID, after *NameKey, limit int) ([]Group, error)
	Staff(ctx context.Context, company uuid.UUID, search string, after *NameKey, limit int) ([]Staff, error)
}

// AuditReadModel answers the audit questions that need the log itself.
type AuditReadModel interface {
	// CustomerTenant is the provider a customer belongs to (ErrNotFound: none).
	CustomerTenant(ctx context.Context, customer uuid.UUID) (uuid.UUID, error)
	// PortalViewAsOf replays the log up to at.
	PortalViewAsOf(ctx context.Context, customer uuid.UUID, at time.Time) (domain.PortalView, error)
	// DocumentAccessStreams names the streams of a document's access history (the
	// document, its shares and those of the folders above it, its links, their
	// opens and its downloads), when the document is tenant's (ErrNotFound else).
	DocumentAccessStreams(ctx context.Context, tenant, document uuid.UUID) ([]string, error)
}

// NameKey is the keyset position of lists sorted by lower(name), id.
type NameKey struct {
	Name string    `json:"n"`
	ID   uuid.UUID `json:"id"`
}

// TimeKey is the keyset position of lists sorted newest first.
type TimeKey struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"id"`
}

// GroupFilter limits rows that belong to a customer to the customers a viewer
// sees: All, or those of Groups (Viewer.Customers builds it).
type GroupFilter struct {
	All    bool
	Groups []uuid.UUID
}

// Folder is a folder of a provider's library.
type Folder struct {
	ID                  uuid.UUID
	ProviderID          uuid.UUID
	ParentID            *uuid.UUID
	Name                string
	WorkspaceCustomerID *uuid.UUID
	CreatedByCustomerID *uuid.UUID
	CustomerGroupID     *uuid.UUID
	CreatedAt           time.Time
}

// Version is one version of a document.
type Version struct {
	Number               int
	SHA256               string
	Size                 int64
	MediaType            string
	Hidden               bool
	UploadedByCustomerID *uuid.UUID
	AddedAt              time.Time
}

// Document is a document with its newest version.
type Document struct {
	ID                   uuid.UUID
	ProviderID           uuid.UUID
	FolderID             uuid.UUID
	Name                 string
	WorkspaceCustomerID  *uuid.UUID
	UploadedByCustomerID *uuid.UUID
	CustomerGroupID      *uuid.UUID
	Removed              bool
	AddedAt              time.Time
	Newest               Version
}

// owner is the customer whose data the document is (nil: the provider's).
func (d Document) owner() *uuid.UUID {
	if d.WorkspaceCustomerID != nil {
		return d.WorkspaceCustomerID
	}
	return d.UploadedByCustomerID
}

// DocumentFilter selects documents of a provider.
type DocumentFilter struct {
	Provider   uuid.UUID
	Visible    GroupFilter
	FolderID   *uuid.UUID // directly inside this folder
	CustomerID *uuid.UUID // in this customer's workspace, at any depth
	Search     string     // part of the name
	// UploadedByCustomer: nil any; true only customers' uploads; false only the
	// provider's own (issue 17).
	UploadedByCustomer *bool
}

// Share is a portal share.
type Share struct {
	ID              uuid.UUID
	ProviderID      uuid.UUID
	CustomerID      uuid.UUID
	CustomerName    string
	CustomerGroupID *uuid.UUID
	DocumentID      *uuid.UUID
	FolderID        *uuid.UUID
	Permission      string
	GrantedBy       uuid.UUID
	GrantedAt       time.Time
	Cancelled       bool
	Reason          *string
	CancelledBy     *uuid.UUID
	CancelledAt     *time.Time
	ExpiresAt       *time.Time // nil: never (issue 17)
}

// ShareFilter selects portal shares of a provider.
type ShareFilter struct {
	Provider   uuid.UUID
	Visible    GroupFilter
	CustomerID *uuid.UUID
	DocumentID *uuid.UUID // shares of exactly this document
	Status     string     // active, expired, cancelled or "" (any)
	Now        time.Time  // the request's clock: active versus expired
}

// HistoryEntry is a portal share or a link that gave access to a document.
type HistoryEntry struct {
	ID               uuid.UUID
	Type             string // portal or link
	CustomerID       *uuid.UUID
	CustomerName     *string
	Permission       string
	SharedByID       uuid.UUID
	SharedByName     string
	SharedAt         time.Time
	ExpiresAt        *time.Time
	PasswordRequired bool
	Cancelled        bool
	CancelledByID    *uuid.UUID
	CancelledByName  *string
	CancelledAt      *time.Time
	CancelReason     *string
	OpenedCount      int
	LastOpenedAt     *time.Time
	FolderID         *uuid.UUID // the shared folder above the document, for a folder share or link
	FolderName       *string
	// For a link: its last change of expiry or password, and the copies of its URL.
	ChangedByID      *uuid.UUID
	ChangedByName    *string
	ChangedAt        *time.Time
	CopiedCount      int
	LastCopiedAt     *time.Time
	LastCopiedByID   *uuid.UUID
	LastCopiedByName *string
}

// Customer is a provider's customer.
type Customer struct {
	ID                uuid.UUID
	ProviderID        uuid.UUID
	CompanyID         uuid.UUID
	CompanyName       string
	Status            string
	Via               string
	GroupID           *uuid.UUID
	GroupName         *string
	WorkspaceFolderID uuid.UUID
	MasterAccess      bool
	DocumentsEnabled  *bool
	ContactName       *string
	ContactEmail      *string
	CreatedAt         time.Time
	StatusChangedAt   time.Time
	RevokeReason      *string // once revoked: customer_revoked or customer_left
	// While invited: when the newest invitation stops working.
	InvitationExpiresAt *time.Time
}

// CustomerFilter selects customers of a provider.
type CustomerFilter struct {
	Provider uuid.UUID
	Visible  GroupFilter
	Status   string     // "" any; expired: invited, with the invitation past its expiry at Now
	GroupID  *uuid.UUID // nil any
	Search   string     // part of the company name; "" any
	Now      time.Time  // the request's clock, for invited versus expired
}

// CustomerUser is a portal user of a customer.
type CustomerUser struct {
	UserID              uuid.UUID
	Name                string
	Email               string
	Status              string // invited, active, deactivated (expired: see InvitationStatus)
	InvitedAt           *time.Time
	ActivatedAt         *time.Time
	InvitationExpiresAt *time.Time
}

// PortalProvider is a provider as one of its customers' companies sees it.
type PortalProvider struct {
	ProviderID       uuid.UUID
	Name             string
	CustomerID       uuid.UUID
	Status           string
	DocumentsEnabled bool // in effect: the customer's setting, else the provider's default
	MasterAccess     bool
	Since            time.Time
}

// DirectoryEntry is a company on the platform.
type DirectoryEntry struct {
	CompanyID uuid.UUID
	Name      string
}

// GroupMember is a staff user's access to a group.
type GroupMember struct {
	UserID    uuid.UUID
	Name      string
	Access    domain.AccessLevel
	GrantedAt time.Time
}

// Group is a provider's customer group.
type Group struct {
	ID               uuid.UUID
	Name             string
	Code             string
	CreatedAt        time.Time
	Customers        int // customers of the provider in the group, revoked ones excepted
	Members          []GroupMember
	SelfRegistration bool // the code registers customers
}

// StaffGroup is a staff user's access to one group.
type StaffGroup struct {
	GroupID uuid.UUID
	Name    string
	Access  domain.AccessLevel
}

// Staff is a user of a company.
type Staff struct {
	UserID      uuid.UUID
	Name        string
	Email       string
	Role        domain.Role
	CanShare    bool
	Auditor     bool
	Status      string // invited, active, deactivated (expired: see InvitationStatus)
	InvitedAt   *time.Time
	ActivatedAt *time.Time
	Groups      []StaffGroup
	// While invited: when the newest invitation stops working.
	InvitationExpiresAt *time.Time
}
