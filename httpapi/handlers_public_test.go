package httpapi

import (
	"testing"

	"github.com/google/uuid"
)

func TestRegisterWithGroupCode(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	provider := ts.signupCompany(t, "Provider Ltd")
	a := ts.send(t, &provider, "POST", "/api/v1/groups", `{"name":"Partners"}`)
	expectWritten(t, "create group", a, 201)
	g := decodeAs[groupResponse](t, a)

	body := `{"group_code":"` + g.Code + `","company_name":"Partner AG","name":"Pat Partner","email":"pat@partner.test","password":"correct horse battery"}`
	a = ts.send(t, nil, "POST", "/api/v1/register", body)
	expectWritten(t, "register", a, 201)
	reg := decodeAs[registerResponse](t, a)
	if reg.CompanyID == uuid.Nil || reg.UserID == uuid.Nil || reg.CustomerID == uuid.Nil || reg.Token == "" || a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("registered %+v", reg)
	}
	partner := account{CompanyID: reg.CompanyID, UserID: reg.UserID, Token: reg.Token}
	// The new company is an active customer in the group: the provider manages it.
	a = ts.send(t, &provider, "POST", "/api/v1/customers/"+reg.CustomerID.String()+"/pause", "")
	expectWritten(t, "pause registered customer", a, 200)
	if c := decodeAs[customerResponse](t, a); c.CompanyID != reg.CompanyID || c.GroupID == nil || *c.GroupID != g.ID {
		t.Fatalf("registered customer %+v", c)
	}
	// Its token works.
	expect(t, "partner signs out", ts.send(t, &partner, "DELETE", "/api/v1/sessions/current", ""), 204, "")

	before := countEvents(t, ts)
	expect(t, "same email again", ts.send(t, nil, "POST", "/api/v1/register", body), 409, "conflict")
	expect(t, "unknown code", ts.send(t, nil, "POST", "/api/v1/register",
		`{"group_code":"Nope-0000","company_name":"X","name":"Y","email":"y@x.test","password":"correct horse battery"}`), 404, "not_found")
	expectUnchanged(t, ts, "refused registrations", before)
	expectInvalid(t, ts, "no code", ts.send(t, nil, "POST", "/api/v1/register",
		`{"company_name":"X","name":"Y","email":"y@x.test","password":"correct horse battery"}`), "group_code", before)
	expectInvalid(t, ts, "short password", ts.send(t, nil, "POST", "/api/v1/register",
		`{"group_code":"`+g.Code+`","company_name":"X","name":"Y","email":"y@x.test","password":"short"}`), "password", before)
	expectInvalid(t, ts, "bad email", ts.send(t, nil, "POST", "/api/v1/register",
		`{"group_code":"`+g.Code+`","company_name":"X","name":"Y","email":"y","password":"correct horse battery"}`), "email", before)
}
