package httpapi

import (
	"net/url"
	"strings"
	"testing"
)

// The console's staff pages and portal, end to end through the router and
// PostgreSQL: each page calls the same commands and queries as the API, so the
// API reads back what a page did.

// ecratum: connect by name, pause, resume, revoke (confirmed, final); master
// access and the documents module; portal users; view as customer.
func TestConsoleCustomers(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	p := ts.signupCompany(t, "Ecratum Provider")
	ts.signupCompany(t, "Quarry Customer AG")
	b := ts.signedIn(t, p)

	list := b.get("/app/customers")
	list.expect(t, "customers", 200, "/app/customers", "No customers yet", `<label for="connect-company_name">`)

	// Unknown name: said next to the field, the name kept.
	b.post("/app/customers/connect", url.Values{"company_name": {"Nobody Such Ltd"}}).
		expect(t, "unknown company", 400, "/app/customers/connect", `id="connect-company_name-error"`, `value="Nobody Such Ltd"`, "invite it below")
	page := b.post("/app/customers/connect", url.Values{"company_name": {"quarry customer ag"}})
	page.expect(t, "connect", 200, "/app/customers/", "The customer is connected.", `id="customer-status">active<`)
	custID := strings.TrimPrefix(strings.SplitN(page.url, "?", 2)[0], "/app/customers/")
	api := "/api/v1/customers/" + custID
	b.get("/app/customers").expect(t, "listed", 200, "", "Quarry Customer AG", "status-active")

	// Pause, resume; revoke needs the confirmation box and says it is final.
	cust := "/app/customers/" + custID
	b.post(cust+"/pause", nil).expect(t, "pause", 200, cust, "Sharing is paused.", `id="customer-status">paused<`)
	b.post(cust+"/resume", nil).expect(t, "resume", 200, cust, "Sharing is resumed.", `id="customer-status">active<`)
	b.post(cust+"/revoke", url.Values{}).expect(t, "revoke unconfirmed", 400, cust, `id="revoke-confirm-error"`, "revoking is final")
	if got := readOK[customerResponse](t, ts, &p, api); got.Status != "active" {
		t.Fatalf("an unconfirmed revoke changed the customer: %s", got.Status)
	}

	// Master access and documents module, read back through the API.
	b.post(cust+"/master-access", url.Values{"enabled": {"true"}}).expect(t, "master on", 200, cust, "Saved.", "Withdraw master access")
	b.post(cust+"/documents", url.Values{"documents": {"off"}}).expect(t, "documents off", 200, cust, `id="documents-state">off<`)
	got := readOK[map[string]any](t, ts, &p, api)
	if got["master_access"] != true || got["documents_enabled"] != false {
		t.Fatalf("after the toggles: %v", got)
	}
	b.post(cust+"/documents", url.Values{"documents": {"default"}}).expect(t, "documents default", 200, cust, "provider default")

	// A portal user: invited, the link shown once with a copy button, listed.
	inv := b.post(cust+"/users/invite", url.Values{"name": {"Petra Portal"}, "email": {"petra@quarry.test"}})
	inv.expect(t, "invite user", 200, cust+"/users/invite", `id="invitation-url"`, "/invitations/", `data-copy="invitation-url"`)
	b.get(cust).expect(t, "users listed", 200, cust, "Petra Portal", "petra@quarry.test", "Resend invitation")

	// View as customer: what the portal shows now.
	ws := readOK[map[string]any](t, ts, &p, api)["workspace_folder_id"].(string)
	ts.document(t, p, mustUUID(t, ws), "welcome.pdf", "hello Quarry")
	b.get(cust+"/view").expect(t, "view as customer", 200, cust+"/view", "welcome.pdf")

	b.post(cust+"/revoke", url.Values{"confirm": {"final"}}).expect(t, "revoke", 200, cust, "This is final.", `id="customer-status">revoked<`)
	if got := readOK[customerResponse](t, ts, &p, api); got.Status != "revoked" {
		t.Fatalf("revoked? %s", got.Status)
	}
	b.get(cust).lacks(t, "revoked page", `id="pause"`, `id="resume"`, `id="revoke"`)

	// Invite a company not on the platform: a bad address is named, the rest kept.
	b.get("/app/customers")
	b.post("/app/customers/invite", url.Values{"company_name": {"Newco"}, "contact_name": {"Nina"}, "email": {"not-an-address"}}).
		expect(t, "bad invite", 400, "", `id="invite-email-error"`, `value="Newco"`, `value="Nina"`)
	b.post("/app/customers/invite", url.Values{"company_name": {"Newco"}, "contact_name": {"Nina"}, "email": {"nina@newco.test"}}).
		expect(t, "invite", 200, "", "/invitations/", "Newco was invited")
}

// JarvisDrive / CommTrak / QUBEdocs: upload, hidden version then published,
// visible in portal, a link with password and expiry copied again, previous
// shares after a cancel; the customer downloads and cannot remove what was
// shared, deposits, and removes its own upload.
func TestConsoleLibraryAndPortal(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	p := ts.signupCompany(t, "Jarvis Provider")
	q := ts.signupCompany(t, "Customer Co")
	cust := ts.connect(t, p, q)
	b := ts.signedIn(t, p)

	b.get("/app/library").expect(t, "library", 200, "/app/library", `id="folder-form"`, "Customer Co")
	fp := b.post("/app/library/folders", url.Values{"name": {"Contracts"}})
	fp.expect(t, "folder", 200, "/app/library/folders/", "The folder was created.", `id="upload-file"`)
	folderID := idIn(t, fp.url)

	// An upload without the CSRF token stores and appends nothing.
	before := ts.eventCount(t)
	b.upload("/app/library/documents", "", [][2]string{{"folder_id", folderID}}, "x.txt", "x").expect(t, "upload without token", 403, "")
	if ts.eventCount(t) != before {
		t.Fatal("a refused upload appended events")
	}
	up := b.upload("/app/library/documents", b.csrf(), [][2]string{{"folder_id", folderID}}, "contract.txt", "version one")
	up.expect(t, "upload", 200, "/app/library/folders/"+folderID, "Uploaded.", "contract.txt")
	docID := hrefID.FindStringSubmatch(up.body[strings.Index(up.body, `id="folder-documents"`):])[1]
	doc := "/app/library/documents/" + docID

	// A hidden version 2, then published.
	b.get(doc)
	b.upload(doc+"/versions", b.csrf(), [][2]string{{"hidden", "true"}}, "contract.txt", "version two").
		expect(t, "hidden version", 200, doc, "The new version was added.", `id="visibility-2">Publish v2`)
	b.post(doc+"/versions/2/visibility", url.Values{"visible": {"true"}}).expect(t, "publish", 200, doc, "The version is published.", `id="visibility-2">Hide v2`)

	// Visible in portal for the customer.
	b.post(doc+"/shares", url.Values{"permission": {"view"}}).expect(t, "share without customer", 400, doc, "Tick at least one customer")
	b.post(doc+"/shares", url.Values{"permission": {"view"}, "customer_id": {cust.ID.String()}}).
		expect(t, "share", 200, doc+"?tab=history", "Shared.", "Customer Co")

	// A link with password and expiry: shown once, copied again later.
	b.get(doc)
	b.post(doc+"/links", url.Values{"expires_at": {"2001-01-01T00:00"}, "password": {"long enough password"}}).
		expect(t, "link in the past", 400, doc+"/links", `id="link-expires_at-error"`, "Must be in the future")
	lp := b.post(doc+"/links", url.Values{"expires_at": {"2099-01-01T12:00"}, "password": {"long enough password"}})
	lp.expect(t, "link", 200, doc+"/links", `id="link-url"`, "/l/", `data-copy="link-url"`, "needs the password", "2099-01-01 12:00 UTC")
	linkURL := regexpFind(t, lp.body, `id="link-url" type="text" readonly value="([^"]+)"`)
	hist := b.get(doc + "?tab=history")
	hist.expect(t, "history", 200, "", `id="share-history"`, "portal", "link (password)", "Copy again", "Cancelling is final")
	linkID := regexpFind(t, hist.body, `action="/app/links/([0-9a-f-]{36})/copy"`)
	again := b.post("/app/links/"+linkID+"/copy", nil)
	again.expect(t, "copy again", 200, "", linkURL)
	// Cancel the link: final, and the history says who and when.
	b.post("/app/links/"+linkID+"/cancel", url.Values{"back": {doc + "?tab=history"}}).
		expect(t, "cancel link", 200, doc+"?tab=history", "Cancelled. This is final.", "status-cancelled")
	if a := ts.send(t, nil, "GET", "/l/"+isoToken(linkURL), ""); a.status != 410 {
		t.Fatalf("the cancelled link answers %d", a.status)
	}

	// The customer's side: the provider's portal, the document, v2's content.
	cb := ts.signedIn(t, q)
	portal := "/app/portal/" + p.CompanyID.String()
	cb.get("/app/portal").expect(t, "providers", 200, "/app/portal", "Jarvis Provider")
	pp := cb.get(portal)
	pp.expect(t, "portal", 200, portal, "contract.txt")
	if c := cb.get("/app/portal/documents/" + docID + "/content"); c.status != 200 || c.body != "version two" {
		t.Fatalf("download: %d %q", c.status, c.body)
	}
	// The customer cannot remove what the provider shared.
	cb.post("/app/portal/documents/"+docID+"/remove", url.Values{"back": {portal}}).expect(t, "remove shared", 403, "")
	if d := readOK[map[string]any](t, ts, &p, "/api/v1/documents/"+docID); d["id"] != docID {
		t.Fatalf("the shared document: %v", d)
	}

	// Master access: the customer deposits into its workspace and removes its own upload.
	b.get("/app/customers/" + cust.ID.String())
	b.post("/app/customers/"+cust.ID.String()+"/master-access", url.Values{"enabled": {"true"}}).expect(t, "master", 200, "", "Saved.")
	pp = cb.get(portal)
	pp.expect(t, "portal with master access", 200, portal, `id="upload-file"`)
	dep := cb.upload(portal+"/documents", cb.csrf(), nil, "deposit.txt", "from the customer")
	dep.expect(t, "deposit", 200, portal, "Uploaded.", "deposit.txt", "your upload")
	cb.post(portal+"/folders", url.Values{"name": {"Invoices 2026"}}).expect(t, "portal folder", 200, portal, "Invoices 2026")
	depID := regexpFind(t, cb.last.body, `action="/app/portal/documents/([0-9a-f-]{36})/remove"`)
	// The provider sees the deposit marked as a customer upload.
	b.get("/app/library").expect(t, "provider sees the deposit", 200, "", "deposit.txt", "customer upload")
	cb.get(portal)
	cb.post("/app/portal/documents/"+depID+"/remove", url.Values{"back": {portal}}).expect(t, "remove own", 200, portal, "Removed.")
	cb.last.lacks(t, "after removal", "deposit.txt")
}

// Security: every console page enforces the API's authorization with the same
// viewer: another company's ids answer the 404 page and show nothing; forms
// with a valid token of the attacker's own session change nothing; a portal
// user reaches no provider page.
func TestConsoleTenantBoundary(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	p := ts.signupCompany(t, "Victim Provider")
	q := ts.signupCompany(t, "Victim Customer")
	z := ts.signupCompany(t, "Zed Attacker")
	cust := ts.connect(t, p, q)
	folder := ts.folder(t, p, `{"name":"Secret folder"}`)
	doc := ts.document(t, p, folder.ID, "secret-plan.txt", "the secret plan")
	expectWritten(t, "share", ts.send(t, &p, "POST", "/api/v1/shares",
		`{"customer_id":"`+cust.ID.String()+`","document_id":"`+doc.ID.String()+`","permission":"view"}`), 201)
	mole := ts.portalUser(t, p, cust.ID, "Mole", "mole@victim-customer.test")

	za := ts.signedIn(t, z)
	za.get("/app/customers")
	for _, path := range []string{
		"/app/customers/" + cust.ID.String(),
		"/app/customers/" + cust.ID.String() + "/view",
		"/app/library/folders/" + folder.ID.String(),
		"/app/library/folders/" + cust.WorkspaceFolderID.String(),
		"/app/library/documents/" + doc.ID.String(),
		"/app/library/documents/" + doc.ID.String() + "?tab=history",
		"/app/library/documents/" + doc.ID.String() + "/content",
		"/app/portal/" + p.CompanyID.String(),
		"/app/portal/documents/" + doc.ID.String() + "/content",
		"/app/customers/not-a-uuid",
	} {
		a := za.get(path)
		a.expect(t, "other company GET "+path, 404, "")
		a.lacks(t, path, "secret-plan", "Secret folder", "Victim Customer", "the secret plan")
	}
	za.get("/app/customers")
	before := ts.eventCount(t)
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/app/customers/" + cust.ID.String() + "/pause", nil},
		{"/app/customers/" + cust.ID.String() + "/revoke", url.Values{"confirm": {"final"}}},
		{"/app/customers/" + cust.ID.String() + "/master-access", url.Values{"enabled": {"true"}}},
		{"/app/customers/" + cust.ID.String() + "/users/invite", url.Values{"name": {"Z"}, "email": {"z@zed.test"}}},
		{"/app/library/documents/" + doc.ID.String() + "/links", nil},
		{"/app/library/documents/" + doc.ID.String() + "/versions/1/visibility", url.Values{"visible": {"false"}}},
		{"/app/library/documents/" + doc.ID.String() + "/remove", url.Values{"confirm": {"final"}}},
		{"/app/library/folders", url.Values{"name": {"planted"}, "parent_id": {folder.ID.String()}}},
		{"/app/portal/documents/" + doc.ID.String() + "/remove", nil},
	} {
		a := za.post(tc.path, tc.form)
		if a.status != 404 && a.status != 403 {
			t.Fatalf("other company POST %s: %d\n%s", tc.path, a.status, a.body)
		}
		a.lacks(t, tc.path, "secret-plan", "Victim Customer")
	}
	if ts.eventCount(t) != before {
		t.Fatal("another company's forms appended events")
	}
	if got := readOK[customerResponse](t, ts, &p, "/api/v1/customers/"+cust.ID.String()); got.Status != "active" || got.MasterAccess {
		t.Fatalf("the victim's customer changed: %+v", got)
	}

	// The portal user: its portal, and no provider page at all.
	mb := ts.signedIn(t, mole)
	mb.get("/app/").expect(t, "portal user home", 200, "/app/portal/"+p.CompanyID.String(), "secret-plan.txt")
	for _, path := range []string{"/app/customers", "/app/library", "/app/customers/" + cust.ID.String(), "/app/library/documents/" + doc.ID.String()} {
		mb.get(path).expect(t, "portal user GET "+path, 404, "")
	}
	mb.last.lacks(t, "portal user nav", `href="/app/customers"`)
}
