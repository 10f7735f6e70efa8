package httpapi

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// Security findings of issue 11 (tenant boundary), each reproduced through the
// router and PostgreSQL as the review wrote it, and read back to show that the
// exploit has no effect.

// portalUser has provider invite a portal user for customer, accepts the
// invitation and returns the signed-in portal user.
func (ts *testServer) portalUser(t *testing.T, provider account, customerID uuid.UUID, name, email string) account {
	t.Helper()
	a := ts.send(t, &provider, "POST", "/api/v1/customers/"+customerID.String()+"/users/invitations", `{"name":"`+name+`","email":"`+email+`"}`)
	expectWritten(t, "invite portal user", a, 201)
	inv := decodeAs[userInvitationResponse](t, a)
	if inv.UserID == uuid.Nil || inv.ExpiresAt.IsZero() || !strings.Contains(inv.InvitationURL, "/invitations/") {
		t.Fatalf("portal user invitation %+v", inv)
	}
	a = ts.send(t, nil, "POST", "/api/v1/invitations/"+isoToken(inv.InvitationURL)+"/accept", `{"password":"correct horse battery"}`)
	expectWritten(t, "portal user accepts", a, 201)
	acc := decodeAs[acceptInvitationResponse](t, a)
	if acc.UserID != inv.UserID {
		t.Fatalf("accepted as %s, invited %s", acc.UserID, inv.UserID)
	}
	return account{CompanyID: acc.CompanyID, UserID: acc.UserID, Token: acc.Token}
}

// Critical: "Sign up as company Z, find company Q in the directory, connect Q as
// a customer, invite a user for Q, accept that invitation yourself: you are now a
// member of Q." Now that user is a portal user of Z for Q: it sees Z's portal and
// nothing of Q's own, nor what other providers share with Q.
func TestExploitProviderInvitesItselfIntoCustomerCompany(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	q := ts.signupCompany(t, "Quarry Victim AG")
	p := ts.signupCompany(t, "Prior Provider Ltd") // shares with Q, as Q's provider
	z := ts.signupCompany(t, "Zed Attacker Corp")

	// Q's own library and staff; P shares a document with Q.
	qFolder := ts.folder(t, q, `{"name":"Q internal"}`)
	qDoc := ts.document(t, q, qFolder.ID, "q-payroll.pdf", "Q's payroll, confidential")
	qStaff := ts.invitedStaff(t, q, `{"name":"Quentin Staff","email":"quentin@quarry.test"}`)
	pCust := ts.connect(t, p, q)
	pFolder := ts.folder(t, p, `{"name":"P files"}`)
	pDoc := ts.document(t, p, pFolder.ID, "p-contract.pdf", "P's contract with Q")
	expectWritten(t, "P shares with Q", ts.send(t, &p, "POST", "/api/v1/shares",
		`{"customer_id":"`+pCust.ID.String()+`","document_id":"`+pDoc.ID.String()+`","permission":"view"}`), 201)

	// Z finds Q, connects it, invites itself.
	dir := readOK[page[directoryItem]](t, ts, &z, "/api/v1/directory?q=Quarry")
	if len(dir.Items) != 1 || dir.Items[0].CompanyID != q.CompanyID {
		t.Fatalf("directory %+v", dir)
	}
	zCust := ts.connect(t, z, q)
	mole := ts.portalUser(t, z, zCust.ID, "Mole", "mole@zed-attacker.test")
	if mole.CompanyID != q.CompanyID {
		t.Fatalf("a portal user's session names its customer's company, got %s", mole.CompanyID)
	}

	// Who is who.
	me := readOK[meResponse](t, ts, &mole, "/api/v1/me")
	if me.Kind != "portal" || me.CompanyID != q.CompanyID || me.Role != "member" || me.CanShare || me.Auditor ||
		me.PortalOf == nil || me.PortalOf.ProviderID != z.CompanyID || me.PortalOf.CustomerID == nil || *me.PortalOf.CustomerID != zCust.ID {
		t.Fatalf("GET /me as the portal user: %+v", me)
	}
	if me := readOK[meResponse](t, ts, &qStaff, "/api/v1/me"); me.Kind != "staff" || me.CompanyID != q.CompanyID || me.PortalOf != nil || me.Role != "member" {
		t.Fatalf("GET /me as Q's staff: %+v", me)
	}

	// The portal user sees Z's portal, and only Z's.
	provs := readOK[page[portalProviderItem]](t, ts, &mole, "/api/v1/portal/providers")
	if len(provs.Items) != 1 || provs.Items[0].ProviderID != z.CompanyID || provs.Items[0].CustomerID != zCust.ID {
		t.Fatalf("the portal user's providers: %+v", provs.Items)
	}
	expect(t, "Z's portal", ts.read(t, &mole, "/api/v1/portal/providers/"+z.CompanyID.String()+"/documents"), 200, "")

	// Everything of Q, and what P shares with Q, answers as unknown ids do.
	before := countEvents(t, ts)
	refusedReads := []string{
		"/api/v1/staff", "/api/v1/staff?q=Quentin", "/api/v1/directory", "/api/v1/groups", "/api/v1/customers",
		"/api/v1/documents", "/api/v1/documents?folder_id=" + qFolder.ID.String(),
		"/api/v1/documents/" + qDoc.ID.String(), "/api/v1/documents/" + qDoc.ID.String() + "/content",
		"/api/v1/folders/" + qFolder.ID.String(), "/api/v1/shares",
		"/api/v1/audit/events", "/api/v1/audit/verify",
		"/api/v1/portal/providers/" + p.CompanyID.String() + "/documents",
		"/api/v1/portal/documents/" + pDoc.ID.String() + "/content",
	}
	for _, path := range refusedReads {
		a := ts.read(t, &mole, path)
		expect(t, "portal user GET "+path, a, 404, "not_found")
		for _, secret := range []string{"quentin", "payroll", "Q internal", "contract", qDoc.ID.String(), pDoc.ID.String()} {
			if strings.Contains(a.body, secret) {
				t.Errorf("GET %s as the portal user carries %q: %s", path, secret, a.body)
			}
		}
	}
	// Q's own library writes, staff, groups and settings.
	refusedWrites := []struct{ method, path, body string }{
		{"POST", "/api/v1/staff/invitations", `{"name":"Second Mole","email":"mole2@zed-attacker.test","admin":true}`},
		{"PATCH", "/api/v1/staff/" + mole.UserID.String(), `{"admin":true}`},
		{"PATCH", "/api/v1/staff/" + qStaff.UserID.String(), `{"can_share":true}`},
		{"POST", "/api/v1/groups", `{"name":"Moles"}`},
		{"PUT", "/api/v1/settings/portal", `{"documents_enabled_default":false}`},
		{"POST", "/api/v1/folders", `{"name":"Mole drop","parent_id":"` + qFolder.ID.String() + `"}`},
		{"PUT", "/api/v1/documents/" + qDoc.ID.String() + "/versions/1/visibility", `{"visible":false}`},
		{"DELETE", "/api/v1/documents/" + qDoc.ID.String(), ""},
		{"POST", "/api/v1/documents/" + qDoc.ID.String() + "/links", `{}`},
		{"POST", "/api/v1/customers", `{"company_id":"` + z.CompanyID.String() + `"}`},
	}
	for _, c := range refusedWrites {
		expect(t, "portal user "+c.method+" "+c.path, ts.send(t, &mole, c.method, c.path, c.body), 404, "not_found")
	}
	expect(t, "portal user adds a version to Q's document",
		ts.upload(t, &mole, "/api/v1/documents/"+qDoc.ID.String()+"/versions", nil, "q-payroll.pdf", "the attacker's payroll"), 404, "not_found")
	expect(t, "portal user uploads into Q's library",
		ts.upload(t, &mole, "/api/v1/documents", map[string]string{"folder_id": qFolder.ID.String()}, "mole.pdf", "mole"), 404, "not_found")
	expect(t, "portal user uploads into P's portal",
		ts.upload(t, &mole, "/api/v1/portal/providers/"+p.CompanyID.String()+"/documents", nil, "mole.pdf", "mole"), 404, "not_found")
	expectUnchanged(t, ts, "the portal user's attempts", before)

	// Read back: Q's document is unchanged and Q's staff list has no intruder.
	if a := ts.read(t, &q, "/api/v1/documents/"+qDoc.ID.String()+"/content"); a.status != 200 || a.body != "Q's payroll, confidential" {
		t.Fatalf("Q's document after the attack: %d %q", a.status, a.body)
	}
	staff := readOK[page[staffItem]](t, ts, &q, "/api/v1/staff")
	for _, s := range staff.Items {
		if s.UserID == mole.UserID || strings.Contains(s.Email, "zed-attacker") {
			t.Fatalf("Q's staff lists the intruder: %+v", staff.Items)
		}
	}
	if len(staff.Items) != 2 {
		t.Fatalf("Q's staff: %+v", staff.Items)
	}
	// Q's own staff still reach P's portal as Q (a staff user of the customer company).
	expect(t, "Q's staff in P's portal", ts.read(t, &qStaff, "/api/v1/portal/providers/"+p.CompanyID.String()+"/documents"), 200, "")
}

// High: "Share a folder outside any workspace with customer C1 (edit) and with C2
// (view). What C1 uploads is listed to C2 and downloadable by C2." Now C2 sees
// the provider's documents there and nothing C1 deposited; the provider's staff
// see C1's deposit.
func TestExploitCustomerSeesAnotherCustomersDeposits(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	p := ts.signupCompany(t, "Deposit Provider")
	co1 := ts.signupCompany(t, "First Customer Co")
	co2 := ts.signupCompany(t, "Second Customer Co")
	c1, c2 := ts.connect(t, p, co1), ts.connect(t, p, co2)
	ex := ts.folder(t, p, `{"name":"Exchange"}`)
	ts.document(t, p, ex.ID, "provider-terms.pdf", "the provider's terms")
	for _, s := range []string{
		`{"customer_id":"` + c1.ID.String() + `","folder_id":"` + ex.ID.String() + `","permission":"edit"}`,
		`{"customer_id":"` + c2.ID.String() + `","folder_id":"` + ex.ID.String() + `","permission":"view"}`,
	} {
		expectWritten(t, "share the exchange folder", ts.send(t, &p, "POST", "/api/v1/shares", s), 201)
	}
	// C1's portal user deposits a file and a folder.
	u1 := ts.portalUser(t, p, c1.ID, "Uma One", "uma@first-customer.test")
	portal := "/api/v1/portal/providers/" + p.CompanyID.String()
	a := ts.upload(t, &u1, portal+"/documents", map[string]string{"folder_id": ex.ID.String()}, "c1-bank-statement.pdf", "C1's bank statement")
	expectWritten(t, "C1 deposits", a, 201)
	dep := decodeAs[documentResponse](t, a)
	a = ts.send(t, &u1, "POST", portal+"/folders", `{"name":"C1 tax papers","parent_id":"`+ex.ID.String()+`"}`)
	expectWritten(t, "C1 creates a folder", a, 201)

	inEx := "?folder_id=" + ex.ID.String()
	l := readOK[portalListing](t, ts, &u1, portal+"/documents"+inEx)
	expectSees(t, "C1", l, []string{"C1 tax papers"}, []string{"c1-bank-statement.pdf", "provider-terms.pdf"})

	// C2 (its company's admin, and a portal user of its own) sees none of it.
	u2 := ts.portalUser(t, p, c2.ID, "Ole Two", "ole@second-customer.test")
	for _, who := range []account{co2, u2} {
		expectSees(t, "C2 in the folder", readOK[portalListing](t, ts, &who, portal+"/documents"+inEx), []string{}, []string{"provider-terms.pdf"})
		flat := readOK[portalListing](t, ts, &who, portal+"/documents?flat=true")
		expectSees(t, "C2 flat", flat, []string{}, []string{"provider-terms.pdf"})
		before := countEvents(t, ts)
		a := ts.read(t, &who, "/api/v1/portal/documents/"+dep.ID.String()+"/content")
		expectNotFound(t, "C2 downloads C1's deposit", a, dep.ID)
		if strings.Contains(a.body, "bank statement") {
			t.Fatalf("C2's refusal carries C1's content: %s", a.body)
		}
		expectUnchanged(t, ts, "C2's download attempt", before)
	}
	// The provider's staff who may see C1 see its deposit; a member who may not
	// see C1 does not, in the library either.
	a = ts.send(t, &p, "POST", "/api/v1/groups", `{"name":"First customers"}`)
	expectWritten(t, "group", a, 201)
	g := decodeAs[groupResponse](t, a)
	expectWritten(t, "assign C1", ts.send(t, &p, "PUT", "/api/v1/customers/"+c1.ID.String()+"/group", `{"group_id":"`+g.ID.String()+`"}`), 200)
	reader := ts.invitedStaff(t, p, `{"name":"Rhea Reader","email":"rhea@deposit-provider.test"}`)
	outsider := ts.invitedStaff(t, p, `{"name":"Nora None","email":"nora@deposit-provider.test"}`)
	expectWritten(t, "reader access", ts.send(t, &p, "PUT", "/api/v1/groups/"+g.ID.String()+"/members/"+reader.UserID.String(), `{"access":"read"}`), 200)
	for _, who := range []account{p, reader} {
		if a := ts.read(t, &who, "/api/v1/documents/"+dep.ID.String()+"/content"); a.status != 200 || a.body != "C1's bank statement" {
			t.Fatalf("the provider's staff read C1's deposit: %d %q", a.status, a.body)
		}
	}
	expectNotFound(t, "a member outside C1's group reads C1's deposit", ts.read(t, &outsider, "/api/v1/documents/"+dep.ID.String()), dep.ID)
	list := readOK[page[documentItem]](t, ts, &outsider, "/api/v1/documents?folder_id="+ex.ID.String())
	if got := names(list.Items, func(d documentItem) string { return d.Name }); !slices.Equal(got, []string{"provider-terms.pdf"}) {
		t.Fatalf("a member outside C1's group lists %v", got)
	}
	// On purpose: the provider shares the deposit with C2, which then sees it.
	expectWritten(t, "share C1's deposit with C2", ts.send(t, &p, "POST", "/api/v1/shares",
		`{"customer_id":"`+c2.ID.String()+`","document_id":"`+dep.ID.String()+`","permission":"view"}`), 201)
	if a := ts.read(t, &u2, "/api/v1/portal/documents/"+dep.ID.String()+"/content"); a.status != 200 || a.body != "C1's bank statement" {
		t.Fatalf("C2 after the provider shared it on purpose: %d %q", a.status, a.body)
	}
}

// Medium: "A member with no group access and no can_share added a visible version
// to a document shared with a customer (the portal served it at once), then
// deleted the document, which cancelled the customer's share." Both are refused
// now, with nothing appended; so are the other changes of what that customer sees.
// A member with write access to the customer's group may; auditors change nothing.
func TestExploitMemberChangesWhatACustomerSees(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	p := ts.signupCompany(t, "Visible Provider")
	co := ts.signupCompany(t, "Watched Customer")
	c := ts.connect(t, p, co)
	a := ts.send(t, &p, "POST", "/api/v1/groups", `{"name":"Watched"}`)
	expectWritten(t, "group", a, 201)
	g := decodeAs[groupResponse](t, a)
	expectWritten(t, "assign", ts.send(t, &p, "PUT", "/api/v1/customers/"+c.ID.String()+"/group", `{"group_id":"`+g.ID.String()+`"}`), 200)
	mallory := ts.invitedStaff(t, p, `{"name":"Mallory Member","email":"mallory@visible.test"}`)
	writer := ts.invitedStaff(t, p, `{"name":"Wanda Writer","email":"wanda@visible.test"}`)
	auditor := ts.invitedStaff(t, p, `{"name":"Audrey Auditor","email":"audrey@visible.test","auditor":true}`)
	expectWritten(t, "writer access", ts.send(t, &p, "PUT", "/api/v1/groups/"+g.ID.String()+"/members/"+writer.UserID.String(), `{"access":"write"}`), 200)

	shared := ts.folder(t, p, `{"name":"Shared with the customer"}`)
	private := ts.folder(t, p, `{"name":"Internal"}`)
	doc := ts.document(t, p, shared.ID, "price-list.pdf", "the real price list")
	a = ts.send(t, &p, "POST", "/api/v1/shares", `{"customer_id":"`+c.ID.String()+`","document_id":"`+doc.ID.String()+`","permission":"view"}`)
	expectWritten(t, "share the document", a, 201)
	expectWritten(t, "share the folder", ts.send(t, &p, "POST", "/api/v1/shares",
		`{"customer_id":"`+c.ID.String()+`","folder_id":"`+shared.ID.String()+`","permission":"view"}`), 201)
	content := "/api/v1/portal/documents/" + doc.ID.String() + "/content"
	if a := ts.read(t, &co, content); a.status != 200 || a.body != "the real price list" {
		t.Fatalf("the customer reads the shared document: %d %q", a.status, a.body)
	}

	before := countEvents(t, ts)
	expect(t, "Mallory adds a visible version", ts.upload(t, &mallory, "/api/v1/documents/"+doc.ID.String()+"/versions", nil, "price-list.pdf", "Mallory's prices"), 403, "forbidden")
	expect(t, "Mallory hides version 1", ts.send(t, &mallory, "PUT", "/api/v1/documents/"+doc.ID.String()+"/versions/1/visibility", `{"visible":false}`), 403, "forbidden")
	expect(t, "Mallory deletes the document", ts.send(t, &mallory, "DELETE", "/api/v1/documents/"+doc.ID.String(), ""), 403, "forbidden")
	expect(t, "Mallory adds a document to the shared folder", ts.upload(t, &mallory, "/api/v1/documents", map[string]string{"folder_id": shared.ID.String()}, "fake.pdf", "fake"), 403, "forbidden")
	expect(t, "Mallory creates a folder in the shared folder", ts.send(t, &mallory, "POST", "/api/v1/folders", `{"name":"Fake","parent_id":"`+shared.ID.String()+`"}`), 403, "forbidden")
	expect(t, "Mallory creates a link", ts.send(t, &mallory, "POST", "/api/v1/documents/"+doc.ID.String()+"/links", `{}`), 403, "forbidden")
	for _, auditorTries := range []answer{
		ts.upload(t, &auditor, "/api/v1/documents", map[string]string{"folder_id": private.ID.String()}, "a.pdf", "a"),
		ts.send(t, &auditor, "POST", "/api/v1/folders", `{"name":"Audit notes"}`),
		ts.send(t, &auditor, "DELETE", "/api/v1/documents/"+doc.ID.String(), ""),
	} {
		expect(t, "the auditor writes to the library", auditorTries, 403, "forbidden")
	}
	expectUnchanged(t, ts, "refused changes", before)

	// Read back: the customer still gets the real content and its shares are active.
	if a := ts.read(t, &co, content); a.status != 200 || a.body != "the real price list" {
		t.Fatalf("the customer's document after the attempts: %d %q", a.status, a.body)
	}
	for _, s := range readOK[page[shareItem]](t, ts, &p, "/api/v1/shares?customer_id="+c.ID.String()).Items {
		if s.Status != "active" {
			t.Fatalf("share %s is %s after the attempts", s.ID, s.Status)
		}
	}
	before = countEvents(t, ts)

	// What no customer is given stays open to members; the group's writer may
	// change what the customer sees.
	expectWritten(t, "Mallory uploads into an internal folder", ts.upload(t, &mallory, "/api/v1/documents", map[string]string{"folder_id": private.ID.String()}, "notes.pdf", "notes"), 201)
	expectWritten(t, "the writer adds a version", ts.upload(t, &writer, "/api/v1/documents/"+doc.ID.String()+"/versions", nil, "price-list.pdf", "new prices"), 201)
	if n := countEvents(t, ts); n == before {
		t.Fatal("the allowed writes appended nothing")
	}
	if a := ts.read(t, &co, content); a.status != 200 || a.body != "new prices" {
		t.Fatalf("the customer after the writer's version: %d %q", a.status, a.body)
	}
}
