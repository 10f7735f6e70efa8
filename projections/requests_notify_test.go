package projections_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/projections"
)

// countMails counts the outbox rows of template.
func (w *world) countMails(t *testing.T, template string) int {
	t.Helper()
	n := 0
	for _, m := range w.mails(t) {
		if m.template == template {
			n++
		}
	}
	return n
}

// startNotifier prepares the served consumers and runs them.
func (w *world) startNotifier(t *testing.T) (stop func()) {
	t.Helper()
	for _, p := range projections.Served() {
		if err := projections.Ensure(w.ctx, w.store, w.pool, p, testLog(t)); err != nil {
			t.Fatal(err)
		}
	}
	return w.run(projections.Served()...)
}

// recreateNotifier drops the notifier's schema and state as a redeploy of a new
// definition would, and starts it again: it replays the whole log silently.
func (w *world) recreateNotifier(t *testing.T) {
	t.Helper()
	if _, err := w.pool.Exec(w.ctx, `DROP SCHEMA `+projections.Notifications.Schema()+` CASCADE`); err != nil {
		t.Fatal(err)
	}
	if _, err := w.pool.Exec(w.ctx, `DELETE FROM projection_state WHERE name = $1`, projections.Notifications.Group()); err != nil {
		t.Fatal(err)
	}
	if err := projections.Ensure(w.ctx, w.store, w.pool, projections.Notifications.Consumer(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	w.run(projections.Notifications.Consumer())
}

func (w *world) remindOverdue(t *testing.T) int {
	t.Helper()
	n, err := w.svc.RemindOverdue(w.ctx, func(ctx context.Context, now time.Time) ([]uuid.UUID, error) {
		return projections.OverdueRequests(ctx, w.pool, now, 100)
	})
	if err != nil {
		t.Fatal(err)
	}
	w.last = max(w.last, w.lastPosition(t))
	return n
}

func (w *world) lastPosition(t *testing.T) int64 {
	t.Helper()
	var p int64
	if err := w.pool.QueryRow(w.ctx, `SELECT coalesce(max(position), 0) FROM events`).Scan(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

// CA Cloud Desk: the customer is asked for a file and mailed; it uploads, and the
// provider's staff who see it are mailed; an overdue request is reminded exactly
// once, by an injected clock, never again after a consumer restart or after the
// notifier is recreated (its replay acts on nothing).
func TestRequestMailsAndRemindersExactlyOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	stop := w.startNotifier(t)
	c, user, _ := w.customer("Cust")

	asked := must[app.RequestResult](t)(w.svc.RequestDocument(w.ctx, as(w.admin), app.RequestDocument{CustomerID: c, Title: "Bank statements", Note: "All twelve"}))
	w.note(asked.Appended)
	due := must[app.RequestResult](t)(w.svc.RequestDocument(w.ctx, as(w.admin), app.RequestDocument{CustomerID: c, Title: "ID card", DueAt: w.clock.Now().Add(time.Hour)}))
	w.note(due.Appended)
	w.caughtUp("notifications")
	if n := w.countMails(t, "document-requested"); n != 2 {
		t.Fatalf("document-requested mails = %d, want 2 (the customer's admin, per request)", n)
	}

	got := must[app.FulfilResult](t)(w.svc.FulfilDocumentRequest(w.ctx, as(user), app.FulfilDocumentRequest{RequestID: asked.Request.ID, Name: "statements.pdf", File: file(3)}))
	w.note(got.Appended)
	w.caughtUp("notifications")
	var fulfilled []mail
	for _, m := range w.mails(t) {
		if m.template == "document-request-fulfilled" {
			fulfilled = append(fulfilled, m)
		}
	}
	if len(fulfilled) != 1 || !strings.Contains(fulfilled[0].subject, `"statements.pdf"`) || !strings.Contains(fulfilled[0].body, `"Bank statements"`) {
		t.Fatalf("fulfilled mails %+v, want one to the provider's admin naming document and request", fulfilled)
	}

	// Not due yet: nothing; due: once; again: nothing.
	if n := w.remindOverdue(t); n != 0 {
		t.Fatalf("reminded %d before the due date", n)
	}
	w.clock.Advance(2 * time.Hour)
	if n := w.remindOverdue(t); n != 1 {
		t.Fatalf("reminded %d at the due date, want 1", n)
	}
	w.caughtUp("notifications")
	if n := w.remindOverdue(t); n != 0 {
		t.Fatalf("reminded %d a second time", n)
	}
	if n := w.countMails(t, "document-request-reminder"); n != 1 {
		t.Fatalf("reminder mails = %d, want 1", n)
	}
	before := len(w.mails(t))

	// A consumer restart, then a recreated notifier: no mail again, no reminder again.
	stop()
	w.run(projections.Served()...)
	w.caughtUp("notifications")
	w.recreateNotifier(t)
	w.caughtUp("notifications")
	if n := w.remindOverdue(t); n != 0 {
		t.Fatalf("reminded %d after the notifier was recreated", n)
	}
	w.caughtUp("notifications")
	if after := len(w.mails(t)); after != before {
		t.Fatalf("mails went from %d to %d after a restart and a recreation", before, after)
	}
	var reminded int
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM events WHERE event_type = 'DocumentRequestReminded' AND metadata->>'actor_kind' = $1`,
		domain.ActorSystem).Scan(&reminded); err != nil || reminded != 1 {
		t.Fatalf("DocumentRequestReminded by the system: %d (%v), want 1", reminded, err)
	}
}
