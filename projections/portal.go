package projections

import (
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// Portal is the provider-side library and everything the portal view is computed
// from: companies (the provider's default for the documents module), customers,
// folders, documents with their versions, portal shares, links and downloads.
// The "previous shares" history is a query over shares, links and downloads.
var Portal = Projection{
	Name:  "portal",
	DDL:   portalDDL,
	Apply: applyPortal,
}

const portalDDL = `
CREATE TABLE companies (
    id                        uuid PRIMARY KEY,
    name                      text NOT NULL,
    documents_enabled_default boolean NOT NULL DEFAULT true,
    registered_at             timestamptz NOT NULL,
    version                   bigint NOT NULL
);

CREATE TABLE customers (
    id                  uuid PRIMARY KEY,
    provider_id         uuid NOT NULL,
    company_id          uuid NOT NULL,
    company_name        text NOT NULL,
    status              text NOT NULL,
    via                 text NOT NULL,
    group_id            uuid,
    workspace_folder_id uuid NOT NULL,
    master_access       boolean NOT NULL DEFAULT false,
    documents_enabled   boolean,
    contact_name        text,
    contact_email       text,
    created_at          timestamptz NOT NULL,
    status_changed_at   timestamptz NOT NULL,
    revoke_reason       text,
    version             bigint NOT NULL
);
CREATE INDEX customers_provider ON customers (provider_id, lower(company_name), id);
CREATE INDEX customers_company ON customers (company_id);

CREATE TABLE folders (
    id                     uuid PRIMARY KEY,
    provider_id            uuid NOT NULL,
    parent_id              uuid,
    name                   text NOT NULL,
    workspace_customer_id  uuid,
    created_by_customer_id uuid,
    created_at             timestamptz NOT NULL,
    version                bigint NOT NULL
);
CREATE INDEX folders_parent ON folders (parent_id);
CREATE INDEX folders_provider ON folders (provider_id);

CREATE TABLE documents (
    id                      uuid PRIMARY KEY,
    provider_id             uuid NOT NULL,
    folder_id               uuid NOT NULL,
    name                    text NOT NULL,
    workspace_customer_id   uuid,
    uploaded_by_customer_id uuid,
    versions                integer NOT NULL,
    removed                 boolean NOT NULL DEFAULT false,
    removed_at              timestamptz,
    added_at                timestamptz NOT NULL,
    version                 bigint NOT NULL
);
CREATE INDEX documents_folder ON documents (folder_id);
CREATE INDEX documents_provider_name ON documents (provider_id, lower(name), id);

CREATE TABLE versions (
    document_id             uuid NOT NULL,
    number                  integer NOT NULL,
    sha256                  text NOT NULL,
    size                    bigint NOT NULL,
    media_type              text NOT NULL,
    hidden                  boolean NOT NULL,
    uploaded_by_customer_id uuid,
    added_at                timestamptz NOT NULL,
    version                 bigint NOT NULL,
    PRIMARY KEY (document_id, number)
);

CREATE TABLE shares (
    id           uuid PRIMARY KEY,
    provider_id  uuid NOT NULL,
    customer_id  uuid NOT NULL,
    document_id  uuid,
    folder_id    uuid,
    permission   text NOT NULL,
    granted_by   uuid NOT NULL,
    granted_at   timestamptz NOT NULL,
    cancelled    boolean NOT NULL DEFAULT false,
    reason       text,
    cancelled_by uuid,
    cancelled_at timestamptz,
    version      bigint NOT NULL
);
CREATE INDEX shares_customer ON shares (customer_id) WHERE NOT cancelled;
CREATE INDEX shares_document ON shares (document_id);
CREATE INDEX shares_folder ON shares (folder_id);
CREATE INDEX shares_provider_granted ON shares (provider_id, granted_at DESC, id DESC);

CREATE TABLE links (
    id                  uuid PRIMARY KEY,
    provider_id         uuid NOT NULL,
    document_id         uuid NOT NULL,
    token_hash          text NOT NULL UNIQUE,
    password_required   boolean NOT NULL,
    expires_at          timestamptz,
    created_by          uuid NOT NULL,
    created_at          timestamptz NOT NULL,
    cancelled           boolean NOT NULL DEFAULT false,
    reason              text,
    cancelled_by        uuid,
    cancelled_at        timestamptz,
    password_rejections integer NOT NULL DEFAULT 0,
    version             bigint NOT NULL
);
CREATE INDEX links_document ON links (document_id);

-- Opens are rows of their own, not a counter on the link: a popular link is
-- opened many times a second, and a counter would make every open update (and a
-- rebuild rewrite) the same row over and over.
CREATE TABLE link_opens (
    event_id  uuid PRIMARY KEY,
    link_id   uuid NOT NULL,
    number    integer NOT NULL,
    opened_at timestamptz NOT NULL
);
CREATE INDEX link_opens_link ON link_opens (link_id, opened_at);

CREATE TABLE downloads (
    event_id      uuid PRIMARY KEY,
    document_id   uuid NOT NULL,
    provider_id   uuid NOT NULL,
    customer_id   uuid NOT NULL,
    user_id       uuid NOT NULL,
    number        integer NOT NULL,
    downloaded_at timestamptz NOT NULL
);
CREATE INDEX downloads_document ON downloads (document_id, customer_id);
`

func applyPortal(q *Queue, ev domain.Recorded) error {
	v := ev.Version
	switch e := ev.Event.(type) {
	case domain.CompanyRegistered:
		q.Exec(`INSERT INTO {companies} (id, name, registered_at, version) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO NOTHING`, e.CompanyID, e.Name, e.RegisteredAt, v)
	case domain.PortalDefaultsChanged:
		q.Exec(`UPDATE {companies} SET documents_enabled_default = $2, version = $3 WHERE id = $1 AND version < $3`,
			e.CompanyID, e.DocumentsEnabledDefault, v)
	case domain.ProviderCustomerAdded, domain.ProviderCustomerRemoved:
		// Bookkeeping of the company aggregate; customers carry the same facts.

	case domain.CustomerConnected:
		q.Exec(`INSERT INTO {customers} (id, provider_id, company_id, company_name, status, via,
				workspace_folder_id, created_at, status_changed_at, version)
			VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, $7, $8) ON CONFLICT (id) DO NOTHING`,
			e.CustomerID, e.ProviderID, e.CompanyID, e.CompanyName, e.Via, e.WorkspaceFolderID, e.ConnectedAt, v)
	case domain.CustomerInvited:
		q.Exec(`INSERT INTO {customers} (id, provider_id, company_id, company_name, status, via,
				workspace_folder_id, contact_name, contact_email, created_at, status_changed_at, version)
			VALUES ($1, $2, $3, $4, 'invited', 'invitation', $5, $6, $7, $8, $8, $9) ON CONFLICT (id) DO NOTHING`,
			e.CustomerID, e.ProviderID, e.CompanyID, e.CompanyName, e.WorkspaceFolderID,
			e.Contact.Name, e.Contact.Email, e.InvitedAt, v)
	case domain.CustomerInvitationAccepted:
		customerStatus(q, e.CustomerID, domain.StatusActive, e.AcceptedAt, v)
	case domain.SharingPaused:
		customerStatus(q, e.CustomerID, domain.StatusPaused, e.PausedAt, v)
	case domain.SharingResumed:
		customerStatus(q, e.CustomerID, domain.StatusActive, e.ResumedAt, v)
	case domain.SharingRevoked:
		q.Exec(`UPDATE {customers} SET status = 'revoked', revoke_reason = $2, status_changed_at = $3, version = $4
			WHERE id = $1 AND version < $4`, e.CustomerID, e.Reason, e.RevokedAt, v)
	case domain.CustomerAssignedToGroup:
		q.Exec(`UPDATE {customers} SET group_id = $2, version = $3 WHERE id = $1 AND version < $3`,
			e.CustomerID, id(e.GroupID), v)
	case domain.MasterAccessGranted:
		q.Exec(`UPDATE {customers} SET master_access = true, version = $2 WHERE id = $1 AND version < $2`, e.CustomerID, v)
	case domain.MasterAccessWithdrawn:
		q.Exec(`UPDATE {customers} SET master_access = false, version = $2 WHERE id = $1 AND version < $2`, e.CustomerID, v)
	case domain.PortalDocumentsToggled:
		q.Exec(`UPDATE {customers} SET documents_enabled = $2, version = $3 WHERE id = $1 AND version < $3`,
			e.CustomerID, e.DocumentsEnabled, v)
	case domain.CustomerUserInvited, domain.CustomerShareAdded, domain.CustomerShareRemoved:
		// The customer aggregate's own bookkeeping; users and shares have their tables.
	case domain.CustomerLinkAdded:
		// Links have their table.

	case domain.FolderCreated:
		q.Exec(`INSERT INTO {folders} (id, provider_id, parent_id, name, workspace_customer_id,
				created_by_customer_id, created_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
			e.FolderID, e.ProviderID, id(e.ParentID), e.Name, id(e.WorkspaceCustomerID),
			id(e.CreatedByCustomerID), e.CreatedAt, v)

	case domain.DocumentAdded:
		q.Exec(`INSERT INTO {documents} (id, provider_id, folder_id, name, workspace_customer_id,
				uploaded_by_customer_id, versions, added_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8) ON CONFLICT (id) DO NOTHING`,
			e.DocumentID, e.ProviderID, e.FolderID, e.Name, id(e.WorkspaceCustomerID),
			id(e.UploadedByCustomerID), e.AddedAt, v)
		addVersion(q, e.DocumentID, 1, e.FileInfo, e.Hidden, e.UploadedByCustomerID, e.AddedAt, v)
	case domain.DocumentVersionAdded:
		addVersion(q, e.DocumentID, e.Version, e.FileInfo, e.Hidden, e.UploadedByCustomerID, e.AddedAt, v)
		q.Exec(`UPDATE {documents} SET versions = greatest(versions, $2), version = $3 WHERE id = $1 AND version < $3`,
			e.DocumentID, e.Version, v)
	case domain.VersionVisibilityChanged:
		q.Exec(`UPDATE {versions} SET hidden = $3, version = $4
			WHERE document_id = $1 AND number = $2 AND version < $4`, e.DocumentID, e.Version, e.Hidden, v)
	case domain.DocumentRemoved:
		q.Exec(`UPDATE {documents} SET removed = true, removed_at = $2, version = $3 WHERE id = $1 AND version < $3`,
			e.DocumentID, e.RemovedAt, v)
	case domain.DocumentShareAdded, domain.DocumentLinkAdded:
		// The document aggregate's own bookkeeping; shares and links have their tables.
	case domain.DocumentDownloaded:
		q.Exec(`INSERT INTO {downloads} (event_id, document_id, provider_id, customer_id, user_id, number, downloaded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id) DO NOTHING`,
			ev.EventID, e.DocumentID, e.ProviderID, e.CustomerID, e.UserID, e.Version, e.DownloadedAt)

	case domain.PortalShareGranted:
		q.Exec(`INSERT INTO {shares} (id, provider_id, customer_id, document_id, folder_id, permission,
				granted_by, granted_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
			e.ShareID, e.ProviderID, e.CustomerID, id(e.DocumentID), id(e.FolderID), string(e.Permission),
			e.GrantedBy, e.GrantedAt, v)
	case domain.SharePermissionChanged:
		q.Exec(`UPDATE {shares} SET permission = $2, version = $3 WHERE id = $1 AND version < $3`,
			e.ShareID, string(e.Permission), v)
	case domain.ShareCancelled:
		q.Exec(`UPDATE {shares} SET cancelled = true, reason = $2, cancelled_by = $3, cancelled_at = $4, version = $5
			WHERE id = $1 AND version < $5`, e.ShareID, e.Reason, id(e.CancelledBy), e.CancelledAt, v)

	case domain.LinkCreated:
		q.Exec(`INSERT INTO {links} (id, provider_id, document_id, token_hash, password_required, expires_at,
				created_by, created_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
			e.LinkID, e.ProviderID, e.DocumentID, e.TokenHash, e.PasswordHash != "", at(e.ExpiresAt),
			e.CreatedBy, e.CreatedAt, v)
	case domain.LinkCancelled:
		q.Exec(`UPDATE {links} SET cancelled = true, reason = $2, cancelled_by = $3, cancelled_at = $4, version = $5
			WHERE id = $1 AND version < $5`, e.LinkID, e.Reason, id(e.CancelledBy), e.CancelledAt, v)
	case domain.LinkOpened:
		q.Exec(`INSERT INTO {link_opens} (event_id, link_id, number, opened_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (event_id) DO NOTHING`, ev.EventID, e.LinkID, e.Version, e.OpenedAt)
	case domain.LinkPasswordRejected:
		q.Exec(`UPDATE {links} SET password_rejections = password_rejections + 1, version = $2
			WHERE id = $1 AND version < $2`, e.LinkID, v)

	case domain.UserRegistered, domain.UserInvited, domain.UserActivated, domain.UserRoleChanged,
		domain.CustomerGroupCreated, domain.GroupAccessGranted, domain.GroupAccessRevoked,
		domain.CustomerGroupRenamed, domain.GroupCodeRotated, domain.GroupSelfRegistrationChanged:
		// Accounts projection.
	case domain.UserDeactivated, domain.UserReactivated, domain.PasswordChanged, domain.PasswordResetRequested,
		domain.PasswordResetCompleted, domain.UserSessionsEnded, domain.UserInvitationRenewed, domain.CustomerInvitationRenewed,
		domain.EmailVerificationRequested, domain.EmailVerified:
		// Accounts projection (accounts_lifecycle.go); a renewed invitation changes
		// no status.
	case domain.ProjectionEventRetried, domain.ProjectionEventSkipped:
		// Operations on the read models, not facts they hold.
	default:
		return unexpected(ev)
	}
	return nil
}

func customerStatus(q *Queue, customer uuid.UUID, status domain.CustomerStatus, when time.Time, v int64) {
	q.Exec(`UPDATE {customers} SET status = $2, status_changed_at = $3, version = $4 WHERE id = $1 AND version < $4`,
		customer, string(status), when, v)
}

func addVersion(q *Queue, doc uuid.UUID, n int, f domain.FileInfo, hidden bool, by uuid.UUID, when time.Time, v int64) {
	q.Exec(`INSERT INTO {versions} (document_id, number, sha256, size, media_type, hidden, uploaded_by_customer_id,
			added_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (document_id, number) DO NOTHING`,
		doc, n, f.SHA256, f.Size, f.MediaType, hidden, id(by), when, v)
}
