package console

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sharehub/sharehub/httpapi/problem"
)

// Pure checks of the console's security helpers (the pages themselves are
// tested through the API's router and PostgreSQL in package httpapi).

func TestNextPathStaysOnTheConsole(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"/app/customers", "/app/customers"},
		{"/app/customers?status=active", "/app/customers?status=active"},
		{"", "/app/"},
		{"https://evil.test/app/", "/app/"},
		{"//evil.test/app/", "/app/"},
		{"/\\evil.test/app/", "/app/"},
		{"javascript:alert(1)", "/app/"},
		{"/api/v1/customers", "/app/"},
		{"/app", "/app/"},
	} {
		if got := nextPath(tc.in); got != tc.want {
			t.Errorf("nextPath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCSRFTokenIsBoundToItsSecret(t *testing.T) {
	t.Parallel()
	session, other, pre := randomToken(), randomToken(), randomToken()
	st := &reqState{token: session, pre: pre}
	for _, tc := range []struct {
		name string
		tok  string
		ok   bool
	}{
		{"the session's", csrfToken(session), true},
		{"the pre-session cookie's", csrfToken(pre), true},
		{"another session's", csrfToken(other), false},
		{"empty", "", false},
		{"the session token itself", session, false},
		{"truncated", csrfToken(session)[:20], false},
	} {
		if got := csrfOK(st, tc.tok); got != tc.ok {
			t.Errorf("%s: csrfOK = %v, want %v", tc.name, got, tc.ok)
		}
	}
	if strings.Contains(csrfToken(session), session) {
		t.Error("the token shows its key")
	}
	if csrfOK(&reqState{}, csrfToken("")) {
		t.Error("no secret, yet a token passed")
	}
}

func TestMessagesNeverShowInternals(t *testing.T) {
	t.Parallel()
	internal := problem.Internal(errString("pq: relation rm_portal.x does not exist"))
	if m := message(internal); strings.Contains(m, "rm_portal") || m == "" {
		t.Errorf("internal error shown as %q", m)
	}
	v := problem.Validation("email", "is not an e-mail address")
	if m := message(v); m != "Is not an e-mail address" {
		t.Errorf("validation message %q", m)
	}
	if m := message(problem.New(http.StatusNotFound, problem.CodeNotFound, "customer 123 not found")); strings.Contains(m, "123") {
		t.Errorf("not-found message %q names the id", m)
	}
}

type errString string

func (e errString) Error() string { return string(e) }
