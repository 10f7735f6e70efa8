package httpapi

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/projections"
)

// customerItem is GET /api/v1/customers' item as a client decodes it.
type customerItem struct {
	ID                uuid.UUID  `json:"id"`
	CompanyID         uuid.UUID  `json:"company_id"`
	CompanyName       string     `json:"company_name"`
	Status            string     `json:"status"`
	GroupID           *uuid.UUID `json:"group_id"`
	GroupName         *string    `json:"group_name"`
	WorkspaceFolderID uuid.UUID  `json:"workspace_folder_id"`
	MasterAccess      bool       `json:"master_access"`
	DocumentsEnabled  *bool      `json:"documents_enabled"`
	Via               string     `json:"via"`
	ContactName       *string    `json:"contact_name"`
	ContactEmail      *string    `json:"contact_email"`
	CreatedAt         time.Time  `json:"created_at"`
	StatusChangedAt   time.Time  `json:"status_changed_at"`
}

func customerNames(items []customerItem) []string {
	return names(items, func(c customerItem) string { return c.CompanyName })
}

func TestReadDirectoryAndCustomers(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	provider := ts.signupCompany(t, "Acme Provider")
	beta := ts.signupCompany(t, "Beta Corp")
	gamma := ts.signupCompany(t, "Gamma Ltd")
	delta := ts.signupCompany(t, "delta GmbH")

	// The directory: every other company, by name (case-insensitive), searchable.
	dir := readAll[directoryItem](t, ts, &provider, "/api/v1/directory", 2)
	if got := names(dir, func(d directoryItem) string { return d.Name }); !slices.Equal(got, []string{"Beta Corp", "delta GmbH", "Gamma Ltd"}) {
		t.Fatalf("directory %v", got)
	}
	if dir[0].CompanyID != beta.CompanyID {
		t.Fatalf("directory ids %+v", dir)
	}
	a := ts.read(t, &provider, "/api/v1/directory?q=TA")
	expect(t, "directory q", a, 200, "")
	if got := names(decodeAs[page[directoryItem]](t, a).Items, func(d directoryItem) string { return d.Name }); !slices.Equal(got, []string{"Beta Corp", "delta GmbH"}) {
		t.Fatalf("directory ?q=TA %v", got)
	}
	if f := fields(t, a.body); len(f) != 2 || string(f["next_cursor"]) != "null" {
		t.Fatalf("list envelope %s", a.body)
	}

	// Customers: connect two, invite one, group one.
	b := ts.connect(t, provider, beta)
	g := ts.connect(t, provider, gamma)
	a = ts.send(t, &provider, "POST", "/api/v1/customers/invitations", `{"company_name":"Invited AG","contact_name":"Ines","email":"ines@invited.test"}`)
	expectWritten(t, "invite", a, 201)
	inv := decodeAs[customerResponse](t, a)
	a = ts.send(t, &provider, "POST", "/api/v1/groups", `{"name":"Key accounts"}`)
	expectWritten(t, "group", a, 201)
	group := decodeAs[groupResponse](t, a)
	a = ts.send(t, &provider, "PUT", "/api/v1/customers/"+g.ID.String()+"/group", `{"group_id":"`+group.ID.String()+`"}`)
	expectWritten(t, "assign group", a, 200)

	// Read-your-write with the write's own X-Position.
	a = ts.readAt(t, &provider, "/api/v1/customers/"+g.ID.String(), position(t, a))
	expect(t, "get customer", a, 200, "")
	got := decodeAs[customerItem](t, a)
	want := customerItem{ID: g.ID, CompanyID: gamma.CompanyID, CompanyName: "Gamma Ltd", Status: "active", GroupID: &group.ID,
		GroupName: &group.Name, WorkspaceFolderID: g.WorkspaceFolderID, Via: "provider", CreatedAt: g.CreatedAt, StatusChangedAt: g.CreatedAt}
	if got.GroupID == nil || *got.GroupID != group.ID || got.GroupName == nil || *got.GroupName != "Key accounts" {
		t.Fatalf("group of customer %+v", got)
	}
	got.GroupID, got.GroupName, want.GroupID, want.GroupName = nil, nil, nil, nil
	if got != want {
		t.Fatalf("customer\n got %+v\nwant %+v", got, want)
	}
	wantFields := []string{"id", "company_id", "company_name", "status", "group_id", "group_name", "workspace_folder_id",
		"master_access", "documents_enabled", "via", "contact_name", "contact_email", "created_at", "status_changed_at"}
	f := fields(t, a.body)
	for _, k := range wantFields {
		if _, ok := f[k]; !ok {
			t.Errorf("customer has no %s: %s", k, a.body)
		}
	}
	if len(f) != len(wantFields) {
		t.Errorf("customer fields %s", a.body)
	}

	all := readAll[customerItem](t, ts, &provider, "/api/v1/customers", 1)
	if got := customerNames(all); !slices.Equal(got, []string{"Beta Corp", "Gamma Ltd", "Invited AG"}) {
		t.Fatalf("customers %v", got)
	}
	if i := all[2]; i.ID != inv.ID || i.Status != "invited" || i.ContactName == nil || *i.ContactName != "Ines" ||
		i.ContactEmail == nil || *i.ContactEmail != "ines@invited.test" || i.Via != "invitation" {
		t.Fatalf("invited customer %+v", i)
	}
	for query, names := range map[string][]string{
		"?status=invited":                             {"Invited AG"},
		"?status=active":                              {"Beta Corp", "Gamma Ltd"},
		"?group_id=" + group.ID.String():              {"Gamma Ltd"},
		"?group_id=" + uuid.NewString():               {},
		"?q=corp":                                     {"Beta Corp"},
		"?q=a&status=active&limit=500":                {"Beta Corp", "Gamma Ltd"},
		"?status=revoked":                             {},
		"?q=" + "Gamma&group_id=" + group.ID.String(): {"Gamma Ltd"},
	} {
		p := readOK[page[customerItem]](t, ts, &provider, "/api/v1/customers"+query)
		if got := customerNames(p.Items); !slices.Equal(got, names) {
			t.Errorf("customers%s: %v, want %v", query, got, names)
		}
	}
	for query, field := range map[string]string{
		"?status=gone": "status", "?group_id=nope": "group_id", "?limit=0": "limit", "?limit=501": "limit",
		"?cursor=forged": "cursor", "?status=active&status=paused": "status",
	} {
		a := ts.read(t, &provider, "/api/v1/customers"+query)
		if a.status != 400 || a.code() != "validation_failed" || !containsField(t, a, field) {
			t.Errorf("customers%s: %d %s", query, a.status, a.body)
		}
	}
	// A cursor of another list is refused.
	p := readOK[page[directoryItem]](t, ts, &provider, "/api/v1/directory?limit=1")
	if a := ts.read(t, &provider, "/api/v1/customers?cursor="+*p.NextCursor); a.status != 400 {
		t.Fatalf("foreign cursor %d %s", a.status, a.body)
	}

	// Pausing shows at once with the pause's X-Position.
	a = ts.send(t, &provider, "POST", "/api/v1/customers/"+b.ID.String()+"/pause", "")
	expectWritten(t, "pause", a, 200)
	if c := decodeAs[customerItem](t, ts.readAt(t, &provider, "/api/v1/customers/"+b.ID.String(), position(t, a))); c.Status != "paused" ||
		!c.StatusChangedAt.After(c.CreatedAt) {
		t.Fatalf("paused customer %+v", c)
	}

	// Another company sees none of it.
	expectNotFound(t, "other company's customer", ts.read(t, &beta, "/api/v1/customers/"+g.ID.String()), g.ID, gamma.CompanyID)
	expectNotFound(t, "unknown customer", ts.read(t, &provider, "/api/v1/customers/"+uuid.NewString()))
	if p := readOK[page[customerItem]](t, ts, &beta, "/api/v1/customers"); len(p.Items) != 0 {
		t.Fatalf("beta sees %v", p.Items)
	}
	expect(t, "bad id", ts.read(t, &provider, "/api/v1/customers/42"), 400, "validation_failed")
	expect(t, "anonymous", ts.read(t, nil, "/api/v1/customers"), 401, "unauthenticated")
	_ = delta
}

func containsField(t *testing.T, a answer, field string) bool {
	t.Helper()
	var p struct {
		Field string `json:"field"`
	}
	mustDecode(t, a, &p)
	return p.Field == field
}

// groupDetail and staffMember are the list items of GET /api/v1/groups and /staff.
type groupDetail struct {
	ID            uuid.UUID `json:"id"`
	Name          string    `json:"name"`
	Code          string    `json:"code"`
	CustomerCount int       `json:"customer_count"`
	Members       []struct {
		UserID uuid.UUID `json:"user_id"`
		Name   string    `json:"name"`
		Access string    `json:"access"`
	} `json:"members"`
}

type staffMember struct {
	UserID   uuid.UUID `json:"user_id"`
	Name     string    `json:"name"`
	Email    string    `json:"email"`
	Role     string    `json:"role"`
	CanShare bool      `json:"can_share"`
	Auditor  bool      `json:"auditor"`
	Status   string    `json:"status"`
	Groups   []struct {
		GroupID uuid.UUID `json:"group_id"`
		Access  string    `json:"access"`
	} `json:"groups"`
}

// A member with read access to one group sees that group's customers and their
// data, and nothing of the other customers.
func TestReadsOfAMemberFollowGroupAccess(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	provider := ts.signupCompany(t, "Acme Provider")
	member := ts.invitedStaff(t, provider, `{"name":"Mia Member","email":"mia@acme.test"}`)
	beta := ts.signupCompany(t, "Beta Corp")
	gamma := ts.signupCompany(t, "Gamma Ltd")
	delta := ts.signupCompany(t, "Delta GmbH")
	b, g, d := ts.connect(t, provider, beta), ts.connect(t, provider, gamma), ts.connect(t, provider, delta)
	var groups []groupResponse
	for _, name := range []string{"North", "South"} {
		a := ts.send(t, &provider, "POST", "/api/v1/groups", `{"name":"`+name+`"}`)
		expectWritten(t, "group", a, 201)
		groups = append(groups, decodeAs[groupResponse](t, a))
	}
	expectWritten(t, "assign", ts.send(t, &provider, "PUT", "/api/v1/customers/"+b.ID.String()+"/group", `{"group_id":"`+groups[0].ID.String()+`"}`), 200)
	expectWritten(t, "assign", ts.send(t, &provider, "PUT", "/api/v1/customers/"+g.ID.String()+"/group", `{"group_id":"`+groups[1].ID.String()+`"}`), 200)
	// Delta stays ungrouped: for admins only.

	// Before any access the member sees no customer.
	if p := readOK[page[customerItem]](t, ts, &member, "/api/v1/customers"); len(p.Items) != 0 {
		t.Fatalf("member without access sees %v", customerNames(p.Items))
	}
	a := ts.send(t, &provider, "PUT", "/api/v1/groups/"+groups[0].ID.String()+"/members/"+member.UserID.String(), `{"access":"read"}`)
	expectWritten(t, "grant read", a, 200)
	p := decodeAs[page[customerItem]](t, ts.readAt(t, &member, "/api/v1/customers", position(t, a)))
	if got := customerNames(p.Items); !slices.Equal(got, []string{"Beta Corp"}) {
		t.Fatalf("member sees %v", got)
	}
	if got := customerNames(readOK[page[customerItem]](t, ts, &provider, "/api/v1/customers").Items); !slices.Equal(got, []string{"Beta Corp", "Delta GmbH", "Gamma Ltd"}) {
		t.Fatalf("admin sees %v", got)
	}
	if c := readOK[customerItem](t, ts, &member, "/api/v1/customers/"+b.ID.String()); c.ID != b.ID {
		t.Fatalf("member reads %+v", c)
	}
	expectNotFound(t, "member reads other group's customer", ts.read(t, &member, "/api/v1/customers/"+g.ID.String()), gamma.CompanyID)
	expectNotFound(t, "member reads ungrouped customer", ts.read(t, &member, "/api/v1/customers/"+d.ID.String()), delta.CompanyID)
	expectNotFound(t, "member reads other group's portal view", ts.read(t, &member, "/api/v1/customers/"+g.ID.String()+"/portal-view"))
	if p := readOK[page[customerItem]](t, ts, &member, "/api/v1/customers?group_id="+groups[1].ID.String()); len(p.Items) != 0 {
		t.Fatalf("member filters into another group: %v", customerNames(p.Items))
	}

	// Workspace contents follow the customer: Gamma's workspace is hidden from the
	// member, the library outside workspaces is not.
	gws := ts.folder(t, provider, `{"name":"Gamma files","customer_id":"`+g.ID.String()+`"}`)
	gdoc := ts.document(t, provider, gws.ID, "gamma-contract.pdf", "%PDF gamma")
	bws := ts.folder(t, provider, `{"name":"Beta files","customer_id":"`+b.ID.String()+`"}`)
	bdoc := ts.document(t, provider, bws.ID, "beta-contract.pdf", "%PDF beta")
	lib := ts.folder(t, provider, `{"name":"Manuals"}`)
	manual := ts.document(t, provider, lib.ID, "manual.pdf", "%PDF manual")
	expectNotFound(t, "member reads hidden workspace folder", ts.read(t, &member, "/api/v1/folders/"+gws.ID.String()), gdoc.ID)
	expectNotFound(t, "member reads hidden workspace document", ts.read(t, &member, "/api/v1/documents/"+gdoc.ID.String()))
	expectNotFound(t, "member downloads hidden workspace document", ts.read(t, &member, "/api/v1/documents/"+gdoc.ID.String()+"/content"))
	expectNotFound(t, "member reads hidden share history", ts.read(t, &member, "/api/v1/documents/"+gdoc.ID.String()+"/share-history"))
	docs := readOK[page[documentItem]](t, ts, &member, "/api/v1/documents")
	if got := names(docs.Items, func(d documentItem) string { return d.Name }); !slices.Equal(got, []string{"beta-contract.pdf", "manual.pdf"}) {
		t.Fatalf("member's documents %v", got)
	}
	if got := names(readOK[page[documentItem]](t, ts, &provider, "/api/v1/documents").Items, func(d documentItem) string { return d.Name }); !slices.Equal(got, []string{"beta-contract.pdf", "gamma-contract.pdf", "manual.pdf"}) {
		t.Fatalf("admin's documents %v", got)
	}
	if got := readOK[page[documentItem]](t, ts, &member, "/api/v1/documents?customer_id="+g.ID.String()); len(got.Items) != 0 {
		t.Fatalf("member lists gamma's workspace: %v", got.Items)
	}

	// Shares: the member sees Beta's, not Gamma's.
	for _, body := range []string{
		`{"customer_id":"` + b.ID.String() + `","document_id":"` + manual.ID.String() + `","permission":"view"}`,
		`{"customer_id":"` + g.ID.String() + `","document_id":"` + manual.ID.String() + `","permission":"view"}`,
		`{"customer_id":"` + b.ID.String() + `","document_id":"` + bdoc.ID.String() + `","permission":"edit"}`,
	} {
		expectWritten(t, "share", ts.send(t, &provider, "POST", "/api/v1/shares", body), 201)
	}
	shares := readOK[page[shareItem]](t, ts, &member, "/api/v1/shares")
	if len(shares.Items) != 2 || shares.Items[0].CustomerID != b.ID || shares.Items[1].CustomerID != b.ID {
		t.Fatalf("member's shares %+v", shares.Items)
	}
	if all := readOK[page[shareItem]](t, ts, &provider, "/api/v1/shares"); len(all.Items) != 3 {
		t.Fatalf("admin's shares %+v", all.Items)
	}
	hist := readOK[page[historyItem]](t, ts, &member, "/api/v1/documents/"+manual.ID.String()+"/share-history")
	if len(hist.Items) != 1 || *hist.Items[0].CustomerID != b.ID {
		t.Fatalf("member's history of the manual %+v", hist.Items)
	}

	// Groups and staff.
	mg := readOK[page[groupDetail]](t, ts, &member, "/api/v1/groups")
	if len(mg.Items) != 1 || mg.Items[0].ID != groups[0].ID || mg.Items[0].CustomerCount != 1 ||
		len(mg.Items[0].Members) != 1 || mg.Items[0].Members[0].UserID != member.UserID || mg.Items[0].Members[0].Access != "read" ||
		mg.Items[0].Members[0].Name != "Mia Member" || mg.Items[0].Code != groups[0].Code {
		t.Fatalf("member's groups %+v", mg.Items)
	}
	ag := readAll[groupDetail](t, ts, &provider, "/api/v1/groups", 1)
	if got := names(ag, func(g groupDetail) string { return g.Name }); !slices.Equal(got, []string{"North", "South"}) || len(ag[1].Members) != 0 {
		t.Fatalf("admin's groups %+v", ag)
	}
	staff := readAll[staffMember](t, ts, &member, "/api/v1/staff", 1)
	if len(staff) != 2 || staff[0].Name != "Admin of Acme Provider" || staff[0].Role != "admin" || staff[0].Status != "active" ||
		staff[1].UserID != member.UserID || staff[1].Role != "member" || staff[1].Email != "mia@acme.test" ||
		len(staff[1].Groups) != 1 || staff[1].Groups[0].GroupID != groups[0].ID || staff[1].Groups[0].Access != "read" {
		t.Fatalf("staff %+v", staff)
	}
	if s := readOK[page[staffMember]](t, ts, &provider, "/api/v1/staff?q=MIA@"); len(s.Items) != 1 || s.Items[0].UserID != member.UserID {
		t.Fatalf("staff ?q= %+v", s.Items)
	}
	if s := readOK[page[staffMember]](t, ts, &beta, "/api/v1/staff"); len(s.Items) != 1 || s.Items[0].UserID != beta.UserID {
		t.Fatalf("another company's staff %+v", s.Items)
	}
	if s := readOK[page[groupDetail]](t, ts, &beta, "/api/v1/groups"); len(s.Items) != 0 {
		t.Fatalf("another company's groups %+v", s.Items)
	}

	// Revoking the access hides Beta again.
	a = ts.send(t, &provider, "DELETE", "/api/v1/groups/"+groups[0].ID.String()+"/members/"+member.UserID.String(), "")
	expectWritten(t, "revoke access", a, 204)
	expectNotFound(t, "after revoke", ts.readAt(t, &member, "/api/v1/customers/"+b.ID.String(), position(t, a)))
}

// X-Min-Position: a read waits for the projections, and answers 503 when they do
// not reach the position in time.
func TestReadsWaitForMinPosition(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, func(c *Config) { c.MaxConsistencyWait = 150 * time.Millisecond })
	provider := ts.signupCompany(t, "Acme Provider")
	customer := ts.signupCompany(t, "Beta Corp")
	a := ts.send(t, &provider, "POST", "/api/v1/customers", `{"company_id":"`+customer.CompanyID.String()+`"}`)
	expectWritten(t, "connect", a, 201)
	c := decodeAs[customerResponse](t, a)
	// The wait allowed here is short: let the projections catch up first.
	for _, group := range readGroups {
		if err := projections.WaitFor(ctxFor(t), ts.store, group, position(t, a), 30*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	if got := readOK[page[customerItem]](t, ts, &provider, "/api/v1/customers"); len(got.Items) != 1 || got.Items[0].ID != c.ID {
		t.Fatalf("read-your-write %+v", got)
	}
	far := position(t, a) + 1_000_000
	for _, path := range []string{"/api/v1/customers", "/api/v1/customers/" + c.ID.String(), "/api/v1/directory",
		"/api/v1/portal/providers", "/api/v1/documents/" + uuid.NewString() + "/content"} {
		a := ts.readAt(t, &provider, path, far)
		if a.status != 503 || a.code() != "projection_lagging" || !strings.Contains(a.body, strconv.FormatInt(far, 10)) {
			t.Fatalf("%s with a future X-Min-Position: %d %s", path, a.status, a.body)
		}
	}
	h := provider.bearer()
	h.Set("X-Min-Position", "soon")
	if a := ts.do(t, ts.client, "GET", "/api/v1/customers", h, ""); a.status != 400 || !containsField(t, a, "X-Min-Position") {
		t.Fatalf("malformed X-Min-Position %d %s", a.status, a.body)
	}
}

// The principal resolver fills role and flags from the accounts read model.
func TestPrincipalResolver(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	provider := ts.signupCompany(t, "Acme Provider")
	member := ts.invitedStaff(t, provider, `{"name":"Sam Sharer","email":"sam@acme.test","can_share":true}`)
	for _, group := range readGroups {
		if err := projections.WaitFor(ctxFor(t), ts.store, group, ts.lastPosition(t), 30*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	resolve := NewPrincipalResolver(projections.NewReadModels(ts.pool, ts.store))
	p, err := resolve(ctxFor(t), auth.Principal{UserID: provider.UserID, CompanyID: provider.CompanyID})
	if err != nil || p.Role != "admin" || p.Auditor {
		t.Fatalf("admin %+v %v", p, err)
	}
	p, err = resolve(ctxFor(t), auth.Principal{UserID: member.UserID, CompanyID: member.CompanyID})
	if err != nil || p.Role != "member" || !p.CanShare || p.Auditor {
		t.Fatalf("member %+v %v", p, err)
	}
	unknown := auth.Principal{UserID: uuid.New(), CompanyID: provider.CompanyID}
	if p, err := resolve(ctxFor(t), unknown); err != nil || p != unknown {
		t.Fatalf("a user the read model does not know yet: %+v %v", p, err)
	}
	if _, err := resolve(ctxFor(t), auth.Principal{UserID: member.UserID, CompanyID: uuid.New()}); !errors.Is(err, auth.ErrInvalidSession) {
		t.Fatalf("another company: %v", err)
	}
}
