package httpapi

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

// Links of v1.1 (issue 16): the URL copied again, a live link changed, folder
// links, inline display.

// TestLinkURLCopiedAgain: GET /links/{id} gives the url again to users allowed to
// share the document, records each copy (who, when) for the history and the
// audit log, and never shows the token to anyone else or in the log.
func TestLinkURLCopiedAgain(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	w, l, token := newLinkFixture(t, ts, `{}`)
	path := "/api/v1/links/" + l.ID.String()

	a := ts.send(t, &w.provider, "GET", path, "")
	expectWritten(t, "copy the link", a, 200)
	got := decodeAs[linkResponse](t, a)
	if got.URL != l.URL || got.ID != l.ID || got.DocumentID != w.doc.ID || got.Status != "active" || got.URLUnavailable != "" ||
		a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("link %+v", got)
	}
	if n := countEventsOfType(t, ts, "LinkUrlRevealed"); n != 1 {
		t.Fatalf("%d copies recorded, want 1", n)
	}

	// Nobody else: another company, a member who may not share; nothing recorded.
	member := ts.invitedStaff(t, w.provider, `{"name":"Mo Member","email":"mo@provider.test","can_share":false}`)
	before := countEvents(t, ts)
	unknown := ts.send(t, &w.intruder, "GET", "/api/v1/links/"+uuid.New().String(), "")
	expect(t, "unknown link", unknown, 404, "not_found")
	sameRefusal(t, "another company's link", ts.send(t, &w.intruder, "GET", path, ""), unknown)
	expect(t, "portal user of the customer", ts.send(t, &w.customer, "GET", path, ""), 404, "not_found")
	expect(t, "a member who may not share", ts.send(t, &member, "GET", path, ""), 403, "forbidden")
	expect(t, "not an id", ts.send(t, &w.provider, "GET", "/api/v1/links/nope", ""), 400, "validation_failed")
	expectUnchanged(t, ts, "refused copies", before)

	// The history shows the copy; the audit log has who and when, and no token.
	h := ts.historyOf(t, w.provider, w.doc.ID)[l.ID]
	if h.URLCopiedCount == nil || *h.URLCopiedCount != 1 || h.LastURLCopiedBy == nil || h.LastURLCopiedBy.ID != w.provider.UserID ||
		h.LastURLCopiedAt == nil || h.Via != "document" {
		t.Fatalf("history %+v", h)
	}
	audit := ts.read(t, &w.provider, "/api/v1/audit/events?type=LinkUrlRevealed")
	expect(t, "audit", audit, 200, "")
	if !strings.Contains(audit.body, "LinkUrlRevealed") || !strings.Contains(audit.body, w.provider.UserID.String()) {
		t.Fatalf("audit %s", audit.body)
	}
	all := ts.read(t, &w.provider, "/api/v1/audit/events?limit=500")
	if strings.Contains(all.body, token) || !strings.Contains(all.body, `"sealed_token":"[redacted]"`) {
		t.Fatalf("the audit log shows the token or its ciphertext: %s", all.body)
	}
	// The log itself holds the token encrypted only.
	var plain int
	if err := ts.pool.QueryRow(ctxFor(t), `SELECT count(*) FROM events WHERE payload::text LIKE '%' || $1 || '%'`, token).Scan(&plain); err != nil || plain != 0 {
		t.Fatalf("token in plain in %d events (%v)", plain, err)
	}

	// A cancelled link shows no url, and records nothing.
	expectWritten(t, "cancel", ts.send(t, &w.provider, "POST", path+"/cancel", ""), 200)
	before = countEvents(t, ts)
	a = ts.send(t, &w.provider, "GET", path, "")
	expect(t, "copy a cancelled link", a, 200, "")
	if got := decodeAs[linkResponse](t, a); got.URL != "" || got.URLUnavailable != "link_gone" || got.Status != "cancelled" {
		t.Fatalf("cancelled link %+v", got)
	}
	expectUnchanged(t, ts, "copy a cancelled link", before)
}

// TestLinkURLNotKept: a link created before tokens were kept, and any link once
// its company was forgotten (its key shredded), answer without url and say why.
func TestLinkURLNotKept(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	w, l, token := newLinkFixture(t, ts, `{}`)

	old := uuid.New()
	if _, err := ts.store.Append(ctxFor(t), app.Batch{
		Streams: []app.StreamAppend{{StreamID: domain.LinkStream(old), Events: []domain.Event{domain.LinkCreated{LinkID: old,
			ProviderID: w.provider.CompanyID, DocumentID: w.doc.ID, TokenHash: "0123", TokenHashAlg: domain.TokenHashSHA256,
			CreatedBy: w.provider.UserID, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}}}},
		Meta:       domain.Metadata{ActorID: w.provider.UserID, ActorKind: domain.ActorUser, TenantID: w.provider.CompanyID, CorrelationID: uuid.New()},
		RecordedAt: time.Now().UTC(),
	}); err != nil {
		t.Fatal(err)
	}
	before := countEvents(t, ts)
	a := ts.send(t, &w.provider, "GET", "/api/v1/links/"+old.String(), "")
	expect(t, "an old link", a, 200, "")
	if got := decodeAs[linkResponse](t, a); got.URL != "" || got.URLUnavailable != "not_stored" || got.Status != "active" {
		t.Fatalf("old link %+v", got)
	}
	expectUnchanged(t, ts, "an old link", before)

	if err := ts.store.ForgetSubject(ctxFor(t), w.provider.CompanyID); err != nil {
		t.Fatal(err)
	}
	a = ts.send(t, &w.provider, "GET", "/api/v1/links/"+l.ID.String(), "")
	if a.status == 200 {
		if got := decodeAs[linkResponse](t, a); got.URL != "" || strings.Contains(a.body, token) || got.URLUnavailable != "forgotten" {
			t.Fatalf("forgotten company's link %+v", got)
		}
	} else if a.status != 401 || strings.Contains(a.body, token) {
		// Forgetting a company also removes its logins: its sessions may end.
		t.Fatalf("forgotten company's link: %d %s", a.status, a.body)
	}
	expectUnchanged(t, ts, "a forgotten company's link", before)
}

// TestChangeLink: PATCH /links/{id} changes the expiry or the password of a live
// link; a cancelled one answers 409 link_gone and nothing is appended.
func TestChangeLink(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now().UTC().Truncate(time.Second)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ts := newReadServer(t, func(c *Config) {
		c.Clock = clock
		svc, err := app.New(app.Config{Store: c.Store, Hasher: c.Hasher, Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		c.App = svc
	})
	w, l, token := newLinkFixture(t, ts, `{}`)
	path := "/api/v1/links/" + l.ID.String()

	// A password: the link asks for it from now on.
	a := ts.send(t, &w.provider, "PATCH", path, `{"password":"a long secret"}`)
	expectWritten(t, "set a password", a, 200)
	if got := decodeAs[linkResponse](t, a); !got.PasswordRequired || got.URL != "" || got.Status != "active" {
		t.Fatalf("changed %+v", got)
	}
	expect(t, "open without it", ts.open(t, "/l/"+token+"/content", ""), 401, "password_required")
	expect(t, "open with it", ts.open(t, "/l/"+token+"/content", "a long secret"), 200, "")

	// An expiry; then none again, and no password.
	expires := now.Add(48 * time.Hour)
	a = ts.send(t, &w.provider, "PATCH", path, `{"expires_at":"`+expires.Format(time.RFC3339)+`"}`)
	expectWritten(t, "set an expiry", a, 200)
	if got := decodeAs[linkResponse](t, a); got.ExpiresAt == nil || !got.ExpiresAt.Equal(expires) || !got.PasswordRequired {
		t.Fatalf("changed %+v", got)
	}
	h := ts.historyOf(t, w.provider, w.doc.ID)[l.ID]
	if h.ExpiresAt == nil || !h.ExpiresAt.Equal(expires) || !h.PasswordRequired || h.ChangedBy == nil || h.ChangedBy.ID != w.provider.UserID || h.ChangedAt == nil {
		t.Fatalf("history %+v", h)
	}
	a = ts.send(t, &w.provider, "PATCH", path, `{"expires_at":null,"password":null}`)
	expectWritten(t, "remove both", a, 200)
	if got := decodeAs[linkResponse](t, a); got.ExpiresAt != nil || got.PasswordRequired {
		t.Fatalf("changed %+v", got)
	}
	expect(t, "open again without password", ts.open(t, "/l/"+token+"/content", ""), 200, "")
	if n := countEventsOfType(t, ts, "LinkChanged"); n != 3 {
		t.Fatalf("%d LinkChanged, want 3", n)
	}

	// Bad input names its field and changes nothing.
	before := countEvents(t, ts)
	for _, c := range []struct{ body, field string }{
		{`{}`, "body"},
		{`{"expires_at":"` + now.Add(-time.Hour).Format(time.RFC3339) + `"}`, "expires_at"},
		{`{"expires_at":"tomorrow"}`, "expires_at"},
		{`{"password":"short"}`, "password"},
		{`{"password":""}`, "password"},
		{`{"password":12}`, "password"},
		{`{"colour":"red"}`, "colour"},
	} {
		expectInvalid(t, ts, "PATCH "+c.body, ts.send(t, &w.provider, "PATCH", path, c.body), c.field, before)
	}
	member := ts.invitedStaff(t, w.provider, `{"name":"Mo Member","email":"mo2@provider.test","can_share":false}`)
	before = countEvents(t, ts)
	expect(t, "a member who may not share", ts.send(t, &member, "PATCH", path, `{"password":null}`), 403, "forbidden")
	expect(t, "another company", ts.send(t, &w.intruder, "PATCH", path, `{"password":null}`), 404, "not_found")
	expectUnchanged(t, ts, "refused changes", before)

	// Cancelled: 409 link_gone, nothing appended, the link stays cancelled.
	expectWritten(t, "cancel", ts.send(t, &w.provider, "POST", path+"/cancel", ""), 200)
	before = countEvents(t, ts)
	expect(t, "change a cancelled link", ts.send(t, &w.provider, "PATCH", path, `{"expires_at":null}`), 409, "link_gone")
	expectUnchanged(t, ts, "change a cancelled link", before)
	expect(t, "still cancelled", ts.open(t, "/l/"+token+"/content", ""), 410, "link_gone")
}

// folderLinkWorld: a provider library Manuals/{manual.pdf, 2025/{guide.pdf}}, a
// folder Other/{other.pdf} beside it, and a folder link to Manuals.
type folderLinkWorld struct {
	sharingWorld
	sub, other     folderResponse
	guide, outside documentResponse
	link           linkResponse
	token          string
}

func newFolderLinkWorld(t *testing.T, ts *testServer, body string) folderLinkWorld {
	t.Helper()
	w := folderLinkWorld{sharingWorld: newSharingWorld(t, ts)}
	w.sub = ts.folder(t, w.provider, `{"name":"2025","parent_id":"`+w.folder.ID.String()+`"}`)
	w.guide = ts.document(t, w.provider, w.sub.ID, "guide.pdf", "%PDF-1.4 the guide")
	w.other = ts.folder(t, w.provider, `{"name":"Other"}`)
	w.outside = ts.document(t, w.provider, w.other.ID, "other.pdf", "%PDF-1.4 not linked")
	a := ts.send(t, &w.provider, "POST", "/api/v1/folders/"+w.folder.ID.String()+"/links", body)
	expectWritten(t, "create folder link", a, 201)
	w.link = decodeAs[linkResponse](t, a)
	if w.link.FolderID != w.folder.ID || w.link.DocumentID != uuid.Nil || w.link.Status != "active" {
		t.Fatalf("folder link %+v", w.link)
	}
	w.token = linkToken(t, w.link)
	return w
}

// TestFolderLink: a folder link lists the folder's visible documents and
// subfolders, serves each (recorded as an open of that document), reaches a
// document added later, and shows in each document's history with via.
func TestFolderLink(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	w := newFolderLinkWorld(t, ts, `{}`)
	base := "/l/" + w.token

	a := ts.read(t, nil, base)
	expect(t, "folder listing", a, 200, "")
	expectLinkHeaders(t, "folder listing", a)
	top := decodeAs[folderLinkListing](t, a)
	if top.Name != "Manuals" || top.FolderID != w.folder.ID || len(top.Folders) != 1 || top.Folders[0].ID != w.sub.ID ||
		len(top.Documents) != 1 || top.Documents[0].ID != w.doc.ID || top.Documents[0].MediaType != "application/pdf" {
		t.Fatalf("listing %+v", top)
	}
	sub := decodeAs[folderLinkListing](t, ts.read(t, nil, base+"?folder_id="+w.sub.ID.String()))
	if sub.Name != "2025" || len(sub.Documents) != 1 || sub.Documents[0].ID != w.guide.ID {
		t.Fatalf("sub listing %+v", sub)
	}
	a = ts.open(t, base+"/documents/"+w.guide.ID.String()+"/content", "")
	expect(t, "download through the folder link", a, 200, "")
	expectLinkHeaders(t, "download", a)
	if a.body != "%PDF-1.4 the guide" || !strings.HasPrefix(a.header.Get("Content-Disposition"), "attachment") || a.header.Get("X-Position") == "" {
		t.Fatalf("download %d %v %q", a.status, a.header, a.body)
	}
	// Added later: listed and served.
	later := ts.document(t, w.provider, w.sub.ID, "later.pdf", "%PDF-1.4 later")
	expect(t, "a document added later", ts.open(t, base+"/documents/"+later.ID.String()+"/content", ""), 200, "")
	if got := decodeAs[folderLinkListing](t, ts.read(t, nil, base+"?folder_id="+w.sub.ID.String())); len(got.Documents) != 2 {
		t.Fatalf("listing after an addition %+v", got)
	}
	// The token of a folder link opens no document on the document-link route.
	expect(t, "folder token on /content", ts.open(t, base+"/content", ""), 404, "not_found")

	// Each document's history lists the folder link, via the folder, with its own opens.
	h := ts.historyOf(t, w.provider, w.guide.ID)[w.link.ID]
	if h.Type != "link" || h.Via != "folder" || h.Folder == nil || h.Folder.ID != w.folder.ID || h.OpenedCount != 1 || h.Status != "active" {
		t.Fatalf("guide history %+v", h)
	}
	if h := ts.historyOf(t, w.provider, w.doc.ID)[w.link.ID]; h.Via != "folder" || h.OpenedCount != 0 {
		t.Fatalf("manual history %+v", h)
	}
	if _, ok := ts.historyOf(t, w.provider, w.outside.ID)[w.link.ID]; ok {
		t.Fatal("the folder link shows in the history of a document outside it")
	}

	// The URL can be copied again; cancelling ends every document.
	a = ts.send(t, &w.provider, "GET", "/api/v1/links/"+w.link.ID.String(), "")
	expectWritten(t, "copy the folder link", a, 200)
	if got := decodeAs[linkResponse](t, a); got.URL != w.link.URL || got.FolderID != w.folder.ID {
		t.Fatalf("copy %+v", got)
	}
	expectWritten(t, "cancel", ts.send(t, &w.provider, "POST", "/api/v1/links/"+w.link.ID.String()+"/cancel", ""), 200)
	expect(t, "listing after cancel", ts.open(t, base, ""), 410, "link_gone")
	expect(t, "download after cancel", ts.open(t, base+"/documents/"+w.guide.ID.String()+"/content", ""), 410, "link_gone")
}

// TestFolderLinkReachesNothingElse, as an attacker holding a folder link: no
// document outside the folder's subtree, no other provider's document, no
// customer's deposit, no removed document, no hidden version, no folder outside
// the subtree; each answers 404 like an unknown id, and nothing is opened.
func TestFolderLinkReachesNothingElse(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	w := newFolderLinkWorld(t, ts, `{}`)
	base := "/l/" + w.token

	// A customer's deposit in the linked folder (an edit share lets it upload there).
	expectWritten(t, "edit share", ts.send(t, &w.provider, "POST", "/api/v1/shares", w.shareBody("folder_id", w.folder.ID.String(), "edit")), 201)
	portal := "/api/v1/portal/providers/" + w.provider.CompanyID.String()
	a := ts.upload(t, &w.customer, portal+"/documents", map[string]string{"folder_id": w.folder.ID.String()}, "mine.pdf", "%PDF-1.4 the customer's own")
	expectWritten(t, "deposit", a, 201)
	deposit := decodeAs[documentResponse](t, a)
	// Another provider's document, a removed one, one whose only version is hidden,
	// and a hidden newer version of a visible one.
	rival := ts.signupCompany(t, "Rival Ltd")
	rivalDoc := ts.document(t, rival, ts.folder(t, rival, `{"name":"Rival"}`).ID, "rival.pdf", "%PDF-1.4 rival")
	removed := ts.document(t, w.provider, w.sub.ID, "removed.pdf", "%PDF-1.4 removed")
	expectWritten(t, "remove", ts.send(t, &w.provider, "DELETE", "/api/v1/documents/"+removed.ID.String(), ""), 204)
	a = ts.upload(t, &w.provider, "/api/v1/documents", map[string]string{"folder_id": w.sub.ID.String(), "hidden": "true"}, "draft.pdf", "%PDF-1.4 draft")
	expectWritten(t, "hidden document", a, 201)
	hidden := decodeAs[documentResponse](t, a)
	expectWritten(t, "hidden version", ts.upload(t, &w.provider, "/api/v1/documents/"+w.guide.ID.String()+"/versions", map[string]string{"hidden": "true"}, "guide.pdf", "%PDF-1.4 guide v2 draft"), 201)

	before := countEvents(t, ts)
	unknown := ts.open(t, base+"/documents/"+uuid.New().String()+"/content", "")
	expect(t, "unknown document", unknown, 404, "not_found")
	for name, id := range map[string]uuid.UUID{"outside the folder": w.outside.ID, "another provider's": rivalDoc.ID,
		"a customer's deposit": deposit.ID, "removed": removed.ID, "only hidden versions": hidden.ID} {
		sameRefusal(t, name, ts.open(t, base+"/documents/"+id.String()+"/content", ""), unknown)
	}
	unknownFolder := ts.open(t, base+"?folder_id="+uuid.New().String(), "")
	expect(t, "unknown folder", unknownFolder, 404, "not_found")
	sameRefusal(t, "a folder outside", ts.open(t, base+"?folder_id="+w.other.ID.String(), ""), unknownFolder)
	sameRefusal(t, "the customer's workspace", ts.open(t, base+"?folder_id="+w.c.WorkspaceFolderID.String(), ""), unknownFolder)
	expect(t, "folder_id not an id", ts.open(t, base+"?folder_id=x", ""), 400, "validation_failed")
	expectUnchanged(t, ts, "refused opens", before)

	// The listing leaves them out; the visible version is the one served.
	top := decodeAs[folderLinkListing](t, ts.read(t, nil, base))
	for _, d := range top.Documents {
		if d.ID == deposit.ID {
			t.Fatalf("the deposit is listed: %+v", top)
		}
	}
	sub := decodeAs[folderLinkListing](t, ts.read(t, nil, base+"?folder_id="+w.sub.ID.String()))
	if len(sub.Documents) != 1 || sub.Documents[0].ID != w.guide.ID {
		t.Fatalf("sub listing %+v", sub)
	}
	if a := ts.open(t, base+"/documents/"+w.guide.ID.String()+"/content", ""); a.status != 200 || a.body != "%PDF-1.4 the guide" {
		t.Fatalf("hidden version served: %d %q", a.status, a.body)
	}
	// A folder link never reaches into a customer's workspace.
	before = countEvents(t, ts)
	expect(t, "link a workspace", ts.send(t, &w.provider, "POST", "/api/v1/folders/"+w.c.WorkspaceFolderID.String()+"/links", `{}`), 409, "conflict")
	expect(t, "link another provider's folder", ts.send(t, &w.intruder, "POST", "/api/v1/folders/"+w.folder.ID.String()+"/links", `{}`), 404, "not_found")
	expectUnchanged(t, ts, "refused folder links", before)
}

// TestFolderLinkPasswordAndExpiry: a folder link's password and expiry guard the
// listing and every document, as for a document link.
func TestFolderLinkPasswordAndExpiry(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now().UTC().Truncate(time.Second)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ts := newReadServer(t, func(c *Config) {
		c.Clock = clock
		svc, err := app.New(app.Config{Store: c.Store, Hasher: c.Hasher, Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		c.App = svc
	})
	w := newFolderLinkWorld(t, ts, `{"password":"folder secret","expires_at":"`+now.Add(time.Hour).Format(time.RFC3339)+`"}`)
	base := "/l/" + w.token
	doc := base + "/documents/" + w.guide.ID.String() + "/content"
	expect(t, "listing without password", ts.open(t, base, ""), 401, "password_required")
	expect(t, "document without password", ts.open(t, doc, ""), 401, "password_required")
	before := countEventsOfType(t, ts, "LinkPasswordRejected")
	expect(t, "document with a wrong password", ts.open(t, doc, "wrong password"), 401, "password_rejected")
	expect(t, "listing with a wrong password", ts.open(t, base, "wrong password"), 401, "password_rejected")
	if n := countEventsOfType(t, ts, "LinkPasswordRejected"); n != before+2 {
		t.Fatalf("%d rejections recorded, want 2", n-before)
	}
	expect(t, "listing with the password", ts.open(t, base, "folder secret"), 200, "")
	expect(t, "document with the password", ts.open(t, doc, "folder secret"), 200, "")
	mu.Lock()
	now = now.Add(time.Hour)
	mu.Unlock()
	expect(t, "listing once expired", ts.open(t, base, "folder secret"), 410, "link_gone")
	expect(t, "document once expired", ts.open(t, doc, "folder secret"), 410, "link_gone")
	before = countEvents(t, ts)
	expect(t, "change an expired link", ts.send(t, &w.provider, "PATCH", "/api/v1/links/"+w.link.ID.String(), `{"expires_at":null}`), 409, "link_gone")
	expectUnchanged(t, ts, "change an expired link", before)
}

// TestLinkInline: ?disposition=inline shows a PDF or an image in place under the
// sandbox CSP; an HTML upload stays an attachment whatever is asked.
func TestLinkInline(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	w, _, token := newLinkFixture(t, ts, `{}`)
	a := ts.open(t, "/l/"+token+"/content?disposition=inline", "")
	expect(t, "inline pdf", a, 200, "")
	if !strings.HasPrefix(a.header.Get("Content-Disposition"), "inline") || !strings.Contains(a.header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("inline pdf headers %v", a.header)
	}
	a = ts.open(t, "/l/"+token+"/content?disposition=attachment", "")
	expect(t, "attachment pdf", a, 200, "")
	if !strings.HasPrefix(a.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("attachment headers %v", a.header)
	}
	before := countEventsOfType(t, ts, "LinkOpened")
	expect(t, "bad disposition", ts.open(t, "/l/"+token+"/content?disposition=open", ""), 400, "validation_failed")
	if n := countEventsOfType(t, ts, "LinkOpened"); n != before {
		t.Fatal("a refused request was recorded as an open")
	}

	page := ts.document(t, w.provider, w.folder.ID, "page.html", "<html><body><script>alert(document.cookie)</script></body></html>")
	a = ts.send(t, &w.provider, "POST", "/api/v1/documents/"+page.ID.String()+"/links", `{}`)
	expectWritten(t, "link to html", a, 201)
	html := linkToken(t, decodeAs[linkResponse](t, a))
	a = ts.open(t, "/l/"+html+"/content?disposition=inline", "")
	expect(t, "inline html", a, 200, "")
	if !strings.HasPrefix(a.header.Get("Content-Disposition"), "attachment") || !strings.Contains(a.header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("html served inline: %v", a.header)
	}
	png := ts.document(t, w.provider, w.folder.ID, "logo.png", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	a = ts.send(t, &w.provider, "POST", "/api/v1/folders/"+w.folder.ID.String()+"/links", `{}`)
	expectWritten(t, "folder link", a, 201)
	folder := linkToken(t, decodeAs[linkResponse](t, a))
	a = ts.open(t, "/l/"+folder+"/documents/"+png.ID.String()+"/content?disposition=inline", "")
	expect(t, "inline png through a folder link", a, 200, "")
	if !strings.HasPrefix(a.header.Get("Content-Disposition"), "inline") || a.header.Get("Content-Type") != "image/png" {
		t.Fatalf("png headers %v", a.header)
	}
}

// TestStoryCommTrakCopyLinkAgain: a CommTrak user creates a link, and a week
// later copies it again from Previous Shares (the link's id there); the copy is
// recorded with who and when, and the copied URL still opens the document.
func TestStoryCommTrakCopyLinkAgain(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now().UTC().Truncate(time.Second)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	s := newStory(t, func(c *Config) {
		c.Clock = clock
		svc, err := app.New(app.Config{Store: c.Store, Hasher: c.Hasher, Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		c.App = svc
	})
	provider := s.signup("CommTrak Telecom")
	inv := storyWrite[userInvitationResponse](s, "invite Mia", 201, &provider, "POST", "/api/v1/staff/invitations",
		`{"name":"Mia Sharer","email":"mia.copy@commtrak.test","can_share":true}`)
	mia := s.accept(inv.InvitationURL, "Mia Sharer")
	manuals := s.newFolder(provider, `{"name":"Manuals"}`)
	doc := s.newDocument(provider, manuals.ID, "router-manual.pdf", "%PDF router manual")

	created := storyWrite[linkResponse](s, "create link", 201, &mia, "POST", "/api/v1/documents/"+doc.ID.String()+"/links",
		`{"password":"blue harbour"}`)

	// A week later Mia signs in again and opens Previous Shares.
	advance(7 * 24 * time.Hour)
	a := s.call(nil, "POST", "/api/v1/sessions", `{"email":"mia.copy@commtrak.test","password":"correct horse battery"}`)
	expect(t, "sign in a week later", a, 201, "")
	mia = decodeAs[account](t, a)
	history := storyGet[page[historyItem]](s, &mia, "/api/v1/documents/"+doc.ID.String()+"/share-history").Items
	if len(history) != 1 || history[0].ID != created.ID || history[0].Type != "link" || *history[0].URLCopiedCount != 0 {
		t.Fatalf("previous shares %+v", history)
	}
	copied := storyWrite[linkResponse](s, "copy the link again", 200, &mia, "GET", "/api/v1/links/"+history[0].ID.String(), "")
	if copied.URL != created.URL {
		t.Fatalf("copied %q, created %q", copied.URL, created.URL)
	}
	history = storyGet[page[historyItem]](s, &mia, "/api/v1/documents/"+doc.ID.String()+"/share-history").Items
	h := history[0]
	if *h.URLCopiedCount != 1 || h.LastURLCopiedBy == nil || h.LastURLCopiedBy.ID != mia.UserID || h.LastURLCopiedBy.Name != "Mia Sharer" ||
		h.LastURLCopiedAt == nil || !h.LastURLCopiedAt.Equal(now) {
		t.Fatalf("the copy is not in the history: %+v", h)
	}
	// The customer given the copied URL opens it with the password.
	a = s.ts.open(t, "/l/"+lastSegment(t, copied.URL)+"/content", "blue harbour")
	expect(t, "open the copied link", a, 200, "")
	if a.body != "%PDF router manual" {
		t.Fatalf("content %q", a.body)
	}
}
