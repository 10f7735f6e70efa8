package projections_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/projections"
)

type mail struct{ to, subject, body, template string }

func (w *world) mails(t *testing.T) []mail {
	t.Helper()
	rows, err := w.pool.Query(w.ctx, `SELECT recipient, subject, body, template FROM outbox_mail ORDER BY template DESC, id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []mail
	for rows.Next() {
		var m mail
		if err := rows.Scan(&m.to, &m.subject, &m.body, &m.template); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func TestNotificationsForSharesAndDepositsExactlyOnceFromNowOn(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c, user, _ := w.customer("Cust")
	f := w.folder("Reports", uuid.Nil, uuid.Nil)
	d := w.document("q1.pdf", f, false)
	w.share(c, d, uuid.Nil, domain.PermissionView) // before the notifier first ran: history, not news

	// serve prepares every consumer before it takes requests; so does the test.
	for _, p := range projections.Served() {
		if err := projections.Ensure(w.ctx, w.store, w.pool, p, testLog(t)); err != nil {
			t.Fatal(err)
		}
	}
	w.run(projections.Served()...)
	w.share(c, uuid.Nil, f, domain.PermissionEdit)
	up := must[app.DocumentResult](t)(w.svc.PortalUpload(w.ctx, as(user), app.PortalUpload{ProviderID: w.provider, FolderID: f, Name: "signed.pdf", File: file(9)}))
	w.note(up.Appended)
	w.caughtUp("notifications")
	w.caughtUp("portal") // the test reads addresses from the read models
	w.caughtUp("accounts")

	var custEmail, adminEmail string
	if err := w.pool.QueryRow(w.ctx, `SELECT u.email FROM rm_accounts.users u JOIN rm_portal.customers c ON c.company_id = u.company_id WHERE c.id = $1`, c).Scan(&custEmail); err != nil {
		t.Fatal(err)
	}
	if err := w.pool.QueryRow(w.ctx, `SELECT email FROM rm_accounts.users WHERE id = $1`, w.admin).Scan(&adminEmail); err != nil {
		t.Fatal(err)
	}
	ms := w.mails(t)
	if len(ms) != 2 {
		t.Fatalf("mails = %+v, want the folder share and the deposit only", ms)
	}
	if m := ms[0]; m.to != custEmail || m.template != "share-granted" || !strings.Contains(m.body, `the folder "Reports"`) || !strings.Contains(m.body, "edit access") {
		t.Fatalf("share mail: %+v", m)
	}
	if m := ms[1]; m.to != adminEmail || m.template != "customer-deposit" || !strings.Contains(m.subject, `deposited "signed.pdf"`) {
		t.Fatalf("deposit mail: %+v", m)
	}

	// Handling the events again (a redelivery) queues nothing more.
	evs, err := w.store.ReadAll(w.ctx, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := pgx.BeginFunc(w.ctx, w.pool, func(tx pgx.Tx) error {
		return projections.ApplyTo(w.ctx, tx, projections.Notifications.Consumer(), evs[len(evs)-6:]...)
	}); err != nil {
		t.Fatal(err)
	}
	if again := w.mails(t); len(again) != 2 {
		t.Fatalf("a redelivered event queued another mail: %d mails", len(again))
	}
	if _, err := projections.Rebuild(w.ctx, w.store, w.pool, projections.Notifications.Projection, projections.RebuildOptions{}); err == nil {
		t.Fatal("the notifier was rebuilt (it would mail the whole history again)")
	}
}

// A portal user hears of its own customer's shares only: not of what another
// provider of the same company shares (issue 11, portal users). The customer
// company's own staff hear of both.
func TestNotificationsReachPortalUsersOfTheirOwnCustomerOnly(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, p := range projections.Served() {
		if err := projections.Ensure(w.ctx, w.store, w.pool, p, testLog(t)); err != nil {
			t.Fatal(err)
		}
	}
	w.run(projections.Served()...)
	c, _, _ := w.customer("Cust")
	var company uuid.UUID
	if err := w.pool.QueryRow(w.ctx, `SELECT company_id FROM events e, jsonb_to_record(e.payload) AS x(company_id uuid)
		WHERE e.stream_id = $1 AND e.stream_version = 1`, domain.CustomerStream(c)).Scan(&company); err != nil {
		t.Fatal(err)
	}
	other := w.signup("Other")
	oc := must[app.CustomerResult](t)(w.svc.ConnectCustomer(w.ctx, as(other.UserID), app.ConnectCustomer{CompanyID: company}))
	w.note(oc.Appended)
	portalUser := func(by, customer uuid.UUID, email string) {
		inv := must[app.Invitation](t)(w.svc.InviteCustomerUser(w.ctx, as(by), app.InviteCustomerUser{CustomerID: customer, Name: "P", Email: email}))
		w.note(inv.Appended)
		reg := must[app.Registration](t)(w.svc.AcceptInvitation(w.ctx, app.Call{}, app.AcceptInvitation{Token: inv.Token, Password: "correct horse battery"}))
		w.note(reg.Appended)
	}
	portalUser(w.admin, c, "ours@cust.test")
	portalUser(other.UserID, oc.CustomerID, "theirs@cust.test")
	w.share(c, uuid.Nil, w.folder("Reports", uuid.Nil, uuid.Nil), domain.PermissionView)
	w.caughtUp("notifications")

	var got []string
	for _, m := range w.mails(t) {
		if m.template == "share-granted" {
			got = append(got, m.to)
		}
	}
	if len(got) != 2 || !slices.Contains(got, "ours@cust.test") || slices.Contains(got, "theirs@cust.test") {
		t.Fatalf("share mail recipients %v: want the company's admin and our portal user, not the other provider's", got)
	}
}
