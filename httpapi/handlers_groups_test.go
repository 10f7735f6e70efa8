package httpapi

import (
	"regexp"
	"testing"

	"github.com/google/uuid"
)

func TestGroupsAndStaffAccess(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	provider := ts.signupCompany(t, "Provider Ltd")
	intruder := ts.signupCompany(t, "Intruder Inc")

	a := ts.send(t, &provider, "POST", "/api/v1/groups", `{"name":" Sales "}`)
	expectWritten(t, "create group", a, 201)
	g := decodeAs[groupResponse](t, a)
	if g.ID == uuid.Nil || g.Name != "Sales" || !regexp.MustCompile(`^Sales-[0-9]{4}$`).MatchString(g.Code) {
		t.Fatalf("group %+v", g)
	}
	before := countEvents(t, ts)
	expectInvalid(t, ts, "empty name", ts.send(t, &provider, "POST", "/api/v1/groups", `{"name":""}`), "name", before)
	expectInvalid(t, ts, "unknown field", ts.send(t, &provider, "POST", "/api/v1/groups", `{"name":"X","code":"X-0001"}`), "code", before)

	staff := ts.invitedStaff(t, provider, `{"name":"Mia Member","email":"mia@provider.test"}`)
	member := "/api/v1/groups/" + g.ID.String() + "/members/" + staff.UserID.String()
	a = ts.send(t, &provider, "PUT", member, `{"access":"write"}`)
	expectWritten(t, "grant access", a, 200)
	if got := decodeAs[groupMemberResponse](t, a); got.GroupID != g.ID || got.UserID != staff.UserID || got.Access != "write" {
		t.Fatalf("granted %+v", got)
	}
	before = countEvents(t, ts)
	expectInvalid(t, ts, "bad access", ts.send(t, &provider, "PUT", member, `{"access":"admin"}`), "access", before)
	expectInvalid(t, ts, "bad user id", ts.send(t, &provider, "PUT", "/api/v1/groups/"+g.ID.String()+"/members/x", `{"access":"read"}`), "user_id", before)
	expect(t, "intruder grants", ts.send(t, &intruder, "PUT", member, `{"access":"read"}`), 404, "not_found")
	expect(t, "intruder revokes", ts.send(t, &intruder, "DELETE", member, ""), 404, "not_found")
	expectUnchanged(t, ts, "intruder", before)
	// A member may not manage groups.
	expect(t, "member creates group", ts.send(t, &staff, "POST", "/api/v1/groups", `{"name":"Mine"}`), 403, "forbidden")
	expect(t, "unknown group", ts.send(t, &provider, "PUT", "/api/v1/groups/"+uuid.NewString()+"/members/"+staff.UserID.String(), `{"access":"read"}`), 404, "not_found")

	a = ts.send(t, &provider, "DELETE", member, "")
	expectWritten(t, "revoke access", a, 204)
	if a.body != "" {
		t.Fatalf("204 with a body %q", a.body)
	}
}
