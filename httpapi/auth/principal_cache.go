package auth

import (
	"context"
	"sync"
	"time"

	"github.com/google/uuid"
)

// CachePrincipals returns resolve with its answers remembered for ttl per session
// (issue 15: an authenticated request cost a session lookup and a read of the
// user's role; now the role is read at most once per ttl per session and process).
//
// What it must not weaken: a revoked session, a signed-out one and a deactivated
// user's still die at once on every process, because Require asks the sessions
// table (Sessions.Authenticate: revoked_at, credentials.disabled_at) on every
// request before it resolves anything; only the role and flags come from here.
// Those are never the last word on access (the application services load roles
// from the log), so for at most ttl after a role change an answer may be shaped
// by the old role, as it already is while the read model lags. A principal the
// read model does not know yet (Role "") and errors are not remembered.
func CachePrincipals(resolve PrincipalResolver, ttl time.Duration, now func() time.Time) PrincipalResolver {
	if resolve == nil || ttl <= 0 {
		return resolve
	}
	if now == nil {
		now = time.Now
	}
	c := &principalCache{resolve: resolve, ttl: ttl, now: now, m: map[uuid.UUID]cachedPrincipal{}}
	return c.get
}

type cachedPrincipal struct {
	p       Principal
	expires time.Time
}

type principalCache struct {
	resolve PrincipalResolver
	ttl     time.Duration
	now     func() time.Time
	mu      sync.Mutex
	m       map[uuid.UUID]cachedPrincipal
}

// maxCachedPrincipals bounds the cache; when full it starts over (costing reads).
const maxCachedPrincipals = 1 << 16

func (c *principalCache) get(ctx context.Context, p Principal) (Principal, error) {
	t := c.now()
	c.mu.Lock()
	e, ok := c.m[p.SessionID]
	c.mu.Unlock()
	if ok && t.Before(e.expires) && e.p.UserID == p.UserID && e.p.CompanyID == p.CompanyID {
		p.Role, p.CanShare, p.Auditor, p.Portal = e.p.Role, e.p.CanShare, e.p.Auditor, e.p.Portal
		return p, nil
	}
	r, err := c.resolve(ctx, p)
	if err != nil || r.Role == "" {
		return r, err
	}
	c.mu.Lock()
	if len(c.m) >= maxCachedPrincipals {
		c.m = map[uuid.UUID]cachedPrincipal{}
	}
	c.m[p.SessionID] = cachedPrincipal{p: r, expires: t.Add(c.ttl)}
	c.mu.Unlock()
	return r, nil
}
