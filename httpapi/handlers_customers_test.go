package httpapi

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestConnectAndInviteCustomers(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	provider := ts.signupCompany(t, "Provider Ltd")
	customer := ts.signupCompany(t, "Customer GmbH")
	other := ts.signupCompany(t, "Other Corp")

	c := ts.connect(t, provider, customer)
	if c.Status != "active" || c.CompanyID != customer.CompanyID || c.CompanyName != "Customer GmbH" ||
		c.WorkspaceFolderID == uuid.Nil || c.GroupID != nil || c.MasterAccess || c.DocumentsEnabled != nil || c.CreatedAt.IsZero() {
		t.Fatalf("connected customer %+v", c)
	}
	before := countEvents(t, ts)
	a := ts.send(t, &provider, "POST", "/api/v1/customers", `{"company_id":"`+customer.CompanyID.String()+`"}`)
	expect(t, "connect twice", a, 409, "conflict")
	expectUnchanged(t, ts, "connect twice", before)
	expectInvalid(t, ts, "no company_id", ts.send(t, &provider, "POST", "/api/v1/customers", `{}`), "company_id", before)
	expectInvalid(t, ts, "unknown field", ts.send(t, &provider, "POST", "/api/v1/customers",
		`{"company_id":"`+other.CompanyID.String()+`","status":"paused"}`), "status", before)
	expectInvalid(t, ts, "bad uuid", ts.send(t, &provider, "POST", "/api/v1/customers", `{"company_id":"nope"}`), "company_id", before)
	a = ts.send(t, &provider, "POST", "/api/v1/customers", `{"company_id":"`+uuid.NewString()+`"}`)
	expect(t, "unknown company", a, 404, "not_found")

	// Another provider's group is not there for this one.
	a = ts.send(t, &other, "POST", "/api/v1/groups", `{"name":"Theirs"}`)
	expectWritten(t, "other's group", a, 201)
	var theirs groupResponse
	mustDecode(t, a, &theirs)
	before = countEvents(t, ts)
	a = ts.send(t, &provider, "POST", "/api/v1/customers", `{"company_id":"`+other.CompanyID.String()+`","group_id":"`+theirs.ID.String()+`"}`)
	expect(t, "another provider's group", a, 404, "not_found")
	expectUnchanged(t, ts, "another provider's group", before)

	a = ts.send(t, &provider, "POST", "/api/v1/customers/invitations",
		`{"company_name":"Newco","contact_name":"Grace Hopper","email":"grace@newco.test"}`)
	expectWritten(t, "invite customer", a, 201)
	var inv customerResponse
	mustDecode(t, a, &inv)
	if inv.Status != "invited" || inv.CompanyName != "Newco" || inv.InvitationExpiresAt == nil ||
		!strings.HasPrefix(inv.InvitationURL, "http://127.0.0.1:0/invitations/") || a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("invited customer %+v", inv)
	}
	token := inv.InvitationURL[strings.LastIndex(inv.InvitationURL, "/")+1:]
	before = countEvents(t, ts)
	expectInvalid(t, ts, "bad email", ts.send(t, &provider, "POST", "/api/v1/customers/invitations",
		`{"company_name":"Newco","contact_name":"Grace","email":"not-an-address"}`), "email", before)
	expectInvalid(t, ts, "no company name", ts.send(t, &provider, "POST", "/api/v1/customers/invitations",
		`{"company_name":" ","contact_name":"Grace","email":"g@newco.test"}`), "company_name", before)

	// The contact accepts: the company exists, the customer is active, the admin signed in.
	a = ts.send(t, nil, "POST", "/api/v1/invitations/"+token+"/accept", `{"name":"Grace B. Hopper","password":"correct horse battery"}`)
	expectWritten(t, "accept customer invitation", a, 201)
	var acc acceptInvitationResponse
	mustDecode(t, a, &acc)
	if acc.CompanyID != inv.CompanyID || acc.Token == "" {
		t.Fatalf("accepted %+v", acc)
	}
	a = ts.send(t, nil, "POST", "/api/v1/invitations/"+token+"/accept", `{"password":"correct horse battery"}`)
	expect(t, "accept twice", a, 410, "invitation_gone")
	if strings.Contains(ts.log.String(), token) || strings.Contains(ts.log.String(), "horse") {
		t.Fatal("an invitation token or a password reached the log")
	}
}

func TestCustomerLifecycle(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	provider := ts.signupCompany(t, "Provider Ltd")
	customer := ts.signupCompany(t, "Customer GmbH")
	intruder := ts.signupCompany(t, "Intruder Inc")
	c := ts.connect(t, provider, customer)
	base := "/api/v1/customers/" + c.ID.String()

	step := func(verb string, status int, code, wantStatus string) {
		t.Helper()
		before := countEvents(t, ts)
		a := ts.send(t, &provider, "POST", base+"/"+verb, "")
		if code != "" {
			expect(t, verb, a, status, code)
			expectUnchanged(t, ts, verb, before)
			return
		}
		expectWritten(t, verb, a, status)
		var got customerResponse
		mustDecode(t, a, &got)
		if got.ID != c.ID || got.Status != wantStatus {
			t.Fatalf("%s: %+v", verb, got)
		}
	}
	// Another company's user cannot see the customer: 404, nothing changes.
	for _, verb := range []string{"pause", "resume", "revoke"} {
		before := countEvents(t, ts)
		expect(t, "intruder "+verb, ts.send(t, &intruder, "POST", base+"/"+verb, ""), 404, "not_found")
		expectUnchanged(t, ts, "intruder "+verb, before)
	}
	step("pause", 200, "", "paused")
	step("pause", 409, "conflict", "")
	step("resume", 200, "", "active")
	step("resume", 409, "conflict", "")
	step("revoke", 200, "", "revoked")
	step("pause", 409, "customer_revoked", "")
	step("resume", 409, "customer_revoked", "")
	step("revoke", 409, "customer_revoked", "")
	before := countEvents(t, ts)
	expect(t, "master access on revoked", ts.send(t, &provider, "PUT", base+"/master-access", `{"enabled":true}`), 409, "customer_revoked")
	expectUnchanged(t, ts, "master access on revoked", before)
	expectInvalid(t, ts, "bad id", ts.send(t, &provider, "POST", "/api/v1/customers/not-a-uuid/pause", ""), "id", before)
	expect(t, "unknown customer", ts.send(t, &provider, "POST", "/api/v1/customers/"+uuid.NewString()+"/pause", ""), 404, "not_found")
	expect(t, "anonymous", ts.send(t, nil, "POST", base+"/pause", ""), 401, "unauthenticated")

	// A revoked customer never comes back; connecting again creates a new one.
	again := ts.connect(t, provider, customer)
	if again.ID == c.ID || again.Status != "active" {
		t.Fatalf("reconnected %+v", again)
	}
}

func TestCustomerSettings(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	provider := ts.signupCompany(t, "Provider Ltd")
	customer := ts.signupCompany(t, "Customer GmbH")
	intruder := ts.signupCompany(t, "Intruder Inc")
	c := ts.connect(t, provider, customer)
	base := "/api/v1/customers/" + c.ID.String()
	var got customerResponse

	a := ts.send(t, &provider, "PUT", base+"/master-access", `{"enabled":true}`)
	expectWritten(t, "master access", a, 200)
	if got = decodeAs[customerResponse](t, a); !got.MasterAccess {
		t.Fatalf("master access %+v", got)
	}
	before := countEvents(t, ts)
	expectInvalid(t, ts, "no enabled", ts.send(t, &provider, "PUT", base+"/master-access", `{}`), "enabled", before)
	expectInvalid(t, ts, "enabled not bool", ts.send(t, &provider, "PUT", base+"/master-access", `{"enabled":"yes"}`), "enabled", before)
	expect(t, "intruder master access", ts.send(t, &intruder, "PUT", base+"/master-access", `{"enabled":false}`), 404, "not_found")
	expectUnchanged(t, ts, "intruder master access", before)

	a = ts.send(t, &provider, "PUT", base+"/portal-settings", `{"documents_enabled":false}`)
	expectWritten(t, "documents off", a, 200)
	if got = decodeAs[customerResponse](t, a); got.DocumentsEnabled == nil || *got.DocumentsEnabled {
		t.Fatalf("documents off %+v", got)
	}
	a = ts.send(t, &provider, "PUT", base+"/portal-settings", `{"documents_enabled":null}`)
	expectWritten(t, "documents default", a, 200)
	if got = decodeAs[customerResponse](t, a); got.DocumentsEnabled != nil {
		t.Fatalf("documents default %+v", got)
	}
	before = countEvents(t, ts)
	expectInvalid(t, ts, "portal settings without the field", ts.send(t, &provider, "PUT", base+"/portal-settings", `{}`), "documents_enabled", before)
	expectInvalid(t, ts, "portal settings not bool", ts.send(t, &provider, "PUT", base+"/portal-settings", `{"documents_enabled":1}`), "documents_enabled", before)

	a = ts.send(t, &provider, "PUT", "/api/v1/settings/portal", `{"documents_enabled_default":false}`)
	expectWritten(t, "provider default", a, 200)
	if strings.TrimSpace(a.body) != `{"documents_enabled_default":false,"new_versions_hidden":false}` {
		t.Fatalf("provider default %s", a.body)
	}
	before = countEvents(t, ts)
	expectInvalid(t, ts, "provider default missing", ts.send(t, &provider, "PUT", "/api/v1/settings/portal", `{}`), "documents_enabled_default", before)

	// Groups: move in, move out.
	a = ts.send(t, &provider, "POST", "/api/v1/groups", `{"name":"Key accounts"}`)
	expectWritten(t, "create group", a, 201)
	var g groupResponse
	mustDecode(t, a, &g)
	a = ts.send(t, &provider, "PUT", base+"/group", `{"group_id":"`+g.ID.String()+`"}`)
	expectWritten(t, "assign group", a, 200)
	if got = decodeAs[customerResponse](t, a); got.GroupID == nil || *got.GroupID != g.ID {
		t.Fatalf("assigned %+v", got)
	}
	before = countEvents(t, ts)
	expectInvalid(t, ts, "group without the field", ts.send(t, &provider, "PUT", base+"/group", `{}`), "group_id", before)
	expect(t, "intruder moves", ts.send(t, &intruder, "PUT", base+"/group", `{"group_id":null}`), 404, "not_found")
	expectUnchanged(t, ts, "intruder moves", before)
	a = ts.send(t, &provider, "PUT", base+"/group", `{"group_id":null}`)
	expectWritten(t, "leave group", a, 200)
	if got = decodeAs[customerResponse](t, a); got.GroupID != nil {
		t.Fatalf("left group %+v", got)
	}

	// Another portal user for the customer, who can then sign in.
	a = ts.send(t, &provider, "POST", base+"/users/invitations", `{"name":"Alan Turing","email":"alan@customer.test"}`)
	expectWritten(t, "invite portal user", a, 201)
	var inv userInvitationResponse
	mustDecode(t, a, &inv)
	if inv.UserID == uuid.Nil || !strings.HasPrefix(inv.InvitationURL, "http://127.0.0.1:0/invitations/") {
		t.Fatalf("portal user invitation %+v", inv)
	}
	before = countEvents(t, ts)
	expectInvalid(t, ts, "portal user bad email", ts.send(t, &provider, "POST", base+"/users/invitations", `{"name":"Alan","email":"x"}`), "email", before)
	expect(t, "intruder invites", ts.send(t, &intruder, "POST", base+"/users/invitations", `{"name":"Eve","email":"eve@intruder.test"}`), 404, "not_found")
	expectUnchanged(t, ts, "intruder invites", before)
	token := inv.InvitationURL[strings.LastIndex(inv.InvitationURL, "/")+1:]
	a = ts.send(t, nil, "POST", "/api/v1/invitations/"+token+"/accept", `{"password":"correct horse battery"}`)
	expectWritten(t, "portal user accepts", a, 201)
	var acc acceptInvitationResponse
	if acc = decodeAs[acceptInvitationResponse](t, a); acc.UserID != inv.UserID || acc.CompanyID != customer.CompanyID {
		t.Fatalf("accepted %+v", acc)
	}
}
