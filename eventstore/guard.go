package eventstore

import (
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain/app"
)

// guardConstraint names the error sharehub_stream_guard raises when the guarded
// stream moved (migration 00070): a concurrency conflict.
const guardConstraint = "stream_guard"

// queueGuard queues a StreamGuard or StreamLock into the batch's implicit
// transaction. Both take the stream's advisory lock until commit (shared for a
// guard, exclusive for a lock), so where they sit among the batch's statements does
// not matter: the guard's version check runs once its lock is granted, and the
// lock is held until the batch commits.
func queueGuard(batch *pgx.Batch, r app.Record) {
	switch r := r.(type) {
	case app.StreamGuard:
		batch.Queue(`SELECT sharehub_stream_guard($1, $2)`, r.StreamID, r.Version)
	case app.StreamLock:
		batch.Queue(`SELECT sharehub_stream_lock($1)`, r.StreamID)
	}
}
