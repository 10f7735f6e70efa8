package httpapi

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain/app"
)

// offsetClock is wall time moved forward by what a test advances it: the
// server's reads and the app's commands share it.
type offsetClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *offsetClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *offsetClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// Issue 16, invitations: customer, staff and portal-user lists show
// invitation_expires_at while an invitation is pending, show an invitation
// that expired unaccepted as expired (computed when read, nothing written), and
// invited again after a resend.
func TestInvitationExpiryInListsAndResend(t *testing.T) {
	t.Parallel()
	clock := &offsetClock{}
	ts := newReadServer(t, func(c *Config) {
		c.Clock = clock.now
		svc, err := app.New(app.Config{Store: c.Store, Hasher: c.Hasher, Clock: clock.now, InvitationTTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		c.App = svc
	})
	provider := ts.signupWith(t, "Provider Ltd", "ada@expiry.test")
	intruder := ts.signupWith(t, "Intruder", "eve@expiry.test")
	tokenOf := func(url string) string { return url[strings.LastIndex(url, "/")+1:] }

	// An invited customer, an active customer with an invited portal user, an
	// invited staff user.
	a := ts.send(t, &provider, "POST", "/api/v1/customers/invitations", `{"company_name":"Newco","contact_name":"Nina","email":"nina@expiry.test"}`)
	expectWritten(t, "invite Newco", a, 201)
	newco := decodeAs[customerResponse](t, a)
	a = ts.send(t, &provider, "POST", "/api/v1/customers/invitations", `{"company_name":"Actco","contact_name":"Abe","email":"abe@expiry.test"}`)
	expectWritten(t, "invite Actco", a, 201)
	actco := decodeAs[customerResponse](t, a)
	expectWritten(t, "Actco accepts", ts.send(t, nil, "POST", "/api/v1/invitations/"+tokenOf(actco.InvitationURL)+"/accept",
		`{"password":"`+accountPassword+`"}`), 201)
	a = ts.send(t, &provider, "POST", "/api/v1/customers/"+actco.ID.String()+"/users/invitations", `{"name":"Alan","email":"alan@expiry.test"}`)
	expectWritten(t, "invite portal user", a, 201)
	alan := decodeAs[userInvitationResponse](t, a)
	a = ts.send(t, &provider, "POST", "/api/v1/staff/invitations", `{"name":"Sam","email":"sam@expiry.test","admin":false,"can_share":true,"auditor":false}`)
	expectWritten(t, "invite staff", a, 201)
	sam := decodeAs[struct {
		UserID uuid.UUID `json:"user_id"`
	}](t, a)
	if newco.InvitationExpiresAt == nil || alan.ExpiresAt.IsZero() {
		t.Fatalf("invitation answers without expiry: %+v %+v", newco, alan)
	}

	customersPath := "/api/v1/customers/"
	usersPath := customersPath + actco.ID.String() + "/users"
	expectState := func(when, wantStatus string, customerUntil, userUntil time.Time) {
		t.Helper()
		c := readOK[customerDetail](t, ts, &provider, customersPath+newco.ID.String())
		if c.Status != wantStatus || c.InvitationExpiresAt == nil || !c.InvitationExpiresAt.Equal(customerUntil) {
			t.Fatalf("%s: Newco %s until %v, want %s until %s", when, c.Status, c.InvitationExpiresAt, wantStatus, customerUntil)
		}
		byStatus := readOK[page[customerDetail]](t, ts, &provider, "/api/v1/customers?status="+wantStatus)
		if got := names(byStatus.Items, func(c customerDetail) string { return c.CompanyName }); len(got) != 1 || got[0] != "Newco" {
			t.Fatalf("%s: ?status=%s lists %v", when, wantStatus, got)
		}
		other := map[string]string{"invited": "expired", "expired": "invited"}[wantStatus]
		if n := len(readOK[page[customerDetail]](t, ts, &provider, "/api/v1/customers?status="+other).Items); n != 0 {
			t.Fatalf("%s: ?status=%s lists %d customers", when, other, n)
		}
		active := ts.read(t, &provider, customersPath+actco.ID.String())
		expect(t, when+": Actco", active, 200, "")
		if _, ok := fields(t, active.body)["invitation_expires_at"]; ok || decodeAs[customerDetail](t, active).Status != "active" {
			t.Fatalf("%s: an accepted customer shows a pending invitation: %s", when, active.body)
		}
		users := readOK[page[customerUserItem]](t, ts, &provider, usersPath)
		if len(users.Items) != 1 || users.Items[0].UserID != alan.UserID || users.Items[0].Status != wantStatus ||
			users.Items[0].InvitationExpiresAt == nil || !users.Items[0].InvitationExpiresAt.Equal(userUntil) ||
			users.Items[0].Email != "alan@expiry.test" || users.Items[0].InvitedAt == nil {
			t.Fatalf("%s: Actco's users %+v, want Alan %s until %s", when, users.Items, wantStatus, userUntil)
		}
	}
	expectStaff := func(when, want string) {
		t.Helper()
		staff := readOK[page[staffItem]](t, ts, &provider, "/api/v1/staff")
		seen := 0
		for _, s := range staff.Items {
			switch s.UserID {
			case sam.UserID:
				seen++
				if s.Status != want || s.InvitationExpiresAt == nil {
					t.Fatalf("%s: Sam %s until %v, want %s", when, s.Status, s.InvitationExpiresAt, want)
				}
			case provider.UserID:
				seen++
				if s.Status != "active" || s.InvitationExpiresAt != nil {
					t.Fatalf("%s: the admin %+v", when, s)
				}
			}
		}
		if seen != 2 {
			t.Fatalf("%s: staff %+v", when, staff.Items)
		}
	}
	expectState("just invited", "invited", *newco.InvitationExpiresAt, alan.ExpiresAt)
	expectStaff("just invited", "invited")

	// Who may list a customer's users: whoever may read that customer.
	unknown := ts.read(t, &intruder, customersPath+uuid.NewString()+"/users")
	expect(t, "unknown customer's users", unknown, 404, "not_found")
	other := ts.read(t, &intruder, usersPath)
	expect(t, "another provider's customer's users", other, 404, "not_found")
	if other.body != unknown.body {
		t.Fatalf("another provider's customer answers unlike an unknown one: %s / %s", other.body, unknown.body)
	}
	expect(t, "a bad id", ts.read(t, &provider, customersPath+"nope/users"), 400, "")
	expect(t, "an unknown status filter", ts.read(t, &provider, "/api/v1/customers?status=lapsed"), 400, "validation_failed")

	// Past the expiry: expired, computed when read; nothing is written.
	before := countEvents(t, ts)
	clock.advance(time.Hour + time.Minute)
	expectState("an hour later", "expired", *newco.InvitationExpiresAt, alan.ExpiresAt)
	expectStaff("an hour later", "expired")
	expect(t, "the expired customer token", ts.send(t, nil, "POST", "/api/v1/invitations/"+tokenOf(newco.InvitationURL)+"/accept",
		`{"password":"`+accountPassword+`"}`), 410, "invitation_gone")
	expectUnchanged(t, ts, "reads of expired invitations", before)

	// A resend makes them invited again, until the fresh expiry.
	a = ts.send(t, &provider, "POST", customersPath+newco.ID.String()+"/invitation/resend", "")
	expectWritten(t, "resend to Newco", a, 200)
	freshCustomer := decodeAs[resendResponse](t, a)
	a = ts.send(t, &provider, "POST", usersPath+"/"+alan.UserID.String()+"/invitation/resend", "")
	expectWritten(t, "resend to Alan", a, 200)
	freshUser := decodeAs[resendResponse](t, a)
	if !freshCustomer.ExpiresAt.After(*newco.InvitationExpiresAt) || !freshUser.ExpiresAt.After(alan.ExpiresAt) {
		t.Fatalf("resends kept the old expiry: %+v %+v", freshCustomer, freshUser)
	}
	expectState("after the resends", "invited", freshCustomer.ExpiresAt, freshUser.ExpiresAt)
	expectStaff("after the resends (no staff resend)", "expired")

	// Accepted: active, no pending invitation shown.
	expectWritten(t, "Alan accepts", ts.send(t, nil, "POST", "/api/v1/invitations/"+tokenOf(freshUser.InvitationURL)+"/accept",
		`{"password":"`+accountPassword+`"}`), 201)
	users := ts.read(t, &provider, usersPath)
	expect(t, "users after acceptance", users, 200, "")
	if items := decodeAs[page[customerUserItem]](t, users).Items; len(items) != 1 || items[0].Status != "active" ||
		items[0].InvitationExpiresAt != nil || items[0].ActivatedAt == nil {
		t.Fatalf("Alan after accepting: %s", users.body)
	}
}
