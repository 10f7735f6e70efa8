package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestReadLibrary(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	provider := ts.signupCompany(t, "Acme Provider")
	other := ts.signupCompany(t, "Other Corp")

	root := ts.folder(t, provider, `{"name":"Contracts"}`)
	sub := ts.folder(t, provider, `{"name":"2024","parent_id":"`+root.ID.String()+`"}`)
	a := ts.document(t, provider, root.ID, "alpha.txt", "alpha one")
	b := ts.document(t, provider, sub.ID, "beta.txt", "beta")
	c := ts.document(t, provider, root.ID, "Charlie.txt", "charlie")
	v2 := ts.upload(t, &provider, "/api/v1/documents/"+a.ID.String()+"/versions", map[string]string{"hidden": "true"}, "alpha.txt", "alpha two, hidden")
	expectWritten(t, "add version", v2, 201)
	expectWritten(t, "remove", ts.send(t, &provider, "DELETE", "/api/v1/documents/"+c.ID.String(), ""), 204)

	// A folder with its children.
	fa := ts.read(t, &provider, "/api/v1/folders/"+root.ID.String())
	expect(t, "folder", fa, 200, "")
	f := decodeAs[folderDetail](t, fa)
	if f.ID != root.ID || f.Name != "Contracts" || f.ParentID != nil || f.CustomerID != nil || !f.CreatedAt.Equal(root.CreatedAt) ||
		len(f.Folders) != 1 || f.Folders[0].ID != sub.ID || *f.Folders[0].ParentID != root.ID ||
		len(f.Documents) != 1 || f.Documents[0].ID != a.ID {
		t.Fatalf("folder %s", fa.body)
	}
	if d := f.Documents[0]; d.Version != 2 || !d.Hidden || d.SHA256 != sha("alpha two, hidden") || d.Size != int64(len("alpha two, hidden")) ||
		d.MediaType != "text/plain;charset=utf-8" || !d.CreatedAt.Equal(a.CreatedAt) || !d.UpdatedAt.After(d.CreatedAt) {
		t.Fatalf("folder's document %+v", d)
	}

	// The document list: removed ones left out, by name, with filters.
	all := readAll[documentItem](t, ts, &provider, "/api/v1/documents", 1)
	if got := names(all, func(d documentItem) string { return d.Name }); !slices.Equal(got, []string{"alpha.txt", "beta.txt"}) {
		t.Fatalf("documents %v", got)
	}
	for query, want := range map[string][]string{
		"?folder_id=" + sub.ID.String():       {"beta.txt"},
		"?folder_id=" + root.ID.String():      {"alpha.txt"},
		"?q=BET":                              {"beta.txt"},
		"?q=txt&folder_id=" + sub.ID.String(): {"beta.txt"},
		"?customer_id=" + uuid.NewString():    {},
	} {
		p := readOK[page[documentItem]](t, ts, &provider, "/api/v1/documents"+query)
		if got := names(p.Items, func(d documentItem) string { return d.Name }); !slices.Equal(got, want) {
			t.Errorf("documents%s: %v, want %v", query, got, want)
		}
	}

	// A document with its versions, newest first.
	d := readOK[documentDetail](t, ts, &provider, "/api/v1/documents/"+a.ID.String())
	if d.ID != a.ID || d.Name != "alpha.txt" || d.FolderID != root.ID || d.Version != 2 || d.UploadedByCustomerID != nil ||
		len(d.Versions) != 2 || d.Versions[0].Version != 2 || !d.Versions[0].Hidden || d.Versions[1].Version != 1 ||
		d.Versions[1].Hidden || d.Versions[1].SHA256 != sha("alpha one") || d.Versions[1].Size != 9 {
		t.Fatalf("document %+v", d)
	}
	expectNotFound(t, "removed document", ts.read(t, &provider, "/api/v1/documents/"+c.ID.String()))

	// Downloads: the newest version by default, any version by number.
	content := "/api/v1/documents/" + a.ID.String() + "/content"
	got := ts.read(t, &provider, content)
	if got.status != 200 || got.body != "alpha two, hidden" || got.header.Get("ETag") != `"`+sha("alpha two, hidden")+`"` ||
		got.header.Get("Content-Type") != "text/plain;charset=utf-8" || got.header.Get("Content-Length") != "17" ||
		!strings.HasPrefix(got.header.Get("Content-Disposition"), `attachment; filename="alpha.txt"`) {
		t.Fatalf("download %d %v %q", got.status, got.header, got.body)
	}
	if got := ts.read(t, &provider, content+"?version=1"); got.status != 200 || got.body != "alpha one" ||
		got.header.Get("ETag") != `"`+sha("alpha one")+`"` {
		t.Fatalf("download v1 %d %q", got.status, got.body)
	}
	h := provider.bearer()
	h.Set("Range", "bytes=6-8")
	if got := ts.do(t, ts.client, "GET", content+"?version=1", h, ""); got.status != 206 || got.body != "one" ||
		got.header.Get("Content-Range") != "bytes 6-8/9" {
		t.Fatalf("range %d %v %q", got.status, got.header, got.body)
	}
	h = provider.bearer()
	h.Set("If-None-Match", `"`+sha("alpha one")+`"`)
	if got := ts.do(t, ts.client, "GET", content+"?version=1", h, ""); got.status != 304 {
		t.Fatalf("conditional %d", got.status)
	}
	if got := ts.do(t, ts.client, "HEAD", content, provider.bearer(), ""); got.status != 200 || got.body != "" || got.header.Get("Content-Length") != "17" {
		t.Fatalf("HEAD %d %v", got.status, got.header)
	}
	expectNotFound(t, "unknown version", ts.read(t, &provider, content+"?version=3"))
	expect(t, "bad version", ts.read(t, &provider, content+"?version=0"), 400, "validation_failed")
	expectNotFound(t, "removed document's content", ts.read(t, &provider, "/api/v1/documents/"+c.ID.String()+"/content"))

	// Another company sees nothing of it.
	for _, path := range []string{
		"/api/v1/folders/" + root.ID.String(), "/api/v1/documents/" + a.ID.String(), content,
		"/api/v1/documents/" + b.ID.String() + "/share-history",
	} {
		a := ts.read(t, &other, path)
		expectNotFound(t, "other company: "+path, a)
		if strings.Contains(a.body, "alpha") || strings.Contains(a.body, "Contracts") {
			t.Fatalf("%s leaks: %s", path, a.body)
		}
	}
	if p := readOK[page[documentItem]](t, ts, &other, "/api/v1/documents?folder_id="+root.ID.String()); len(p.Items) != 0 {
		t.Fatalf("other company lists %+v", p.Items)
	}
	expectNotFound(t, "unknown folder", ts.read(t, &provider, "/api/v1/folders/"+uuid.NewString()))
	if a := ts.read(t, &provider, "/api/v1/documents?folder_id=x"); a.status != 400 || !containsField(t, a, "folder_id") {
		t.Fatalf("bad folder_id %d %s", a.status, a.body)
	}
}
