package httpapi

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sharehub/sharehub/projections"
)

// startNotifications runs the notifications reactor beside the read models of
// a read server, from now on.
func startNotifications(t *testing.T, ts *testServer) {
	t.Helper()
	if err := projections.Ensure(ctxFor(t), ts.store, ts.pool, projections.Notifications.Consumer(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runner := &projections.Runner{Store: ts.store, Pool: ts.pool, Reactors: []*projections.Reactor{projections.Notifications},
		PollInterval: 5 * time.Millisecond, Log: slog.New(slog.NewTextHandler(ts.log, nil))}
	done := make(chan error, 1)
	go func() { done <- runner.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("notifications runner: %v", err)
		}
	})
}

// outbox lists (recipient, subject, body) of template once the notifier caught up.
func (ts *testServer) outbox(t *testing.T, template string) []string {
	t.Helper()
	if err := projections.WaitFor(ctxFor(t), ts.store, projections.Notifications.Name, ts.lastPosition(t), 30*time.Second); err != nil {
		t.Fatal(err)
	}
	rows, err := ts.pool.Query(ctxFor(t), `SELECT recipient || ' | ' || subject || ' | ' || body FROM outbox_mail WHERE template = $1 ORDER BY id`, template)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestNotificationPreferences(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	w := newSharingWorld(t, ts)
	portalUser := ts.portalUser(t, w.provider, w.c.ID, "Pia", "pia@prefs.test")

	if p := readOK[notificationsBody](t, ts, &w.customer, "/api/v1/me/notifications"); p.NewContent != "immediate" {
		t.Fatalf("default preference %+v", p)
	}
	a := ts.send(t, &w.customer, "PUT", "/api/v1/me/notifications", `{"new_content":"daily"}`)
	expectWritten(t, "choose daily", a, 200)
	if p := decodeAs[notificationsBody](t, a); p.NewContent != "daily" {
		t.Fatalf("answer %+v", p)
	}
	if p := readOK[notificationsBody](t, ts, &w.customer, "/api/v1/me/notifications"); p.NewContent != "daily" {
		t.Fatalf("after PUT %+v", p)
	}
	expectWritten(t, "portal user chooses off", ts.send(t, &portalUser, "PUT", "/api/v1/me/notifications", `{"new_content":"off"}`), 200)
	if p := readOK[notificationsBody](t, ts, &portalUser, "/api/v1/me/notifications"); p.NewContent != "off" {
		t.Fatalf("portal user %+v", p)
	}
	// Each user's own: the other still has the default.
	if p := readOK[notificationsBody](t, ts, &w.provider, "/api/v1/me/notifications"); p.NewContent != "immediate" {
		t.Fatalf("provider admin %+v", p)
	}

	before := countEvents(t, ts)
	expectInvalid(t, ts, "unknown value", ts.send(t, &w.customer, "PUT", "/api/v1/me/notifications", `{"new_content":"weekly"}`), "new_content", before)
	expectInvalid(t, ts, "unknown field", ts.send(t, &w.customer, "PUT", "/api/v1/me/notifications", `{"new_content":"off","sms":true}`), "sms", before)
	expect(t, "anonymous", ts.send(t, nil, "PUT", "/api/v1/me/notifications", `{"new_content":"off"}`), 401, "unauthenticated")
	expectUnchanged(t, ts, "refused preferences", before)
	ts.expectAudited(t, "NotificationPreferenceSet", w.customer.UserID, w.customer.UserID, w.customer.CompanyID)
	ts.expectAudited(t, "NotificationPreferenceSet", portalUser.UserID, portalUser.UserID, w.provider.CompanyID)
}

// Story, CA Cloud Desk ("request documents from your clients"): the accountant
// asks a client for its bank statements; the client is mailed, sees the open
// request in its portal, uploads the file; the request is fulfilled and the
// accountant is mailed.
func TestStoryCACloudDeskDocumentRequestFulfilled(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	startNotifications(t, ts)
	firm := ts.signupCompany(t, "CA Cloud Desk")
	client := ts.signupCompany(t, "Client Traders")
	c := ts.connect(t, firm, client)

	a := ts.send(t, &firm, "POST", "/api/v1/customers/"+c.ID.String()+"/requests", `{"title":"Bank statements FY2024","note":"PDF from your bank, please"}`)
	expectWritten(t, "ask", a, 201)
	req := decodeAs[requestResponse](t, a)
	if m := ts.outbox(t, "document-requested"); len(m) != 1 || !strings.Contains(m[0], `CA Cloud Desk asks you for "Bank statements FY2024"`) {
		t.Fatalf("request mail %v", m)
	}
	open := readOK[requestList](t, ts, &client, "/api/v1/portal/providers/"+firm.CompanyID.String()+"/requests")
	if len(open.Items) != 1 || open.Items[0].ID != req.ID || open.Items[0].Note != "PDF from your bank, please" {
		t.Fatalf("client's open requests %+v", open)
	}
	a = ts.upload(t, &client, "/api/v1/portal/requests/"+req.ID.String()+"/documents", nil, "statements-2024.pdf", "%PDF-1.4 statements")
	expectWritten(t, "fulfil", a, 201)
	if got := decodeAs[fulfilResponse](t, a); got.Request.Status != "fulfilled" {
		t.Fatalf("fulfilled %+v", got)
	}
	if m := ts.outbox(t, "document-request-fulfilled"); len(m) != 1 || !strings.Contains(m[0], `"statements-2024.pdf"`) || !strings.Contains(m[0], "Client Traders") {
		t.Fatalf("fulfilment mail %v", m)
	}
	if l := readOK[requestList](t, ts, &firm, "/api/v1/requests?status=fulfilled"); len(l.Items) != 1 || len(l.Items[0].DocumentIDs) != 1 {
		t.Fatalf("firm's fulfilled requests %+v", l)
	}
	if l := readOK[requestList](t, ts, &client, "/api/v1/portal/providers/"+firm.CompanyID.String()+"/requests"); len(l.Items) != 0 {
		t.Fatalf("nothing open any more: %+v", l)
	}
}

// Story, QUBEdocs ("documentation versions hidden until published"): a new
// manual is uploaded hidden into a folder shared with a customer; the customer
// neither sees it nor hears of it; once published it shows in the portal and
// the customer's users are told, once.
func TestStoryQUBEdocsHiddenThenPublishedThenNotified(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	startNotifications(t, ts)
	w := newSharingWorld(t, ts)
	expectWritten(t, "share the folder", ts.send(t, &w.provider, "POST", "/api/v1/shares", w.shareBody("folder_id", w.folder.ID.String(), "view")), 201)
	base := len(ts.outbox(t, "new-content"))

	a := ts.upload(t, &w.provider, "/api/v1/documents", map[string]string{"folder_id": w.folder.ID.String(), "hidden": "true"}, "manual-v2.pdf", "%PDF-1.4 v2")
	expectWritten(t, "upload hidden", a, 201)
	manual := decodeAs[documentResponse](t, a)
	portal := "/api/v1/portal/providers/" + w.provider.CompanyID.String() + "/documents?flat=true"
	for _, d := range readOK[portalListing](t, ts, &w.customer, portal).Documents {
		if d.ID == manual.ID {
			t.Fatal("the customer sees a hidden version")
		}
	}
	if m := ts.outbox(t, "new-content"); len(m) != base {
		t.Fatalf("a hidden version was announced: %v", m)
	}

	expectWritten(t, "publish", ts.send(t, &w.provider, "PUT", "/api/v1/documents/"+manual.ID.String()+"/versions/1/visibility", `{"visible":true}`), 200)
	seen := false
	for _, d := range readOK[portalListing](t, ts, &w.customer, portal).Documents {
		seen = seen || d.ID == manual.ID
	}
	if !seen {
		t.Fatal("the published manual is not in the portal")
	}
	m := ts.outbox(t, "new-content")
	if len(m) != base+1 || !strings.Contains(m[len(m)-1], `"manual-v2.pdf"`) {
		t.Fatalf("publishing announced %v", m)
	}
}
