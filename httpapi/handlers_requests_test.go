package httpapi

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// requestWorld: a provider, its customer (connected company, whose admin uses
// the portal), a second customer with a portal user, an intruder company and a
// member of the provider without access to any group.
type requestWorld struct {
	sharingWorld
	other       customerResponse
	otherUser   account
	member      account
	workspaceIn folderResponse // a folder below the customer's workspace
}

func newRequestWorld(t *testing.T, ts *testServer) requestWorld {
	t.Helper()
	w := requestWorld{sharingWorld: newSharingWorld(t, ts)}
	w.other = ts.connect(t, w.provider, ts.signupCompany(t, "Other Customer"))
	w.otherUser = ts.portalUser(t, w.provider, w.other.ID, "Olga", "olga"+uuid.NewString()[:8]+"@other.test")
	w.member = ts.invitedStaff(t, w.provider, `{"name":"Mel","email":"mel`+uuid.NewString()[:8]+`@provider.test"}`)
	w.workspaceIn = ts.folder(t, w.provider, `{"name":"Tax 2024","parent_id":"`+w.c.WorkspaceFolderID.String()+`"}`)
	return w
}

func (w requestWorld) ask(t *testing.T, ts *testServer, body string) requestResponse {
	t.Helper()
	a := ts.send(t, &w.provider, "POST", "/api/v1/customers/"+w.c.ID.String()+"/requests", body)
	expectWritten(t, "request a document", a, 201)
	return decodeAs[requestResponse](t, a)
}

func TestDocumentRequests(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	w := newRequestWorld(t, ts)
	requests := "/api/v1/customers/" + w.c.ID.String() + "/requests"
	portal := "/api/v1/portal/providers/" + w.provider.CompanyID.String() + "/requests"

	due := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	req := w.ask(t, ts, `{"title":"Bank statements 2024","note":"All twelve","due_at":"`+due.Format(time.RFC3339)+`","folder_id":"`+w.workspaceIn.ID.String()+`"}`)
	if req.ID == uuid.Nil || req.Status != "open" || req.CustomerID != w.c.ID || req.FolderID != w.workspaceIn.ID || req.Title != "Bank statements 2024" ||
		req.Note != "All twelve" || req.DueAt == nil || !req.DueAt.Equal(due) || req.Overdue || req.RequestedBy != w.provider.UserID || len(req.DocumentIDs) != 0 {
		t.Fatalf("request %+v", req)
	}
	plain := w.ask(t, ts, `{"title":"ID card"}`)
	if plain.FolderID != w.c.WorkspaceFolderID || plain.DueAt != nil {
		t.Fatalf("request without folder and due date %+v", plain)
	}

	// Bad input names the field and records nothing.
	before := countEvents(t, ts)
	expectInvalid(t, ts, "no title", ts.send(t, &w.provider, "POST", requests, `{"note":"x"}`), "title", before)
	expectInvalid(t, ts, "due in the past", ts.send(t, &w.provider, "POST", requests, `{"title":"x","due_at":"2001-01-01T00:00:00Z"}`), "due_at", before)
	expectInvalid(t, ts, "a library folder", ts.send(t, &w.provider, "POST", requests, `{"title":"x","folder_id":"`+w.folder.ID.String()+`"}`), "folder_id", before)
	expectInvalid(t, ts, "another customer's workspace", ts.send(t, &w.provider, "POST", requests, `{"title":"x","folder_id":"`+w.other.WorkspaceFolderID.String()+`"}`), "folder_id", before)
	expectInvalid(t, ts, "unknown field", ts.send(t, &w.provider, "POST", requests, `{"title":"x","urgent":true}`), "urgent", before)
	// Who may not: another company, a member without the customer's group, a
	// portal user (404, never 403); the customer's own users.
	expect(t, "intruder asks", ts.send(t, &w.intruder, "POST", requests, `{"title":"x"}`), 404, "not_found")
	expect(t, "member without the group asks", ts.send(t, &w.member, "POST", requests, `{"title":"x"}`), 404, "not_found")
	expect(t, "portal user asks", ts.send(t, &w.otherUser, "POST", requests, `{"title":"x"}`), 404, "not_found")
	expect(t, "customer asks itself", ts.send(t, &w.customer, "POST", requests, `{"title":"x"}`), 404, "not_found")
	expect(t, "unknown customer", ts.send(t, &w.provider, "POST", "/api/v1/customers/"+uuid.NewString()+"/requests", `{"title":"x"}`), 404, "not_found")
	expect(t, "intruder cancels", ts.send(t, &w.intruder, "POST", "/api/v1/requests/"+req.ID.String()+"/cancel", ""), 404, "not_found")
	expect(t, "member cancels", ts.send(t, &w.member, "POST", "/api/v1/requests/"+req.ID.String()+"/cancel", ""), 404, "not_found")
	expectUnchanged(t, ts, "refused requests", before)

	// Provider side lists.
	list := readOK[requestList](t, ts, &w.provider, "/api/v1/requests?customer_id="+w.c.ID.String())
	if len(list.Items) != 2 || list.Items[0].ID != plain.ID || list.Items[1].ID != req.ID {
		t.Fatalf("provider list %+v", list)
	}
	if l := readOK[requestList](t, ts, &w.provider, "/api/v1/requests?status=fulfilled"); len(l.Items) != 0 {
		t.Fatalf("fulfilled before any upload: %+v", l)
	}
	if l := readOK[requestList](t, ts, &w.member, "/api/v1/requests"); len(l.Items) != 0 {
		t.Fatalf("a member without groups sees %+v", l)
	}
	expect(t, "member names the customer", ts.read(t, &w.member, "/api/v1/requests?customer_id="+w.c.ID.String()), 404, "not_found")
	expect(t, "bad status", ts.read(t, &w.provider, "/api/v1/requests?status=done"), 400, "validation_failed")
	expect(t, "portal user on the provider list", ts.read(t, &w.otherUser, "/api/v1/requests"), 404, "not_found")

	// Customer side: its own requests only.
	if l := readOK[requestList](t, ts, &w.customer, portal); len(l.Items) != 2 {
		t.Fatalf("customer sees %+v", l)
	}
	if l := readOK[requestList](t, ts, &w.otherUser, portal); len(l.Items) != 0 {
		t.Fatalf("another customer sees %+v", l)
	}
	expect(t, "intruder's portal", ts.read(t, &w.intruder, portal), 404, "not_found")

	// Another customer's request: 404, nothing stored.
	before = countEvents(t, ts)
	fulfil := "/api/v1/portal/requests/" + req.ID.String() + "/documents"
	expect(t, "another customer fulfils", ts.upload(t, &w.otherUser, fulfil, nil, "x.pdf", "not yours"), 404, "not_found")
	expect(t, "intruder fulfils", ts.upload(t, &w.intruder, fulfil, nil, "x.pdf", "not yours"), 404, "not_found")
	expect(t, "provider fulfils", ts.upload(t, &w.provider, fulfil, nil, "x.pdf", "not yours"), 404, "not_found")
	expect(t, "unknown request", ts.upload(t, &w.customer, "/api/v1/portal/requests/"+uuid.NewString()+"/documents", nil, "x.pdf", "x"), 404, "not_found")
	expectUnchanged(t, ts, "refused uploads", before)

	// The customer fulfils; more files may follow.
	a := ts.upload(t, &w.customer, fulfil, map[string]string{"name": "January.pdf"}, "jan.pdf", "%PDF-1.4 january")
	expectWritten(t, "fulfil", a, 201)
	got := decodeAs[fulfilResponse](t, a)
	if got.Request.Status != "fulfilled" || got.Request.FulfilledAt == nil || len(got.Request.DocumentIDs) != 1 || got.Request.DocumentIDs[0] != got.Document.ID ||
		got.Document.Name != "January.pdf" || got.Document.FolderID != w.workspaceIn.ID || got.Document.CustomerID == nil || *got.Document.CustomerID != w.c.ID {
		t.Fatalf("fulfilled %+v", got)
	}
	expectWritten(t, "a second file", ts.upload(t, &w.customer, fulfil, nil, "feb.pdf", "%PDF-1.4 february"), 201)
	l := readOK[requestList](t, ts, &w.customer, portal+"?status=fulfilled")
	if len(l.Items) != 1 || len(l.Items[0].DocumentIDs) != 2 {
		t.Fatalf("fulfilled list %+v", l)
	}
	// The provider sees the deposit in its library.
	readOK[documentResponse](t, ts, &w.provider, "/api/v1/documents/"+got.Document.ID.String())

	// Cancelling is final.
	a = ts.send(t, &w.provider, "POST", "/api/v1/requests/"+plain.ID.String()+"/cancel", "")
	expectWritten(t, "cancel", a, 200)
	if c := decodeAs[requestResponse](t, a); c.Status != "cancelled" || c.CancelledAt == nil {
		t.Fatalf("cancelled %+v", c)
	}
	before = countEvents(t, ts)
	expect(t, "cancel again", ts.send(t, &w.provider, "POST", "/api/v1/requests/"+plain.ID.String()+"/cancel", ""), 409, "conflict")
	expect(t, "fulfil a cancelled request", ts.upload(t, &w.customer, "/api/v1/portal/requests/"+plain.ID.String()+"/documents", nil, "x.pdf", "x"), 409, "conflict")
	expectUnchanged(t, ts, "after cancel", before)
	if l := readOK[requestList](t, ts, &w.customer, portal+"?status=cancelled"); len(l.Items) != 1 || l.Items[0].ID != plain.ID {
		t.Fatalf("cancelled list %+v", l)
	}

	// Paused: the portal lists nothing and takes nothing; revoked: no new requests.
	open := w.ask(t, ts, `{"title":"Payslips"}`)
	expectWritten(t, "pause", ts.send(t, &w.provider, "POST", "/api/v1/customers/"+w.c.ID.String()+"/pause", ""), 200)
	if l := readOK[requestList](t, ts, &w.customer, portal); len(l.Items) != 0 {
		t.Fatalf("paused customer sees %+v", l)
	}
	before = countEvents(t, ts)
	expect(t, "fulfil while paused", ts.upload(t, &w.customer, "/api/v1/portal/requests/"+open.ID.String()+"/documents", nil, "x.pdf", "x"), 404, "not_found")
	expect(t, "ask a paused customer", ts.send(t, &w.provider, "POST", requests, `{"title":"x"}`), 409, "conflict")
	expectUnchanged(t, ts, "paused", before)
	expectWritten(t, "revoke", ts.send(t, &w.provider, "POST", "/api/v1/customers/"+w.c.ID.String()+"/revoke", ""), 200)
	before = countEvents(t, ts)
	expect(t, "ask a revoked customer", ts.send(t, &w.provider, "POST", requests, `{"title":"x"}`), 409, "customer_revoked")
	expectUnchanged(t, ts, "revoked", before)

	// Every step is in the audit log.
	for _, typ := range []string{"DocumentRequested", "DocumentRequestFulfilled", "DocumentRequestCancelled"} {
		audit := ts.read(t, &w.provider, "/api/v1/audit/events?type="+typ)
		if audit.status != 200 || !strings.Contains(audit.body, `"`+typ+`"`) {
			t.Errorf("%s not in the audit log", typ)
		}
	}
}
