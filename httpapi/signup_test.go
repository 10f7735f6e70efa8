package httpapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sharehub/sharehub/domain"
)

// Signup through the real path: HTTP, the application service, the PostgreSQL log.
// The new admin is signed in, the same email cannot sign up twice, bad input names
// its field and appends nothing, and a closed installation refuses.
func TestSignup(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	json := http.Header{"Content-Type": {"application/json"}}
	body := `{"company_name":"Provider Ltd","name":"Ada Lovelace","email":"ada@provider.test","password":"correct horse battery"}`

	a := ts.do(t, ts.client, "POST", "/api/v1/signup", json, body)
	if a.status != 201 || a.header.Get("X-Position") == "" || a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("signup %+v", a)
	}
	var out signupResponse
	if err := jsonUnmarshal(a.body, &out); err != nil || out.Token == "" {
		t.Fatalf("signup answer %s (%v)", a.body, err)
	}
	evs, err := ts.store.ReadStream(ctxFor(t), domain.UserStream(out.UserID))
	if err != nil || len(evs) == 0 || evs[0].Event.(domain.UserRegistered).Role != domain.RoleAdmin {
		t.Fatalf("user stream %v %+v", err, evs)
	}
	bearer := http.Header{"Authorization": {"Bearer " + out.Token}}
	if a := ts.do(t, ts.client, "DELETE", "/api/v1/sessions/current", bearer, ""); a.status != 204 {
		t.Fatalf("the signup token does not work: %+v", a)
	}
	login := `{"email":"ada@provider.test","password":"correct horse battery"}`
	if a := ts.do(t, ts.client, "POST", "/api/v1/sessions", json, login); a.status != 201 {
		t.Fatalf("sign in after signup %+v", a)
	}

	before := countEvents(t, ts)
	for name, tc := range map[string]struct {
		body   string
		status int
		field  string
	}{
		"same email again": {strings.Replace(body, "Provider Ltd", "Other Ltd", 1), 409, "email"},
		"short password":   {`{"company_name":"X","name":"Y","email":"y@x.test","password":"short"}`, 400, "password"},
		"no company name":  {`{"company_name":" ","name":"Y","email":"y@x.test","password":"correct horse battery"}`, 400, "company_name"},
		"bad email":        {`{"company_name":"X","name":"Y","email":"nope","password":"correct horse battery"}`, 400, "email"},
		"unknown field":    {`{"company_name":"X","name":"Y","email":"y@x.test","password":"correct horse battery","admin":true}`, 400, "admin"},
	} {
		a := ts.do(t, ts.client, "POST", "/api/v1/signup", json, tc.body)
		if a.status != tc.status || !strings.Contains(a.body, tc.field) {
			t.Errorf("%s: %+v", name, a)
		}
	}
	if after := countEvents(t, ts); after != before {
		t.Fatalf("rejected signups appended %d events", after-before)
	}
	if strings.Contains(ts.log.String(), "horse") {
		t.Fatal("a password reached the log")
	}
}

func TestSignupClosed(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) { c.SignupClosed = true }, nil)
	a := ts.do(t, ts.client, "POST", "/api/v1/signup", http.Header{"Content-Type": {"application/json"}},
		`{"company_name":"X","name":"Y","email":"y@x.test","password":"correct horse battery"}`)
	if a.status != 403 || a.code() != "forbidden" || countEvents(t, ts) != 0 {
		t.Fatalf("closed signup %+v", a)
	}
}

func countEvents(t *testing.T, ts *testServer) int {
	t.Helper()
	var n int
	if err := ts.pool.QueryRow(ctxFor(t), `SELECT count(*) FROM events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
