package httpapi

import (
	"net/http"
	"time"

	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/consistency"
)

// Session read-your-writes (issue 15; API.md v1.1 "Consistency").
//
// The newest position acknowledged to a session lives on its row in the sessions
// table (migration 00200), not in the process: with three API processes and no
// sticky routing, the read after a write may reach another process. It is written
// by ackWrites when a write's answer leaves (one UPDATE, only when the position is
// newer) and read by the session lookup every authenticated request already makes
// (auth.Sessions.Authenticate), so a read costs no extra query; it waits only when
// the session has a position that this process does not yet know applied.
//
// Why not in the write's own transaction: appends go through the event store's
// group commit, which batches many callers' events in one transaction and knows no
// sessions; and a position counts as acknowledged only once the answer leaves.

// ackWrites hands a successful write's X-Position to the caller's session.
func (s *Server) ackWrites(next http.Handler) http.Handler {
	return consistency.Acknowledge(func(r *http.Request, position int64) error {
		p, ok := auth.PrincipalFrom(r.Context())
		if !ok {
			return nil
		}
		return s.sessions.Acknowledge(r.Context(), p.SessionID, position)
	}, func(r *http.Request, err error) {
		s.log.WarnContext(r.Context(), "session read-your-writes: position not recorded", "err", err)
	})(next)
}

// sessionFloor is what a read waits for without a header: its session's newest
// acknowledged position (0 on public routes).
func sessionFloor(r *http.Request) int64 {
	p, _ := auth.PrincipalFrom(r.Context())
	return p.AckedPosition
}

// principalTTL is how long a process reuses a session's resolved role and flags
// (auth.CachePrincipals): the session itself is checked on every request.
const principalTTL = time.Second
