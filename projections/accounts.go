package projections

import (
	"github.com/sharehub/sharehub/domain"
)

// Accounts is who is who: companies (the directory), their users with roles and
// flags (staff lists, the principal of a session), customer groups and the staff's
// access to them.
var Accounts = Projection{
	Name:  "accounts",
	DDL:   accountsDDL,
	Apply: applyAccounts,
}

const accountsDDL = `
CREATE TABLE companies (
    id            uuid PRIMARY KEY,
    name          text NOT NULL,
    via           text NOT NULL,
    registered_at timestamptz NOT NULL,
    version       bigint NOT NULL
);
CREATE INDEX companies_name ON companies (lower(name), id);

CREATE TABLE users (
    id           uuid PRIMARY KEY,
    company_id   uuid NOT NULL,
    name         text NOT NULL,
    email        text NOT NULL,
    role         text NOT NULL,
    can_share    boolean NOT NULL,
    auditor      boolean NOT NULL,
    status       text NOT NULL,
    invited_by   uuid,
    invited_at   timestamptz,
    activated_at timestamptz,
    version      bigint NOT NULL,
    -- staff of company_id, or a portal user of (portal_provider_id,
    -- portal_customer_id) whose company_id is the customer's company.
    kind               text NOT NULL DEFAULT 'staff',
    portal_provider_id uuid,
    portal_customer_id uuid
);
CREATE INDEX users_company ON users (company_id, lower(name), id);

CREATE TABLE groups (
    id          uuid PRIMARY KEY,
    provider_id uuid NOT NULL,
    name        text NOT NULL,
    code        text NOT NULL,
    created_at  timestamptz NOT NULL,
    version     bigint NOT NULL,
    self_registration boolean NOT NULL DEFAULT true
);
CREATE INDEX groups_provider ON groups (provider_id, lower(name), id);

-- Owned by the group's stream: changed only while the group row's version is
-- older than the event, then the group's version moves on.
CREATE TABLE group_members (
    group_id   uuid NOT NULL,
    user_id    uuid NOT NULL,
    access     text NOT NULL,
    granted_at timestamptz NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members (user_id);
`

func applyAccounts(q *Queue, ev domain.Recorded) error {
	v := ev.Version
	switch e := ev.Event.(type) {
	case domain.CompanyRegistered:
		q.Exec(`INSERT INTO {companies} (id, name, via, registered_at, version) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id) DO NOTHING`, e.CompanyID, e.Name, e.Via, e.RegisteredAt, v)
	case domain.PortalDefaultsChanged, domain.ProviderCustomerAdded, domain.ProviderCustomerRemoved:
		// Portal projection.

	case domain.UserRegistered:
		q.Exec(`INSERT INTO {users} (id, company_id, name, email, role, can_share, auditor, status, activated_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9) ON CONFLICT (id) DO NOTHING`,
			e.UserID, e.CompanyID, e.Personal.Name, e.Personal.Email, string(e.Role), e.CanShare, e.Auditor,
			e.RegisteredAt, v)
	case domain.UserInvited:
		kind := e.Kind
		if kind == "" {
			kind = domain.UserKindStaff
		}
		var provider, customer any
		if kind == domain.UserKindPortal {
			provider, customer = id(e.ProviderID), id(e.CustomerID)
		}
		q.Exec(`INSERT INTO {users} (id, company_id, name, email, role, can_share, auditor, status, invited_by,
				invited_at, version, kind, portal_provider_id, portal_customer_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'invited', $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO NOTHING`,
			e.UserID, e.CompanyID, e.Personal.Name, e.Personal.Email, string(e.Role), e.CanShare, e.Auditor,
			id(e.InvitedBy), e.InvitedAt, v, string(kind), provider, customer)
	case domain.UserActivated:
		q.Exec(`UPDATE {users} SET status = 'active', name = $2, activated_at = $3, version = $4
			WHERE id = $1 AND version < $4`, e.UserID, e.Personal.Name, e.ActivatedAt, v)
	case domain.UserRoleChanged:
		q.Exec(`UPDATE {users} SET role = $2, can_share = $3, auditor = $4, version = $5 WHERE id = $1 AND version < $5`,
			e.UserID, string(e.Role), e.CanShare, e.Auditor, v)

	case domain.CustomerUserInvited:
		// Portal users invited before UserInvited carried customer_id learn their
		// customer from this event of the same batch (it always follows their
		// UserInvited); for the others it sets what is already there.
		q.Exec(`UPDATE {users} SET portal_customer_id = $2 WHERE id = $1 AND kind = 'portal'`, e.UserID, e.CustomerID)

	case domain.CustomerGroupCreated:
		q.Exec(`INSERT INTO {groups} (id, provider_id, name, code, created_at, version) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (id) DO NOTHING`, e.GroupID, e.ProviderID, e.Name, e.Code, e.CreatedAt, v)
	case domain.CustomerGroupRenamed:
		q.Exec(`UPDATE {groups} SET name = $2, version = $3 WHERE id = $1 AND version < $3`, e.GroupID, e.Name, v)
	case domain.GroupCodeRotated:
		q.Exec(`UPDATE {groups} SET code = $2, version = $3 WHERE id = $1 AND version < $3`, e.GroupID, e.Code, v)
	case domain.GroupSelfRegistrationChanged:
		q.Exec(`UPDATE {groups} SET self_registration = $2, version = $3 WHERE id = $1 AND version < $3`, e.GroupID, e.Enabled, v)
	case domain.GroupAccessGranted:
		q.Exec(`INSERT INTO {group_members} (group_id, user_id, access, granted_at)
			SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM {groups} WHERE id = $1 AND version < $5)
			ON CONFLICT (group_id, user_id) DO UPDATE SET access = EXCLUDED.access, granted_at = EXCLUDED.granted_at`,
			e.GroupID, e.UserID, string(e.Access), e.GrantedAt, v)
		groupVersion(q, e.GroupID, v)
	case domain.GroupAccessRevoked:
		q.Exec(`DELETE FROM {group_members} WHERE group_id = $1 AND user_id = $2
			AND EXISTS (SELECT 1 FROM {groups} WHERE id = $1 AND version < $3)`, e.GroupID, e.UserID, v)
		groupVersion(q, e.GroupID, v)

	case domain.CustomerConnected, domain.CustomerInvited, domain.CustomerInvitationAccepted,
		domain.CustomerAssignedToGroup, domain.SharingPaused, domain.SharingResumed, domain.SharingRevoked,
		domain.MasterAccessGranted, domain.MasterAccessWithdrawn, domain.PortalDocumentsToggled,
		domain.CustomerShareAdded, domain.CustomerShareRemoved,
		domain.FolderCreated, domain.DocumentAdded, domain.DocumentVersionAdded, domain.VersionVisibilityChanged,
		domain.DocumentRemoved, domain.DocumentShareAdded, domain.DocumentLinkAdded, domain.DocumentDownloaded,
		domain.PortalShareGranted, domain.SharePermissionChanged, domain.ShareCancelled,
		domain.LinkCreated, domain.LinkCancelled, domain.LinkOpened, domain.LinkPasswordRejected:
		// Portal projection.
	case domain.CustomerLinkAdded:
		// Portal projection (the customer's bookkeeping of its workspace links).
	case domain.ProjectionEventRetried, domain.ProjectionEventSkipped:
		// Operations on the read models, not facts they hold.
	case domain.UserDeactivated, domain.UserReactivated, domain.PasswordChanged, domain.PasswordResetRequested,
		domain.PasswordResetCompleted, domain.UserSessionsEnded, domain.UserInvitationRenewed, domain.CustomerInvitationRenewed,
		domain.EmailVerificationRequested, domain.EmailVerified:
		return applyAccountLifecycle(q, ev)
	default:
		return unexpected(ev)
	}
	return nil
}

func groupVersion(q *Queue, group any, v int64) {
	q.Exec(`UPDATE {groups} SET version = $2 WHERE id = $1 AND version < $2`, group, v)
}
