package httpapi

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/httpapi/auth"
)

// countingViewers counts the reads of a caller; it answers ErrOtherCompany for
// the users in otherCompany, as the read model does for a user recorded under
// another company than its session's.
type countingViewers struct {
	query.ReadModels
	viewers      atomic.Int64
	mu           sync.Mutex
	otherCompany map[uuid.UUID]bool
}

func (c *countingViewers) Viewer(ctx context.Context, userID, companyID uuid.UUID) (query.Viewer, error) {
	c.viewers.Add(1)
	c.mu.Lock()
	other := c.otherCompany[userID]
	c.mu.Unlock()
	if other {
		return query.Viewer{}, query.ErrOtherCompany
	}
	return c.ReadModels.Viewer(ctx, userID, companyID)
}

// A read resolves its caller once: withViewer, after the X-Min-Position wait;
// the session's principal resolver runs for writes only.
func TestReadResolvesItsCallerOnce(t *testing.T) {
	t.Parallel()
	var rm *countingViewers
	var resolves atomic.Int64
	ts := newReadServer(t, func(c *Config) {
		rm = &countingViewers{ReadModels: c.ReadModels, otherCompany: map[uuid.UUID]bool{}}
		c.ReadModels = rm
		inner := c.PrincipalResolver
		c.PrincipalResolver = func(ctx context.Context, p auth.Principal) (auth.Principal, error) {
			resolves.Add(1)
			return inner(ctx, p)
		}
	})
	a := ts.signupCompany(t, "Once Ltd")
	for _, path := range []string{"/api/v1/customers", "/api/v1/me", "/api/v1/groups", "/api/v1/audit/verify"} {
		resolves.Store(0)
		rm.viewers.Store(0)
		expect(t, "GET "+path, ts.read(t, &a, path), 200, "")
		if r, v := resolves.Load(), rm.viewers.Load(); r != 0 || v != 1 {
			t.Fatalf("GET %s resolved its caller %d times before the wait and %d after, want 0 and 1", path, r, v)
		}
	}
	resolves.Store(0)
	rm.viewers.Store(0)
	expect(t, "create a group", ts.send(t, &a, "POST", "/api/v1/groups", `{"name":"Once"}`), 201, "")
	if r, v := resolves.Load(), rm.viewers.Load(); r != 1 || v != 0 {
		t.Fatalf("a write resolved its caller %d times, read a viewer %d times", r, v)
	}

	// A session whose user the read model knows under another company is no
	// session: 401, as the resolver answered before.
	rm.mu.Lock()
	rm.otherCompany[a.UserID] = true
	rm.mu.Unlock()
	expect(t, "GET as a user of another company", ts.read(t, &a, "/api/v1/customers"), 401, "unauthenticated")
}
