package httpapi

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

// invitedStaff invites a staff user into admin's company and accepts the
// invitation, returning the signed-in user.
func (ts *testServer) invitedStaff(t *testing.T, admin account, body string) account {
	t.Helper()
	a := ts.send(t, &admin, "POST", "/api/v1/staff/invitations", body)
	expectWritten(t, "invite staff", a, 201)
	inv := decodeAs[userInvitationResponse](t, a)
	token := inv.InvitationURL[strings.LastIndex(inv.InvitationURL, "/")+1:]
	a = ts.send(t, nil, "POST", "/api/v1/invitations/"+token+"/accept", `{"password":"correct horse battery"}`)
	expectWritten(t, "accept staff invitation", a, 201)
	acc := decodeAs[acceptInvitationResponse](t, a)
	return account{CompanyID: acc.CompanyID, UserID: acc.UserID, Token: acc.Token}
}

func TestStaffInvitationsAndRoles(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	provider := ts.signupCompany(t, "Provider Ltd")
	intruder := ts.signupCompany(t, "Intruder Inc")

	a := ts.send(t, &provider, "POST", "/api/v1/staff/invitations", `{"name":"Sam Sharer","email":"sam@provider.test","can_share":true}`)
	expectWritten(t, "invite staff", a, 201)
	inv := decodeAs[userInvitationResponse](t, a)
	if inv.UserID == uuid.Nil || !strings.HasPrefix(inv.InvitationURL, "http://127.0.0.1:0/invitations/") || inv.ExpiresAt.IsZero() ||
		a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("invitation %+v", inv)
	}
	token := inv.InvitationURL[strings.LastIndex(inv.InvitationURL, "/")+1:]

	before := countEvents(t, ts)
	expectInvalid(t, ts, "accept: short password", ts.send(t, nil, "POST", "/api/v1/invitations/"+token+"/accept", `{"password":"short"}`), "password", before)
	expectInvalid(t, ts, "accept: unknown field", ts.send(t, nil, "POST", "/api/v1/invitations/"+token+"/accept", `{"password":"correct horse battery","role":"admin"}`), "role", before)
	expect(t, "accept: unknown token", ts.send(t, nil, "POST", "/api/v1/invitations/not-a-token/accept", `{"password":"correct horse battery"}`), 404, "not_found")
	a = ts.send(t, nil, "POST", "/api/v1/invitations/"+token+"/accept", `{"name":"Sam S. Sharer","password":"correct horse battery"}`)
	expectWritten(t, "accept", a, 201)
	acc := decodeAs[acceptInvitationResponse](t, a)
	if acc.UserID != inv.UserID || acc.CompanyID != provider.CompanyID || acc.Token == "" || a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("accepted %+v", acc)
	}
	sam := account{CompanyID: acc.CompanyID, UserID: acc.UserID, Token: acc.Token}
	before = countEvents(t, ts)
	expect(t, "accept again", ts.send(t, nil, "POST", "/api/v1/invitations/"+token+"/accept", `{"password":"correct horse battery"}`), 410, "invitation_gone")
	expectUnchanged(t, ts, "accept again", before)
	if a := ts.send(t, nil, "POST", "/api/v1/sessions", `{"email":"sam@provider.test","password":"correct horse battery"}`); a.status != 201 {
		t.Fatalf("sign in after accepting %+v", a)
	}

	expectInvalid(t, ts, "invite: bad email", ts.send(t, &provider, "POST", "/api/v1/staff/invitations", `{"name":"X","email":"x"}`), "email", before)
	expectInvalid(t, ts, "invite: admin not bool", ts.send(t, &provider, "POST", "/api/v1/staff/invitations", `{"name":"X","email":"x@provider.test","admin":"yes"}`), "admin", before)
	expect(t, "member invites", ts.send(t, &sam, "POST", "/api/v1/staff/invitations", `{"name":"X","email":"x@provider.test"}`), 403, "forbidden")
	expectUnchanged(t, ts, "member invites", before)

	staff := "/api/v1/staff/" + sam.UserID.String()
	a = ts.send(t, &provider, "PATCH", staff, `{"admin":true,"auditor":true}`)
	expectWritten(t, "change role", a, 200)
	if got := decodeAs[staffRoleResponse](t, a); got.UserID != sam.UserID || got.Role != "admin" || !got.CanShare || !got.Auditor {
		t.Fatalf("changed %+v", got)
	}
	before = countEvents(t, ts)
	expectInvalid(t, ts, "empty patch", ts.send(t, &provider, "PATCH", staff, `{}`), "body", before)
	expectInvalid(t, ts, "patch: unknown field", ts.send(t, &provider, "PATCH", staff, `{"role":"admin"}`), "role", before)
	expect(t, "intruder patches", ts.send(t, &intruder, "PATCH", staff, `{"admin":true}`), 404, "not_found")
	expectUnchanged(t, ts, "intruder patches", before)
	expect(t, "unknown user", ts.send(t, &provider, "PATCH", "/api/v1/staff/"+uuid.NewString(), `{"admin":true}`), 404, "not_found")
}
