package httpapi

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestWhoCanSeeThisDocument: GET /documents/{id}/access lists every reason a
// customer's portal shows the document now (share, folder share, master
// access) and every live link; not a paused customer, not an expired or
// cancelled share. Staff see only the customers of their groups; another
// company's staff, or staff who may not see the document, get 404 and learn
// nothing.
func TestWhoCanSeeThisDocument(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	w := newSharingWorld(t, ts)
	direct := w.c
	viaFolder := ts.connect(t, w.provider, ts.signupCompany(t, "Folder Co"))
	paused := ts.connect(t, w.provider, ts.signupCompany(t, "Paused Co"))
	ended := ts.connect(t, w.provider, ts.signupCompany(t, "Ended Co"))

	share := decodeAs[shareResponse](t, ts.send(t, &w.provider, "POST", "/api/v1/shares", w.shareBody("document_id", w.doc.ID.String(), "view")))
	folderShare := decodeAs[shareResponse](t, ts.send(t, &w.provider, "POST", "/api/v1/shares",
		`{"customer_id":"`+viaFolder.ID.String()+`","folder_id":"`+w.folder.ID.String()+`","permission":"edit"}`))
	expectWritten(t, "share with paused", ts.send(t, &w.provider, "POST", "/api/v1/shares",
		`{"customer_id":"`+paused.ID.String()+`","document_id":"`+w.doc.ID.String()+`","permission":"view"}`), 201)
	expectWritten(t, "pause", ts.send(t, &w.provider, "POST", "/api/v1/customers/"+paused.ID.String()+"/pause", ""), 200)
	gone := decodeAs[shareResponse](t, ts.send(t, &w.provider, "POST", "/api/v1/shares",
		`{"customer_id":"`+ended.ID.String()+`","document_id":"`+w.doc.ID.String()+`","permission":"view"}`))
	expectWritten(t, "cancel", ts.send(t, &w.provider, "POST", "/api/v1/shares/"+gone.ID.String()+"/cancel", ""), 200)
	link := decodeAs[linkResponse](t, ts.send(t, &w.provider, "POST", "/api/v1/documents/"+w.doc.ID.String()+"/links", `{}`))

	type item struct {
		CustomerID *uuid.UUID `json:"customer_id"`
		Via        string     `json:"via"`
		ShareID    *uuid.UUID `json:"share_id"`
		LinkID     *uuid.UUID `json:"link_id"`
		FolderID   *uuid.UUID `json:"folder_id"`
		Permission string     `json:"permission"`
		Since      time.Time  `json:"since"`
	}
	type answer struct {
		Items []item `json:"items"`
	}
	path := "/api/v1/documents/" + w.doc.ID.String() + "/access"
	got := readOK[answer](t, ts, &w.provider, path)
	if len(got.Items) != 3 {
		t.Fatalf("access %+v, want the direct share, the folder share and the link", got.Items)
	}
	byVia := map[string]item{}
	for _, it := range got.Items {
		byVia[it.Via] = it
	}
	if it := byVia["share"]; it.CustomerID == nil || *it.CustomerID != direct.ID || it.ShareID == nil || *it.ShareID != share.ID || it.Permission != "view" || it.Since.IsZero() {
		t.Fatalf("direct share %+v", it)
	}
	if it := byVia["folder_share"]; it.CustomerID == nil || *it.CustomerID != viaFolder.ID || it.ShareID == nil || *it.ShareID != folderShare.ID ||
		it.FolderID == nil || *it.FolderID != w.folder.ID || it.Permission != "edit" {
		t.Fatalf("folder share %+v", it)
	}
	if it := byVia["link"]; it.CustomerID != nil || it.LinkID == nil || *it.LinkID != link.ID {
		t.Fatalf("link %+v", it)
	}

	// Master access: the workspace document is seen by its customer.
	wsDoc := ts.document(t, w.provider, direct.WorkspaceFolderID, "contract.pdf", "%PDF-1.4 contract")
	wsPath := "/api/v1/documents/" + wsDoc.ID.String() + "/access"
	if got := readOK[answer](t, ts, &w.provider, wsPath); len(got.Items) != 0 {
		t.Fatalf("workspace document without master access: %+v", got.Items)
	}
	expectWritten(t, "master access", ts.send(t, &w.provider, "PUT", "/api/v1/customers/"+direct.ID.String()+"/master-access", `{"enabled":true}`), 200)
	if got := readOK[answer](t, ts, &w.provider, wsPath); len(got.Items) != 1 || got.Items[0].Via != "master_access" ||
		*got.Items[0].CustomerID != direct.ID || got.Items[0].Permission != "edit" {
		t.Fatalf("workspace document with master access: %+v", got.Items)
	}

	// A member whose group sees only the direct customer: that customer and the
	// link, nothing of the others; the other group's workspace document: 404.
	g := decodeAs[groupResponse](t, ts.send(t, &w.provider, "POST", "/api/v1/groups", `{"name":"Direct"}`))
	expectWritten(t, "assign", ts.send(t, &w.provider, "PUT", "/api/v1/customers/"+direct.ID.String()+"/group", `{"group_id":"`+g.ID.String()+`"}`), 200)
	g2 := decodeAs[groupResponse](t, ts.send(t, &w.provider, "POST", "/api/v1/groups", `{"name":"Others"}`))
	expectWritten(t, "assign 2", ts.send(t, &w.provider, "PUT", "/api/v1/customers/"+viaFolder.ID.String()+"/group", `{"group_id":"`+g2.ID.String()+`"}`), 200)
	member := ts.invitedStaff(t, w.provider, `{"name":"Mo","email":"mo-access@provider.test"}`)
	expectWritten(t, "read access", ts.send(t, &w.provider, "PUT", "/api/v1/groups/"+g2.ID.String()+"/members/"+member.UserID.String(), `{"access":"read"}`), 200)
	mine := readOK[answer](t, ts, &member, path)
	if len(mine.Items) != 2 {
		t.Fatalf("member of the other group sees %+v, want its customer and the link", mine.Items)
	}
	for _, it := range mine.Items {
		if it.CustomerID != nil && *it.CustomerID == direct.ID {
			t.Fatalf("a member learns of a customer outside its groups: %+v", mine.Items)
		}
	}
	expectNotFound(t, "member asks about another group's workspace document", ts.read(t, &member, wsPath), wsDoc.ID)
	expectNotFound(t, "another company asks", ts.read(t, &w.intruder, path), w.doc.ID)
	expectNotFound(t, "the customer asks", ts.read(t, &w.customer, path), w.doc.ID)
}
