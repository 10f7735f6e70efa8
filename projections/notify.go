package projections

import (
	"context"
	"crypto/md5"
	_ "embed"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/mail"
	"github.com/sharehub/sharehub/projections/mailer"
)

// Notifications, a reactor (reactor.go), turns events into mails in the outbox
// (delivered by the mailer), worded by package mail:
//   - a portal share granted: every active user of the customer's company is told
//     what the provider shared with them, if the portal shows it at that moment
//     (portalShowsShare: not while paused, not with the documents module off, not
//     a document without a visible version);
//   - a customer deposited a document (JarvisDrive's notice): the provider's active
//     admins are told who put what where.
//
// The outbox rows commit with its checkpoint, so each event is turned into mails
// exactly once. It keeps the little it needs to address and word them (users,
// customers, companies, names) in tables of its own, applied from the same
// ordered log, so it never reads another projection that might lag behind it. When first created it records the head of
// the log (from_position) and mails only about what comes after: it replays the
// history to learn who is who, silently. Mail ids derive from the event and the
// recipient, so handling an event again never queues a second mail. It acts on the
// world, so it is never rebuilt.
var Notifications = notifications()

// notificationsDDL creates the notifier's tables, those of notify_visibility.go
// included (one multi-statement Exec).
//
//go:embed sql/notifications.sql
var notificationsDDL string

// news is the condition under which an event ($1 its position) is mailed about:
// it came after the notifier was created.
const news = `$1::bigint > (SELECT coalesce(max(from_position), 0) FROM settings)`

func notifications() *Reactor {
	r := NewReactor("notifications", notificationsDDL+requestsNotifyDDL+contentNotifyDDL)
	p := &r.Projection
	notifyVisibility(p)
	notifyAccountLifecycle(p)
	notifyRequests(r)
	notifyContent(r)
	On(p, func(q *Queue, ev domain.Recorded, e domain.CompanyRegistered) error {
		q.Exec(`INSERT INTO companies VALUES ($1, $2) ON CONFLICT DO NOTHING`, e.CompanyID, e.Name)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.UserRegistered) error {
		v := ev.Version
		q.Exec(`INSERT INTO users VALUES ($1, $2, $3, $4, true, $5) ON CONFLICT DO NOTHING`,
			e.UserID, e.CompanyID, e.Personal.Email, string(e.Role), v)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.UserInvited) error {
		v := ev.Version
		// A portal user hears of its own customer only: it is filed under the
		// customer's id (the recipients below match either), not under the
		// customer's company, whose other providers' news are none of its business.
		filed := e.CompanyID
		if e.Kind == domain.UserKindPortal && e.CustomerID != uuid.Nil {
			filed = e.CustomerID
		}
		q.Exec(`INSERT INTO users VALUES ($1, $2, $3, $4, false, $5) ON CONFLICT DO NOTHING`,
			e.UserID, filed, e.Personal.Email, string(e.Role), v)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.UserActivated) error {
		v := ev.Version
		q.Exec(`UPDATE users SET active = true, version = $2 WHERE id = $1 AND version < $2`, e.UserID, v)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.UserRoleChanged) error {
		v := ev.Version
		q.Exec(`UPDATE users SET role = $2, version = $3 WHERE id = $1 AND version < $3`, e.UserID, string(e.Role), v)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.CustomerConnected) error {
		q.Exec(`INSERT INTO customers VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			e.CustomerID, e.ProviderID, e.CompanyID, e.CompanyName)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.CustomerInvited) error {
		q.Exec(`INSERT INTO customers VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			e.CustomerID, e.ProviderID, e.CompanyID, e.CompanyName)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.FolderCreated) error {
		q.Exec(`INSERT INTO items VALUES ($1, $2) ON CONFLICT DO NOTHING`, e.FolderID, e.Name)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.DocumentAdded) error {
		q.Exec(`INSERT INTO items VALUES ($1, $2) ON CONFLICT DO NOTHING`, e.DocumentID, e.Name)
		return nil
	})

	React(r, func(ctx context.Context, tx pgx.Tx, ev domain.Recorded, e domain.PortalShareGranted) error {
		rows, err := tx.Query(ctx, `SELECT u.id, u.email, coalesce(p.name, ''), coalesce(i.name, ''), c.company_name
			  FROM customers c
			  JOIN users u ON (u.company_id = c.company_id OR u.company_id = c.id) AND u.active
			  LEFT JOIN companies p ON p.id = c.provider_id
			  LEFT JOIN items i ON i.id = coalesce($3::uuid, $4::uuid)
			 WHERE c.id = $2::uuid AND u.email <> '`+domain.Forgotten+`' AND `+news+` AND `+portalShowsShare+` AND `+wantsMailAtOnce,
			ev.Position, e.CustomerID, id(e.DocumentID), id(e.FolderID))
		if err != nil {
			return err
		}
		return queueMails(ctx, tx, ev, rows, func(row pgx.CollectableRow) (r recipient, m mail.Message, err error) {
			s := mail.Share{Document: e.DocumentID != uuid.Nil, Permission: string(e.Permission)}
			if err := row.Scan(&r.user, &r.email, &s.Provider, &s.Item, &s.Customer); err != nil {
				return r, m, err
			}
			m, err = mail.Render(mail.ShareGranted, s)
			return r, m, err
		})
	})
	React(r, func(ctx context.Context, tx pgx.Tx, ev domain.Recorded, e domain.DocumentAdded) error {
		if e.UploadedByCustomerID == uuid.Nil {
			return nil
		}
		rows, err := tx.Query(ctx, `SELECT u.id, u.email, c.company_name, coalesce(f.name, '')
			  FROM users u
			  JOIN customers c ON c.id = $3::uuid
			  LEFT JOIN items f ON f.id = $4::uuid
			 WHERE u.company_id = $2::uuid AND u.role = 'admin' AND u.active AND u.email <> '`+domain.Forgotten+`' AND `+news,
			ev.Position, e.ProviderID, e.UploadedByCustomerID, e.FolderID)
		if err != nil {
			return err
		}
		return queueMails(ctx, tx, ev, rows, func(row pgx.CollectableRow) (r recipient, m mail.Message, err error) {
			d := mail.Deposit{Document: e.Name}
			if err := row.Scan(&r.user, &r.email, &d.Customer, &d.Folder); err != nil {
				return r, m, err
			}
			m, err = mail.Render(mail.CustomerDeposit, d)
			return r, m, err
		})
	})
	return r
}

// mailID is the id of the mail about event to user: md5 of their texts, as the
// notifier's SQL derived it (md5(event::text || user::text)::uuid) before mails
// were worded in Go, so an event handled again across that change queues no
// second mail.
func mailID(event, user uuid.UUID) uuid.UUID {
	return md5.Sum([]byte(event.String() + user.String()))
}

// recipient is who a mail goes to.
type recipient struct {
	user  uuid.UUID
	email string
}

// queueMails puts one mail per row in the outbox, as word scans and renders it.
// A mail's id derives from the event and the recipient (mailID), so handling an
// event again never queues a second mail.
func queueMails(ctx context.Context, tx pgx.Tx, ev domain.Recorded, rows pgx.Rows,
	word func(pgx.CollectableRow) (recipient, mail.Message, error)) error {
	mails, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (mailer.Mail, error) {
		r, m, err := word(row)
		return mailer.Mail{ID: mailID(ev.EventID, r.user), To: r.email, Subject: m.Subject, Body: m.Body, Template: m.Template}, err
	})
	if err != nil {
		return err
	}
	return mailer.Enqueue(ctx, tx, mails)
}
