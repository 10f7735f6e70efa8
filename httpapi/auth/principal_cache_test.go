package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestCachePrincipals(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	calls, role, fail := 0, "admin", false
	resolve := func(_ context.Context, p Principal) (Principal, error) {
		calls++
		if fail {
			return p, errors.New("read model down")
		}
		p.Role, p.CanShare = role, true
		return p, nil
	}
	cached := CachePrincipals(resolve, time.Second, clock)
	sess := Principal{UserID: uuid.New(), CompanyID: uuid.New(), SessionID: uuid.New(), AckedPosition: 7}
	steps := []struct {
		name      string
		advance   time.Duration
		p         Principal
		role      string // what the resolver answers from now on
		fail      bool
		wantRole  string
		wantCalls int
		wantErr   bool
	}{
		{name: "first request resolves", p: sess, role: "admin", wantRole: "admin", wantCalls: 1},
		{name: "within ttl: remembered", advance: 500 * time.Millisecond, p: sess, role: "member", wantRole: "admin", wantCalls: 1},
		{name: "after ttl: resolved again", advance: 600 * time.Millisecond, p: sess, role: "member", wantRole: "member", wantCalls: 2},
		{name: "another session resolves", p: Principal{UserID: sess.UserID, CompanyID: sess.CompanyID, SessionID: uuid.New()}, role: "member", wantRole: "member", wantCalls: 3},
		{name: "unknown to the read model: not remembered", p: Principal{UserID: uuid.New(), SessionID: uuid.New()}, role: "", wantRole: "", wantCalls: 4},
		{name: "errors are not remembered", advance: 2 * time.Second, p: sess, fail: true, wantErr: true, wantCalls: 5},
		{name: "after an error: resolved again", p: sess, role: "admin", wantRole: "admin", wantCalls: 6},
	}
	for _, st := range steps {
		now = now.Add(st.advance)
		role, fail = st.role, st.fail
		got, err := cached(context.Background(), st.p)
		if (err != nil) != st.wantErr || calls != st.wantCalls {
			t.Fatalf("%s: err %v, %d resolver calls, want error %v and %d calls", st.name, err, calls, st.wantErr, st.wantCalls)
		}
		if err == nil && (got.Role != st.wantRole || got.SessionID != st.p.SessionID || got.AckedPosition != st.p.AckedPosition) {
			t.Fatalf("%s: got %+v, want role %q of %+v", st.name, got, st.wantRole, st.p)
		}
	}
}
