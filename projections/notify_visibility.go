package projections

import (
	"github.com/sharehub/sharehub/domain"
)

// What the notifier must know to tell a customer only of what its portal would show
// at that moment (domain.ComputePortalView's conditions, as far as one share
// decides them): the customer is active (not invited, paused or revoked), its
// documents module is on (its own setting, else its provider's default), and a
// shared document has a visible version. A share that fails any of them mails
// nobody. The tables follow the ordered log like the notifier's others, so the
// condition is judged at the share's position, never against a lagging read model.
//
// Every row remembers the version of the last event of its stream applied to it:
// applying an event again changes nothing. The tables (customer_access,
// provider_defaults, document_versions) are in sql/notifications.sql.

// portalShowsShare is the condition under which a PortalShareGranted ($2 the
// customer, $3 the document or NULL for a folder) is mailed about. A provider
// without a PortalDefaultsChanged has the documents module on (as it registers).
const portalShowsShare = `EXISTS (SELECT 1 FROM customer_access a LEFT JOIN provider_defaults d ON d.id = a.provider_id
	 WHERE a.id = $2::uuid AND a.status = 'active' AND coalesce(a.documents_enabled, d.documents_enabled, true))
	AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM document_versions v WHERE v.document_id = $3::uuid AND NOT v.hidden))`

// notifyVisibility registers the handlers that keep the visibility tables.
func notifyVisibility(p *Projection) {
	access := func(q *Queue, ev domain.Recorded, customer any, status domain.CustomerStatus) error {
		q.Exec(`UPDATE customer_access SET status = $2, version = $3 WHERE id = $1 AND version < $3`, customer, string(status), ev.Version)
		return nil
	}
	On(p, func(q *Queue, ev domain.Recorded, e domain.PortalDefaultsChanged) error {
		q.Exec(`INSERT INTO provider_defaults VALUES ($1, $2, $3)
			ON CONFLICT (id) DO UPDATE SET documents_enabled = EXCLUDED.documents_enabled, version = EXCLUDED.version
			WHERE provider_defaults.version < EXCLUDED.version`, e.CompanyID, e.DocumentsEnabledDefault, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.CustomerConnected) error {
		q.Exec(`INSERT INTO customer_access VALUES ($1, $2, 'active', NULL, $3) ON CONFLICT DO NOTHING`, e.CustomerID, e.ProviderID, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.CustomerInvited) error {
		q.Exec(`INSERT INTO customer_access VALUES ($1, $2, 'invited', NULL, $3) ON CONFLICT DO NOTHING`, e.CustomerID, e.ProviderID, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.CustomerInvitationAccepted) error {
		return access(q, ev, e.CustomerID, domain.StatusActive)
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.SharingPaused) error {
		return access(q, ev, e.CustomerID, domain.StatusPaused)
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.SharingResumed) error {
		return access(q, ev, e.CustomerID, domain.StatusActive)
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.SharingRevoked) error {
		return access(q, ev, e.CustomerID, domain.StatusRevoked)
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.PortalDocumentsToggled) error {
		q.Exec(`UPDATE customer_access SET documents_enabled = $2, version = $3 WHERE id = $1 AND version < $3`,
			e.CustomerID, e.DocumentsEnabled, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.DocumentAdded) error {
		q.Exec(`INSERT INTO document_versions VALUES ($1, 1, $2, $3) ON CONFLICT DO NOTHING`, e.DocumentID, e.Hidden, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.DocumentVersionAdded) error {
		q.Exec(`INSERT INTO document_versions VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, e.DocumentID, e.Version, e.Hidden, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.VersionVisibilityChanged) error {
		q.Exec(`UPDATE document_versions SET hidden = $3, version = $4 WHERE document_id = $1 AND number = $2 AND version < $4`,
			e.DocumentID, e.Version, e.Hidden, ev.Version)
		return nil
	})
}
