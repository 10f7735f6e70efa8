package httpapi

import (
	"strings"
	"testing"
)

// Issue 12: group codes could be guessed. A provider's admin can close a group to
// self-registration and rotate its code; the old code, and a closed group's code,
// answer like an unknown one (404) and register nobody. Renaming keeps the code.
func TestGroupCodeRotationAndSelfRegistration(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	provider := ts.signupCompany(t, "Code Keeper")
	intruder := ts.signupCompany(t, "Code Thief")
	member := ts.invitedStaff(t, provider, `{"name":"Mo","email":"mo@keeper.test","admin":false,"can_share":true,"auditor":false}`)
	g := decodeAs[groupResponse](t, ts.send(t, &provider, "POST", "/api/v1/groups", `{"name":"Partners"}`))
	if !g.SelfRegistration {
		t.Fatalf("created %+v", g)
	}
	path := "/api/v1/groups/" + g.ID.String()
	n := 0
	register := func(code string) answer {
		n++
		return ts.send(t, nil, "POST", "/api/v1/register", `{"group_code":"`+code+`","company_name":"Reg `+strings.Repeat("x", n)+
			`","name":"R","email":"r`+strings.Repeat("x", n)+`@reg.test","password":"correct horse battery"}`)
	}

	// Rename: the code stays.
	a := ts.send(t, &provider, "PATCH", path, `{"name":"Gold Partners"}`)
	expectWritten(t, "rename", a, 200)
	if r := decodeAs[groupResponse](t, a); r.Name != "Gold Partners" || r.Code != g.Code || !r.SelfRegistration {
		t.Fatalf("renamed %+v", r)
	}

	// Rotate: the old code registers nobody, the new one does.
	a = ts.send(t, &provider, "POST", path+"/code", "")
	expectWritten(t, "rotate", a, 200)
	rot := decodeAs[groupResponse](t, a)
	if rot.ID != g.ID || rot.Code == g.Code || !strings.HasPrefix(rot.Code, "Gold Partners-") || len(rot.Code) != len("Gold Partners-0000") {
		t.Fatalf("rotated %+v (was %s)", rot, g.Code)
	}
	before := countEvents(t, ts)
	expect(t, "old code", register(g.Code), 404, "not_found")
	expectUnchanged(t, ts, "old code", before)
	expectWritten(t, "new code", register(rot.Code), 201)

	// Closed: the current code registers nobody; reopened, it does again.
	a = ts.send(t, &provider, "PATCH", path, `{"self_registration":false}`)
	expectWritten(t, "close", a, 200)
	if r := decodeAs[groupResponse](t, a); r.SelfRegistration || r.Code != rot.Code {
		t.Fatalf("closed %+v", r)
	}
	before = countEvents(t, ts)
	expect(t, "closed group", register(rot.Code), 404, "not_found")
	expectUnchanged(t, ts, "closed group", before)
	listed := readAll[groupItem](t, ts, &provider, "/api/v1/groups", 50)
	if len(listed) != 1 || listed[0].Code != rot.Code || listed[0].Name != "Gold Partners" || listed[0].SelfRegistration {
		t.Fatalf("listed %+v", listed)
	}
	expectWritten(t, "reopen", ts.send(t, &provider, "PATCH", path, `{"self_registration":true}`), 200)
	expectWritten(t, "reopened", register(rot.Code), 201)

	// Refusals change nothing: a member (admins only), another company, bad input.
	before = countEvents(t, ts)
	expect(t, "member closes", ts.send(t, &member, "PATCH", path, `{"self_registration":false}`), 403, "forbidden")
	expect(t, "member rotates", ts.send(t, &member, "POST", path+"/code", ""), 403, "forbidden")
	expect(t, "intruder closes", ts.send(t, &intruder, "PATCH", path, `{"self_registration":false}`), 404, "not_found")
	expect(t, "intruder rotates", ts.send(t, &intruder, "POST", path+"/code", ""), 404, "not_found")
	expectInvalid(t, ts, "nothing to change", ts.send(t, &provider, "PATCH", path, `{}`), "body", before)
	expectInvalid(t, ts, "blank name", ts.send(t, &provider, "PATCH", path, `{"name":"  "}`), "name", before)
	expectInvalid(t, ts, "not a bool", ts.send(t, &provider, "PATCH", path, `{"self_registration":"no"}`), "self_registration", before)
	expectInvalid(t, ts, "unknown field", ts.send(t, &provider, "PATCH", path, `{"code":"Mine-0001"}`), "code", before)
	expectUnchanged(t, ts, "refusals", before)
	if a := register(rot.Code); a.status != 201 {
		t.Fatalf("the code still works after the refusals: %+v", a)
	}
}
