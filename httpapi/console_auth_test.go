package httpapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The web console's foundations (issue 18): signup on an empty installation,
// sign-in, sign-out, cookies, CSP, CSRF, invitations and password resets,
// through the real router and PostgreSQL.

func TestConsoleSignupSignInSignOut(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	b := ts.browser(t)

	// An empty installation offers signup; "/" leads there.
	p := b.get("/")
	p.expect(t, "open /", 200, "/app/signup", `id="signup-form"`, `<label for="signup-company_name">`)
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") ||
		!strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP %q", csp)
	}
	if strings.Contains(p.body, "<script>") || strings.Contains(p.body, " style=") || strings.Contains(p.body, " onclick=") {
		t.Fatal("inline script or style in a page")
	}

	// A refused signup keeps what was typed (not the password) and names the field.
	p = b.post("/app/signup", url.Values{"company_name": {"Ecratum GmbH"}, "name": {"Erika Admin"}, "email": {"erika@ecratum.test"}, "password": {"short"}})
	p.expect(t, "short password", 400, "/app/signup", `value="Ecratum GmbH"`, `value="erika@ecratum.test"`, `id="signup-password-error"`, `aria-invalid="true"`)
	p.lacks(t, "short password", `value="short"`)

	p = b.post("/app/signup", url.Values{"company_name": {"Ecratum GmbH"}, "name": {"Erika Admin"}, "email": {"erika@ecratum.test"}, "password": {"correct horse battery"}})
	p.expect(t, "signup", 200, "/app/customers", "Erika Admin", `id="connect-form"`)

	// Signing out kills the session: the pages ask to sign in again.
	p = b.post("/app/signout", nil)
	p.expect(t, "sign out", 200, "/app/signin", "You are signed out.")
	p = b.get("/app/customers")
	p.expect(t, "after sign-out", 200, "/app/signin?next=%2Fapp%2Fcustomers")
	// Once a login exists, "/" leads to sign-in, not signup.
	b.get("/").expect(t, "open / again", 200, "/app/signin")

	// Wrong password: a readable message, the address kept.
	p = b.post("/app/signin", url.Values{"email": {"erika@ecratum.test"}, "password": {"wrong password!"}, "next": {"/app/customers"}})
	p.expect(t, "wrong password", 400, "/app/signin", "Wrong e-mail address or password", `value="erika@ecratum.test"`)

	// Sign-in goes to the page asked for, never off the console (open redirect).
	p = b.post("/app/signin", url.Values{"email": {"erika@ecratum.test"}, "password": {"correct horse battery"}, "next": {"https://evil.test/x"}})
	p.expect(t, "sign in", 200, "/app/customers", "Erika Admin")
}

func TestConsoleCookieFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		base, name string
		secure     bool
	}{{"http://127.0.0.1:0", "sharehub_session", false}, {"https://share.example.test", "__Host-sharehub_session", true}} {
		ts := newReadServer(t, func(c *Config) { c.PublicBaseURL = tc.base })
		b := ts.browser(t)
		b.get("/app/signup")
		form := url.Values{"company_name": {"Cookie Co"}, "name": {"C"}, "email": {"c@cookie.test"}, "password": {"correct horse battery"}, "csrf": {b.csrf()}}
		hc := &http.Client{Jar: b.hc.Jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := hc.PostForm(ts.url+"/app/signup", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var found bool
		for _, c := range resp.Cookies() {
			if c.Name != tc.name {
				continue
			}
			found = true
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != tc.secure || c.Path != "/" || c.Value == "" {
				t.Fatalf("%s: session cookie %+v", tc.base, c)
			}
		}
		if resp.StatusCode != http.StatusSeeOther || !found {
			t.Fatalf("%s: signup answered %d, cookies %v", tc.base, resp.StatusCode, resp.Header.Values("Set-Cookie"))
		}
	}
}

// Security: every state-changing form needs the CSRF token of the session; a
// form without it, with another session's token, or sent from another site is
// refused and changes nothing (read back through the API).
func TestConsoleCSRFRefused(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	p := ts.signupCompany(t, "Provider CSRF")
	q := ts.signupCompany(t, "Customer CSRF")
	other := ts.signupCompany(t, "Other CSRF")
	cust := ts.connect(t, p, q)
	pause := "/app/customers/" + cust.ID.String() + "/pause"

	victim := ts.signedIn(t, p)
	victim.get("/app/customers/"+cust.ID.String()).expect(t, "customer page", 200, "", `id="pause"`)

	// No token.
	victim.post(pause, url.Values{"csrf": {""}}).expect(t, "no token", 403, pause, "did not come from this site")
	// A token of another session (the attacker's own).
	attacker := ts.signedIn(t, other)
	attacker.get("/app/customers")
	victim.post(pause, url.Values{"csrf": {attacker.csrf()}}).expect(t, "foreign token", 403, pause)
	// A pre-session token (from the sign-in page of another browser).
	anon := ts.browser(t)
	anon.get("/app/signin")
	victim.post(pause, url.Values{"csrf": {anon.csrf()}}).expect(t, "pre-session token of another browser", 403, pause)
	// Multipart without the token in its first field or header.
	req, _ := http.NewRequestWithContext(ctxFor(t), "POST", ts.url+pause, strings.NewReader("--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--x--\r\n"))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	victim.do(req).expect(t, "multipart without token", 403, pause)
	// Sent from another site (the browser says so): refused even with the token.
	form := url.Values{"csrf": {victim.csrf()}}
	req, _ = http.NewRequestWithContext(ctxFor(t), "POST", ts.url+pause, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.test")
	victim.do(req).expect(t, "cross-site", 403, pause)

	if got := readOK[customerResponse](t, ts, &p, "/api/v1/customers/"+cust.ID.String()); got.Status != "active" {
		t.Fatalf("a refused form changed the customer: %s", got.Status)
	}
	// The same form with the page's token works.
	victim.get("/app/customers/" + cust.ID.String())
	victim.post(pause, nil).expect(t, "pause", 200, "/app/customers/"+cust.ID.String(), "Sharing is paused.", `id="resume"`)
}

func TestConsoleInvitationAndPasswordReset(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	admin := ts.signupCompany(t, "Invite Co")
	a := ts.send(t, &admin, "POST", "/api/v1/staff/invitations", `{"name":"Ivo Staff","email":"ivo@invite.test"}`)
	expectWritten(t, "invite staff", a, 201)
	inv := decodeAs[userInvitationResponse](t, a)
	token := isoToken(inv.InvitationURL)

	b := ts.browser(t)
	path := "/app/invitations/" + token
	// The mailed link opens the console's form.
	b.get("/invitations/"+token).expect(t, "invitation page", 200, path, `id="invitation-form"`)
	b.post(path, url.Values{"name": {"Ivo S."}, "password": {"short"}}).expect(t, "short", 400, path, `id="invitation-password-error"`, `value="Ivo S."`)
	b.post(path, url.Values{"name": {"Ivo S."}, "password": {"correct horse battery"}}).expect(t, "accept", 200, "/app/customers", "Ivo S.")
	// Used: a clear page, not a JSON error.
	other := ts.browser(t)
	other.get(path)
	other.post(path, url.Values{"password": {"correct horse battery"}}).expect(t, "used invitation", 410, path, "invitation was used")

	// Reset request: the same answer whether or not the address exists.
	anon := ts.browser(t)
	anon.get("/app/password-reset").expect(t, "reset page", 200, "", `id="reset-request-form"`)
	anon.post("/app/password-reset", url.Values{"email": {"ivo@invite.test"}}).expect(t, "reset known", 200, "/app/signin", "If the address has an account")
	anon.get("/app/password-reset")
	anon.post("/app/password-reset", url.Values{"email": {"nobody@invite.test"}}).expect(t, "reset unknown", 200, "/app/signin", "If the address has an account")
	// A forged token: a readable refusal; differing passwords: named, nothing sent.
	anon.get("/password-resets/forged").expect(t, "mailed reset link", 200, "/app/password-reset/forged", `id="reset-form"`)
	anon.post("/app/password-reset/forged", url.Values{"password": {"correct horse battery 2"}, "password_again": {"other"}}).
		expect(t, "differ", 400, "", `id="reset-password_again-error"`)
	anon.post("/app/password-reset/forged", url.Values{"password": {"correct horse battery 2"}, "password_again": {"correct horse battery 2"}}).
		expect(t, "forged reset", 410, "", "link is not valid")
}
