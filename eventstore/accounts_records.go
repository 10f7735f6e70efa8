package eventstore

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain/app"
)

// queueAccountRecord writes what an account decision does to logins and sessions
// in the batch's transaction: a deactivation is seen by every API process the
// moment it commits, because every request's session check reads these rows
// (auth.Sessions.Authenticate). Times are the database's: sessions are compared
// against them by the same clock.
func queueAccountRecord(batch *pgx.Batch, r app.Record) {
	switch r := r.(type) {
	case app.EndSessions:
		if r.Only != uuid.Nil {
			batch.Queue(`UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL`,
				r.UserID, r.Only)
			return
		}
		batch.Queue(`UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL`,
			r.UserID, r.Except)
	case app.LoginDisabled:
		batch.Queue(`UPDATE credentials SET disabled_at = CASE WHEN $2 THEN now() END, updated_at = now() WHERE user_id = $1`,
			r.UserID, r.Disabled)
	}
}
