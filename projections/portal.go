package projections

import (
	_ "embed"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// Portal is the provider-side library and everything the portal view is computed
// from: companies (the provider's default for the documents module), customers,
// folders, documents with their versions, portal shares, links and downloads.
// The "previous shares" history is a query over shares, links and downloads.
var Portal = portal()

// portalDDL creates the portal tables (one multi-statement Exec).
//
//go:embed sql/portal.sql
var portalDDL string

func portal() Projection {
	p := Projection{Name: "portal", DDL: portalDDL + portalLinksDDL + portalReachDDL + requestsDDL}
	On(&p, func(q *Queue, ev domain.Recorded, e domain.CompanyRegistered) error {
		v := ev.Version
		q.Exec(`INSERT INTO companies (id, name, registered_at, version) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO NOTHING`, e.CompanyID, e.Name, e.RegisteredAt, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.PortalDefaultsChanged) error {
		v := ev.Version
		q.Exec(`UPDATE companies SET documents_enabled_default = $2, version = $3 WHERE id = $1 AND version < $3`,
			e.CompanyID, e.DocumentsEnabledDefault, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.CustomerConnected) error {
		v := ev.Version
		q.Exec(`INSERT INTO customers (id, provider_id, company_id, company_name, status, via,
				workspace_folder_id, created_at, status_changed_at, version)
			VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, $7, $8) ON CONFLICT (id) DO NOTHING`,
			e.CustomerID, e.ProviderID, e.CompanyID, e.CompanyName, e.Via, e.WorkspaceFolderID, e.ConnectedAt, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.CustomerInvited) error {
		v := ev.Version
		q.Exec(`INSERT INTO customers (id, provider_id, company_id, company_name, status, via,
				workspace_folder_id, contact_name, contact_email, created_at, status_changed_at, version,
				invitation_expires_at)
			VALUES ($1, $2, $3, $4, 'invited', 'invitation', $5, $6, $7, $8, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
			e.CustomerID, e.ProviderID, e.CompanyID, e.CompanyName, e.WorkspaceFolderID,
			e.Contact.Name, e.Contact.Email, e.InvitedAt, v, optionalAt(e.ExpiresAt))
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.CustomerInvitationRenewed) error {
		q.Exec(`UPDATE customers SET invitation_expires_at = $2, version = $3 WHERE id = $1 AND version < $3`,
			e.CustomerID, e.ExpiresAt, ev.Version)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.CustomerInvitationAccepted) error {
		v := ev.Version
		customerStatus(q, e.CustomerID, domain.StatusActive, e.AcceptedAt, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.SharingPaused) error {
		v := ev.Version
		customerStatus(q, e.CustomerID, domain.StatusPaused, e.PausedAt, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.SharingResumed) error {
		v := ev.Version
		customerStatus(q, e.CustomerID, domain.StatusActive, e.ResumedAt, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.SharingRevoked) error {
		v := ev.Version
		q.Exec(`UPDATE customers SET status = 'revoked', revoke_reason = $2, status_changed_at = $3, version = $4
			WHERE id = $1 AND version < $4`, e.CustomerID, e.Reason, e.RevokedAt, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.CustomerAssignedToGroup) error {
		v := ev.Version
		q.Exec(`UPDATE customers SET group_id = $2, version = $3 WHERE id = $1 AND version < $3`,
			e.CustomerID, id(e.GroupID), v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.MasterAccessGranted) error {
		v := ev.Version
		q.Exec(`UPDATE customers SET master_access = true, master_access_at = $3, version = $2 WHERE id = $1 AND version < $2`,
			e.CustomerID, v, e.GrantedAt)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.MasterAccessWithdrawn) error {
		v := ev.Version
		q.Exec(`UPDATE customers SET master_access = false, master_access_at = NULL, version = $2 WHERE id = $1 AND version < $2`,
			e.CustomerID, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.PortalDocumentsToggled) error {
		v := ev.Version
		q.Exec(`UPDATE customers SET documents_enabled = $2, version = $3 WHERE id = $1 AND version < $3`,
			e.CustomerID, e.DocumentsEnabled, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.FolderCreated) error {
		v := ev.Version
		q.Exec(`INSERT INTO folders (id, provider_id, parent_id, name, workspace_customer_id,
				created_by_customer_id, created_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`,
			e.FolderID, e.ProviderID, id(e.ParentID), e.Name, id(e.WorkspaceCustomerID),
			id(e.CreatedByCustomerID), e.CreatedAt, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.DocumentAdded) error {
		v := ev.Version
		q.Exec(`INSERT INTO documents (id, provider_id, folder_id, name, workspace_customer_id,
				uploaded_by_customer_id, versions, added_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8) ON CONFLICT (id) DO NOTHING`,
			e.DocumentID, e.ProviderID, e.FolderID, e.Name, id(e.WorkspaceCustomerID),
			id(e.UploadedByCustomerID), e.AddedAt, v)
		addVersion(q, e.DocumentID, 1, e.FileInfo, e.Hidden, e.UploadedByCustomerID, e.AddedAt, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.DocumentVersionAdded) error {
		v := ev.Version
		addVersion(q, e.DocumentID, e.Version, e.FileInfo, e.Hidden, e.UploadedByCustomerID, e.AddedAt, v)
		q.Exec(`UPDATE documents SET versions = greatest(versions, $2), version = $3 WHERE id = $1 AND version < $3`,
			e.DocumentID, e.Version, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.VersionVisibilityChanged) error {
		v := ev.Version
		q.Exec(`UPDATE versions SET hidden = $3, version = $4
			WHERE document_id = $1 AND number = $2 AND version < $4`, e.DocumentID, e.Version, e.Hidden, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.DocumentRemoved) error {
		v := ev.Version
		q.Exec(`UPDATE documents SET removed = true, removed_at = $2, version = $3 WHERE id = $1 AND version < $3`,
			e.DocumentID, e.RemovedAt, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.DocumentDownloaded) error {
		q.Exec(`INSERT INTO downloads (event_id, document_id, provider_id, customer_id, user_id, number, downloaded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (event_id) DO NOTHING`,
			ev.EventID, e.DocumentID, e.ProviderID, e.CustomerID, e.UserID, e.Version, e.DownloadedAt)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.PortalShareGranted) error {
		v := ev.Version
		q.Exec(`INSERT INTO shares (id, provider_id, customer_id, document_id, folder_id, permission,
				granted_by, granted_at, version, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
			e.ShareID, e.ProviderID, e.CustomerID, id(e.DocumentID), id(e.FolderID), string(e.Permission),
			e.GrantedBy, e.GrantedAt, v, at(e.ExpiresAt))
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.ShareExpiryChanged) error {
		q.Exec(`UPDATE shares SET expires_at = $2, version = $3 WHERE id = $1 AND version < $3`,
			e.ShareID, at(e.ExpiresAt), ev.Version)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.SharePermissionChanged) error {
		v := ev.Version
		q.Exec(`UPDATE shares SET permission = $2, version = $3 WHERE id = $1 AND version < $3`,
			e.ShareID, string(e.Permission), v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.ShareCancelled) error {
		v := ev.Version
		q.Exec(`UPDATE shares SET cancelled = true, reason = $2, cancelled_by = $3, cancelled_at = $4, version = $5
			WHERE id = $1 AND version < $5`, e.ShareID, e.Reason, id(e.CancelledBy), e.CancelledAt, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.LinkCreated) error {
		v := ev.Version
		q.Exec(`INSERT INTO links (id, provider_id, document_id, token_hash, password_required, expires_at,
				created_by, created_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
			e.LinkID, e.ProviderID, e.DocumentID, e.TokenHash, e.PasswordHash != "", at(e.ExpiresAt),
			e.CreatedBy, e.CreatedAt, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.LinkCancelled) error {
		v := ev.Version
		q.Exec(`UPDATE links SET cancelled = true, reason = $2, cancelled_by = $3, cancelled_at = $4, version = $5
			WHERE id = $1 AND version < $5`, e.LinkID, e.Reason, id(e.CancelledBy), e.CancelledAt, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.LinkOpened) error {
		q.Exec(`INSERT INTO link_opens (event_id, link_id, number, opened_at, document_id) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (event_id) DO NOTHING`, ev.EventID, e.LinkID, e.Version, e.OpenedAt, id(e.DocumentID))
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.LinkPasswordRejected) error {
		v := ev.Version
		q.Exec(`UPDATE links SET password_rejections = password_rejections + 1, version = $2
			WHERE id = $1 AND version < $2`, e.LinkID, v)
		return nil
	})
	portalLinks(&p)
	portalReach(&p)
	portalRequests(&p)
	return p
}

func customerStatus(q *Queue, customer uuid.UUID, status domain.CustomerStatus, when time.Time, v int64) {
	q.Exec(`UPDATE customers SET status = $2, status_changed_at = $3, version = $4 WHERE id = $1 AND version < $4`,
		customer, string(status), when, v)
}

func addVersion(q *Queue, doc uuid.UUID, n int, f domain.FileInfo, hidden bool, by uuid.UUID, when time.Time, v int64) {
	q.Exec(`INSERT INTO versions (document_id, number, sha256, size, media_type, hidden, uploaded_by_customer_id,
			added_at, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (document_id, number) DO NOTHING`,
		doc, n, f.SHA256, f.Size, f.MediaType, hidden, id(by), when, v)
}
