package projections

import (
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// Notifications turns events into mails in the outbox (delivered by the mailer):
//   - a portal share granted: every active user of the customer's company is told
//     what the provider shared with them, if the portal shows it at that moment
//     (portalShowsShare: not while paused, not with the documents module off, not
//     a document without a visible version);
//   - a customer deposited a document (JarvisDrive's notice): the provider's active
//     admins are told who put what where.
//
// It is a consumer like the read models: the outbox rows commit with its
// checkpoint, so each event is turned into mails exactly once. It keeps the little
// it needs to address and word them (users, customers, companies, names) in tables
// of its own, applied from the same ordered log, so it never reads another
// projection that might lag behind it. When first created it records the head of
// the log (from_position) and mails only about what comes after: it replays the
// history to learn who is who, silently. Mail ids derive from the event and the
// recipient, so handling an event again never queues a second mail. It acts on the
// world, so it is never rebuilt.
var Notifications = Projection{
	Name:        "notifications",
	DDL:         notificationsDDL + notifyVisibilityDDL,
	Apply:       applyNotifications,
	SideEffects: true,
}

const notificationsDDL = `
CREATE TABLE settings (from_position bigint NOT NULL);
CREATE TABLE companies (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE users (
    id         uuid PRIMARY KEY,
    company_id uuid NOT NULL,
    email      text NOT NULL,
    role       text NOT NULL,
    active     boolean NOT NULL,
    version    bigint NOT NULL
);
CREATE INDEX users_company ON users (company_id);
CREATE TABLE customers (id uuid PRIMARY KEY, provider_id uuid NOT NULL, company_id uuid NOT NULL, company_name text NOT NULL);
CREATE TABLE items (id uuid PRIMARY KEY, name text NOT NULL);
`

// news is the condition under which an event is mailed about: it came after the
// notifier was created.
const news = `$1::bigint > (SELECT coalesce(max(from_position), 0) FROM {settings})`

func applyNotifications(q *Queue, ev domain.Recorded) error {
	v := ev.Version
	applyNotifyVisibility(q, ev)
	applyNotifyAccountLifecycle(q, ev)
	switch e := ev.Event.(type) {
	case domain.CompanyRegistered:
		q.Exec(`INSERT INTO {companies} VALUES ($1, $2) ON CONFLICT DO NOTHING`, e.CompanyID, e.Name)
	case domain.UserRegistered:
		q.Exec(`INSERT INTO {users} VALUES ($1, $2, $3, $4, true, $5) ON CONFLICT DO NOTHING`,
			e.UserID, e.CompanyID, e.Personal.Email, string(e.Role), v)
	case domain.UserInvited:
		// A portal user hears of its own customer only: it is filed under the
		// customer's id (the recipients below match either), not under the
		// customer's company, whose other providers' news are none of its business.
		filed := e.CompanyID
		if e.Kind == domain.UserKindPortal && e.CustomerID != uuid.Nil {
			filed = e.CustomerID
		}
		q.Exec(`INSERT INTO {users} VALUES ($1, $2, $3, $4, false, $5) ON CONFLICT DO NOTHING`,
			e.UserID, filed, e.Personal.Email, string(e.Role), v)
	case domain.UserActivated:
		q.Exec(`UPDATE {users} SET active = true, version = $2 WHERE id = $1 AND version < $2`, e.UserID, v)
	case domain.UserRoleChanged:
		q.Exec(`UPDATE {users} SET role = $2, version = $3 WHERE id = $1 AND version < $3`, e.UserID, string(e.Role), v)
	case domain.CustomerConnected:
		q.Exec(`INSERT INTO {customers} VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			e.CustomerID, e.ProviderID, e.CompanyID, e.CompanyName)
	case domain.CustomerInvited:
		q.Exec(`INSERT INTO {customers} VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			e.CustomerID, e.ProviderID, e.CompanyID, e.CompanyName)
	case domain.FolderCreated:
		q.Exec(`INSERT INTO {items} VALUES ($1, $2) ON CONFLICT DO NOTHING`, e.FolderID, e.Name)

	case domain.PortalShareGranted:
		q.Exec(`INSERT INTO public.outbox_mail (id, recipient, subject, body, template)
			SELECT md5($2::text || u.id::text)::uuid, u.email,
			       coalesce(p.name, 'Your provider') || ' shared ' || coalesce(i.name, 'documents') || ' with you',
			       coalesce(p.name, 'Your provider') || ' shared ' ||
			         CASE WHEN $4::uuid IS NOT NULL THEN 'the document "' || coalesce(i.name, '') || '"'
			              ELSE 'the folder "' || coalesce(i.name, '') || '" and everything in it' END ||
			         ' with ' || c.company_name || ' (' || $6 || ' access). Open your customer portal to see it.' || E'\n',
			       'share-granted'
			  FROM {customers} c
			  JOIN {users} u ON (u.company_id = c.company_id OR u.company_id = c.id) AND u.active
			  LEFT JOIN {companies} p ON p.id = c.provider_id
			  LEFT JOIN {items} i ON i.id = coalesce($4::uuid, $5::uuid)
			 WHERE c.id = $3::uuid AND u.email <> '`+domain.Forgotten+`' AND `+news+` AND `+portalShowsShare+`
			ON CONFLICT (id) DO NOTHING`,
			ev.Position, ev.EventID, e.CustomerID, id(e.DocumentID), id(e.FolderID), string(e.Permission))
	case domain.DocumentAdded:
		q.Exec(`INSERT INTO {items} VALUES ($1, $2) ON CONFLICT DO NOTHING`, e.DocumentID, e.Name)
		if e.UploadedByCustomerID == uuid.Nil {
			return nil
		}
		q.Exec(`INSERT INTO public.outbox_mail (id, recipient, subject, body, template)
			SELECT md5($2::text || u.id::text)::uuid, u.email,
			       c.company_name || ' deposited "' || $5 || '"',
			       c.company_name || ' deposited the document "' || $5 || '" in the folder "' ||
			         coalesce(f.name, '') || '" of its portal.' || E'\n',
			       'customer-deposit'
			  FROM {users} u
			  JOIN {customers} c ON c.id = $4::uuid
			  LEFT JOIN {items} f ON f.id = $6::uuid
			 WHERE u.company_id = $3::uuid AND u.role = 'admin' AND u.active AND u.email <> '`+domain.Forgotten+`' AND `+news+`
			ON CONFLICT (id) DO NOTHING`,
			ev.Position, ev.EventID, e.ProviderID, e.UploadedByCustomerID, e.Name, e.FolderID)
	}
	return nil
}
