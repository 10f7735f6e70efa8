package httpapi

import (
	"strings"
	"testing"
)

// Finding (issue 11): idempotency keys were shared by a whole company. A member
// without can_share, refused a link, replayed an admin's link creation with the
// admin's key and body and got the admin's 201 with the link URL. Keys are now
// scoped by (company, user): the member's replay runs as the member's own request
// (403 again), gets nothing of the admin's answer, and appends nothing.
func TestMemberCannotReplayAnAdminsIdempotencyKey(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	w := newSharingWorld(t, ts)
	member := ts.invitedStaff(t, w.provider, `{"name":"Mo Member","email":"mo@provider.test"}`)
	links := "/api/v1/documents/" + w.doc.ID.String() + "/links"
	body := `{}`
	keyed := func(who account, key string) answer {
		h := who.bearer()
		h.Set("Content-Type", "application/json")
		h.Set("Idempotency-Key", key)
		return ts.do(t, ts.client, "POST", links, h, body)
	}

	// The member is refused on its own key.
	expect(t, "member creates a link", keyed(member, "member-own-key"), 403, "forbidden")

	admin := keyed(w.provider, "admins-key")
	expectWritten(t, "admin creates a link", admin, 201)
	token := linkToken(t, decodeAs[linkResponse](t, admin))
	before := countEvents(t, ts)
	links0 := countEventsOfType(t, ts, "LinkCreated")

	// The exploit: the admin's key and body, presented by the member.
	replay := keyed(member, "admins-key")
	if replay.status != 403 || replay.code() != "forbidden" || replay.header.Get("Idempotent-Replayed") != "" ||
		strings.Contains(replay.body, token) || strings.Contains(replay.body, "/l/") {
		t.Fatalf("member replaying the admin's key got %+v", replay)
	}
	expectUnchanged(t, ts, "member replay", before)
	if n := countEventsOfType(t, ts, "LinkCreated"); n != links0 {
		t.Fatalf("%d links, want %d", n, links0)
	}

	// The admin still gets its own answer again, with the first answer's security
	// headers (the answer holds the link token).
	again := keyed(w.provider, "admins-key")
	if again.status != 201 || again.body != admin.body || again.header.Get("Idempotent-Replayed") != "true" ||
		again.header.Get("X-Position") != admin.header.Get("X-Position") {
		t.Fatalf("admin's replay %+v", again)
	}
	for _, h := range []string{"Cache-Control", "Referrer-Policy", "X-Content-Type-Options"} {
		if got, want := again.header.Get(h), admin.header.Get(h); got != want {
			t.Errorf("replay %s = %q, first answer had %q", h, got, want)
		}
	}
	if again.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("replay Cache-Control %q", again.header.Get("Cache-Control"))
	}
	expectUnchanged(t, ts, "admin replay", before)
}

// Finding (issue 11): a client-chosen X-Request-Id became the correlation id in the
// immutable log, so a client could make its events look correlated with anybody's.
// The correlation id is generated on the server; the client's id is kept only as
// client_request_id, and only when well formed (at most 128 characters).
func TestClientRequestIDNeverBecomesTheCorrelationID(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	provider := ts.signupCompany(t, "Provider Ltd")
	// The id of an event someone else caused: what a forger would like to join.
	var victim string
	if err := ts.pool.QueryRow(ctxFor(t), `SELECT metadata->>'correlation_id' FROM events ORDER BY position LIMIT 1`).Scan(&victim); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ sent, kept string }{
		{victim, victim},
		{"client-trace.42", "client-trace.42"},
		{strings.Repeat("x", 129), ""},
	} {
		h := provider.bearer()
		h.Set("Content-Type", "application/json")
		h.Set("X-Request-Id", c.sent)
		a := ts.do(t, ts.client, "POST", "/api/v1/folders", h, `{"name":"F `+c.kept+`"}`)
		expectWritten(t, "create folder", a, 201)
		var correlation, client *string
		if err := ts.pool.QueryRow(ctxFor(t), `SELECT metadata->>'correlation_id', metadata->>'client_request_id'
			FROM events WHERE position = $1`, position(t, a)).Scan(&correlation, &client); err != nil {
			t.Fatal(err)
		}
		if correlation == nil || *correlation == c.sent || *correlation == victim {
			t.Fatalf("sent %q: correlation id %v", c.sent, correlation)
		}
		if (c.kept == "") != (client == nil) || (client != nil && *client != c.kept) {
			t.Fatalf("sent %q: client_request_id %v, want %q", c.sent, client, c.kept)
		}
	}
}
