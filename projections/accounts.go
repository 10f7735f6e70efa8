package projections

import (
	_ "embed"
	"time"

	"github.com/sharehub/sharehub/domain"
)

// Accounts is who is who: companies (the directory), their users with roles and
// flags (staff lists, the principal of a session), customer groups and the staff's
// access to them.
var Accounts = accounts()

// accountsDDL creates the accounts tables (one multi-statement Exec).
//
//go:embed sql/accounts.sql
var accountsDDL string

func accounts() Projection {
	p := Projection{Name: "accounts", DDL: accountsDDL + notificationPrefsDDL}
	accountsNotificationPrefs(&p)
	On(&p, func(q *Queue, ev domain.Recorded, e domain.CompanyRegistered) error {
		v := ev.Version
		q.Exec(`INSERT INTO companies (id, name, via, registered_at, version) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (id) DO NOTHING`, e.CompanyID, e.Name, e.Via, e.RegisteredAt, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.UserRegistered) error {
		v := ev.Version
		q.Exec(`INSERT INTO users (id, company_id, name, email, role, can_share, auditor, status, activated_at, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9) ON CONFLICT (id) DO NOTHING`,
			e.UserID, e.CompanyID, e.Personal.Name, e.Personal.Email, string(e.Role), e.CanShare, e.Auditor,
			e.RegisteredAt, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.UserInvited) error {
		v := ev.Version
		kind := e.Kind
		if kind == "" {
			kind = domain.UserKindStaff
		}
		var provider, customer any
		if kind == domain.UserKindPortal {
			provider, customer = id(e.ProviderID), id(e.CustomerID)
		}
		q.Exec(`INSERT INTO users (id, company_id, name, email, role, can_share, auditor, status, invited_by,
				invited_at, version, kind, portal_provider_id, portal_customer_id, invitation_expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'invited', $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (id) DO NOTHING`,
			e.UserID, e.CompanyID, e.Personal.Name, e.Personal.Email, string(e.Role), e.CanShare, e.Auditor,
			id(e.InvitedBy), e.InvitedAt, v, string(kind), provider, customer, optionalAt(e.ExpiresAt))
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.UserActivated) error {
		v := ev.Version
		q.Exec(`UPDATE users SET status = 'active', name = $2, activated_at = $3, version = $4
			WHERE id = $1 AND version < $4`, e.UserID, e.Personal.Name, e.ActivatedAt, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.UserInvitationRenewed) error {
		q.Exec(`UPDATE users SET invitation_expires_at = $2, version = $3 WHERE id = $1 AND version < $3`,
			e.UserID, e.ExpiresAt, ev.Version)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.UserRoleChanged) error {
		v := ev.Version
		q.Exec(`UPDATE users SET role = $2, can_share = $3, auditor = $4, version = $5 WHERE id = $1 AND version < $5`,
			e.UserID, string(e.Role), e.CanShare, e.Auditor, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.CustomerUserInvited) error {
		// A guard event, registered for this legacy upcast: portal users invited
		// before UserInvited carried customer_id learn their
		// customer from this event of the same batch (it always follows their
		// UserInvited); for the others it sets what is already there.
		q.Exec(`UPDATE users SET portal_customer_id = $2 WHERE id = $1 AND kind = 'portal'`, e.UserID, e.CustomerID)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.CustomerGroupCreated) error {
		v := ev.Version
		q.Exec(`INSERT INTO groups (id, provider_id, name, code, created_at, version) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (id) DO NOTHING`, e.GroupID, e.ProviderID, e.Name, e.Code, e.CreatedAt, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.CustomerGroupRenamed) error {
		v := ev.Version
		q.Exec(`UPDATE groups SET name = $2, version = $3 WHERE id = $1 AND version < $3`, e.GroupID, e.Name, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.GroupCodeRotated) error {
		v := ev.Version
		q.Exec(`UPDATE groups SET code = $2, version = $3 WHERE id = $1 AND version < $3`, e.GroupID, e.Code, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.GroupSelfRegistrationChanged) error {
		v := ev.Version
		q.Exec(`UPDATE groups SET self_registration = $2, version = $3 WHERE id = $1 AND version < $3`, e.GroupID, e.Enabled, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.GroupAccessGranted) error {
		v := ev.Version
		q.Exec(`INSERT INTO group_members (group_id, user_id, access, granted_at)
			SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM groups WHERE id = $1 AND version < $5)
			ON CONFLICT (group_id, user_id) DO UPDATE SET access = EXCLUDED.access, granted_at = EXCLUDED.granted_at`,
			e.GroupID, e.UserID, string(e.Access), e.GrantedAt, v)
		groupVersion(q, e.GroupID, v)
		return nil
	})
	On(&p, func(q *Queue, ev domain.Recorded, e domain.GroupAccessRevoked) error {
		v := ev.Version
		q.Exec(`DELETE FROM group_members WHERE group_id = $1 AND user_id = $2
			AND EXISTS (SELECT 1 FROM groups WHERE id = $1 AND version < $3)`, e.GroupID, e.UserID, v)
		groupVersion(q, e.GroupID, v)
		return nil
	})
	accountLifecycle(&p)
	return p
}

func groupVersion(q *Queue, group any, v int64) {
	q.Exec(`UPDATE groups SET version = $2 WHERE id = $1 AND version < $2`, group, v)
}

// optionalAt is a time column that a zero time (an event recorded before the
// field existed) leaves NULL.
func optionalAt(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
