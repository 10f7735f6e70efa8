package httpapi

import (
	"slices"
	"testing"

	"github.com/google/uuid"
)

func portalNames(l portalListing) (folders, documents []string) {
	return names(l.Folders, func(f portalFolderItem) string { return f.Name }),
		names(l.Documents, func(d portalDocumentItem) string { return d.Name })
}

func expectListing(t *testing.T, what string, l portalListing, folders, documents []string) {
	t.Helper()
	f, d := portalNames(l)
	if !slices.Equal(f, folders) || !slices.Equal(d, documents) {
		t.Fatalf("%s: folders %v documents %v, want %v %v", what, f, d, folders, documents)
	}
}

func TestReadPortal(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	provider := ts.signupCompany(t, "Acme Provider")
	beta := ts.signupCompany(t, "Beta Corp")
	stranger := ts.signupCompany(t, "Stranger Inc")
	b := ts.connect(t, provider, beta)

	internal := ts.folder(t, provider, `{"name":"Internal"}`)
	secret := ts.document(t, provider, internal.ID, "secret.pdf", "%PDF secret")
	datasheet := ts.document(t, provider, internal.ID, "datasheet.pdf", "%PDF datasheet")
	public := ts.folder(t, provider, `{"name":"Public"}`)
	manuals := ts.folder(t, provider, `{"name":"Manuals","parent_id":"`+public.ID.String()+`"}`)
	guide := ts.document(t, provider, public.ID, "guide.pdf", "%PDF guide")
	ts.document(t, provider, manuals.ID, "manual.pdf", "%PDF manual")
	draft := ts.upload(t, &provider, "/api/v1/documents", map[string]string{"folder_id": public.ID.String(), "hidden": "true"}, "draft.pdf", "%PDF draft")
	expectWritten(t, "hidden draft", draft, 201)
	draftID := decodeAs[documentResponse](t, draft).ID
	for _, body := range []string{
		`{"customer_id":"` + b.ID.String() + `","folder_id":"` + public.ID.String() + `","permission":"view"}`,
		`{"customer_id":"` + b.ID.String() + `","document_id":"` + datasheet.ID.String() + `","permission":"view"}`,
	} {
		expectWritten(t, "share", ts.send(t, &provider, "POST", "/api/v1/shares", body), 201)
	}

	// The providers of Beta's company.
	provs := readOK[page[portalProviderItem]](t, ts, &beta, "/api/v1/portal/providers").Items
	if len(provs) != 1 || provs[0].ProviderID != provider.CompanyID || provs[0].Name != "Acme Provider" || provs[0].CustomerID != b.ID ||
		provs[0].Status != "active" || !provs[0].DocumentsEnabled || provs[0].MasterAccess || !provs[0].Since.Equal(b.CreatedAt) {
		t.Fatalf("providers %+v", provs)
	}
	if p := readOK[page[portalProviderItem]](t, ts, &stranger, "/api/v1/portal/providers"); len(p.Items) != 0 {
		t.Fatalf("stranger's providers %+v", p.Items)
	}

	base := "/api/v1/portal/providers/" + provider.CompanyID.String() + "/documents"
	top := readOK[portalListing](t, ts, &beta, base)
	expectListing(t, "top", top, []string{"Public"}, []string{"datasheet.pdf"})
	if f := top.Folders[0]; f.ID != public.ID || f.ParentID != nil || f.Permission != "view" || f.Workspace {
		t.Fatalf("top folder %+v", f)
	}
	if d := top.Documents[0]; d.ID != datasheet.ID || d.FolderID != nil || d.Version != 1 || d.Size != int64(len("%PDF datasheet")) ||
		d.SHA256 != sha("%PDF datasheet") || d.MediaType != datasheet.MediaType || d.Permission != "view" || d.Removable {
		t.Fatalf("top document %+v", d)
	}
	in := readOK[portalListing](t, ts, &beta, base+"?folder_id="+public.ID.String())
	expectListing(t, "in Public", in, []string{"Manuals"}, []string{"guide.pdf"})
	if in.Folders[0].ParentID == nil || *in.Folders[0].ParentID != public.ID || *in.Documents[0].FolderID != public.ID {
		t.Fatalf("in Public %+v", in)
	}
	expectListing(t, "flat", readOK[portalListing](t, ts, &beta, base+"?flat=true"), []string{}, []string{"datasheet.pdf", "guide.pdf", "manual.pdf"})
	expectListing(t, "flat in Public", readOK[portalListing](t, ts, &beta, base+"?flat=true&folder_id="+public.ID.String()), []string{}, []string{"guide.pdf", "manual.pdf"})
	expectNotFound(t, "invisible folder", ts.read(t, &beta, base+"?folder_id="+internal.ID.String()))
	expect(t, "bad flat", ts.read(t, &beta, base+"?flat=yes"), 400, "validation_failed")

	// The provider sees exactly the same through portal-view.
	for _, q := range []string{"", "?folder_id=" + public.ID.String(), "?flat=true"} {
		mine := ts.read(t, &beta, base+q)
		theirs := ts.read(t, &provider, "/api/v1/customers/"+b.ID.String()+"/portal-view"+q)
		if mine.status != 200 || theirs.status != 200 || mine.body != theirs.body {
			t.Fatalf("portal-view%s differs:\n%s\n%s", q, mine.body, theirs.body)
		}
	}
	expectNotFound(t, "portal-view for a stranger", ts.read(t, &stranger, "/api/v1/customers/"+b.ID.String()+"/portal-view"))

	// Downloads: visible documents only, each GET recorded, HEAD not.
	content := "/api/v1/portal/documents/" + guide.ID.String() + "/content"
	a := ts.read(t, &beta, content)
	if a.status != 200 || a.body != "%PDF guide" || a.header.Get("ETag") != `"`+sha("%PDF guide")+`"` || a.header.Get("Content-Length") != "10" ||
		a.header.Get("Content-Disposition") != `attachment; filename="guide.pdf"; filename*=UTF-8''guide.pdf` {
		t.Fatalf("portal download %d %v %s", a.status, a.header, a.body)
	}
	if n := countEventsOfType(t, ts, "DocumentDownloaded"); n != 1 {
		t.Fatalf("%d downloads recorded", n)
	}
	if a := ts.do(t, ts.client, "HEAD", content, beta.bearer(), ""); a.status != 200 || a.header.Get("Content-Length") != "10" {
		t.Fatalf("HEAD %d %v", a.status, a.header)
	}
	if n := countEventsOfType(t, ts, "DocumentDownloaded"); n != 1 {
		t.Fatalf("HEAD recorded a download (%d)", n)
	}
	for what, id := range map[string]uuid.UUID{"hidden draft": draftID, "unshared": secret.ID, "unknown": uuid.New()} {
		expectNotFound(t, what, ts.read(t, &beta, "/api/v1/portal/documents/"+id.String()+"/content"))
		if a := ts.do(t, ts.client, "HEAD", "/api/v1/portal/documents/"+id.String()+"/content", beta.bearer(), ""); a.status != 404 {
			t.Fatalf("%s (HEAD): %d", what, a.status)
		}
	}
	expectNotFound(t, "stranger downloads", ts.read(t, &stranger, content))
	expectNotFound(t, "stranger lists", ts.read(t, &stranger, base))
	expectNotFound(t, "provider is not its own customer", ts.read(t, &provider, base))

	// Master access: the workspace's contents join the top.
	ws := ts.document(t, provider, b.WorkspaceFolderID, "welcome.pdf", "%PDF welcome")
	expectWritten(t, "master access", ts.send(t, &provider, "PUT", "/api/v1/customers/"+b.ID.String()+"/master-access", `{"enabled":true}`), 200)
	top = readOK[portalListing](t, ts, &beta, base)
	expectListing(t, "top with master access", top, []string{"Public"}, []string{"datasheet.pdf", "welcome.pdf"})
	if d := top.Documents[1]; d.ID != ws.ID || d.FolderID == nil || *d.FolderID != b.WorkspaceFolderID || d.Permission != "edit" {
		t.Fatalf("workspace document %+v", d)
	}

	// Paused, disabled and revoked customers see nothing.
	empty := func(what string) {
		t.Helper()
		expectListing(t, what, readOK[portalListing](t, ts, &beta, base), []string{}, []string{})
		expectListing(t, what+" (flat)", readOK[portalListing](t, ts, &beta, base+"?flat=true"), []string{}, []string{})
		expectListing(t, what+" (in folder)", readOK[portalListing](t, ts, &beta, base+"?folder_id="+public.ID.String()), []string{}, []string{})
		expectNotFound(t, what+": download", ts.read(t, &beta, content))
	}
	status := func(want string) {
		t.Helper()
		if p := readOK[page[portalProviderItem]](t, ts, &beta, "/api/v1/portal/providers").Items; len(p) != 1 || p[0].Status != want {
			t.Fatalf("provider status %+v, want %s", p, want)
		}
	}
	expectWritten(t, "pause", ts.send(t, &provider, "POST", "/api/v1/customers/"+b.ID.String()+"/pause", ""), 200)
	empty("paused")
	status("paused")
	expectWritten(t, "resume", ts.send(t, &provider, "POST", "/api/v1/customers/"+b.ID.String()+"/resume", ""), 200)
	expectListing(t, "resumed", readOK[portalListing](t, ts, &beta, base), []string{"Public"}, []string{"datasheet.pdf", "welcome.pdf"})
	expectWritten(t, "disable", ts.send(t, &provider, "PUT", "/api/v1/customers/"+b.ID.String()+"/portal-settings", `{"documents_enabled":false}`), 200)
	empty("documents disabled")
	if p := readOK[page[portalProviderItem]](t, ts, &beta, "/api/v1/portal/providers").Items; p[0].DocumentsEnabled {
		t.Fatalf("documents still enabled %+v", p)
	}
	expectWritten(t, "enable", ts.send(t, &provider, "PUT", "/api/v1/customers/"+b.ID.String()+"/portal-settings", `{"documents_enabled":null}`), 200)
	expectWritten(t, "revoke", ts.send(t, &provider, "POST", "/api/v1/customers/"+b.ID.String()+"/revoke", ""), 200)
	empty("revoked")
	status("revoked")
}
