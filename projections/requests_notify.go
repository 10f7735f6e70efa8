package projections

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/mail"
	"github.com/sharehub/sharehub/eventstore"
)

// What the notifications reactor does with document requests (issue 17):
//   - DocumentRequested: the customer's users are asked for the file;
//   - DocumentRequestFulfilled: the provider's staff who see that customer (its
//     admins, and the members with read or write access to its group) are told
//     what arrived;
//   - DocumentRequestReminded: the customer's users are reminded.
//
// The customer's users are mailed only while its portal is open (active, documents
// on), as they could not act otherwise. Like every reaction of the reactor, only
// events after its creation mail (news), and a mail's id derives from the event and
// the recipient: exactly once, never on a replay.
//
// The reminder itself is decided by the platform, not by an event: the reactor
// keeps the open requests with a due date (table requests), OverdueRequests finds
// those due at an instant of an injected clock, and app.Service.RemindOverdue
// records DocumentRequestReminded for each, which the domain allows once per
// request. Its mail then follows from the event as above.

// requestsNotifyDDL creates the tables (appended to the notifier's DDL).
//
//go:embed sql/requests_notify.sql
var requestsNotifyDDL string

// portalOpen is the condition that customer $2's portal is open: active, with
// the documents module on (its own setting, else the provider's default).
const portalOpen = `EXISTS (SELECT 1 FROM customer_access a LEFT JOIN provider_defaults d ON d.id = a.provider_id
	 WHERE a.id = $2::uuid AND a.status = 'active' AND coalesce(a.documents_enabled, d.documents_enabled, true))`

// customerUsers selects (user, email, provider name, customer name) of customer
// $2's active users, for an event at position $1 that is news, while its portal
// is open.
const customerUsers = `SELECT u.id, u.email, coalesce(p.name, ''), c.company_name
	  FROM customers c
	  JOIN users u ON (u.company_id = c.company_id OR u.company_id = c.id) AND u.active
	  LEFT JOIN companies p ON p.id = c.provider_id
	 WHERE c.id = $2::uuid AND u.email <> '` + domain.Forgotten + `' AND ` + news + ` AND ` + portalOpen

// staffWhoSee selects (user, email, customer name) of the provider's active
// staff who see customer $2: its admins, and members with read or write access
// to the customer's group.
const staffWhoSee = `SELECT u.id, u.email, c.company_name
	  FROM customers c
	  JOIN users u ON u.company_id = c.provider_id AND u.active
	 WHERE c.id = $2::uuid AND u.email <> '` + domain.Forgotten + `' AND ` + news + `
	   AND (u.role = 'admin' OR EXISTS (SELECT 1 FROM customer_groups g JOIN staff_access s ON s.group_id = g.group_id
	        WHERE g.customer_id = c.id AND s.user_id = u.id AND s.access IN ('read', 'write')))`

// dueText words a due date in mails.
func dueText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// notifyRequests registers the request tables and mails of the notifier.
func notifyRequests(r *Reactor) {
	p := &r.Projection
	On(p, func(q *Queue, ev domain.Recorded, e domain.GroupAccessGranted) error {
		q.Exec(`INSERT INTO staff_access VALUES ($1, $2, $3, $4) ON CONFLICT (group_id, user_id)
			DO UPDATE SET access = EXCLUDED.access, version = EXCLUDED.version WHERE staff_access.version < EXCLUDED.version`,
			e.GroupID, e.UserID, string(e.Access), ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.GroupAccessRevoked) error {
		q.Exec(`UPDATE staff_access SET access = 'none', version = $3 WHERE group_id = $1 AND user_id = $2 AND version < $3`,
			e.GroupID, e.UserID, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.CustomerAssignedToGroup) error {
		q.Exec(`INSERT INTO customer_groups VALUES ($1, $2, $3) ON CONFLICT (customer_id)
			DO UPDATE SET group_id = EXCLUDED.group_id, version = EXCLUDED.version WHERE customer_groups.version < EXCLUDED.version`,
			e.CustomerID, id(e.GroupID), ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.DocumentRequested) error {
		if !e.DueAt.IsZero() {
			q.Exec(`INSERT INTO requests VALUES ($1, $2, $3, $4, 'open', false, $5) ON CONFLICT (id) DO NOTHING`,
				e.RequestID, e.ProviderID, e.CustomerID, e.DueAt, ev.Version)
		}
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.DocumentRequestFulfilled) error {
		q.Exec(`UPDATE requests SET status = 'fulfilled', version = $2 WHERE id = $1 AND version < $2`, e.RequestID, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.DocumentRequestCancelled) error {
		q.Exec(`UPDATE requests SET status = 'cancelled', version = $2 WHERE id = $1 AND version < $2`, e.RequestID, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.DocumentRequestReminded) error {
		q.Exec(`UPDATE requests SET reminded = true, version = $2 WHERE id = $1 AND version < $2`, e.RequestID, ev.Version)
		return nil
	})

	React(r, func(ctx context.Context, tx pgx.Tx, ev domain.Recorded, e domain.DocumentRequested) error {
		return mailCustomerUsers(ctx, tx, ev, e.CustomerID, mail.DocumentRequested,
			mail.Request{Title: e.Title, Note: e.Note, Due: dueText(e.DueAt)})
	})
	React(r, func(ctx context.Context, tx pgx.Tx, ev domain.Recorded, e domain.DocumentRequestReminded) error {
		return mailCustomerUsers(ctx, tx, ev, e.CustomerID, mail.DocumentRequestReminder,
			mail.Request{Title: e.Title, Due: dueText(e.DueAt)})
	})
	React(r, func(ctx context.Context, tx pgx.Tx, ev domain.Recorded, e domain.DocumentRequestFulfilled) error {
		rows, err := tx.Query(ctx, `SELECT s.*, coalesce((SELECT name FROM items WHERE id = $3::uuid), '') FROM (`+staffWhoSee+`) s`,
			ev.Position, e.CustomerID, e.DocumentID)
		if err != nil {
			return err
		}
		return queueMails(ctx, tx, ev, rows, func(row pgx.CollectableRow) (r recipient, m mail.Message, err error) {
			d := mail.Request{Title: e.Title}
			if err := row.Scan(&r.user, &r.email, &d.Customer, &d.Document); err != nil {
				return r, m, err
			}
			m, err = mail.Render(mail.DocumentRequestFulfilled, d)
			return r, m, err
		})
	})
}

// mailCustomerUsers mails template, worded from data (its Provider and
// Customer filled in per row), to customer's users (customerUsers).
func mailCustomerUsers(ctx context.Context, tx pgx.Tx, ev domain.Recorded, customer uuid.UUID, template string, data mail.Request) error {
	rows, err := tx.Query(ctx, customerUsers, ev.Position, customer)
	if err != nil {
		return err
	}
	return queueMails(ctx, tx, ev, rows, func(row pgx.CollectableRow) (r recipient, m mail.Message, err error) {
		d := data
		if err := row.Scan(&r.user, &r.email, &d.Provider, &d.Customer); err != nil {
			return r, m, err
		}
		m, err = mail.Render(template, d)
		return r, m, err
	})
}

// OverdueRequests lists (at most limit) open requests whose due date passed at
// now and that were not reminded, as the notifier knows them (nothing when it
// does not exist yet).
func OverdueRequests(ctx context.Context, q eventstore.Querier, now time.Time, limit int) ([]uuid.UUID, error) {
	table := pgx.Identifier{Notifications.Schema(), "requests"}.Sanitize()
	rows, err := q.Query(ctx, `SELECT id FROM `+table+` WHERE status = 'open' AND NOT reminded AND due_at <= $1
		ORDER BY due_at, id LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("overdue requests: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
}
