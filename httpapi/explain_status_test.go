package httpapi

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/projections"
)

// Status and readiness cost O(1) in log size (issue 15), and so do the queries
// session read-your-writes adds to every request: each statement that /readyz (as
// serve wires it), `projections status` (caught up and lagging), sign-in, an
// acknowledged write and a read waiting for its session run is EXPLAINed on a log
// of 20,000 events (analyzed), and none may scan events or any table larger than
// a page sequentially. Bounded index range scans are what keeps them O(1).
func TestStatusAndReadinessAreIndexLookups(t *testing.T) {
	t.Parallel()
	log := &queryLog{}
	var traced *pgxpool.Pool
	ts := newReadServer(t, func(c *Config) {
		cfg := c.Pool.Config().Copy()
		cfg.ConnConfig.Tracer = log
		// The projections runner shares this pool; catching up on the seeded log
		// under a whole-repository -race run it held every one of the default few
		// connections long enough that /readyz's ping could not get one in 2 s.
		cfg.MaxConns = max(cfg.MaxConns, 16)
		p, err := pgxpool.NewWithConfig(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		traced = p
		c.Pool, c.Store, c.ExportStore = p, eventstore.New(p, nil), eventstore.New(p, nil)
		c.ReadyChecks = []ReadyCheck{{Name: "projections", Check: func(r *http.Request) error {
			return projections.Ready(r.Context(), p, []string{"portal", "accounts"})
		}}}
	})
	for range 20 {
		seedDownloads(t, ts, uuid.New(), 1000)
	}
	provider := ts.signupCompany(t, "Explain Status")
	if _, err := ts.pool.Exec(ctxFor(t), `ANALYZE events; ANALYZE sessions`); err != nil {
		t.Fatal(err)
	}
	ts.read(t, &provider, "/api/v1/me") // every projection has applied the log
	var customer account
	calls := map[string]func(){
		"readyz": func() {
			// /readyz gives its checks 2 s: on a machine this loaded (a clean-clone
			// CI run of every package at once), ask again, for at most 2 minutes.
			a := ts.do(t, ts.client, "GET", "/readyz", nil, "")
			for deadline := time.Now().Add(2 * time.Minute); a.status == 503 && time.Now().Before(deadline); {
				time.Sleep(time.Second)
				a = ts.do(t, ts.client, "GET", "/readyz", nil, "")
			}
			expect(t, "readyz", a, 200, "")
		},
		"status, caught up": func() {
			if _, err := projections.Status(ctxFor(t), traced, projections.All()); err != nil {
				t.Fatal(err)
			}
		},
		"status, lagging": func() {
			if _, err := projections.Status(ctxFor(t), traced, []projections.Projection{{Name: "explain-status-lagging"}}); err != nil {
				t.Fatal(err)
			}
		},
		"sign-up (a session starts at the newest event)": func() { customer = ts.signupCompany(t, "Explain Customer") },
		"acknowledged write": func() {
			expectWritten(t, "folder", ts.send(t, &provider, "POST", "/api/v1/folders", `{"name":"Explain"}`), 201)
		},
		"read waiting for its session": func() {
			expect(t, "read", ts.readAt(t, &provider, "/api/v1/customers", 0), 200, "")
		},
	}
	for _, name := range []string{"readyz", "status, caught up", "status, lagging", "sign-up (a session starts at the newest event)",
		"acknowledged write", "read waiting for its session"} {
		log.take()
		calls[name]()
		checked := 0
		for _, q := range log.take() {
			sql := strings.TrimSpace(q.sql)
			if strings.HasPrefix(sql, "INSERT INTO events") || strings.HasPrefix(sql, "begin") || strings.HasPrefix(sql, "commit") ||
				!(strings.Contains(sql, "events") || strings.Contains(sql, "sessions") || strings.Contains(sql, "projection_state")) {
				continue
			}
			checked++
			if scans := seqScans(t, traced, q); len(scans) > 0 {
				t.Errorf("%s: %v in\n%s", name, scans, q.sql)
			}
		}
		if checked == 0 {
			t.Errorf("%s: no statement on the log, the sessions or the projection state recorded", name)
		}
	}
	_ = customer
}
