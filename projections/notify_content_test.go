package projections_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/projections"
)

// mailsTo lists the mails of template to the address of user.
func (w *world) mailsTo(t *testing.T, email, template string) []mail {
	t.Helper()
	var out []mail
	for _, m := range w.mails(t) {
		if m.to == email && m.template == template {
			out = append(out, m)
		}
	}
	return out
}

func (w *world) emailOf(t *testing.T, user uuid.UUID) string {
	t.Helper()
	var email string
	if err := w.pool.QueryRow(w.ctx, `SELECT email FROM rm_notifications.users WHERE id = $1`, user).Scan(&email); err != nil {
		t.Fatal(err)
	}
	return email
}

// New content reaches each customer's users exactly once, as they chose
// (immediate, daily digest, off), and only what their portal shows at that
// moment: nothing while paused, nothing with the documents module off, nothing
// for a hidden version until it is published. The digest is one mail listing
// the items, sent by an injected clock once a day, once.
func TestNewContentNotifications(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	stop := w.startNotifier(t)
	type cust struct {
		id, user, workspace uuid.UUID
		email               string
	}
	names := []string{"Now", "Daily", "Off", "Paused", "Disabled"}
	cs := map[string]cust{}
	reports := w.folder("Reports", uuid.Nil, uuid.Nil)
	for _, name := range names {
		c, user, ws := w.customer(name)
		cs[name] = cust{id: c, user: user, workspace: ws}
		w.share(c, uuid.Nil, reports, domain.PermissionView)
	}
	w.do(w.svc.SetNotificationPreference(w.ctx, as(cs["Daily"].user), domain.NewContentDaily))
	w.do(w.svc.SetNotificationPreference(w.ctx, as(cs["Off"].user), domain.NewContentOff))
	w.do(w.svc.PauseCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: cs["Paused"].id}))
	off := false
	w.do(w.svc.SetPortalDocuments(w.ctx, as(w.admin), app.SetPortalDocuments{CustomerID: cs["Disabled"].id, Enabled: &off}))
	w.caughtUp("notifications")
	for _, name := range names {
		c := cs[name]
		c.email = w.emailOf(t, c.user)
		cs[name] = c
	}
	base := len(w.mails(t))

	// A document added below the shared folder; a hidden one; then published.
	w.document("q1.pdf", reports, false)
	draft := w.document("draft.pdf", reports, true)
	w.caughtUp("notifications")
	if got := w.mailsTo(t, cs["Now"].email, "new-content"); len(got) != 1 || !strings.Contains(got[0].body, `the document "q1.pdf"`) {
		t.Fatalf("immediate user got %+v, want one mail about q1.pdf", got)
	}
	if n := len(w.mails(t)); n != base+1 {
		t.Fatalf("%d mails queued, want only the immediate user's", n-base)
	}
	w.do(w.svc.SetVersionVisibility(w.ctx, as(w.admin), app.SetVersionVisibility{DocumentID: draft, Version: 1, Visible: true}))
	w.caughtUp("notifications")
	if got := w.mailsTo(t, cs["Now"].email, "new-content"); len(got) != 2 || !strings.Contains(got[1].body+got[0].body, `a new version of "draft.pdf"`) {
		t.Fatalf("after publishing: %+v", got)
	}
	// Master access on: the workspace.
	w.do(w.svc.SetMasterAccess(w.ctx, as(w.admin), app.SetMasterAccess{CustomerID: cs["Now"].id, Enabled: true}))
	w.caughtUp("notifications")
	if got := w.mailsTo(t, cs["Now"].email, "new-content"); len(got) != 3 {
		t.Fatalf("after master access: %d new-content mails, want 3", len(got))
	}
	// A document the provider adds in that workspace; one in another customer's
	// workspace (no master access there) reaches nobody.
	w.document("contract.pdf", cs["Now"].workspace, false)
	w.document("theirs.pdf", cs["Daily"].workspace, false)
	w.caughtUp("notifications")
	if got := w.mailsTo(t, cs["Now"].email, "new-content"); len(got) != 4 || !strings.Contains(got[3].body+got[2].body+got[1].body+got[0].body, `"contract.pdf"`) {
		t.Fatalf("after a document in the workspace: %+v", got)
	}
	for _, name := range []string{"Daily", "Off", "Paused", "Disabled"} {
		if got := w.mailsTo(t, cs[name].email, "new-content"); len(got) != 0 {
			t.Fatalf("%s got %+v", name, got)
		}
	}

	// The digest: not before a day passed since the user chose daily; then one
	// mail with both items; never twice.
	if n, err := projections.SendDigests(w.ctx, w.pool, w.clock.Now()); err != nil || n != 0 {
		t.Fatalf("digests before a day: %d %v", n, err)
	}
	later := w.clock.Now().Add(25 * time.Hour)
	if n, err := projections.SendDigests(w.ctx, w.pool, later); err != nil || n != 1 {
		t.Fatalf("digests after a day: %d %v, want 1", n, err)
	}
	digest := w.mailsTo(t, cs["Daily"].email, "new-content-digest")
	if len(digest) != 1 || !strings.Contains(digest[0].subject, "2 new") || !strings.Contains(digest[0].body, `"q1.pdf"`) || !strings.Contains(digest[0].body, `a new version of "draft.pdf"`) {
		t.Fatalf("digest %+v", digest)
	}
	if n, err := projections.SendDigests(w.ctx, w.pool, later.Add(time.Hour)); err != nil || n != 0 {
		t.Fatalf("second digest: %d %v", n, err)
	}
	before := len(w.mails(t))

	// A consumer restart and a recreated notifier mail nothing again.
	stop()
	w.run(projections.Served()...)
	w.caughtUp("notifications")
	w.recreateNotifier(t)
	w.caughtUp("notifications")
	if n, err := projections.SendDigests(w.ctx, w.pool, later.Add(72*time.Hour)); err != nil || n != 0 {
		t.Fatalf("digest after recreation: %d %v", n, err)
	}
	if after := len(w.mails(t)); after != before {
		t.Fatalf("mails went from %d to %d after a restart and a recreation", before, after)
	}
}
