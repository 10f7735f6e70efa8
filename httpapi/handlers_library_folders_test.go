package httpapi

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// TestListFolders: GET /folders lists the top of the library (workspaces only
// for the groups that see their customers), GET /folders?parent_id= a folder's
// subfolders; both paginated; another company's folder, or a workspace a
// member's groups do not see, is 404.
func TestListFolders(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	w := newSharingWorld(t, ts) // folder "Manuals" and customer w.c with its workspace
	other := ts.connect(t, w.provider, ts.signupCompany(t, "Other Co"))
	archive := ts.folder(t, w.provider, `{"name":"Archive"}`)
	sub := ts.folder(t, w.provider, `{"name":"2025","parent_id":"`+w.folder.ID.String()+`"}`)
	ts.folder(t, w.intruder, `{"name":"Intruder's"}`)

	ids := func(items []folderResponse) []uuid.UUID {
		out := make([]uuid.UUID, len(items))
		for i, f := range items {
			out[i] = f.ID
		}
		return out
	}
	top := readAll[folderResponse](t, ts, &w.provider, "/api/v1/folders", 2)
	got := ids(top)
	for _, want := range []uuid.UUID{w.folder.ID, archive.ID, w.c.WorkspaceFolderID, other.WorkspaceFolderID} {
		if !slices.Contains(got, want) {
			t.Fatalf("top of the library %v misses %s", names(top, func(f folderResponse) string { return f.Name }), want)
		}
	}
	if slices.Contains(got, sub.ID) || len(got) != 4 {
		t.Fatalf("top of the library: %v", names(top, func(f folderResponse) string { return f.Name }))
	}
	if !slices.IsSortedFunc(top, func(a, b folderResponse) int { return cmpFold(a.Name, b.Name) }) {
		t.Fatalf("not sorted by name: %v", names(top, func(f folderResponse) string { return f.Name }))
	}
	inside := readAll[folderResponse](t, ts, &w.provider, "/api/v1/folders?parent_id="+w.folder.ID.String(), 10)
	if len(inside) != 1 || inside[0].ID != sub.ID || inside[0].ParentID == nil || *inside[0].ParentID != w.folder.ID {
		t.Fatalf("inside Manuals: %+v", inside)
	}

	// A member of a group that sees only w.c: its workspace, not the other's.
	g := decodeAs[groupResponse](t, ts.send(t, &w.provider, "POST", "/api/v1/groups", `{"name":"Mine"}`))
	expectWritten(t, "assign", ts.send(t, &w.provider, "PUT", "/api/v1/customers/"+w.c.ID.String()+"/group", `{"group_id":"`+g.ID.String()+`"}`), 200)
	g2 := decodeAs[groupResponse](t, ts.send(t, &w.provider, "POST", "/api/v1/groups", `{"name":"Theirs"}`))
	expectWritten(t, "assign 2", ts.send(t, &w.provider, "PUT", "/api/v1/customers/"+other.ID.String()+"/group", `{"group_id":"`+g2.ID.String()+`"}`), 200)
	member := ts.invitedStaff(t, w.provider, `{"name":"Mo","email":"mo-folders@provider.test"}`)
	expectWritten(t, "read access", ts.send(t, &w.provider, "PUT", "/api/v1/groups/"+g.ID.String()+"/members/"+member.UserID.String(), `{"access":"read"}`), 200)
	seen := ids(readAll[folderResponse](t, ts, &member, "/api/v1/folders", 50))
	if !slices.Contains(seen, w.c.WorkspaceFolderID) || slices.Contains(seen, other.WorkspaceFolderID) || !slices.Contains(seen, w.folder.ID) {
		t.Fatalf("member sees %v", seen)
	}
	expectNotFound(t, "member lists another group's workspace", ts.read(t, &member, "/api/v1/folders?parent_id="+other.WorkspaceFolderID.String()), other.WorkspaceFolderID)
	expectNotFound(t, "intruder lists the provider's folder", ts.read(t, &w.intruder, "/api/v1/folders?parent_id="+w.folder.ID.String()), w.folder.ID)
	theirs := readAll[folderResponse](t, ts, &w.intruder, "/api/v1/folders", 50)
	if len(theirs) != 1 || theirs[0].Name != "Intruder's" {
		t.Fatalf("the intruder's top of the library: %+v", theirs)
	}
	expect(t, "bad parent id", ts.read(t, &w.provider, "/api/v1/folders?parent_id=nope"), 400, "validation_failed")
}

func cmpFold(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }

// TestCustomerUploadsAreMarked: provider lists mark a customer's upload
// (uploaded_by_customer) in the documents list and the folder view, and the
// documents list filters on it.
func TestCustomerUploadsAreMarked(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	w := newSharingWorld(t, ts)
	portal := "/api/v1/portal/providers/" + w.provider.CompanyID.String()
	expectWritten(t, "master access", ts.send(t, &w.provider, "PUT", "/api/v1/customers/"+w.c.ID.String()+"/master-access", `{"enabled":true}`), 200)
	a := ts.upload(t, &w.customer, portal+"/documents", nil, "deposit.txt", "from the customer")
	expectWritten(t, "portal upload", a, 201)
	deposit := decodeAs[documentResponse](t, a)
	ours := ts.document(t, w.provider, w.c.WorkspaceFolderID, "ours.pdf", "%PDF-1.4 ours")

	type item struct {
		ID                 uuid.UUID `json:"id"`
		UploadedByCustomer bool      `json:"uploaded_by_customer"`
	}
	marks := func(path string) map[uuid.UUID]bool {
		out := map[uuid.UUID]bool{}
		for _, it := range readAll[item](t, ts, &w.provider, path, 50) {
			out[it.ID] = it.UploadedByCustomer
		}
		return out
	}
	all := marks("/api/v1/documents?customer_id=" + w.c.ID.String())
	if len(all) != 2 || !all[deposit.ID] || all[ours.ID] {
		t.Fatalf("documents list marks %v (deposit %s)", all, deposit.ID)
	}
	if only := marks("/api/v1/documents?uploaded_by_customer=true"); len(only) != 1 || !only[deposit.ID] {
		t.Fatalf("only customer uploads: %v", only)
	}
	if none := marks("/api/v1/documents?uploaded_by_customer=false"); none[deposit.ID] || len(none) != 2 {
		t.Fatalf("only the provider's own: %v", none)
	}
	expect(t, "bad filter", ts.read(t, &w.provider, "/api/v1/documents?uploaded_by_customer=maybe"), 400, "validation_failed")
	view := readOK[struct {
		Documents []item `json:"documents"`
	}](t, ts, &w.provider, "/api/v1/folders/"+w.c.WorkspaceFolderID.String())
	seen := map[uuid.UUID]bool{}
	for _, it := range view.Documents {
		seen[it.ID] = it.UploadedByCustomer
	}
	if !seen[deposit.ID] || seen[ours.ID] || len(seen) != 2 {
		t.Fatalf("folder view marks %v", seen)
	}
}
