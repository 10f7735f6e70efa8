package mailer

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// The outbox table is this package's: besides delivering, it is where mails are
// queued by the reactors (Enqueue) and dropped when a company is forgotten
// (DropQueuedTo). The application services' mails (invitations) are the one other
// writer: the store inserts them as side records of the batch that decided them.

// Enqueue queues mails in tx, the transaction that acts on the event they are
// about, so that they commit with its effect; a mail whose id is already queued is
// not queued again (handling an event twice sends nothing twice).
func Enqueue(ctx context.Context, tx pgx.Tx, mails []Mail) error {
	if len(mails) == 0 {
		return nil
	}
	ids := make([]pgtype.UUID, len(mails))
	to, subjects, bodies, templates := make([]string, len(mails)), make([]string, len(mails)), make([]string, len(mails)), make([]string, len(mails))
	for i, m := range mails {
		ids[i] = pgtype.UUID{Bytes: m.ID, Valid: true}
		to[i], subjects[i], bodies[i], templates[i] = m.To, m.Subject, m.Body, m.Template
	}
	_, err := tx.Exec(ctx, `INSERT INTO public.outbox_mail (id, recipient, subject, body, template)
		SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])
		ON CONFLICT (id) DO NOTHING`, ids, to, subjects, bodies, templates)
	return err
}

// Execer is a pool or a transaction.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// DropQueuedTo deletes every mail still queued to one of addresses (compared
// without case): a forgotten company's people must not stay in the outbox.
func DropQueuedTo(ctx context.Context, db Execer, addresses []string) (int64, error) {
	lower := make([]string, len(addresses))
	for i, a := range addresses {
		lower[i] = strings.ToLower(a)
	}
	tag, err := db.Exec(ctx, `DELETE FROM outbox_mail WHERE lower(recipient) = ANY($1)`, lower)
	return tag.RowsAffected(), err
}
