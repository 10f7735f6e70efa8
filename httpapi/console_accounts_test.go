package httpapi

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Groups and staff, and the audit pages (issue 18), through the router and
// PostgreSQL.

// QUBEdocs: a group code registers a customer while self-registration is on;
// staff invited with flags; the auditor's pages: the log filtered and paged,
// verification, export, and "what could this customer see at …" before and
// after a revoke.
func TestConsoleGroupsStaffAndAudit(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	p := ts.signupCompany(t, "Qube Provider")
	b := ts.signedIn(t, p)

	b.get("/app/groups").expect(t, "groups", 200, "/app/groups", "No groups yet", `id="group-form"`)
	gp := b.post("/app/groups", url.Values{"name": {"Acme"}})
	gp.expect(t, "group", 200, "/app/groups", "The group was created.", "Acme-")
	code := regexpFind(t, gp.body, `<code id="code-[0-9a-f-]{36}">(Acme-[0-9]{4})</code>`)
	groupID := regexpFind(t, gp.body, `action="/app/groups/([0-9a-f-]{36})/self-registration"`)

	// Self-registration off: the code registers nobody.
	b.post("/app/groups/"+groupID+"/self-registration", url.Values{"enabled": {"false"}}).expect(t, "off", 200, "/app/groups", "Turn on")
	c := ts.browser(t)
	c.get("/app/register")
	reg := url.Values{"group_code": {code}, "company_name": {"Acme Customer"}, "name": {"Ann"}, "email": {"ann@acme-customer.test"}, "password": {"correct horse battery"}}
	if a := c.post("/app/register", reg); a.status < 400 {
		t.Fatalf("registration with self-registration off: %d", a.status)
	}
	b.get("/app/groups")
	b.post("/app/groups/"+groupID+"/self-registration", url.Values{"enabled": {"true"}}).expect(t, "on", 200, "/app/groups", "Turn off")
	c.get("/app/register")
	c.post("/app/register", reg).expect(t, "register", 200, "/app/portal", "Qube Provider")
	b.get("/app/customers").expect(t, "registered customer", 200, "", "Acme Customer", "Acme")

	// Staff: an auditor invited, accepting through the console.
	b.get("/app/groups")
	inv := b.post("/app/staff/invite", url.Values{"name": {"Audrey Auditor"}, "email": {"audrey@qube.test"}, "auditor": {"true"}})
	inv.expect(t, "invite auditor", 200, "", "/invitations/")
	invURL := regexpFind(t, inv.body, `id="invitation-url" type="text" readonly value="([^"]+)"`)
	ab := ts.browser(t)
	ab.get("/app/invitations/" + isoToken(invURL))
	ab.post("/app/invitations/"+isoToken(invURL), url.Values{"password": {"correct horse battery"}}).expect(t, "auditor joins", 200, "/app/customers")
	b.get("/app/groups").expect(t, "staff listed", 200, "", "Audrey Auditor", `name="auditor" value="true" checked`)

	// A member without the auditor flag sees no audit page.
	mb := ts.browser(t)
	inv = b.post("/app/staff/invite", url.Values{"name": {"Mo Member"}, "email": {"mo@qube.test"}})
	mb.get("/app/invitations/" + isoToken(regexpFind(t, inv.body, `value="(http[^"]+/invitations/[^"]+)"`)))
	mb.post(mb.last.url, url.Values{"password": {"correct horse battery"}}).expect(t, "member joins", 200, "/app/customers")
	if a := mb.get("/app/audit"); a.status != 403 && a.status != 404 {
		t.Fatalf("a member's audit page: %d", a.status)
	}
	mb.last.lacks(t, "member audit", "CustomerConnected")

	// The log, filtered.
	ab.get("/app/audit").expect(t, "audit", 200, "/app/audit", "CompanyRegistered", "CustomerGroupCreated")
	ab.get("/app/audit?type=CustomerConnected").lacks(t, "filtered", "CustomerGroupCreated")
	ab.get("/app/audit?type=NoSuchEvent").expect(t, "bad type", 400, "", `id="filter-type-error"`, `value="NoSuchEvent"`)
	ab.get("/app/audit")
	ab.post("/app/audit/verify", nil).expect(t, "verify", 200, "", `id="verify-result"`, "Intact:")
	// Export: NDJSON lines of this provider's log, without secrets.
	ex := ab.get("/app/audit/export?format=ndjson")
	if ex.status != 200 || !strings.Contains(ex.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", ex.status, ex.header)
	}
	lines := strings.Split(strings.TrimSpace(ex.body), "\n")
	for _, l := range lines {
		var ev struct {
			TenantID string `json:"tenant_id"`
		}
		if err := json.Unmarshal([]byte(l), &ev); err != nil || ev.TenantID != p.CompanyID.String() {
			t.Fatalf("export line %q (%v)", l, err)
		}
	}
	if strings.Contains(ex.body, isoToken(invURL)) {
		t.Fatal("the export holds an invitation token")
	}
	if csv := ab.get("/app/audit/export?format=csv"); csv.status != 200 || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv export: %d %v", csv.status, csv.header)
	}

	// As of: the shared document before the revoke, nothing after.
	q := ts.signupCompany(t, "AsOf Customer")
	cust := ts.connect(t, p, q)
	folder := ts.folder(t, p, `{"name":"Docs"}`)
	doc := ts.document(t, p, folder.ID, "manual.pdf", "manual v1")
	expectWritten(t, "share", ts.send(t, &p, "POST", "/api/v1/shares",
		`{"customer_id":"`+cust.ID.String()+`","document_id":"`+doc.ID.String()+`","permission":"view"}`), 201)
	var sharedAt time.Time
	if err := ts.pool.QueryRow(ctxFor(t), `SELECT max(recorded_at) FROM events`).Scan(&sharedAt); err != nil {
		t.Fatal(err)
	}
	expectWritten(t, "revoke", ts.send(t, &p, "POST", "/api/v1/customers/"+cust.ID.String()+"/revoke", ""), 200)
	before := sharedAt.UTC().Add(time.Microsecond).Format("2006-01-02T15:04:05.999999999")
	after := time.Now().UTC().Add(time.Minute).Format("2006-01-02T15:04:05")
	ab.get("/app/audit/as-of").expect(t, "as-of form", 200, "", `<label for="asof-at">`, `type="datetime-local"`)
	ab.get("/app/audit/as-of?customer_id="+cust.ID.String()+"&at="+url.QueryEscape(before)).
		expect(t, "as of before the revoke", 200, "", `id="as-of-result"`, "manual.pdf")
	pa := ab.get("/app/audit/as-of?customer_id=" + cust.ID.String() + "&at=" + url.QueryEscape(after))
	pa.expect(t, "as of after the revoke", 200, "", `id="as-of-closed"`)
	pa.lacks(t, "as of after the revoke", "manual.pdf")
	ab.get("/app/audit/as-of?customer_id="+cust.ID.String()+"&at=yesterday").expect(t, "bad instant", 400, "", `id="asof-at-error"`)

	// Another company's auditor: the customer is not theirs.
	z := ts.signupCompany(t, "Zed Audit")
	zb := ts.signedIn(t, z)
	a := zb.get("/app/audit/as-of?customer_id=" + cust.ID.String() + "&at=" + url.QueryEscape(before))
	a.expect(t, "other company's as-of", 404, "")
	a.lacks(t, "other company's as-of", "manual.pdf")
	zb.get("/app/audit").lacks(t, "other company's log", "AsOf Customer", "manual.pdf", "Qube")
}
