package domain

import (
	"time"

	"github.com/google/uuid"
)

// The event catalogue. Rules for every type here:
//   - EventType returns a literal that never changes once stored; it is not derived
//     from the Go type name.
//   - Payload fields are snake_case JSON; times are UTC; ids that may be absent use
//     omitzero, so an absent id is absent in the JSON, not the nil UUID.
//   - No secret is stored in plain text: tokens and passwords appear only as hashes
//     computed by the caller.
//   - Personal data (names and e-mail addresses of people) lives only in fields of
//     type PersonalData.
//   - Stream names the stream the event belongs to.
//
// Changing the meaning of a stored type is not allowed: add a type, or bump its
// schema version and register an upcaster (see LinkCreated).

// ---- company-<id> ----

// CompanyRegistered: a company joined the platform.
type CompanyRegistered struct {
	CompanyID    uuid.UUID `json:"company_id"`
	Name         string    `json:"name"`
	Via          string    `json:"via"` // ViaSignup, ViaCustomerInvitation or ViaGroupCode
	RegisteredAt time.Time `json:"registered_at"`
}

// PortalDefaultsChanged: the provider changed whether the portal documents module
// is on for customers that have no setting of their own, or (NewVersionsHidden,
// absent in older events: unchanged) whether uploads that do not say hidden are
// hidden. DocumentsEnabledDefault always carries the default as it now is.
type PortalDefaultsChanged struct {
	CompanyID               uuid.UUID `json:"company_id"`
	DocumentsEnabledDefault bool      `json:"documents_enabled_default"`
	NewVersionsHidden       *bool     `json:"new_versions_hidden,omitempty"`
	ChangedAt               time.Time `json:"changed_at"`
}

// ProviderCustomerAdded tracks, on the provider's stream, that a customer for a
// company now exists, so a second connection to the same company conflicts.
type ProviderCustomerAdded struct {
	ProviderID        uuid.UUID `json:"provider_id"`
	CustomerID        uuid.UUID `json:"customer_id"`
	CustomerCompanyID uuid.UUID `json:"customer_company_id"`
}

// ProviderCustomerRemoved tracks that a customer was revoked, so the company may be
// connected again (as a new customer).
type ProviderCustomerRemoved struct {
	ProviderID        uuid.UUID `json:"provider_id"`
	CustomerID        uuid.UUID `json:"customer_id"`
	CustomerCompanyID uuid.UUID `json:"customer_company_id"`
}

// ---- user-<id> ----

// UserRegistered: a person created their own account (signup, accepting a customer
// invitation, registering with a group code). They are active at once.
type UserRegistered struct {
	UserID       uuid.UUID    `json:"user_id"`
	CompanyID    uuid.UUID    `json:"company_id"`
	Personal     PersonalData `json:"personal"`
	Role         Role         `json:"role"`
	CanShare     bool         `json:"can_share"`
	Auditor      bool         `json:"auditor"`
	RegisteredAt time.Time    `json:"registered_at"`
}

// UserInvited: a user was invited into a company by its own staff (Kind staff), or
// a provider invited a portal user for one of its customers (Kind portal, with
// ProviderID and CustomerID; CompanyID is then the customer's company, and the
// user is not a member of it). Schema v2 added kind and customer_id (see
// upcastUserInvitedV1).
type UserInvited struct {
	UserID     uuid.UUID    `json:"user_id"`
	CompanyID  uuid.UUID    `json:"company_id"`
	Kind       UserKind     `json:"kind"`
	ProviderID uuid.UUID    `json:"provider_id,omitzero"`
	CustomerID uuid.UUID    `json:"customer_id,omitzero"`
	Personal   PersonalData `json:"personal"`
	Role       Role         `json:"role"`
	CanShare   bool         `json:"can_share"`
	Auditor    bool         `json:"auditor"`
	InvitedBy  uuid.UUID    `json:"invited_by"`
	TokenHash  string       `json:"token_hash"`
	ExpiresAt  time.Time    `json:"expires_at"`
	InvitedAt  time.Time    `json:"invited_at"`
}

// UserActivated: an invited user accepted the invitation and set a password.
type UserActivated struct {
	UserID      uuid.UUID    `json:"user_id"`
	CompanyID   uuid.UUID    `json:"company_id"`
	Personal    PersonalData `json:"personal"`
	ActivatedAt time.Time    `json:"activated_at"`
}

// UserRoleChanged: a user's role or flags changed (the whole new set is recorded).
type UserRoleChanged struct {
	UserID    uuid.UUID `json:"user_id"`
	CompanyID uuid.UUID `json:"company_id"`
	Role      Role      `json:"role"`
	CanShare  bool      `json:"can_share"`
	Auditor   bool      `json:"auditor"`
	ChangedAt time.Time `json:"changed_at"`
}

// ---- group-<id> ----

// CustomerGroupCreated: a provider created a customer group. Code is the name with
// a four-digit suffix, unique on the platform, and the self-registration code.
type CustomerGroupCreated struct {
	GroupID    uuid.UUID `json:"group_id"`
	ProviderID uuid.UUID `json:"provider_id"`
	Name       string    `json:"name"`
	Code       string    `json:"code"`
	CreatedAt  time.Time `json:"created_at"`
}

// GroupAccessGranted: a staff user got (or changed to) read or write access to the
// customers of a group.
type GroupAccessGranted struct {
	GroupID    uuid.UUID   `json:"group_id"`
	ProviderID uuid.UUID   `json:"provider_id"`
	UserID     uuid.UUID   `json:"user_id"`
	Access     AccessLevel `json:"access"`
	GrantedAt  time.Time   `json:"granted_at"`
}

// GroupAccessRevoked: a staff user lost access to a group.
type GroupAccessRevoked struct {
	GroupID    uuid.UUID `json:"group_id"`
	ProviderID uuid.UUID `json:"provider_id"`
	UserID     uuid.UUID `json:"user_id"`
	RevokedAt  time.Time `json:"revoked_at"`
}

// ---- customer-<id> ----

// CustomerConnected: a provider connected a company already on the platform (or the
// company registered with a group code); the customer starts active.
type CustomerConnected struct {
	CustomerID        uuid.UUID `json:"customer_id"`
	ProviderID        uuid.UUID `json:"provider_id"`
	CompanyID         uuid.UUID `json:"company_id"`
	CompanyName       string    `json:"company_name"`
	WorkspaceFolderID uuid.UUID `json:"workspace_folder_id"`
	Via               string    `json:"via"` // ViaProvider or ViaGroupCode
	ConnectedAt       time.Time `json:"connected_at"`
}

// CustomerInvited: a provider invited a company not yet on the platform. CompanyID is
// reserved now and used when the invitation is accepted.
type CustomerInvited struct {
	CustomerID        uuid.UUID    `json:"customer_id"`
	ProviderID        uuid.UUID    `json:"provider_id"`
	CompanyID         uuid.UUID    `json:"company_id"`
	CompanyName       string       `json:"company_name"`
	Contact           PersonalData `json:"contact"`
	WorkspaceFolderID uuid.UUID    `json:"workspace_folder_id"`
	TokenHash         string       `json:"token_hash"`
	ExpiresAt         time.Time    `json:"expires_at"`
	InvitedAt         time.Time    `json:"invited_at"`
}

// CustomerInvitationAccepted: the invited company registered; the customer is active.
type CustomerInvitationAccepted struct {
	CustomerID uuid.UUID `json:"customer_id"`
	ProviderID uuid.UUID `json:"provider_id"`
	CompanyID  uuid.UUID `json:"company_id"`
	UserID     uuid.UUID `json:"user_id"`
	AcceptedAt time.Time `json:"accepted_at"`
}

// CustomerAssignedToGroup: the customer moved into GroupID (absent: into no group).
type CustomerAssignedToGroup struct {
	CustomerID      uuid.UUID `json:"customer_id"`
	ProviderID      uuid.UUID `json:"provider_id"`
	GroupID         uuid.UUID `json:"group_id,omitzero"`
	PreviousGroupID uuid.UUID `json:"previous_group_id,omitzero"`
	AssignedAt      time.Time `json:"assigned_at"`
}

// SharingPaused: the customer temporarily sees nothing.
type SharingPaused struct {
	CustomerID uuid.UUID `json:"customer_id"`
	ProviderID uuid.UUID `json:"provider_id"`
	PausedAt   time.Time `json:"paused_at"`
}

// SharingResumed: a paused customer sees its shares again.
type SharingResumed struct {
	CustomerID uuid.UUID `json:"customer_id"`
	ProviderID uuid.UUID `json:"provider_id"`
	ResumedAt  time.Time `json:"resumed_at"`
}

// SharingRevoked: the customer is revoked for good. Its active shares (and the live
// links to documents in its workspace) are cancelled in the same batch, each by its
// own event. Schema v2 added Reason: ReasonCustomerRevoked when the provider
// revoked, ReasonCustomerLeft when the customer's admin left (v1 payloads are
// upcast to ReasonCustomerRevoked, the only way v1 could revoke).
type SharingRevoked struct {
	CustomerID uuid.UUID `json:"customer_id"`
	ProviderID uuid.UUID `json:"provider_id"`
	Reason     string    `json:"reason"`
	RevokedAt  time.Time `json:"revoked_at"`
}

// MasterAccessGranted: the customer sees everything in its workspace folder.
type MasterAccessGranted struct {
	CustomerID uuid.UUID `json:"customer_id"`
	ProviderID uuid.UUID `json:"provider_id"`
	GrantedAt  time.Time `json:"granted_at"`
}

// MasterAccessWithdrawn: master access is off again.
type MasterAccessWithdrawn struct {
	CustomerID  uuid.UUID `json:"customer_id"`
	ProviderID  uuid.UUID `json:"provider_id"`
	WithdrawnAt time.Time `json:"withdrawn_at"`
}

// PortalDocumentsToggled: the customer's own documents-module setting; null means
// the provider's default applies.
type PortalDocumentsToggled struct {
	CustomerID       uuid.UUID `json:"customer_id"`
	ProviderID       uuid.UUID `json:"provider_id"`
	DocumentsEnabled *bool     `json:"documents_enabled"`
	ToggledAt        time.Time `json:"toggled_at"`
}

// CustomerUserInvited: the provider invited another portal user for this customer
// (the user's own stream holds the UserInvited).
type CustomerUserInvited struct {
	CustomerID uuid.UUID `json:"customer_id"`
	ProviderID uuid.UUID `json:"provider_id"`
	UserID     uuid.UUID `json:"user_id"`
	InvitedAt  time.Time `json:"invited_at"`
}

// CustomerShareAdded tracks, on the customer's stream, a share granted to it: a
// revoke concurrent with the grant then conflicts on this stream's version.
type CustomerShareAdded struct {
	CustomerID uuid.UUID `json:"customer_id"`
	ShareID    uuid.UUID `json:"share_id"`
	DocumentID uuid.UUID `json:"document_id,omitzero"`
	FolderID   uuid.UUID `json:"folder_id,omitzero"`
}

// CustomerShareRemoved tracks that one of the customer's shares was cancelled other
// than by revoking the customer (SharingRevoked removes them all).
type CustomerShareRemoved struct {
	CustomerID uuid.UUID `json:"customer_id"`
	ShareID    uuid.UUID `json:"share_id"`
}

// ---- folder-<id> ----

// FolderCreated: a folder in a provider's library. WorkspaceCustomerID is set for a
// customer's workspace folder and everything below it; CreatedByCustomerID when a
// customer user created it from the portal.
type FolderCreated struct {
	FolderID            uuid.UUID `json:"folder_id"`
	ProviderID          uuid.UUID `json:"provider_id"`
	ParentID            uuid.UUID `json:"parent_id,omitzero"`
	Name                string    `json:"name"`
	WorkspaceCustomerID uuid.UUID `json:"workspace_customer_id,omitzero"`
	CreatedByCustomerID uuid.UUID `json:"created_by_customer_id,omitzero"`
	CreatedAt           time.Time `json:"created_at"`
}

// ---- document-<id> ----

// DocumentAdded: a document with its first version (number 1).
type DocumentAdded struct {
	DocumentID           uuid.UUID `json:"document_id"`
	ProviderID           uuid.UUID `json:"provider_id"`
	FolderID             uuid.UUID `json:"folder_id"`
	Name                 string    `json:"name"`
	WorkspaceCustomerID  uuid.UUID `json:"workspace_customer_id,omitzero"`
	UploadedByCustomerID uuid.UUID `json:"uploaded_by_customer_id,omitzero"`
	FileInfo
	Hidden  bool      `json:"hidden"`
	AddedAt time.Time `json:"added_at"`
}

// DocumentVersionAdded: a new numbered version of a document.
type DocumentVersionAdded struct {
	DocumentID           uuid.UUID `json:"document_id"`
	ProviderID           uuid.UUID `json:"provider_id"`
	Version              int       `json:"version"`
	UploadedByCustomerID uuid.UUID `json:"uploaded_by_customer_id,omitzero"`
	FileInfo
	Hidden  bool      `json:"hidden"`
	AddedAt time.Time `json:"added_at"`
}

// VersionVisibilityChanged: a version was published (Hidden false) or hidden.
type VersionVisibilityChanged struct {
	DocumentID uuid.UUID `json:"document_id"`
	ProviderID uuid.UUID `json:"provider_id"`
	Version    int       `json:"version"`
	Hidden     bool      `json:"hidden"`
	ChangedAt  time.Time `json:"changed_at"`
}

// DocumentRemoved: the document is gone; its shares and links are cancelled in the
// same batch.
type DocumentRemoved struct {
	DocumentID          uuid.UUID `json:"document_id"`
	ProviderID          uuid.UUID `json:"provider_id"`
	RemovedByCustomerID uuid.UUID `json:"removed_by_customer_id,omitzero"`
	RemovedAt           time.Time `json:"removed_at"`
}

// DocumentShareAdded tracks, on the document's stream, a portal share of it: a
// removal concurrent with the grant then conflicts.
type DocumentShareAdded struct {
	DocumentID uuid.UUID `json:"document_id"`
	ShareID    uuid.UUID `json:"share_id"`
	CustomerID uuid.UUID `json:"customer_id"`
}

// DocumentLinkAdded tracks, on the document's stream, a link to it.
type DocumentLinkAdded struct {
	DocumentID uuid.UUID `json:"document_id"`
	LinkID     uuid.UUID `json:"link_id"`
}

// DocumentDownloaded: a customer user downloaded a version through the portal.
// Each download is a stream of its own (download-<DownloadID>): many people may
// download one document at once, and recording their downloads must neither make
// them wait for one another nor grow the document's stream without bound. (A
// download recorded without DownloadID lies in the document's stream.)
type DocumentDownloaded struct {
	DownloadID   uuid.UUID `json:"download_id,omitzero"`
	DocumentID   uuid.UUID `json:"document_id"`
	ProviderID   uuid.UUID `json:"provider_id"`
	CustomerID   uuid.UUID `json:"customer_id"`
	UserID       uuid.UUID `json:"user_id"`
	Version      int       `json:"version"`
	DownloadedAt time.Time `json:"downloaded_at"`
	// Via names the route when it is not the document's own content route:
	// DownloadViaArchive for a folder's ZIP. Older downloads have none.
	Via string `json:"via,omitempty"`
}

// DownloadViaArchive is DocumentDownloaded.Via for a document sent in a
// folder's ZIP archive (GET /api/v1/portal/providers/{p}/folders/{id}/archive).
const DownloadViaArchive = "archive"

// ---- share-<id> ----

// PortalShareGranted: a customer may see a document, or a folder and everything
// below it (exactly one of DocumentID and FolderID is set).
type PortalShareGranted struct {
	ShareID    uuid.UUID  `json:"share_id"`
	ProviderID uuid.UUID  `json:"provider_id"`
	CustomerID uuid.UUID  `json:"customer_id"`
	DocumentID uuid.UUID  `json:"document_id,omitzero"`
	FolderID   uuid.UUID  `json:"folder_id,omitzero"`
	Permission Permission `json:"permission"`
	GrantedBy  uuid.UUID  `json:"granted_by"`
	GrantedAt  time.Time  `json:"granted_at"`
	ExpiresAt  time.Time  `json:"expires_at,omitzero"` // zero: never (v1.1, issue 17)
}

// SharePermissionChanged: view became edit or the other way round.
type SharePermissionChanged struct {
	ShareID    uuid.UUID  `json:"share_id"`
	ProviderID uuid.UUID  `json:"provider_id"`
	CustomerID uuid.UUID  `json:"customer_id"`
	Permission Permission `json:"permission"`
	ChangedBy  uuid.UUID  `json:"changed_by"`
	ChangedAt  time.Time  `json:"changed_at"`
}

// ShareCancelled: final; no event may follow it on its stream.
type ShareCancelled struct {
	ShareID     uuid.UUID `json:"share_id"`
	ProviderID  uuid.UUID `json:"provider_id"`
	CustomerID  uuid.UUID `json:"customer_id"`
	DocumentID  uuid.UUID `json:"document_id,omitzero"`
	FolderID    uuid.UUID `json:"folder_id,omitzero"`
	Reason      string    `json:"reason"` // ReasonCancelled, ReasonCustomerRevoked, ReasonDocumentRemoved
	CancelledBy uuid.UUID `json:"cancelled_by,omitzero"`
	CancelledAt time.Time `json:"cancelled_at"`
}

// ---- link-<id> ----

// LinkCreated: a shareable URL for one document. Schema v2 added TokenHashAlg (v1
// payloads are upcast to "sha256", the only algorithm v1 used). Schema v3 added
// SealedToken, the plain token encrypted under the provider's key by the event
// store (absent in older links: their URL cannot be shown again).
type LinkCreated struct {
	LinkID       uuid.UUID `json:"link_id"`
	ProviderID   uuid.UUID `json:"provider_id"`
	DocumentID   uuid.UUID `json:"document_id"`
	TokenHash    string    `json:"token_hash"`
	TokenHashAlg string    `json:"token_hash_alg"`
	SealedToken  string    `json:"sealed_token,omitempty"`
	PasswordHash string    `json:"password_hash,omitempty"`
	ExpiresAt    time.Time `json:"expires_at,omitzero"`
	CreatedBy    uuid.UUID `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
}

// LinkCancelled: final; no event may follow it on its stream.
type LinkCancelled struct {
	LinkID      uuid.UUID `json:"link_id"`
	ProviderID  uuid.UUID `json:"provider_id"`
	DocumentID  uuid.UUID `json:"document_id"` // the nil id for a folder link
	Reason      string    `json:"reason"`      // ReasonCancelled or ReasonDocumentRemoved
	CancelledBy uuid.UUID `json:"cancelled_by,omitzero"`
	CancelledAt time.Time `json:"cancelled_at"`
}

// LinkOpened: someone fetched the document through the link. Each open is a
// stream of its own (linkopen-<OpenID>), as downloads are: recording an open must
// cost the same whatever the link's history, and concurrent visitors must not
// conflict on the link's stream. (An open recorded without OpenID, as every open
// was before, lies in the link's stream and still counts.)
type LinkOpened struct {
	OpenID     uuid.UUID `json:"open_id,omitzero"`
	LinkID     uuid.UUID `json:"link_id"`
	ProviderID uuid.UUID `json:"provider_id"`
	DocumentID uuid.UUID `json:"document_id"`
	Version    int       `json:"version"`
	OpenedAt   time.Time `json:"opened_at"`
}

// LinkPasswordRejected: a wrong password was given for the link.
type LinkPasswordRejected struct {
	LinkID     uuid.UUID `json:"link_id"`
	ProviderID uuid.UUID `json:"provider_id"`
	DocumentID uuid.UUID `json:"document_id"`
	RejectedAt time.Time `json:"rejected_at"`
}

func (CompanyRegistered) EventType() string          { return "CompanyRegistered" }
func (PortalDefaultsChanged) EventType() string      { return "PortalDefaultsChanged" }
func (ProviderCustomerAdded) EventType() string      { return "ProviderCustomerAdded" }
func (ProviderCustomerRemoved) EventType() string    { return "ProviderCustomerRemoved" }
func (UserRegistered) EventType() string             { return "UserRegistered" }
func (UserInvited) EventType() string                { return "UserInvited" }
func (UserActivated) EventType() string              { return "UserActivated" }
func (UserRoleChanged) EventType() string            { return "UserRoleChanged" }
func (CustomerGroupCreated) EventType() string       { return "CustomerGroupCreated" }
func (GroupAccessGranted) EventType() string         { return "GroupAccessGranted" }
func (GroupAccessRevoked) EventType() string         { return "GroupAccessRevoked" }
func (CustomerConnected) EventType() string          { return "CustomerConnected" }
func (CustomerInvited) EventType() string            { return "CustomerInvited" }
func (CustomerInvitationAccepted) EventType() string { return "CustomerInvitationAccepted" }
func (CustomerAssignedToGroup) EventType() string    { return "CustomerAssignedToGroup" }
func (SharingPaused) EventType() string              { return "SharingPaused" }
func (SharingResumed) EventType() string             { return "SharingResumed" }
func (SharingRevoked) EventType() string             { return "SharingRevoked" }
func (MasterAccessGranted) EventType() string        { return "MasterAccessGranted" }
func (MasterAccessWithdrawn) EventType() string      { return "MasterAccessWithdrawn" }
func (PortalDocumentsToggled) EventType() string     { return "PortalDocumentsToggled" }
func (CustomerUserInvited) EventType() string        { return "CustomerUserInvited" }
func (CustomerShareAdded) EventType() string         { return "CustomerShareAdded" }
func (CustomerShareRemoved) EventType() string       { return "CustomerShareRemoved" }
func (FolderCreated) EventType() string              { return "FolderCreated" }
func (DocumentAdded) EventType() string              { return "DocumentAdded" }
func (DocumentVersionAdded) EventType() string       { return "DocumentVersionAdded" }
func (VersionVisibilityChanged) EventType() string   { return "VersionVisibilityChanged" }
func (DocumentRemoved) EventType() string            { return "DocumentRemoved" }
func (DocumentShareAdded) EventType() string         { return "DocumentShareAdded" }
func (DocumentLinkAdded) EventType() string          { return "DocumentLinkAdded" }
func (DocumentDownloaded) EventType() string         { return "DocumentDownloaded" }
func (PortalShareGranted) EventType() string         { return "PortalShareGranted" }
func (SharePermissionChanged) EventType() string     { return "SharePermissionChanged" }
func (ShareCancelled) EventType() string             { return "ShareCancelled" }
func (LinkCreated) EventType() string                { return "LinkCreated" }
func (LinkCancelled) EventType() string              { return "LinkCancelled" }
func (LinkOpened) EventType() string                 { return "LinkOpened" }
func (LinkPasswordRejected) EventType() string       { return "LinkPasswordRejected" }

func (e CompanyRegistered) Stream() string          { return CompanyStream(e.CompanyID) }
func (e PortalDefaultsChanged) Stream() string      { return CompanyStream(e.CompanyID) }
func (e ProviderCustomerAdded) Stream() string      { return CompanyStream(e.ProviderID) }
func (e ProviderCustomerRemoved) Stream() string    { return CompanyStream(e.ProviderID) }
func (e UserRegistered) Stream() string             { return UserStream(e.UserID) }
func (e UserInvited) Stream() string                { return UserStream(e.UserID) }
func (e UserActivated) Stream() string              { return UserStream(e.UserID) }
func (e UserRoleChanged) Stream() string            { return UserStream(e.UserID) }
func (e CustomerGroupCreated) Stream() string       { return GroupStream(e.GroupID) }
func (e GroupAccessGranted) Stream() string         { return GroupStream(e.GroupID) }
func (e GroupAccessRevoked) Stream() string         { return GroupStream(e.GroupID) }
func (e CustomerConnected) Stream() string          { return CustomerStream(e.CustomerID) }
func (e CustomerInvited) Stream() string            { return CustomerStream(e.CustomerID) }
func (e CustomerInvitationAccepted) Stream() string { return CustomerStream(e.CustomerID) }
func (e CustomerAssignedToGroup) Stream() string    { return CustomerStream(e.CustomerID) }
func (e SharingPaused) Stream() string              { return CustomerStream(e.CustomerID) }
func (e SharingResumed) Stream() string             { return CustomerStream(e.CustomerID) }
func (e SharingRevoked) Stream() string             { return CustomerStream(e.CustomerID) }
func (e MasterAccessGranted) Stream() string        { return CustomerStream(e.CustomerID) }
func (e MasterAccessWithdrawn) Stream() string      { return CustomerStream(e.CustomerID) }
func (e PortalDocumentsToggled) Stream() string     { return CustomerStream(e.CustomerID) }
func (e CustomerUserInvited) Stream() string        { return CustomerStream(e.CustomerID) }
func (e CustomerShareAdded) Stream() string         { return CustomerStream(e.CustomerID) }
func (e CustomerShareRemoved) Stream() string       { return CustomerStream(e.CustomerID) }
func (e FolderCreated) Stream() string              { return FolderStream(e.FolderID) }
func (e DocumentAdded) Stream() string              { return DocumentStream(e.DocumentID) }
func (e DocumentVersionAdded) Stream() string       { return DocumentStream(e.DocumentID) }
func (e VersionVisibilityChanged) Stream() string   { return DocumentStream(e.DocumentID) }
func (e DocumentRemoved) Stream() string            { return DocumentStream(e.DocumentID) }
func (e DocumentShareAdded) Stream() string         { return DocumentStream(e.DocumentID) }
func (e DocumentLinkAdded) Stream() string          { return DocumentStream(e.DocumentID) }
func (e DocumentDownloaded) Stream() string {
	if e.DownloadID != uuid.Nil {
		return DownloadStream(e.DownloadID)
	}
	return DocumentStream(e.DocumentID)
}
func (e PortalShareGranted) Stream() string     { return ShareStream(e.ShareID) }
func (e SharePermissionChanged) Stream() string { return ShareStream(e.ShareID) }
func (e ShareCancelled) Stream() string         { return ShareStream(e.ShareID) }
func (e LinkCreated) Stream() string            { return LinkStream(e.LinkID) }
func (e LinkCancelled) Stream() string          { return LinkStream(e.LinkID) }
func (e LinkOpened) Stream() string {
	if e.OpenID != uuid.Nil {
		return LinkOpenStream(e.OpenID)
	}
	return LinkStream(e.LinkID)
}
func (e LinkPasswordRejected) Stream() string { return LinkStream(e.LinkID) }

func init() {
	for _, e := range []Event{
		CompanyRegistered{}, PortalDefaultsChanged{}, ProviderCustomerAdded{}, ProviderCustomerRemoved{},
		UserRegistered{}, UserActivated{}, UserRoleChanged{},
		CustomerGroupCreated{}, GroupAccessGranted{}, GroupAccessRevoked{},
		CustomerConnected{}, CustomerInvited{}, CustomerInvitationAccepted{}, CustomerAssignedToGroup{},
		SharingPaused{}, SharingResumed{},
		MasterAccessGranted{}, MasterAccessWithdrawn{}, PortalDocumentsToggled{},
		CustomerUserInvited{}, CustomerShareAdded{}, CustomerShareRemoved{},
		FolderCreated{},
		DocumentAdded{}, DocumentVersionAdded{}, VersionVisibilityChanged{}, DocumentRemoved{},
		DocumentShareAdded{}, DocumentLinkAdded{}, DocumentDownloaded{},
		PortalShareGranted{}, SharePermissionChanged{}, ShareCancelled{},
		LinkCancelled{}, LinkOpened{}, LinkPasswordRejected{},
	} {
		RegisterEvent(e, 1)
	}
	registerLinkCreated()
	registerLifecycleEvents()
	registerUserInvited()
}
