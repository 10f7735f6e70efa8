package httpapi

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestIsolationAtScale runs the isolation matrix across many companies at once:
// SHAREHUB_ISOLATION_COMPANIES=50 (`make isolation`) builds 13 worlds of four
// companies each (provider A with its staff, customer C, outsider B with a member,
// A's other customer D)
// on one platform, then calls every probe of every world's matrix as the admin and
// the member of every world's B and as every world's portal users (of A for C, of
// A for D, of B for C; D makes each world four companies). From its own world B
// and the portal users get exactly the matrix's
// answers; from any other world, no answer may carry the world's secrets, none may
// be a 5xx, and no refusal may append an event. Skipped in `make test` (the
// two-company matrix, TestIsolationMatrix, covers every route there).
func TestIsolationAtScale(t *testing.T) {
	companies, _ := strconv.Atoi(os.Getenv("SHAREHUB_ISOLATION_COMPANIES"))
	if companies == 0 {
		t.Skip("set SHAREHUB_ISOLATION_COMPANIES (make isolation runs 50)")
	}
	ts := newReadServer(t, nil)
	worlds := make([]*isoWorld, (companies+3)/4)
	for i := range worlds {
		worlds[i] = newIsoWorldTagged(t, ts, fmt.Sprintf("w%02d", i))
	}
	pos := ts.lastPosition(t)
	for _, w := range worlds {
		expect(t, "member resolved", ts.readAt(t, &w.bMember, "/api/v1/groups", pos), 200, "")
	}
	start := time.Now()
	calls, refusals := 0, 0
	for i, wi := range worlds {
		for route, probes := range isolationRoutes(wi) {
			method := route[:strings.IndexByte(route, ' ')]
			for _, p := range probes {
				for j, wj := range worlds {
					for _, caller := range wj.isoCallers(route, p) {
						what := fmt.Sprintf("world %d's %s (%s) as world %d's %s", i, route, p.name, j, caller.name)
						before := 0
						if method != http.MethodGet {
							before = countEvents(t, ts)
						}
						a := ts.isoCall(t, caller.who, method, p, pos)
						calls++
						mayShow := p.mayShow
						switch {
						case a.status >= 500:
							t.Errorf("%s: %d %s", what, a.status, a.body)
						case j == i && caller.allowed == nil:
							// A's portal user of C reading A's portal: it is C.
							continue
						case j == i:
							mayShow = append(slices.Clone(p.mayShow), caller.mayShow...)
							// Thousands of guesses from one address get throttled: a
							// refusal too.
							if !slices.Contains(caller.allowed, a.status) && a.status != http.StatusTooManyRequests {
								t.Errorf("%s: status %d, want one of %v: %s", what, a.status, caller.allowed, a.body)
							}
						}
						if leaked := wi.leaks(a, mayShow); len(leaked) > 0 {
							t.Errorf("%s: the answer (%d) carries %s:\n%s", what, a.status, strings.Join(leaked, ", "), a.body)
						}
						if a.status >= 400 {
							refusals++
							if method != http.MethodGet {
								if n := countEvents(t, ts); n != before {
									t.Errorf("%s: refused (%d) yet appended %d events", what, a.status, n-before)
								}
							}
						}
					}
				}
			}
		}
		if t.Failed() {
			t.Fatalf("stopping after world %d", i)
		}
	}
	t.Logf("%d companies in %d worlds: %d calls (%d refused) in %s, no leak", 4*len(worlds), len(worlds), calls, refusals, time.Since(start).Round(time.Second))
}
