package httpapi

import (
	"testing"

	"github.com/google/uuid"
)

func TestPortalWrites(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	w := newSharingWorld(t, ts)
	portal := "/api/v1/portal/providers/" + w.provider.CompanyID.String()
	customer := w.customer

	// Without master access or an edit share, the workspace is not visible: 404.
	before := countEvents(t, ts)
	expect(t, "folder without access", ts.send(t, &customer, "POST", portal+"/folders", `{"name":"Inbox"}`), 404, "not_found")
	expect(t, "upload without access", ts.upload(t, &customer, portal+"/documents", nil, "a.txt", "x"), 404, "not_found")
	expectUnchanged(t, ts, "without access", before)

	expectWritten(t, "master access", ts.send(t, &w.provider, "PUT", "/api/v1/customers/"+w.c.ID.String()+"/master-access", `{"enabled":true}`), 200)
	a := ts.send(t, &customer, "POST", portal+"/folders", `{"name":"Inbox"}`)
	expectWritten(t, "portal folder", a, 201)
	inbox := decodeAs[folderResponse](t, a)
	if inbox.Name != "Inbox" || inbox.ParentID == nil || *inbox.ParentID != w.c.WorkspaceFolderID || inbox.CustomerID == nil || *inbox.CustomerID != w.c.ID {
		t.Fatalf("portal folder %+v", inbox)
	}
	a = ts.upload(t, &customer, portal+"/documents", map[string]string{"folder_id": inbox.ID.String(), "name": "Invoice 7"}, "inv.txt", "pay me")
	expectWritten(t, "portal upload", a, 201)
	own := decodeAs[documentResponse](t, a)
	if own.Name != "Invoice 7" || own.FolderID != inbox.ID || own.Version != 1 || own.Size != 6 || own.CustomerID == nil || *own.CustomerID != w.c.ID {
		t.Fatalf("portal document %+v", own)
	}
	a = ts.upload(t, &customer, portal+"/documents", nil, "top.txt", "top level")
	expectWritten(t, "portal upload into the workspace", a, 201)
	if d := decodeAs[documentResponse](t, a); d.FolderID != w.c.WorkspaceFolderID || d.Name != "top.txt" {
		t.Fatalf("workspace upload %+v", d)
	}

	before = countEvents(t, ts)
	expectInvalid(t, ts, "portal folder without name", ts.send(t, &customer, "POST", portal+"/folders", `{"name":" "}`), "name", before)
	expectInvalid(t, ts, "portal folder unknown field", ts.send(t, &customer, "POST", portal+"/folders", `{"name":"x","shared":true}`), "shared", before)
	expectInvalid(t, ts, "portal upload unknown part", ts.upload(t, &customer, portal+"/documents", map[string]string{"hidden": "true"}, "a.txt", "x"), "hidden", before)
	expectInvalid(t, ts, "portal bad provider id", ts.send(t, &customer, "POST", "/api/v1/portal/providers/x/folders", `{"name":"x"}`), "provider_id", before)
	// Another company is not this provider's customer; a provider the customer
	// does not have answers the same.
	expect(t, "intruder portal folder", ts.send(t, &w.intruder, "POST", portal+"/folders", `{"name":"x"}`), 404, "not_found")
	expect(t, "intruder portal upload", ts.upload(t, &w.intruder, portal+"/documents", nil, "a.txt", "x"), 404, "not_found")
	expect(t, "intruder removes", ts.send(t, &w.intruder, "DELETE", "/api/v1/portal/documents/"+own.ID.String(), ""), 404, "not_found")
	expect(t, "unknown provider", ts.send(t, &customer, "POST", "/api/v1/portal/providers/"+uuid.NewString()+"/folders", `{"name":"x"}`), 404, "not_found")
	expectUnchanged(t, ts, "refused portal writes", before)

	// What the provider shared stays: 403. Its own uploads the customer may remove.
	provided := ts.document(t, w.provider, w.c.WorkspaceFolderID, "terms.pdf", "%PDF-1.4 terms")
	before = countEvents(t, ts)
	expect(t, "remove provider's document", ts.send(t, &customer, "DELETE", "/api/v1/portal/documents/"+provided.ID.String(), ""), 403, "forbidden")
	expectUnchanged(t, ts, "remove provider's document", before)
	expectWritten(t, "remove own upload", ts.send(t, &customer, "DELETE", "/api/v1/portal/documents/"+own.ID.String(), ""), 204)
	expect(t, "remove own upload again", ts.send(t, &customer, "DELETE", "/api/v1/portal/documents/"+own.ID.String(), ""), 404, "not_found")

	// A folder shared for viewing: visible, but no uploads (403); with edit, yes.
	a = ts.send(t, &w.provider, "POST", "/api/v1/shares", w.shareBody("folder_id", w.folder.ID.String(), "view"))
	expectWritten(t, "view share", a, 201)
	sh := decodeAs[shareResponse](t, a)
	before = countEvents(t, ts)
	expect(t, "upload into a view share", ts.upload(t, &customer, portal+"/documents", map[string]string{"folder_id": w.folder.ID.String()}, "a.txt", "x"), 403, "forbidden")
	expect(t, "folder in a view share", ts.send(t, &customer, "POST", portal+"/folders", `{"name":"x","parent_id":"`+w.folder.ID.String()+`"}`), 403, "forbidden")
	expectUnchanged(t, ts, "view share", before)
	expectWritten(t, "edit share", ts.send(t, &w.provider, "PATCH", "/api/v1/shares/"+sh.ID.String(), `{"permission":"edit"}`), 200)
	expectWritten(t, "upload into an edit share", ts.upload(t, &customer, portal+"/documents", map[string]string{"folder_id": w.folder.ID.String()}, "b.txt", "y"), 201)

	// Paused: the portal shows nothing, so nothing can be put there.
	expectWritten(t, "pause", ts.send(t, &w.provider, "POST", "/api/v1/customers/"+w.c.ID.String()+"/pause", ""), 200)
	before = countEvents(t, ts)
	expect(t, "upload while paused", ts.upload(t, &customer, portal+"/documents", nil, "c.txt", "z"), 404, "not_found")
	expectUnchanged(t, ts, "paused", before)
}
