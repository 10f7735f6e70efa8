package projections

import (
	"github.com/sharehub/sharehub/domain"
)

// The account lifecycle events (domain/events_accounts.go) in the read models.
// Password, session and verification events change nothing here (logins and
// sessions live beside the log), so no projection registers them; an invitation
// renewal moves invitation_expires_at (accounts.go, portal.go).

// accountLifecycle registers the accounts projection's part: a deactivated user
// shows as such in staff and customer user lists, and its viewer is inactive (so
// reads refuse it even before its sessions are checked).
func accountLifecycle(p *Projection) {
	On(p, func(q *Queue, ev domain.Recorded, e domain.UserDeactivated) error {
		q.Exec(`UPDATE users SET status = 'deactivated', version = $2 WHERE id = $1 AND version < $2`, e.UserID, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.UserReactivated) error {
		// Back to what it was: an invitee that never accepted is invited again.
		q.Exec(`UPDATE users SET status = CASE WHEN activated_at IS NULL THEN 'invited' ELSE 'active' END, version = $2
			WHERE id = $1 AND version < $2`, e.UserID, ev.Version)
		return nil
	})
}

// notifyAccountLifecycle registers the notifier's part: a deactivated user hears
// of nothing until reactivated.
func notifyAccountLifecycle(p *Projection) {
	On(p, func(q *Queue, ev domain.Recorded, e domain.UserDeactivated) error {
		q.Exec(`UPDATE users SET active = false, version = $2 WHERE id = $1 AND version < $2`, e.UserID, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.UserReactivated) error {
		q.Exec(`UPDATE users SET active = true, version = $2 WHERE id = $1 AND version < $2`, e.UserID, ev.Version)
		return nil
	})
}
