package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sharehub/sharehub/projections"
)

// TestAsOfReplaysRunOneAtATime: a process runs one as-of replay at a time (their
// cost is bounded, issue 13 §3); a request that finds the slot taken for
// AsOfQueueWait is answered 503 replay_busy with Retry-After, and is served once
// the slot is free. Not parallel: it holds the process-wide slot, which the
// parallel tests' replays need.
func TestAsOfReplaysRunOneAtATime(t *testing.T) {
	ts := newReadServer(t, nil)
	fx := newAuditFixture(t, ts)
	path := "/api/v1/audit/customers/" + fx.customer.ID.String() + "/portal-view"

	defer func(w time.Duration) { projections.AsOfQueueWait = w }(projections.AsOfQueueWait)
	projections.AsOfQueueWait = 200 * time.Millisecond
	release, err := projections.HoldAsOfSlot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	busy := ts.read(t, &fx.a, path)
	if busy.status != http.StatusServiceUnavailable || busy.header.Get("Retry-After") == "" ||
		!strings.Contains(busy.body, "replay_busy") {
		release()
		t.Fatalf("a replay while another runs: %d %v %s", busy.status, busy.header, busy.body)
	}
	release()
	if ok := ts.read(t, &fx.a, path); ok.status != http.StatusOK {
		t.Fatalf("a replay once the slot is free: %d %s", ok.status, ok.body)
	}
}
