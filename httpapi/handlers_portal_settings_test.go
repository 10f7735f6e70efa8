package httpapi

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

// Story, QUBEdocs with the provider setting (issue 17, "Hidden by default"):
// new_versions_hidden on, an upload that does not say hidden (a new document or
// a new version) stays out of the portal until published; one that says
// hidden=false shows at once. PUT /settings/portal changes only the fields sent.
func TestNewVersionsHiddenByDefault(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	w := newSharingWorld(t, ts)
	expectWritten(t, "share the folder", ts.send(t, &w.provider, "POST", "/api/v1/shares", w.shareBody("folder_id", w.folder.ID.String(), "view")), 201)
	settings := func(what, body, want string) {
		t.Helper()
		a := ts.send(t, &w.provider, "PUT", "/api/v1/settings/portal", body)
		expect(t, what, a, 200, "")
		if got := strings.TrimSpace(a.body); got != want {
			t.Fatalf("%s: %s, want %s", what, got, want)
		}
	}
	portal := "/api/v1/portal/providers/" + w.provider.CompanyID.String() + "/documents?flat=true"
	inPortal := func(id uuid.UUID) (portalDocumentItem, bool) {
		t.Helper()
		for _, d := range readOK[portalListing](t, ts, &w.customer, portal).Documents {
			if d.ID == id {
				return d, true
			}
		}
		return portalDocumentItem{}, false
	}

	settings("hidden by default on", `{"new_versions_hidden":true}`, `{"documents_enabled_default":true,"new_versions_hidden":true}`)
	// Only the fields sent change, either way.
	settings("documents default off", `{"documents_enabled_default":false}`, `{"documents_enabled_default":false,"new_versions_hidden":true}`)
	settings("documents default on again", `{"documents_enabled_default":true}`, `{"documents_enabled_default":true,"new_versions_hidden":true}`)
	before := countEvents(t, ts)
	settings("same value again", `{"new_versions_hidden":true}`, `{"documents_enabled_default":true,"new_versions_hidden":true}`)
	if n := countEvents(t, ts); n != before {
		t.Fatalf("the same value appended %d events", n-before)
	}
	expectInvalid(t, ts, "not a bool", ts.send(t, &w.provider, "PUT", "/api/v1/settings/portal", `{"new_versions_hidden":"yes"}`), "new_versions_hidden", before)
	expectInvalid(t, ts, "null", ts.send(t, &w.provider, "PUT", "/api/v1/settings/portal", `{"documents_enabled_default":false,"new_versions_hidden":null}`), "new_versions_hidden", before)
	expectInvalid(t, ts, "nothing sent", ts.send(t, &w.provider, "PUT", "/api/v1/settings/portal", `{}`), "documents_enabled_default", before)

	// A new document without hidden: hidden, not in the portal.
	a := ts.upload(t, &w.provider, "/api/v1/documents", map[string]string{"folder_id": w.folder.ID.String()}, "manual-v2.pdf", "%PDF-1.4 v2")
	expectWritten(t, "upload without hidden", a, 201)
	manual := decodeAs[documentResponse](t, a)
	if !manual.Hidden {
		t.Fatalf("upload without hidden is visible: %+v", manual)
	}
	if _, ok := inPortal(manual.ID); ok {
		t.Fatal("the customer sees a version hidden by default")
	}
	// hidden=false said explicitly: visible at once.
	a = ts.upload(t, &w.provider, "/api/v1/documents", map[string]string{"folder_id": w.folder.ID.String(), "hidden": "false"}, "notes.pdf", "%PDF-1.4 notes")
	expectWritten(t, "upload hidden=false", a, 201)
	notes := decodeAs[documentResponse](t, a)
	if notes.Hidden {
		t.Fatalf("hidden=false upload is hidden: %+v", notes)
	}
	if _, ok := inPortal(notes.ID); !ok {
		t.Fatal("the hidden=false upload is not in the portal")
	}
	// A new version without hidden: hidden; the portal keeps showing version 1.
	a = ts.upload(t, &w.provider, "/api/v1/documents/"+notes.ID.String()+"/versions", nil, "notes.pdf", "%PDF-1.4 notes v2")
	expectWritten(t, "version without hidden", a, 201)
	if v := decodeAs[documentResponse](t, a); v.Version != 2 || !v.Hidden {
		t.Fatalf("new version %+v", v)
	}
	if d, ok := inPortal(notes.ID); !ok || d.Version != 1 || d.SHA256 != notes.SHA256 {
		t.Fatalf("portal shows %+v (%v), want version 1", d, ok)
	}

	// Published: now the portal shows them.
	expectWritten(t, "publish document", ts.send(t, &w.provider, "PUT", "/api/v1/documents/"+manual.ID.String()+"/versions/1/visibility", `{"visible":true}`), 200)
	if _, ok := inPortal(manual.ID); !ok {
		t.Fatal("the published manual is not in the portal")
	}
	expectWritten(t, "publish version", ts.send(t, &w.provider, "PUT", "/api/v1/documents/"+notes.ID.String()+"/versions/2/visibility", `{"visible":true}`), 200)
	if d, ok := inPortal(notes.ID); !ok || d.Version != 2 {
		t.Fatalf("portal shows %+v (%v), want version 2", d, ok)
	}

	// Setting off again: an upload without hidden is visible.
	settings("hidden by default off", `{"new_versions_hidden":false}`, `{"documents_enabled_default":true,"new_versions_hidden":false}`)
	a = ts.upload(t, &w.provider, "/api/v1/documents", map[string]string{"folder_id": w.folder.ID.String()}, "faq.pdf", "%PDF-1.4 faq")
	expectWritten(t, "upload without hidden, setting off", a, 201)
	faq := decodeAs[documentResponse](t, a)
	if _, ok := inPortal(faq.ID); faq.Hidden || !ok {
		t.Fatalf("upload without hidden with the setting off: %+v in portal %v", faq, ok)
	}
}
