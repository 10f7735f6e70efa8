package httpapi

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/projections"
)

// Issue 11: a customer company's admin leaves a provider; links to a customer's
// workspace end with the customer and are suspended while it is paused.

// historyOf is a document's share history, as its provider reads it.
func (ts *testServer) historyOf(t *testing.T, provider account, doc uuid.UUID) map[uuid.UUID]historyItem {
	t.Helper()
	out := map[uuid.UUID]historyItem{}
	for _, h := range readOK[page[historyItem]](t, ts, &provider, "/api/v1/documents/"+doc.String()+"/share-history").Items {
		out[h.ID] = h
	}
	return out
}

func expectCancelled(t *testing.T, what string, h historyItem, reason string) {
	t.Helper()
	if h.Status != "cancelled" || h.CancelReason == nil || *h.CancelReason != reason {
		t.Fatalf("%s: want cancelled (%s), got %+v", what, reason, h)
	}
}

// sameRefusal checks that a refusal cannot be told from the answer to an unknown id.
func sameRefusal(t *testing.T, what string, got, unknown answer) {
	t.Helper()
	var g, u problemBody
	mustDecode(t, got, &g)
	mustDecode(t, unknown, &u)
	if got.status != unknown.status || g.Code != u.Code || g.Title != u.Title || g.Detail != u.Detail {
		t.Fatalf("%s: refused with %d %s, an unknown id gets %d %s", what, got.status, got.body, unknown.status, unknown.body)
	}
}

func TestLeaveProvider(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	provider := ts.signupCompany(t, "Provider Ltd")
	boss := ts.signupCompany(t, "Customer Co") // the customer company's admin
	outsider := ts.signupCompany(t, "Outsider Inc")
	c := ts.connect(t, provider, boss)
	member := ts.invitedStaff(t, boss, `{"name":"Mia Member","email":"mia@customer.test","can_share":true,"auditor":true}`)
	pat := ts.portalUser(t, provider, c.ID, "Pat Portal", "pat@customer.test")

	library := ts.folder(t, provider, `{"name":"Manuals"}`)
	manual := ts.document(t, provider, library.ID, "manual.pdf", "%PDF-1.4 the manual")
	invoice := ts.document(t, provider, c.WorkspaceFolderID, "invoice.pdf", "%PDF-1.4 an invoice")
	a := ts.send(t, &provider, "POST", "/api/v1/shares", `{"customer_id":"`+c.ID.String()+`","document_id":"`+manual.ID.String()+`","permission":"view"}`)
	expectWritten(t, "share", a, 201)
	share := decodeAs[shareResponse](t, a)
	a = ts.send(t, &provider, "POST", "/api/v1/documents/"+invoice.ID.String()+"/links", `{}`)
	expectWritten(t, "link to the workspace", a, 201)
	link := decodeAs[linkResponse](t, a)

	leave := "/api/v1/portal/providers/" + provider.CompanyID.String() + "/leave"
	unknown := ts.send(t, &boss, "POST", "/api/v1/portal/providers/"+uuid.NewString()+"/leave", "")
	expect(t, "leave an unknown provider", unknown, 404, "not_found")

	// Everyone but the customer company's admin is refused as for an unknown id,
	// and nothing happens.
	before := countEvents(t, ts)
	for _, who := range []struct {
		name string
		acc  account
	}{
		{"a member of the customer company (can_share, auditor)", member},
		{"a portal user the provider invited", pat},
		{"the admin of another company", outsider},
		{"the provider's own admin", provider},
	} {
		sameRefusal(t, who.name, ts.send(t, &who.acc, "POST", leave, ""), unknown)
	}
	expect(t, "anonymous", ts.send(t, nil, "POST", leave, ""), 401, "unauthenticated")
	expectUnchanged(t, ts, "refused leaves", before)
	if got := readOK[customerDetail](t, ts, &provider, "/api/v1/customers/"+c.ID.String()); got.Status != "active" || got.RevokeReason != "" {
		t.Fatalf("after refused leaves the customer is %+v", got)
	}
	if h := ts.historyOf(t, provider, manual.ID)[share.ID]; h.Status != "active" {
		t.Fatalf("after refused leaves the share is %+v", h)
	}
	if a := ts.open(t, "/l/"+linkToken(t, link)+"/content", ""); a.status != 200 {
		t.Fatalf("after refused leaves the link answers %d %s", a.status, a.body)
	}

	// The admin leaves: 200 with the connection, revoked.
	a = ts.send(t, &boss, "POST", leave, "")
	expectWritten(t, "leave", a, 200)
	if got := decodeAs[portalProviderItem](t, a); got.ProviderID != provider.CompanyID || got.Name != "Provider Ltd" ||
		got.CustomerID != c.ID || got.Status != "revoked" {
		t.Fatalf("leave answered %s", a.body)
	}

	// The end is in the provider's log (its auditors and as-of replays see it).
	var tenants []uuid.UUID
	rows, err := ts.pool.Query(ctxFor(t), `SELECT DISTINCT tenant_id FROM events
		WHERE transaction_id = (SELECT transaction_id FROM events WHERE event_type = 'SharingRevoked')`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		tenants = append(tenants, id)
	}
	if rows.Close(); rows.Err() != nil || len(tenants) != 1 || tenants[0] != provider.CompanyID {
		t.Fatalf("the leave was logged for tenants %v (%v), want the provider %s", tenants, rows.Err(), provider.CompanyID)
	}

	// The provider sees why; the share and the workspace link are cancelled with
	// reason customer_left; the link is gone; the portal shows nothing.
	got := readOK[customerDetail](t, ts, &provider, "/api/v1/customers/"+c.ID.String())
	if got.Status != "revoked" || got.RevokeReason != "customer_left" {
		t.Fatalf("after leaving the customer is %+v", got)
	}
	expectCancelled(t, "share after leaving", ts.historyOf(t, provider, manual.ID)[share.ID], "customer_left")
	expectCancelled(t, "link after leaving", ts.historyOf(t, provider, invoice.ID)[link.ID], "customer_left")
	expect(t, "link after leaving", ts.open(t, "/l/"+linkToken(t, link)+"/content", ""), 410, "link_gone")
	if a := ts.read(t, &boss, "/api/v1/portal/documents/"+manual.ID.String()+"/content"); a.status != 404 {
		t.Fatalf("the portal still serves the shared document: %d", a.status)
	}
	providers := readOK[page[portalProviderItem]](t, ts, &boss, "/api/v1/portal/providers").Items
	if len(providers) != 1 || providers[0].Status != "revoked" {
		t.Fatalf("portal providers after leaving %+v", providers)
	}

	// Leaving again: the company is no longer a customer (404); the provider's
	// revoke: 409 customer_revoked. Neither appends anything.
	before = countEvents(t, ts)
	sameRefusal(t, "leave twice", ts.send(t, &boss, "POST", leave, ""), unknown)
	expect(t, "revoke after leaving", ts.send(t, &provider, "POST", "/api/v1/customers/"+c.ID.String()+"/revoke", ""), 409, "customer_revoked")
	expectUnchanged(t, ts, "after leaving", before)
}

func TestWorkspaceLinksFollowTheirCustomer(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	provider := ts.signupCompany(t, "Provider Ltd")
	customer := ts.signupCompany(t, "Customer Co")
	c := ts.connect(t, provider, customer)
	customerPath := "/api/v1/customers/" + c.ID.String()
	library := ts.folder(t, provider, `{"name":"Manuals"}`)
	manual := ts.document(t, provider, library.ID, "manual.pdf", "%PDF-1.4 the manual")
	invoice := ts.document(t, provider, c.WorkspaceFolderID, "invoice.pdf", "%PDF-1.4 an invoice")
	createLink := func(doc uuid.UUID) linkResponse {
		t.Helper()
		a := ts.send(t, &provider, "POST", "/api/v1/documents/"+doc.String()+"/links", `{}`)
		expectWritten(t, "create link", a, 201)
		return decodeAs[linkResponse](t, a)
	}
	ws, lib := createLink(invoice.ID), createLink(manual.ID)
	wsContent, wsMeta := "/l/"+linkToken(t, ws)+"/content", "/l/"+linkToken(t, ws)
	libContent := "/l/" + linkToken(t, lib) + "/content"
	opens := func() int { return countEventsOfType(t, ts, "LinkOpened") }
	if a := ts.open(t, wsContent, ""); a.status != 200 || a.body != "%PDF-1.4 an invoice" {
		t.Fatalf("workspace link before the pause: %d %s", a.status, a.body)
	}

	// Paused: the workspace link is suspended (410, no open recorded); a library
	// link is not the customer's and keeps working.
	expectWritten(t, "pause", ts.send(t, &provider, "POST", customerPath+"/pause", ""), 200)
	before := opens()
	expect(t, "workspace link while paused", ts.open(t, wsContent, ""), 410, "link_gone")
	expect(t, "workspace link metadata while paused", ts.open(t, wsMeta, ""), 410, "link_gone")
	if n := opens(); n != before {
		t.Fatalf("a suspended link recorded %d opens", n-before)
	}
	if a := ts.open(t, libContent, ""); a.status != 200 {
		t.Fatalf("library link while the customer is paused: %d %s", a.status, a.body)
	}
	// A link created while paused is suspended as well.
	ws2 := createLink(invoice.ID)
	expect(t, "link created while paused", ts.open(t, "/l/"+linkToken(t, ws2)+"/content", ""), 410, "link_gone")
	if h := ts.historyOf(t, provider, invoice.ID)[ws.ID]; h.Status != "active" {
		t.Fatalf("a suspended link is not cancelled: %+v", h)
	}

	// Resumed: both work again.
	expectWritten(t, "resume", ts.send(t, &provider, "POST", customerPath+"/resume", ""), 200)
	for _, l := range []linkResponse{ws, ws2} {
		if a := ts.open(t, "/l/"+linkToken(t, l)+"/content", ""); a.status != 200 || a.body != "%PDF-1.4 an invoice" {
			t.Fatalf("workspace link after the resume: %d %s", a.status, a.body)
		}
	}

	// Revoked: each workspace link is cancelled by its own LinkCancelled (reason
	// customer_revoked) in the revoke's transaction; the library link lives on.
	expectWritten(t, "revoke", ts.send(t, &provider, "POST", customerPath+"/revoke", ""), 200)
	expect(t, "workspace link after the revoke", ts.open(t, wsContent, ""), 410, "link_gone")
	expect(t, "second workspace link after the revoke", ts.open(t, "/l/"+linkToken(t, ws2)+"/content", ""), 410, "link_gone")
	if a := ts.open(t, libContent, ""); a.status != 200 {
		t.Fatalf("library link after the revoke: %d %s", a.status, a.body)
	}
	history := ts.historyOf(t, provider, invoice.ID)
	expectCancelled(t, "workspace link", history[ws.ID], "customer_revoked")
	expectCancelled(t, "second workspace link", history[ws2.ID], "customer_revoked")
	if h := ts.historyOf(t, provider, manual.ID)[lib.ID]; h.Status != "active" {
		t.Fatalf("library link after the revoke: %+v", h)
	}
	var cancelled int
	if err := ts.pool.QueryRow(ctxFor(t), `SELECT count(*) FROM events e
		 WHERE e.event_type = 'LinkCancelled' AND e.payload->>'reason' = 'customer_revoked'
		   AND e.transaction_id = (SELECT transaction_id FROM events WHERE event_type = 'SharingRevoked')`).Scan(&cancelled); err != nil {
		t.Fatal(err)
	}
	if cancelled != 2 {
		t.Fatalf("%d LinkCancelled events in the revoke's transaction, want 2", cancelled)
	}

	// No new link into a revoked customer's workspace.
	before = countEvents(t, ts)
	expect(t, "link into a revoked workspace", ts.send(t, &provider, "POST", "/api/v1/documents/"+invoice.ID.String()+"/links", `{}`), 409, "customer_revoked")
	expectUnchanged(t, ts, "link into a revoked workspace", before)
}

// TestShareMailsOnlyWhatThePortalShows: a share mails a customer's users only when
// their portal shows it at that moment: not while the customer is paused, not with
// its documents module off (its own setting or the provider's default), not for a
// document without a visible version. A share the portal shows mails exactly once.
func TestShareMailsOnlyWhatThePortalShows(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	startNotifications(t, ts)
	mails := func(prefix string) int {
		t.Helper()
		if err := projections.WaitFor(ctxFor(t), ts.store, projections.Notifications.Name, ts.lastPosition(t), 30*time.Second); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := ts.pool.QueryRow(ctxFor(t), `SELECT count(*) FROM outbox_mail
			WHERE template = 'share-granted' AND recipient LIKE $1 || '%'`, prefix).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	provider := ts.signupCompany(t, "Provider Ltd")
	customers := map[string]customerResponse{}
	for _, name := range []string{"Active Co", "Paused Co", "Disabled Co"} {
		customers[name] = ts.connect(t, provider, ts.signupCompany(t, name))
	}
	library := ts.folder(t, provider, `{"name":"Manuals"}`)
	visible := ts.document(t, provider, library.ID, "manual.pdf", "%PDF-1.4 the manual")
	a := ts.upload(t, &provider, "/api/v1/documents", map[string]string{"folder_id": library.ID.String(), "hidden": "true"}, "draft.pdf", "%PDF-1.4 a draft")
	expectWritten(t, "upload hidden document", a, 201)
	hidden := decodeAs[documentResponse](t, a)
	share := func(customer string, doc uuid.UUID) {
		t.Helper()
		a := ts.send(t, &provider, "POST", "/api/v1/shares", `{"customer_id":"`+customers[customer].ID.String()+`","document_id":"`+doc.String()+`","permission":"view"}`)
		expectWritten(t, "share with "+customer, a, 201)
	}
	expectWritten(t, "pause", ts.send(t, &provider, "POST", "/api/v1/customers/"+customers["Paused Co"].ID.String()+"/pause", ""), 200)
	expectWritten(t, "documents off", ts.send(t, &provider, "PUT", "/api/v1/customers/"+customers["Disabled Co"].ID.String()+"/portal-settings", `{"documents_enabled":false}`), 200)

	share("Paused Co", visible.ID)
	share("Disabled Co", visible.ID)
	share("Active Co", hidden.ID)
	for _, who := range []string{"pausedco", "disabledco", "activeco"} {
		if n := mails(who); n != 0 {
			t.Fatalf("%s was mailed %d times about what its portal does not show", who, n)
		}
	}
	share("Active Co", visible.ID)
	if n := mails("activeco"); n != 1 {
		t.Fatalf("a share the portal shows mailed %d times, want 1", n)
	}
	// The condition is judged at each share: resumed, the customer hears again.
	expectWritten(t, "resume", ts.send(t, &provider, "POST", "/api/v1/customers/"+customers["Paused Co"].ID.String()+"/resume", ""), 200)
	other := ts.document(t, provider, library.ID, "other.pdf", "%PDF-1.4 another")
	share("Paused Co", other.ID)
	if n := mails("pausedco"); n != 1 {
		t.Fatalf("after the resume a share mailed %d times, want 1", n)
	}
	// The provider's default turns the module off for customers without a setting.
	expectWritten(t, "default off", ts.send(t, &provider, "PUT", "/api/v1/settings/portal", `{"documents_enabled_default":false}`), 200)
	share("Active Co", other.ID)
	if n := mails("activeco"); n != 1 {
		t.Fatalf("with the documents module off by default, %d mails, want still 1", n)
	}
}
