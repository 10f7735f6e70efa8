package projections

import (
	"github.com/sharehub/sharehub/domain"
)

// The account lifecycle events (domain/events_accounts.go) in the read models.
// Kept apart from the projections' main switches so that each can register these
// handlers as a group.

// applyAccountLifecycle is the accounts projection's part: a deactivated user
// shows as such in staff and customer user lists, and its viewer is inactive (so
// reads refuse it even before its sessions are checked). Password and session
// events change nothing here: logins and sessions live beside the log.
func applyAccountLifecycle(q *Queue, ev domain.Recorded) error {
	v := ev.Version
	switch e := ev.Event.(type) {
	case domain.UserDeactivated:
		q.Exec(`UPDATE {users} SET status = 'deactivated', version = $2 WHERE id = $1 AND version < $2`, e.UserID, v)
	case domain.UserReactivated:
		// Back to what it was: an invitee that never accepted is invited again.
		q.Exec(`UPDATE {users} SET status = CASE WHEN activated_at IS NULL THEN 'invited' ELSE 'active' END, version = $2
			WHERE id = $1 AND version < $2`, e.UserID, v)
	case domain.PasswordChanged, domain.PasswordResetRequested, domain.PasswordResetCompleted, domain.UserSessionsEnded,
		domain.UserInvitationRenewed, domain.CustomerInvitationRenewed,
		domain.EmailVerificationRequested, domain.EmailVerified:
	default:
		return unexpected(ev)
	}
	return nil
}

// applyNotifyAccountLifecycle is the notifications projection's part: a
// deactivated user hears of nothing until reactivated.
func applyNotifyAccountLifecycle(q *Queue, ev domain.Recorded) {
	switch e := ev.Event.(type) {
	case domain.UserDeactivated:
		q.Exec(`UPDATE {users} SET active = false, version = $2 WHERE id = $1 AND version < $2`, e.UserID, ev.Version)
	case domain.UserReactivated:
		q.Exec(`UPDATE {users} SET active = true, version = $2 WHERE id = $1 AND version < $2`, e.UserID, ev.Version)
	}
}
