package projections

import (
	"context"
	_ "embed"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/sharehub/sharehub/projections/mailer"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/mail"
)

// New-content notifications (issue 17), reactions of the notifications reactor:
// a customer's users hear, exactly once, of what newly became visible in their
// portal:
//   - a share (the share-granted mail of notify.go, for users who want mails at
//     once; a digest item for those who want a daily digest);
//   - a document the provider added below a folder shared with the customer, or
//     inside its workspace while it has master access (a customer's own deposit
//     is no news to anyone: its uploader knows, and deposits are private);
//   - a version that becomes the newest visible one (added visible, or published);
//   - master access turned on (everything in the workspace).
//
// Only what the portal would show at that moment: the customer is active with the
// documents module on (portalOpen), and the document has a visible version; a
// share of a folder above another customer's deposit folder does not reach into it
// (domain.ComputePortalView's rule). Each user's preference (NotificationPreferenceSet)
// decides: immediate (the default) queues a new-content mail, daily a digest item,
// off nothing. SendDigests, driven by an injected clock, turns a user's items into
// one mail once a day. Everything is judged on the reactor's own tables, applied
// from the ordered log; as every reaction, only events after the reactor's creation
// act (news), and mail ids derive from event and recipient: never on a replay.
//
// The plain functions below take what they need (tx, event, ids), so that they can
// move to another reactor type unchanged.

// contentNotifyDDL creates the tables (appended to the notifier's DDL).
//
//go:embed sql/notify_content.sql
var contentNotifyDDL string

// digestEvery is how often a daily digest goes out at most.
const digestEvery = 24 * time.Hour

// notifyContent registers the content tables and reactions of the notifier.
func notifyContent(r *Reactor) {
	p := &r.Projection
	On(p, func(q *Queue, ev domain.Recorded, e domain.NotificationPreferenceSet) error {
		q.Exec(`INSERT INTO content_prefs VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE
			SET new_content = EXCLUDED.new_content, set_at = EXCLUDED.set_at, version = EXCLUDED.version
			WHERE content_prefs.version < EXCLUDED.version`, e.UserID, e.NewContent, e.SetAt, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.FolderCreated) error {
		q.Exec(`INSERT INTO content_folders VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			e.FolderID, id(e.ParentID), id(e.CreatedByCustomerID), ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.DocumentAdded) error {
		q.Exec(`INSERT INTO content_documents VALUES ($1, $2, $3, $4, false, $5) ON CONFLICT DO NOTHING`,
			e.DocumentID, e.FolderID, id(e.WorkspaceCustomerID), id(e.UploadedByCustomerID), ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.DocumentRemoved) error {
		q.Exec(`UPDATE content_documents SET removed = true, version = $2 WHERE id = $1 AND version < $2`, e.DocumentID, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.PortalShareGranted) error {
		q.Exec(`INSERT INTO content_shares VALUES ($1, $2, $3, $4, true, $5) ON CONFLICT DO NOTHING`,
			e.ShareID, e.CustomerID, id(e.DocumentID), id(e.FolderID), ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.ShareCancelled) error {
		q.Exec(`UPDATE content_shares SET active = false, version = $2 WHERE id = $1 AND version < $2`, e.ShareID, ev.Version)
		return nil
	})
	master := func(q *Queue, ev domain.Recorded, customer uuid.UUID, on bool) {
		q.Exec(`UPDATE content_master SET master = $2, version = $3 WHERE customer_id = $1 AND version < $3`, customer, on, ev.Version)
	}
	On(p, func(q *Queue, ev domain.Recorded, e domain.CustomerConnected) error {
		q.Exec(`INSERT INTO content_master VALUES ($1, $2, false, $3) ON CONFLICT DO NOTHING`, e.CustomerID, e.WorkspaceFolderID, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.CustomerInvited) error {
		q.Exec(`INSERT INTO content_master VALUES ($1, $2, false, $3) ON CONFLICT DO NOTHING`, e.CustomerID, e.WorkspaceFolderID, ev.Version)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.MasterAccessGranted) error {
		master(q, ev, e.CustomerID, true)
		return nil
	})
	On(p, func(q *Queue, ev domain.Recorded, e domain.MasterAccessWithdrawn) error {
		master(q, ev, e.CustomerID, false)
		return nil
	})

	React(r, func(ctx context.Context, tx pgx.Tx, ev domain.Recorded, e domain.PortalShareGranted) error {
		// Mails at once are notify.go's share-granted; here the digest items.
		kind, item := "folder", e.FolderID
		if e.DocumentID != uuid.Nil {
			kind, item = "document", e.DocumentID
		}
		return ContentDigestOnShareGranted(ctx, tx, ev, e.CustomerID, e.DocumentID, kind, item)
	})
	React(r, func(ctx context.Context, tx pgx.Tx, ev domain.Recorded, e domain.DocumentAdded) error {
		if e.Hidden || e.UploadedByCustomerID != uuid.Nil {
			return nil
		}
		return NotifyContentOnDocument(ctx, tx, ev, e.DocumentID, "document")
	})
	React(r, func(ctx context.Context, tx pgx.Tx, ev domain.Recorded, e domain.DocumentVersionAdded) error {
		if e.Hidden || e.UploadedByCustomerID != uuid.Nil {
			return nil
		}
		return NotifyContentOnDocument(ctx, tx, ev, e.DocumentID, "version")
	})
	React(r, func(ctx context.Context, tx pgx.Tx, ev domain.Recorded, e domain.VersionVisibilityChanged) error {
		if e.Hidden {
			return nil
		}
		// Publishing a version older than the newest visible one changes nothing
		// the portal shows.
		var newest bool
		if err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT 1 FROM document_versions
				WHERE document_id = $1 AND number > $2 AND NOT hidden)`, e.DocumentID, e.Version).Scan(&newest); err != nil || !newest {
			return err
		}
		return NotifyContentOnDocument(ctx, tx, ev, e.DocumentID, "version")
	})
	React(r, func(ctx context.Context, tx pgx.Tx, ev domain.Recorded, e domain.MasterAccessGranted) error {
		return NotifyContentOnMasterAccess(ctx, tx, ev, e.CustomerID)
	})
}

// customersSeeingDocument selects the customers whose portal shows document
// $2 now (its shares, the shares of folders above it that reach it, master
// access to the workspace it lies in), its portal open, not removed; $1 is the
// event's position (unused here, kept for the shared parameter list).
const customersSeeingDocument = `WITH RECURSIVE doc AS (
	    SELECT id, folder_id, workspace_customer_id, uploaded_by FROM content_documents WHERE id = $2::uuid AND NOT removed AND $1::bigint > 0),
	  up(id, parent_id, creator, below) AS (
	    SELECT f.id, f.parent_id, f.created_by, ARRAY[]::uuid[] FROM content_folders f JOIN doc ON f.id = doc.folder_id
	    UNION ALL
	    SELECT f.id, f.parent_id, f.created_by, array_append(up.below, up.creator) FROM content_folders f JOIN up ON f.id = up.parent_id),
	  seeing AS (
	    SELECT s.customer_id FROM content_shares s JOIN doc ON s.document_id = doc.id WHERE s.active
	    UNION
	    SELECT s.customer_id FROM content_shares s JOIN up ON s.folder_id = up.id, doc
	     WHERE s.active AND (doc.uploaded_by IS NULL OR doc.uploaded_by = s.customer_id)
	       AND NOT EXISTS (SELECT 1 FROM unnest(up.below) x WHERE x <> s.customer_id)
	    UNION
	    SELECT m.customer_id FROM content_master m JOIN doc ON doc.workspace_customer_id = m.customer_id
	     WHERE m.master AND (doc.uploaded_by IS NULL OR doc.uploaded_by = m.customer_id))
	SELECT customer_id FROM seeing`

// contentRecipients selects, for the customers of the subquery `seeing` (one
// column, customer_id), their active users with their preference, and the names
// to word a mail: (user, email, preference, provider id, provider name,
// customer id, customer name). Only news ($1) and open portals count.
func contentRecipients(seeing string) string {
	return `SELECT u.id, u.email, coalesce(cp.new_content, 'immediate'), c.provider_id, coalesce(p.name, ''), c.id, c.company_name
	  FROM (` + seeing + `) s
	  JOIN customers c ON c.id = s.customer_id
	  JOIN customer_access a ON a.id = c.id AND a.status = 'active'
	  LEFT JOIN provider_defaults d ON d.id = a.provider_id
	  JOIN users u ON (u.company_id = c.company_id OR u.company_id = c.id) AND u.active
	  LEFT JOIN companies p ON p.id = c.provider_id
	  LEFT JOIN content_prefs cp ON cp.user_id = u.id
	 WHERE coalesce(a.documents_enabled, d.documents_enabled, true) AND u.email <> '` + domain.Forgotten + `'
	   AND ` + news
}

// contentRecipient is one user to tell of new content.
type contentRecipient struct {
	recipient
	pref               string
	provider, customer uuid.UUID
	providerName, name string
}

func collectContentRecipients(rows pgx.Rows) ([]contentRecipient, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (contentRecipient, error) {
		var r contentRecipient
		err := row.Scan(&r.user, &r.email, &r.pref, &r.provider, &r.providerName, &r.customer, &r.name)
		return r, err
	})
}

// NotifyContentOnDocument tells the users of every customer that sees document
// now that it is new (kind "document") or has a new version ("version").
func NotifyContentOnDocument(ctx context.Context, tx pgx.Tx, ev domain.Recorded, document uuid.UUID, kind string) error {
	var name string
	if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT name FROM items WHERE id = $1), '')`, document).Scan(&name); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, contentRecipients(customersSeeingDocument), ev.Position, document)
	if err != nil {
		return err
	}
	rs, err := collectContentRecipients(rows)
	if err != nil {
		return err
	}
	return deliverContent(ctx, tx, ev, rs, mail.ContentItem{Kind: kind, Name: name}, true)
}

// NotifyContentOnMasterAccess tells the customer's users that their workspace
// is theirs to see.
func NotifyContentOnMasterAccess(ctx context.Context, tx pgx.Tx, ev domain.Recorded, customer uuid.UUID) error {
	var name string
	if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT i.name FROM content_master m JOIN items i ON i.id = m.workspace_folder_id
			WHERE m.customer_id = $1), '')`, customer).Scan(&name); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, contentRecipients(`SELECT $2::uuid AS customer_id`), ev.Position, customer)
	if err != nil {
		return err
	}
	rs, err := collectContentRecipients(rows)
	if err != nil {
		return err
	}
	return deliverContent(ctx, tx, ev, rs, mail.ContentItem{Kind: "workspace", Name: name}, true)
}

// ContentDigestOnShareGranted files a granted share as a digest item for the
// customer's users who chose daily, when the portal shows it (a shared document
// needs a visible version); notify.go mails the others at once.
func ContentDigestOnShareGranted(ctx context.Context, tx pgx.Tx, ev domain.Recorded, customer, document uuid.UUID, kind string, item uuid.UUID) error {
	var name string
	if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT name FROM items WHERE id = $1), '')`, item).Scan(&name); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, contentRecipients(`SELECT $2::uuid AS customer_id WHERE $3::uuid IS NULL
		OR EXISTS (SELECT 1 FROM document_versions v WHERE v.document_id = $3::uuid AND NOT v.hidden)`), ev.Position, customer, id(document))
	if err != nil {
		return err
	}
	rs, err := collectContentRecipients(rows)
	if err != nil {
		return err
	}
	return deliverContent(ctx, tx, ev, rs, mail.ContentItem{Kind: kind, Name: name}, false)
}

// deliverContent acts on each recipient's preference: immediate queues a
// new-content mail (when mailNow; the share mail is notify.go's), daily files a
// digest item, off does nothing. Mail ids and digest items are keyed by event and
// user: handling the event again adds nothing.
func deliverContent(ctx context.Context, tx pgx.Tx, ev domain.Recorded, rs []contentRecipient, item mail.ContentItem, mailNow bool) error {
	var mails []mailer.Mail
	for _, r := range rs {
		switch r.pref {
		case domain.NewContentDaily:
			if _, err := tx.Exec(ctx, `INSERT INTO digest_items VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
				ev.EventID, r.user, r.provider, r.customer, item.Kind, item.Name, ev.RecordedAt); err != nil {
				return err
			}
		case domain.NewContentImmediate:
			if !mailNow {
				continue
			}
			m, err := mail.Render(mail.NewContent, mail.Content{Provider: r.providerName, Customer: r.name, Items: []mail.ContentItem{item}})
			if err != nil {
				return err
			}
			mails = append(mails, mailer.Mail{ID: mailID(ev.EventID, r.user), To: r.email, Subject: m.Subject, Body: m.Body, Template: mail.NewContent})
		}
	}
	return mailer.Enqueue(ctx, tx, mails)
}

// SendDigests queues the daily digests due at now (an injected clock): for each
// user with items whose last digest (or, before the first, its choice of daily)
// is at least a day before now, one mail per provider listing the items, which
// leave the table in the same transaction: a digest goes once, whichever process
// sweeps. A user who meanwhile chose off, was deactivated or forgotten gets
// nothing and its items are dropped. Answers how many mails it queued.
func SendDigests(ctx context.Context, pool *pgxpool.Pool, now time.Time) (int, error) {
	schema := pgx.Identifier{Notifications.Schema()}.Sanitize()
	rows, err := pool.Query(ctx, `SELECT DISTINCT i.user_id FROM `+schema+`.digest_items i
		JOIN `+schema+`.content_prefs p ON p.user_id = i.user_id
		LEFT JOIN `+schema+`.digest_sent s ON s.user_id = i.user_id
		WHERE coalesce(s.last_sent_at, p.set_at) <= $1`, now.Add(-digestEvery))
	if err != nil {
		return 0, fmt.Errorf("digests due: %w", err)
	}
	users, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return 0, fmt.Errorf("digests due: %w", err)
	}
	sent := 0
	for _, user := range users {
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			n, err := sendDigest(ctx, tx, schema, user, now)
			sent += n
			return err
		})
		if err != nil {
			return sent, fmt.Errorf("digest of %s: %w", user, err)
		}
	}
	return sent, nil
}

// sendDigest takes user's items and queues its digest mails, in tx.
func sendDigest(ctx context.Context, tx pgx.Tx, schema string, user uuid.UUID, now time.Time) (int, error) {
	var email, pref string
	var active bool
	err := tx.QueryRow(ctx, `SELECT u.email, u.active, coalesce(p.new_content, 'immediate') FROM `+schema+`.users u
		LEFT JOIN `+schema+`.content_prefs p ON p.user_id = u.id WHERE u.id = $1`, user).Scan(&email, &active, &pref)
	if err != nil && err != pgx.ErrNoRows {
		return 0, err
	}
	rows, err := tx.Query(ctx, `DELETE FROM `+schema+`.digest_items WHERE user_id = $1
		RETURNING provider_id, customer_id, kind, name, at`, user)
	if err != nil {
		return 0, err
	}
	type taken struct {
		provider, customer uuid.UUID
		item               mail.ContentItem
		at                 time.Time
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (taken, error) {
		var t taken
		err := row.Scan(&t.provider, &t.customer, &t.item.Kind, &t.item.Name, &t.at)
		return t, err
	})
	if err != nil || len(items) == 0 {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO `+schema+`.digest_sent VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET last_sent_at = EXCLUDED.last_sent_at`,
		user, now); err != nil {
		return 0, err
	}
	if !active || email == "" || email == domain.Forgotten || pref == domain.NewContentOff {
		return 0, nil
	}
	byProvider := map[uuid.UUID]*mail.Content{}
	var order []uuid.UUID
	for _, t := range items {
		c, ok := byProvider[t.provider]
		if !ok {
			c = &mail.Content{}
			if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT name FROM `+schema+`.companies WHERE id = $1), ''),
					coalesce((SELECT company_name FROM `+schema+`.customers WHERE id = $2), '')`, t.provider, t.customer).Scan(&c.Provider, &c.Customer); err != nil {
				return 0, err
			}
			byProvider[t.provider] = c
			order = append(order, t.provider)
		}
		c.Items = append(c.Items, t.item)
	}
	for _, p := range order {
		m, err := mail.Render(mail.NewContentDigest, *byProvider[p])
		if err != nil {
			return 0, err
		}
		if err := mailer.Enqueue(ctx, tx, []mailer.Mail{{ID: uuid.New(), To: email, Subject: m.Subject, Body: m.Body, Template: m.Template}}); err != nil {
			return 0, err
		}
	}
	return len(order), nil
}

// wantsMailAtOnce is the condition that user u wants a mail per item (no
// preference recorded: immediate), for notify.go's share mail.
const wantsMailAtOnce = `coalesce((SELECT new_content FROM content_prefs WHERE user_id = u.id), 'immediate') = 'immediate'`
