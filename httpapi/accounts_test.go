package httpapi

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/projections/mailer"
)

const accountPassword = "correct horse battery"

// signupWith signs a company up with a known address.
func (ts *testServer) signupWith(t *testing.T, company, email string) account {
	t.Helper()
	a := ts.send(t, nil, "POST", "/api/v1/signup",
		`{"company_name":"`+company+`","name":"Admin","email":"`+email+`","password":"`+accountPassword+`"}`)
	expect(t, "signup", a, 201, "")
	return decodeAs[account](t, a)
}

// signIn opens another session, answering its status.
func (ts *testServer) signIn(t *testing.T, email, password string) (account, int) {
	t.Helper()
	h := http.Header{"Content-Type": {"application/json"}, "User-Agent": {"accounts-test/1"}}
	a := ts.do(t, ts.client, "POST", "/api/v1/sessions", h, `{"email":"`+email+`","password":"`+password+`"}`)
	if a.status != 201 {
		return account{}, a.status
	}
	return decodeAs[account](t, a), a.status
}

// alive reports whether who's session still authenticates (a call that reads
// the sessions table only).
func (ts *testServer) alive(t *testing.T, who account) bool {
	t.Helper()
	a := ts.send(t, &who, "GET", "/api/v1/me/sessions", "")
	switch a.status {
	case 200:
		return true
	case 401:
		return false
	}
	t.Fatalf("session check: %d %s", a.status, a.body)
	return false
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	me := ts.signupWith(t, "Provider Ltd", "ada@change.test")
	other, _ := ts.signIn(t, "ada@change.test", accountPassword)

	before := countEvents(t, ts)
	expectInvalid(t, ts, "wrong current password", ts.send(t, &me, "POST", "/api/v1/me/password",
		`{"current_password":"not my password","new_password":"a brand new secret"}`), "current_password", before)
	expectInvalid(t, ts, "short new password", ts.send(t, &me, "POST", "/api/v1/me/password",
		`{"current_password":"`+accountPassword+`","new_password":"short"}`), "new_password", before)
	expectInvalid(t, ts, "unknown field", ts.send(t, &me, "POST", "/api/v1/me/password",
		`{"current_password":"`+accountPassword+`","new_password":"a brand new secret","x":1}`), "x", before)
	if !ts.alive(t, other) {
		t.Fatal("a refused change ended a session")
	}
	if _, st := ts.signIn(t, "ada@change.test", accountPassword); st != 201 {
		t.Fatal("a refused change changed the password")
	}

	a := ts.send(t, &me, "POST", "/api/v1/me/password", `{"current_password":"`+accountPassword+`","new_password":"a brand new secret"}`)
	expectWritten(t, "change password", a, 204)
	if !ts.alive(t, me) {
		t.Fatal("the session that changed the password died")
	}
	if ts.alive(t, other) {
		t.Fatal("another session survived the password change")
	}
	if _, st := ts.signIn(t, "ada@change.test", accountPassword); st != 401 {
		t.Fatalf("the old password signs in: %d", st)
	}
	if _, st := ts.signIn(t, "ada@change.test", "a brand new secret"); st != 201 {
		t.Fatalf("the new password does not sign in: %d", st)
	}
	ts.expectAudited(t, "PasswordChanged", me.UserID, me.UserID, me.CompanyID)
	ts.expectNoSecretInLog(t, accountPassword, "a brand new secret")
}

func TestMySessions(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	me := ts.signupWith(t, "Provider Ltd", "ada@sessions.test")
	laptop, _ := ts.signIn(t, "ada@sessions.test", accountPassword)
	phone, _ := ts.signIn(t, "ada@sessions.test", accountPassword)
	stranger := ts.signupWith(t, "Stranger", "eve@sessions.test")

	list := decodeAs[sessionList](t, ts.send(t, &laptop, "GET", "/api/v1/me/sessions", ""))
	if len(list.Items) != 3 {
		t.Fatalf("sessions %+v", list)
	}
	var current, laptopID uuid.UUID
	for _, it := range list.Items {
		if it.Current {
			current = it.ID
		}
		if it.LastUsedAt.Before(it.CreatedAt) || !it.ExpiresAt.After(it.CreatedAt) {
			t.Fatalf("session times %+v", it)
		}
	}
	laptopID = current
	signedIn := list.Items[0] // newest first: the phone's, made by POST /sessions
	if signedIn.UserAgent != "accounts-test/1" || signedIn.ClientAddr != "127.0.0.1" || current == uuid.Nil {
		t.Fatalf("session client %+v, current %s", signedIn, current)
	}

	// Another user's session id answers like an unknown one; nothing happens.
	strangerList := decodeAs[sessionList](t, ts.send(t, &stranger, "GET", "/api/v1/me/sessions", ""))
	before := countEvents(t, ts)
	expect(t, "revoke someone else's session", ts.send(t, &me, "DELETE", "/api/v1/me/sessions/"+strangerList.Items[0].ID.String(), ""), 404, "not_found")
	expectUnchanged(t, ts, "revoke someone else's session", before)
	if !ts.alive(t, stranger) {
		t.Fatal("another user's session was ended")
	}

	expectWritten(t, "revoke the laptop", ts.send(t, &phone, "DELETE", "/api/v1/me/sessions/"+laptopID.String(), ""), 204)
	if ts.alive(t, laptop) || !ts.alive(t, phone) || !ts.alive(t, me) {
		t.Fatal("revoking one session: wrong sessions ended")
	}
	expectWritten(t, "sign out everywhere", ts.send(t, &phone, "DELETE", "/api/v1/me/sessions", ""), 204)
	if ts.alive(t, phone) || ts.alive(t, me) {
		t.Fatal("a session survived signing out everywhere")
	}
	if !ts.alive(t, stranger) {
		t.Fatal("signing out everywhere ended another user's session")
	}
	ts.expectAudited(t, "UserSessionsEnded", me.UserID, me.UserID, me.CompanyID)
}

func TestSessionIdleAndMaxLifetime(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now().UTC()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	ts := newTestServer(t, func(c *Config) {
		c.Clock, c.SessionIdle, c.SessionTTL = clock, time.Hour, 3*time.Hour
	}, nil)
	me := ts.signupWith(t, "Provider Ltd", "ada@idle.test")

	// Used every 50 minutes, a session outlives the idle timeout...
	for range 3 {
		advance(50 * time.Minute)
		if !ts.alive(t, me) {
			t.Fatal("a session in use died of idleness")
		}
	}
	// ...until its absolute lifetime ends.
	advance(50 * time.Minute)
	if ts.alive(t, me) {
		t.Fatal("a session outlived SESSION_MAX")
	}

	idle, _ := ts.signIn(t, "ada@idle.test", accountPassword)
	advance(59 * time.Minute)
	if !ts.alive(t, idle) {
		t.Fatal("a session died before its idle timeout")
	}
	advance(61 * time.Minute)
	if ts.alive(t, idle) {
		t.Fatal("a session unused for longer than SESSION_IDLE still works")
	}
}

func TestDeactivateStaff(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	admin := ts.signupWith(t, "Provider Ltd", "ada@deactivate.test")
	member := ts.invitedStaff(t, admin, `{"name":"Mel","email":"mel@deactivate.test"}`)
	admin2 := ts.invitedStaff(t, admin, `{"name":"Bob","email":"bob@deactivate.test","admin":true}`)
	intruder := ts.signupWith(t, "Intruder", "eve@deactivate.test")
	path := func(u uuid.UUID, verb string) string { return "/api/v1/staff/" + u.String() + "/" + verb }

	before := countEvents(t, ts)
	expect(t, "a member deactivates", ts.send(t, &member, "POST", path(admin.UserID, "deactivate"), ""), 403, "forbidden")
	expect(t, "another company's admin deactivates", ts.send(t, &intruder, "POST", path(member.UserID, "deactivate"), ""), 404, "not_found")
	expect(t, "the admin deactivates itself", ts.send(t, &admin, "POST", path(admin.UserID, "deactivate"), ""), 409, "conflict")
	expect(t, "reactivating an active user", ts.send(t, &admin, "POST", path(member.UserID, "reactivate"), ""), 409, "conflict")
	expect(t, "deactivating nobody", ts.send(t, &admin, "POST", path(uuid.New(), "deactivate"), ""), 404, "not_found")
	expectUnchanged(t, ts, "refused deactivations", before)
	if !ts.alive(t, member) || !ts.alive(t, admin) {
		t.Fatal("a refused deactivation ended a session")
	}

	a := ts.send(t, &admin, "POST", path(member.UserID, "deactivate"), "")
	expectWritten(t, "deactivate", a, 200)
	if got := decodeAs[userActiveResponse](t, a); got.UserID != member.UserID || got.Status != "deactivated" {
		t.Fatalf("deactivated %+v", got)
	}
	if ts.alive(t, member) {
		t.Fatal("a deactivated user's session still works")
	}
	if _, st := ts.signIn(t, "mel@deactivate.test", accountPassword); st != 401 {
		t.Fatalf("a deactivated user signs in: %d", st)
	}
	expect(t, "deactivate twice", ts.send(t, &admin, "POST", path(member.UserID, "deactivate"), ""), 409, "conflict")
	ts.expectAudited(t, "UserDeactivated", member.UserID, admin.UserID, admin.CompanyID)

	// The second admin deactivates the first: the company keeps one active
	// admin, who cannot deactivate itself.
	expectWritten(t, "deactivate the first admin", ts.send(t, &admin2, "POST", path(admin.UserID, "deactivate"), ""), 200)
	expect(t, "the last admin deactivates itself", ts.send(t, &admin2, "POST", path(admin2.UserID, "deactivate"), ""), 409, "conflict")
	if ts.alive(t, admin) {
		t.Fatal("the deactivated admin's session still works")
	}

	a = ts.send(t, &admin2, "POST", path(member.UserID, "reactivate"), "")
	expectWritten(t, "reactivate", a, 200)
	if got := decodeAs[userActiveResponse](t, a); got.Status != "active" {
		t.Fatalf("reactivated %+v", got)
	}
	if ts.alive(t, member) {
		t.Fatal("reactivation revived an old session")
	}
	if _, st := ts.signIn(t, "mel@deactivate.test", accountPassword); st != 201 {
		t.Fatalf("a reactivated user cannot sign in: %d", st)
	}
	ts.expectAudited(t, "UserReactivated", member.UserID, admin2.UserID, admin.CompanyID)
}

func TestDeactivatePortalUser(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	provider := ts.signupWith(t, "Provider Ltd", "ada@portal-deactivate.test")
	customer := ts.signupWith(t, "Customer GmbH", "carl@portal-deactivate.test")
	intruder := ts.signupWith(t, "Intruder", "eve@portal-deactivate.test")
	c := ts.connect(t, provider, customer)
	a := ts.send(t, &provider, "POST", "/api/v1/customers/"+c.ID.String()+"/users/invitations", `{"name":"Alan","email":"alan@portal-deactivate.test"}`)
	expectWritten(t, "invite portal user", a, 201)
	inv := decodeAs[userInvitationResponse](t, a)
	token := inv.InvitationURL[strings.LastIndex(inv.InvitationURL, "/")+1:]
	acc := decodeAs[acceptInvitationResponse](t, ts.send(t, nil, "POST", "/api/v1/invitations/"+token+"/accept", `{"password":"`+accountPassword+`"}`))
	portal := account{UserID: acc.UserID, CompanyID: acc.CompanyID, Token: acc.Token}
	path := func(customer, user uuid.UUID, verb string) string {
		return "/api/v1/customers/" + customer.String() + "/users/" + user.String() + "/" + verb
	}

	before := countEvents(t, ts)
	expect(t, "an intruder deactivates", ts.send(t, &intruder, "POST", path(c.ID, portal.UserID, "deactivate"), ""), 404, "not_found")
	expect(t, "a staff user through a portal route", ts.send(t, &provider, "POST", path(c.ID, provider.UserID, "deactivate"), ""), 404, "not_found")
	expectUnchanged(t, ts, "refused", before)
	if !ts.alive(t, portal) {
		t.Fatal("a refused deactivation ended the session")
	}
	expectWritten(t, "deactivate", ts.send(t, &provider, "POST", path(c.ID, portal.UserID, "deactivate"), ""), 200)
	if ts.alive(t, portal) {
		t.Fatal("the deactivated portal user's session still works")
	}
	if _, st := ts.signIn(t, "alan@portal-deactivate.test", accountPassword); st != 401 {
		t.Fatalf("a deactivated portal user signs in: %d", st)
	}
	// The provider's audit log has it, with the provider's admin as actor.
	ts.expectAudited(t, "UserDeactivated", portal.UserID, provider.UserID, provider.CompanyID)
	expectWritten(t, "reactivate", ts.send(t, &provider, "POST", path(c.ID, portal.UserID, "reactivate"), ""), 200)
	if _, st := ts.signIn(t, "alan@portal-deactivate.test", accountPassword); st != 201 {
		t.Fatalf("a reactivated portal user cannot sign in: %d", st)
	}
}

// resetTokenIn finds the reset token in a mail body.
var resetURL = regexp.MustCompile(`/password-resets/([A-Za-z0-9_-]+)`)

// deliverMail runs the mail worker once and returns the bodies sent.
func (ts *testServer) deliverMail(t *testing.T) []string {
	t.Helper()
	sender := &capturingSender{}
	w := &mailer.Worker{Pool: ts.pool, Sender: sender, Log: slog.New(slog.DiscardHandler)}
	if _, err := w.DeliverOnce(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
	sender.mu.Lock()
	defer sender.mu.Unlock()
	return append([]string(nil), sender.bodies...)
}

// Story: Ada forgot her password. She asks for a reset, follows the mailed link,
// sets a new password and is signed in with it; the sessions she left open
// elsewhere are dead, the old password is dead, and the link works once.
func TestStoryForgottenPassword(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	ts.signupWith(t, "Provider Ltd", "ada@forgot.test")
	office, _ := ts.signIn(t, "ada@forgot.test", accountPassword)

	expect(t, "ask for a reset", ts.send(t, nil, "POST", "/api/v1/password-resets", `{"email":" Ada@Forgot.TEST "}`), 202, "")
	ts.resets.wait()
	mails := ts.deliverMail(t)
	if len(mails) != 1 {
		t.Fatalf("%d mails, want 1", len(mails))
	}
	m := resetURL.FindStringSubmatch(mails[0])
	if m == nil || !strings.Contains(mails[0], "http://127.0.0.1:0/password-resets/") {
		t.Fatalf("mail without a reset link: %q", mails[0])
	}
	token := m[1]

	before := countEvents(t, ts)
	expectInvalid(t, ts, "short password", ts.send(t, nil, "POST", "/api/v1/password-resets/"+token, `{"password":"short"}`), "password", before)
	expect(t, "a forged token", ts.send(t, nil, "POST", "/api/v1/password-resets/"+token[:len(token)-4]+"AAAA", `{"password":"my new long secret"}`), 404, "not_found")
	expectUnchanged(t, ts, "refused resets", before)

	expectWritten(t, "reset", ts.send(t, nil, "POST", "/api/v1/password-resets/"+token, `{"password":"my new long secret"}`), 204)
	if ts.alive(t, office) {
		t.Fatal("a session survived the reset")
	}
	if _, st := ts.signIn(t, "ada@forgot.test", accountPassword); st != 401 {
		t.Fatal("the old password still signs in")
	}
	me, st := ts.signIn(t, "ada@forgot.test", "my new long secret")
	if st != 201 || !ts.alive(t, me) {
		t.Fatal("the new password does not sign in")
	}
	before = countEvents(t, ts)
	expect(t, "the link again", ts.send(t, nil, "POST", "/api/v1/password-resets/"+token, `{"password":"yet another secret"}`), 410, "reset_gone")
	expectUnchanged(t, ts, "reused token", before)

	// The token is nowhere a client or an operator reads: not in the log, not in
	// the outbox after delivery, not in the server's log lines.
	var n int
	if err := ts.pool.QueryRow(ctxFor(t), `SELECT (SELECT count(*) FROM events WHERE strpos(payload::text, $1) > 0)
		+ (SELECT count(*) FROM outbox_mail o WHERE strpos(o::text, $1) > 0)`, token).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d rows hold the reset token", n)
	}
	ts.expectNoSecretInLog(t, token, "my new long secret")
	ts.expectAudited(t, "PasswordResetCompleted", me.UserID, uuid.Nil, me.CompanyID)
}

// Finding: a reset request must not tell whether an address has an account. The
// answer is given before any lookup: with the queued work held back, a known and
// an unknown address get the same answer, and no event exists yet; released, only
// the known address gets a reset. The work before the answer is the same by
// construction (decode, validate, throttle, enqueue), so its time is too.
func TestPasswordResetAnswersAlikeWhateverTheAddress(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	ts.signupWith(t, "Provider Ltd", "ada@alike.test")
	release := make(chan struct{})
	ts.resets.hold = func() { <-release }
	before := countEvents(t, ts)

	known := ts.send(t, nil, "POST", "/api/v1/password-resets", `{"email":"ada@alike.test"}`)
	unknown := ts.send(t, nil, "POST", "/api/v1/password-resets", `{"email":"nobody@alike.test"}`)
	expectUnchanged(t, ts, "answered before any work", before)
	for _, a := range []answer{known, unknown} {
		a.header.Del("Date")
		a.header.Del("X-Request-Id")
	}
	if known.status != 202 || unknown.status != 202 || known.body != unknown.body || !equalHeaders(known.header, unknown.header) {
		t.Fatalf("answers differ:\n%d %v %q\n%d %v %q", known.status, known.header, known.body, unknown.status, unknown.header, unknown.body)
	}
	close(release)
	ts.resets.wait()
	if n := countEventsOfType(t, ts, "PasswordResetRequested"); n != 1 {
		t.Fatalf("%d resets recorded, want 1 (the known address)", n)
	}
	expectInvalid(t, ts, "bad address", ts.send(t, nil, "POST", "/api/v1/password-resets", `{"email":"not an address"}`), "email", countEvents(t, ts))
}

func equalHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if strings.Join(a.Values(k), ",") != strings.Join(b.Values(k), ",") {
			return false
		}
	}
	return true
}

func TestPasswordResetIsThrottledPerAddress(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	ts.signupWith(t, "Provider Ltd", "ada@throttle-reset.test")
	var last answer
	for range 11 {
		last = ts.send(t, nil, "POST", "/api/v1/password-resets", `{"email":"ada@throttle-reset.test"}`)
	}
	expect(t, "11th reset of one address", last, 429, "too_many_attempts")
	ts.resets.wait()
	if n := countEventsOfType(t, ts, "PasswordResetRequested"); n > 10 {
		t.Fatalf("%d resets recorded for one address", n)
	}
}

// Story: Mel leaves the company. Three API processes serve the same database;
// Mel is signed in on each. The admin deactivates Mel on one of them, and the
// very next request of each of Mel's sessions is refused on every process.
func TestStoryEmployeeLeavesOnThreeProcesses(t *testing.T) {
	t.Parallel()
	var cfg Config
	ts := newTestServer(t, func(c *Config) { cfg = *c }, nil)
	servers := []*testServer{ts}
	for range 2 {
		c := cfg
		s, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(s.Handler())
		t.Cleanup(srv.Close)
		servers = append(servers, &testServer{Server: s, url: srv.URL, store: ts.store, log: ts.log, spec: ts.spec,
			client: ts.spec.Client(t, srv.Client())})
	}
	admin := ts.signupWith(t, "Provider Ltd", "ada@leaves.test")
	ts.invitedStaff(t, admin, `{"name":"Mel","email":"mel@leaves.test"}`)
	var mel []account
	for _, s := range servers {
		m, st := s.signIn(t, "mel@leaves.test", accountPassword)
		if st != 201 || !s.alive(t, m) {
			t.Fatal("Mel cannot sign in")
		}
		mel = append(mel, m)
	}
	expectWritten(t, "deactivate Mel", servers[1].send(t, &admin, "POST", "/api/v1/staff/"+mel[0].UserID.String()+"/deactivate", ""), 200)
	for i, s := range servers {
		for j, m := range mel {
			if s.alive(t, m) {
				t.Fatalf("process %d still accepts Mel's session %d", i, j)
			}
		}
		if _, st := s.signIn(t, "mel@leaves.test", accountPassword); st != 401 {
			t.Fatalf("process %d lets Mel sign in: %d", i, st)
		}
	}
	if !servers[2].alive(t, admin) {
		t.Fatal("the admin's session died")
	}
}

// expectAudited checks that the log holds an event of typ on subject's stream
// with actor (uuid.Nil: a public call) and tenant in its metadata.
func (ts *testServer) expectAudited(t *testing.T, typ string, subject, actor, tenant uuid.UUID) {
	t.Helper()
	var n int
	err := ts.pool.QueryRow(ctxFor(t), `SELECT count(*) FROM events WHERE event_type = $1 AND stream_id = $2
		AND coalesce(metadata->>'actor_id', '00000000-0000-0000-0000-000000000000') = $3 AND tenant_id = $4`,
		typ, "user-"+subject.String(), actor.String(), tenant).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("no %s of user %s by %s in tenant %s", typ, subject, actor, tenant)
	}
}

func (ts *testServer) expectNoSecretInLog(t *testing.T, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(ts.log.String(), s) {
			t.Fatal("a secret reached the server's log")
		}
	}
}

func TestResendInvitations(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	provider := ts.signupWith(t, "Provider Ltd", "ada@resend.test")
	intruder := ts.signupWith(t, "Intruder", "eve@resend.test")
	tokenOf := func(url string) string { return url[strings.LastIndex(url, "/")+1:] }

	// An invited customer.
	a := ts.send(t, &provider, "POST", "/api/v1/customers/invitations", `{"company_name":"Newco","contact_name":"Nina","email":"nina@resend.test"}`)
	expectWritten(t, "invite customer", a, 201)
	inv := decodeAs[customerResponse](t, a)
	resend := "/api/v1/customers/" + inv.ID.String() + "/invitation/resend"
	before := countEvents(t, ts)
	expect(t, "an intruder resends", ts.send(t, &intruder, "POST", resend, ""), 404, "not_found")
	expectUnchanged(t, ts, "intruder resend", before)
	a = ts.send(t, &provider, "POST", resend, "")
	expectWritten(t, "resend customer invitation", a, 200)
	fresh := decodeAs[resendResponse](t, a)
	if fresh.InvitationURL == inv.InvitationURL || !strings.HasPrefix(fresh.InvitationURL, "http://127.0.0.1:0/invitations/") ||
		fresh.ExpiresAt.IsZero() || a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("resent %+v", fresh)
	}
	before = countEvents(t, ts)
	expect(t, "the old customer token", ts.send(t, nil, "POST", "/api/v1/invitations/"+tokenOf(inv.InvitationURL)+"/accept", `{"password":"`+accountPassword+`"}`), 410, "invitation_gone")
	expectUnchanged(t, ts, "old token", before)
	expectWritten(t, "the fresh customer token", ts.send(t, nil, "POST", "/api/v1/invitations/"+tokenOf(fresh.InvitationURL)+"/accept", `{"password":"`+accountPassword+`"}`), 201)
	before = countEvents(t, ts)
	expect(t, "resend to an active customer", ts.send(t, &provider, "POST", resend, ""), 409, "conflict")
	expectUnchanged(t, ts, "resend to active", before)

	// An invited portal user of that (now active) customer.
	a = ts.send(t, &provider, "POST", "/api/v1/customers/"+inv.ID.String()+"/users/invitations", `{"name":"Alan","email":"alan@resend.test"}`)
	expectWritten(t, "invite portal user", a, 201)
	uinv := decodeAs[userInvitationResponse](t, a)
	uresend := "/api/v1/customers/" + inv.ID.String() + "/users/" + uinv.UserID.String() + "/invitation/resend"
	expect(t, "resend to a user of another customer", ts.send(t, &provider, "POST",
		"/api/v1/customers/"+uuid.NewString()+"/users/"+uinv.UserID.String()+"/invitation/resend", ""), 404, "not_found")
	a = ts.send(t, &provider, "POST", uresend, "")
	expectWritten(t, "resend user invitation", a, 200)
	ufresh := decodeAs[resendResponse](t, a)
	expect(t, "the old user token", ts.send(t, nil, "POST", "/api/v1/invitations/"+tokenOf(uinv.InvitationURL)+"/accept", `{"password":"`+accountPassword+`"}`), 410, "invitation_gone")
	expectWritten(t, "the fresh user token", ts.send(t, nil, "POST", "/api/v1/invitations/"+tokenOf(ufresh.InvitationURL)+"/accept", `{"password":"`+accountPassword+`"}`), 201)
	expect(t, "resend to an active user", ts.send(t, &provider, "POST", uresend, ""), 409, "conflict")
	ts.expectAudited(t, "UserInvitationRenewed", uinv.UserID, provider.UserID, provider.CompanyID)
}

var verifyURL = regexp.MustCompile(`/email-verifications/([A-Za-z0-9_-]+)`)

// With SIGNUP_VERIFY=on a new company signs in but can neither invite, connect
// nor share until its admin follows the mailed link.
func TestSignupEmailVerification(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.SignupVerify = true }, nil)
	other := ts.signupWith(t, "Other Co", "olga@verify.test")
	me := ts.signupWith(t, "New Co", "nina@verify.test")
	mails := ts.deliverMail(t)
	if len(mails) != 2 {
		t.Fatalf("%d verification mails, want 2", len(mails))
	}
	var token string
	for _, m := range mails {
		if strings.Contains(m, "email-verifications/") {
			token = verifyURL.FindStringSubmatch(m)[1]
		}
	}
	before := countEvents(t, ts)
	// Refused as an inactive principal is everywhere: like an unknown target.
	expect(t, "invite before verifying", ts.send(t, &me, "POST", "/api/v1/staff/invitations", `{"name":"Mel","email":"mel@verify.test"}`), 404, "not_found")
	expect(t, "invite a customer before verifying", ts.send(t, &me, "POST", "/api/v1/customers/invitations",
		`{"company_name":"X","contact_name":"Y","email":"y@verify.test"}`), 404, "not_found")
	expect(t, "connect before verifying", ts.send(t, &me, "POST", "/api/v1/customers", `{"company_id":"`+other.CompanyID.String()+`"}`), 404, "not_found")
	expectUnchanged(t, ts, "unverified commands", before)
	if !ts.alive(t, me) {
		t.Fatal("an unverified company cannot use its session")
	}

	// A resend replaces the first link.
	expectWritten(t, "resend", ts.send(t, &me, "POST", "/api/v1/me/email-verification", ""), 204)
	var fresh string
	for _, m := range ts.deliverMail(t) {
		if strings.Contains(m, "email-verifications/") {
			fresh = verifyURL.FindStringSubmatch(m)[1]
		}
	}
	if fresh == "" || fresh == token {
		t.Fatal("no fresh verification link")
	}
	mine := fresh
	expectWritten(t, "verify", ts.send(t, nil, "POST", "/api/v1/email-verifications/"+mine, ""), 204)
	expect(t, "verify twice", ts.send(t, nil, "POST", "/api/v1/email-verifications/"+mine, ""), 410, "invitation_gone")
	expectWritten(t, "invite after verifying", ts.send(t, &me, "POST", "/api/v1/staff/invitations", `{"name":"Mel","email":"mel@verify.test"}`), 201)
	expect(t, "resend once verified", ts.send(t, &me, "POST", "/api/v1/me/email-verification", ""), 409, "conflict")
}

// A deactivated user shows as such in the staff list and drops out of the
// notification recipients (rm_notifications.users.active, which every recipient
// query requires); reactivated, it is back.
func TestDeactivatedUserInReadModels(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	admin := ts.signupWith(t, "Provider Ltd", "ada@readmodels.test")
	mel := ts.invitedStaff(t, admin, `{"name":"Mel","email":"mel@readmodels.test"}`)
	recipient := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			var active bool
			err := ts.pool.QueryRow(ctxFor(t), `SELECT active FROM rm_notifications.users WHERE id = $1`, mel.UserID).Scan(&active)
			if err == nil && active == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("notification recipient active: want %v (last error %v)", want, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	statusOf := func() string {
		t.Helper()
		for _, it := range readAll[staffItem](t, ts, &admin, "/api/v1/staff", 50) {
			if it.UserID == mel.UserID {
				return it.Status
			}
		}
		t.Fatal("Mel is not in the staff list")
		return ""
	}
	recipient(true)
	expectWritten(t, "deactivate", ts.send(t, &admin, "POST", "/api/v1/staff/"+mel.UserID.String()+"/deactivate", ""), 200)
	if got := statusOf(); got != "deactivated" {
		t.Fatalf("staff list status %q", got)
	}
	recipient(false)
	expectWritten(t, "reactivate", ts.send(t, &admin, "POST", "/api/v1/staff/"+mel.UserID.String()+"/reactivate", ""), 200)
	if got := statusOf(); got != "active" {
		t.Fatalf("staff list status after reactivation %q", got)
	}
	recipient(true)
}
