package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

// Streamed exports are the one kind of request whose length the client sets by
// how fast it reads. Four rules keep a slow or stalled reader from hurting anyone
// else (issue 12, "Slow audit readers take the database pool"):
//   - the export holds no transaction while the client is slow: each page is one
//     short statement, continuing from a cursor below the horizon taken at the
//     start (eventstore.Export);
//   - it reads through a pool of its own (Config.ExportStore), so interactive
//     requests never wait behind exports for a connection;
//   - a write deadline, pushed forward each time bytes go out, ends a stream
//     whose reader stopped (Config.ExportWriteIdle);
//   - a tenant runs at most Config.ExportsPerTenant streams at once (429 beyond)
//     and the process at most Config.ExportsMax (503 beyond), both with
//     Retry-After.

// exportSlots counts the streamed exports running, per tenant and in all.
type exportSlots struct {
	perTenant, max int
	mu             sync.Mutex
	running        map[uuid.UUID]int
	total          int
}

// exportRetryAfter is what a refused exporter is told to wait: a stream that
// ends frees its slot at once, so a short wait is enough.
const exportRetryAfter = 5 * time.Second

// acquire takes a slot for tenant, or returns the problem to answer.
func (e *exportSlots) acquire(tenant uuid.UUID) (release func(), err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.running[tenant] >= e.perTenant {
		p := problem.New(http.StatusTooManyRequests, "too_many_exports",
			"this company already runs "+strconv.Itoa(e.perTenant)+" audit streams; wait for one to end")
		p.RetryAfter = exportRetryAfter
		return nil, p
	}
	if e.total >= e.max {
		p := problem.New(http.StatusServiceUnavailable, "exports_busy", "the server runs as many audit streams as it may; try again shortly")
		p.RetryAfter = exportRetryAfter
		return nil, p
	}
	if e.running == nil {
		e.running = map[uuid.UUID]int{}
	}
	e.running[tenant]++
	e.total++
	var once sync.Once
	return func() {
		once.Do(func() {
			e.mu.Lock()
			defer e.mu.Unlock()
			if e.running[tenant]--; e.running[tenant] <= 0 {
				delete(e.running, tenant)
			}
			e.total--
		})
	}, nil
}

// idleDeadlineWriter pushes the connection's write deadline idle ahead before
// every write: a stream lasts as long as its reader keeps reading, and a write
// that cannot go out within idle fails, which ends the export.
type idleDeadlineWriter struct {
	w    http.ResponseWriter
	rc   *http.ResponseController
	idle time.Duration
}

func (d *idleDeadlineWriter) Write(p []byte) (int, error) {
	if err := d.rc.SetWriteDeadline(time.Now().Add(d.idle)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return 0, err
	}
	n, err := d.w.Write(p)
	if err != nil {
		return n, err
	}
	if err := d.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return n, err
	}
	return n, nil
}

// auditAfter reads the after= parameter: a cursor token from an export, or, as
// older clients send, the position of the last event read. A position is
// resumed from that event's own cursor (the log is sent in commit order, so
// that is where the client stopped); an unknown position keeps its old
// meaning, positions above it.
func (s *Server) auditAfter(r *http.Request, tenant uuid.UUID, f *eventstore.ExportFilter) error {
	v, err := web.QueryText(r, "after", 60)
	if err != nil || v == "" {
		return err
	}
	if c, err := eventstore.ParseCursor(v); err == nil {
		f.From = c
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return problem.Validation("after", "must be a cursor from an exported event or a position")
	}
	c, ok, err := s.exports.CursorAt(r.Context(), n, &tenant)
	if err != nil {
		return err
	}
	if ok {
		f.From = c
	} else {
		f.After = n
	}
	return nil
}
