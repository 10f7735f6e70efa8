package httpapi

import (
	"bufio"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore/audit"
)

type guardedItem struct {
	Position int64  `json:"position"`
	Type     string `json:"type"`
	Guard    bool   `json:"guard"`
}

// ndjsonItems reads an NDJSON answer line by line.
func ndjsonItems(t *testing.T, what string, a answer) []guardedItem {
	t.Helper()
	if a.status != 200 {
		t.Fatalf("%s: %+v", what, a)
	}
	var out []guardedItem
	sc := bufio.NewScanner(strings.NewReader(a.body))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e guardedItem
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("%s line %d: %v", what, len(out), err)
		}
		out = append(out, e)
	}
	return out
}

// guardsIn counts the guard events of items and fails t when an item's guard
// mark disagrees with domain.IsGuard.
func guardsIn(t *testing.T, what string, items []guardedItem) int {
	t.Helper()
	n := 0
	for _, e := range items {
		if e.Guard != domain.IsGuard(e.Type) {
			t.Fatalf("%s: %s at %d marked guard=%v", what, e.Type, e.Position, e.Guard)
		}
		if e.Guard {
			n++
		}
	}
	return n
}

// Issue 14 §4: guard events are marked in exports; the audit listing (JSON
// pages) leaves them out unless asked; a stream (an export) keeps them, so the
// chains still verify offline.
func TestAuditEventsListGuardsOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	fx := newAuditFixture(t, ts)

	plain := readAll[guardedItem](t, ts, &fx.a, "/api/v1/audit/events", 4)
	if n := guardsIn(t, "default pages", plain); n != 0 || len(plain) < 8 {
		t.Fatalf("default pages: %d guards among %d events", n, len(plain))
	}
	all := readAll[guardedItem](t, ts, &fx.a, "/api/v1/audit/events?include_guards=true", 4)
	guards := guardsIn(t, "pages with guards", all)
	if guards == 0 || len(all) != len(plain)+guards {
		t.Fatalf("with guards: %d events, %d guards; without: %d", len(all), guards, len(plain))
	}
	// The share the fixture granted was recorded on the customer's stream too.
	named := readAll[guardedItem](t, ts, &fx.a, "/api/v1/audit/events?type=CustomerShareAdded", 4)
	if len(named) != 1 || !named[0].Guard {
		t.Fatalf("a guard type named in type=: %+v", named)
	}
	expect(t, "include_guards=yes", ts.read(t, &fx.a, "/api/v1/audit/events?include_guards=yes"), 400, "validation_failed")
	if a := ts.read(t, &fx.a, "/api/v1/audit/events?include_guards=yes"); !strings.Contains(a.body, "include_guards") {
		t.Fatalf("the problem does not name the field: %s", a.body)
	}

	h := fx.a.bearer()
	h.Set("Accept", "application/x-ndjson")
	stream := ts.do(t, auditClient, "GET", "/api/v1/audit/events", h, "")
	lines := ndjsonItems(t, "stream", stream)
	if n := guardsIn(t, "stream", lines); n != guards || len(lines) != len(all) {
		t.Fatalf("stream: %d events, %d guards; pages with guards: %d, %d", len(lines), n, len(all), guards)
	}
	rep, err := audit.VerifyExport(strings.NewReader(stream.body))
	if err != nil || !rep.OK || rep.Verified+rep.Redacted != int64(len(lines)) || rep.StreamsJoinedLate != 0 {
		t.Fatalf("the stream does not verify offline: %+v, %v", rep, err)
	}
	without := ndjsonItems(t, "stream without guards", ts.do(t, auditClient, "GET", "/api/v1/audit/events?include_guards=false", h, ""))
	if n := guardsIn(t, "stream without guards", without); n != 0 || len(without) != len(plain) {
		t.Fatalf("stream without guards: %d events, %d guards", len(without), n)
	}
}
