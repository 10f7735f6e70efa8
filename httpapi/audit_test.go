package httpapi

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/eventstore"
)

type auditEventItem struct {
	Position int64           `json:"position"`
	StreamID string          `json:"stream_id"`
	Type     string          `json:"type"`
	Payload  json.RawMessage `json:"payload"`
	Hash     string          `json:"hash"`
	PrevHash string          `json:"prev_hash"`
	Cursor   string          `json:"cursor"`
	Redacted bool            `json:"redacted"`
}

// inCommitOrder fails t unless items are in strictly increasing cursor order.
func inCommitOrder(t *testing.T, what string, items []auditEventItem) {
	t.Helper()
	var last eventstore.Cursor
	for i, e := range items {
		c, err := eventstore.ParseCursor(e.Cursor)
		if err != nil {
			t.Fatalf("%s item %d: cursor %q: %v", what, i, e.Cursor, err)
		}
		if i > 0 && !last.Less(c) {
			t.Fatalf("%s not in commit order at %d: %s after %s", what, i, c, last)
		}
		last = c
	}
}

// auditFixture: provider A with a customer, a shared folder holding a document,
// a link opened once and a download; company B beside it.
type auditFixture struct {
	a, b, cust account
	customer   customerResponse
	doc        documentResponse
	folder     folderResponse
	linkID     uuid.UUID
	sharedAt   time.Time
}

func newAuditFixture(t *testing.T, ts *testServer) auditFixture {
	t.Helper()
	var fx auditFixture
	fx.a, fx.b, fx.cust = ts.signupCompany(t, "Audited"), ts.signupCompany(t, "Other"), ts.signupCompany(t, "Client")
	fx.customer = ts.connect(t, fx.a, fx.cust)
	fx.folder = ts.folder(t, fx.a, `{"name":"Contracts"}`)
	fx.doc = ts.document(t, fx.a, fx.folder.ID, "contract.pdf", "the contract")
	share := ts.send(t, &fx.a, "POST", "/api/v1/shares", `{"customer_id":"`+fx.customer.ID.String()+`","folder_id":"`+fx.folder.ID.String()+`","permission":"view"}`)
	expectWritten(t, "share", share, 201)
	fx.sharedAt = time.Now()
	link := ts.send(t, &fx.a, "POST", "/api/v1/documents/"+fx.doc.ID.String()+"/links", `{}`)
	expectWritten(t, "link", link, 201)
	var l linkResponse
	mustDecode(t, link, &l)
	fx.linkID = l.ID
	token := l.URL[strings.LastIndex(l.URL, "/")+1:]
	if a := ts.do(t, auditClient, "GET", "/l/"+token+"/content", nil, ""); a.status != 200 {
		t.Fatalf("open link: %+v", a)
	}
	if a := ts.read(t, &fx.cust, "/api/v1/portal/documents/"+fx.doc.ID.String()+"/content"); a.status != 200 {
		t.Fatalf("download: %+v", a)
	}
	return fx
}

func TestAuditEventsPagesAndNDJSONStream(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	fx := newAuditFixture(t, ts)

	all := readAll[auditEventItem](t, ts, &fx.a, "/api/v1/audit/events", 3)
	if len(all) < 8 {
		t.Fatalf("only %d events in A's log", len(all))
	}
	inCommitOrder(t, "pages", all)
	types := map[string]bool{}
	for _, e := range all {
		if len(e.Hash) != 64 || e.StreamID == "" {
			t.Fatalf("event without hash or stream: %+v", e)
		}
		types[e.Type] = true
		if strings.Contains(string(e.Payload), fx.b.CompanyID.String()) {
			t.Fatalf("A's log holds B's event: %s", e.Payload)
		}
	}
	for _, want := range []string{"CompanyRegistered", "CustomerConnected", "PortalShareGranted", "LinkCreated", "LinkOpened", "DocumentDownloaded"} {
		if !types[want] {
			t.Errorf("A's log lacks %s (has %v)", want, types)
		}
	}

	// NDJSON: the same events, one per line; filters apply. (A stream keeps the
	// guard events pages leave out unless told not to: audit_guards_test.go.)
	h := fx.a.bearer()
	h.Set("Accept", "application/x-ndjson")
	a := ts.do(t, auditClient, "GET", "/api/v1/audit/events?include_guards=false", h, "")
	if a.status != 200 || !strings.HasPrefix(a.header.Get("Content-Type"), "application/x-ndjson") {
		t.Fatalf("ndjson: %+v", a)
	}
	sc := bufio.NewScanner(strings.NewReader(a.body))
	n := 0
	for sc.Scan() {
		var e auditEventItem
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		if e.Position != all[n].Position {
			t.Fatalf("line %d at position %d, pages had %d", n, e.Position, all[n].Position)
		}
		n++
	}
	if n != len(all) {
		t.Fatalf("ndjson lines = %d, pages = %d", n, len(all))
	}
	a = ts.do(t, auditClient, "GET", "/api/v1/audit/events?type=LinkOpened,LinkCreated&stream=link-"+fx.linkID.String(), h, "")
	if lines := strings.Count(a.body, "\n"); a.status != 200 || lines != 1 {
		t.Fatalf("filtered ndjson: %d lines, %+v", lines, a)
	}
	// Opens are streams of their own (linkopen-<id>), naming their link.
	a = ts.do(t, auditClient, "GET", "/api/v1/audit/events?type=LinkOpened", h, "")
	if lines := strings.Count(a.body, "\n"); a.status != 200 || lines != 1 || !strings.Contains(a.body, `"stream_id":"linkopen-`) ||
		!strings.Contains(a.body, fx.linkID.String()) {
		t.Fatalf("opens: %d lines, %+v", lines, a)
	}
	a = ts.read(t, &fx.a, "/api/v1/audit/events?after="+strconv.FormatInt(all[len(all)-2].Position, 10))
	if got := decodeAs[page[auditEventItem]](t, a); len(got.Items) != 1 || got.Items[0].Position != all[len(all)-1].Position {
		t.Fatalf("after=: %+v", got)
	}
	expect(t, "bad type", ts.read(t, &fx.a, "/api/v1/audit/events?type=Nope"), 400, "validation_failed")
	expect(t, "bad since", ts.read(t, &fx.a, "/api/v1/audit/events?since=yesterday"), 400, "validation_failed")

	// Only admins and auditors; another company sees only its own log.
	b := readAll[auditEventItem](t, ts, &fx.b, "/api/v1/audit/events", 50)
	for _, e := range b {
		if strings.Contains(string(e.Payload), fx.a.CompanyID.String()) {
			t.Fatalf("B's log holds A's event: %s", e.Payload)
		}
	}
}

func TestAuditVerifyPortalViewAsOfAndDocumentAccess(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	fx := newAuditFixture(t, ts)

	rep := readOK[struct {
		OK            bool  `json:"ok"`
		EventsChecked int64 `json:"events_checked"`
	}](t, ts, &fx.a, "/api/v1/audit/verify")
	if !rep.OK || rep.EventsChecked < 8 {
		t.Fatalf("verify: %+v", rep)
	}

	// Pause: the live view empties, the view as of before the pause still shows
	// the document.
	before := time.Now().UTC()
	time.Sleep(5 * time.Millisecond)
	expectWritten(t, "pause", ts.send(t, &fx.a, "POST", "/api/v1/customers/"+fx.customer.ID.String()+"/pause", ""), 200)
	type view struct {
		Open      bool `json:"open"`
		Documents []struct {
			ID   uuid.UUID `json:"id"`
			Name string    `json:"name"`
		} `json:"documents"`
	}
	then := readOK[view](t, ts, &fx.a, "/api/v1/audit/customers/"+fx.customer.ID.String()+"/portal-view?as_of="+before.Format(time.RFC3339Nano))
	if !then.Open || len(then.Documents) != 1 || then.Documents[0].ID != fx.doc.ID {
		t.Fatalf("as of before the pause: %+v", then)
	}
	now := readOK[view](t, ts, &fx.a, "/api/v1/audit/customers/"+fx.customer.ID.String()+"/portal-view")
	if now.Open || len(now.Documents) != 0 {
		t.Fatalf("now, paused: %+v", now)
	}
	expectNotFound(t, "B's auditor asks about A's customer", ts.read(t, &fx.b, "/api/v1/audit/customers/"+fx.customer.ID.String()+"/portal-view"), fx.customer.ID)

	acc := readOK[struct {
		Items []auditEventItem `json:"items"`
	}](t, ts, &fx.a, "/api/v1/audit/documents/"+fx.doc.ID.String()+"/access")
	inCommitOrder(t, "access history", acc.Items)
	var types []string
	for _, e := range acc.Items {
		types = append(types, e.Type)
	}
	joined := strings.Join(types, ",")
	for _, want := range []string{"DocumentAdded", "PortalShareGranted", "LinkCreated", "LinkOpened", "DocumentDownloaded"} {
		if !strings.Contains(joined, want) {
			t.Errorf("document access lacks %s: %s", want, joined)
		}
	}
	expectNotFound(t, "B asks for A's document access", ts.read(t, &fx.b, "/api/v1/audit/documents/"+fx.doc.ID.String()+"/access"), fx.doc.ID)
}

func TestAuditIsForAdminsAndAuditorsOnly(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	fx := newAuditFixture(t, ts)
	inv := ts.send(t, &fx.a, "POST", "/api/v1/staff/invitations", `{"name":"Mel Member","email":"mel@audited.example","admin":false,"can_share":false,"auditor":false}`)
	expectWritten(t, "invite member", inv, 201)
	var invited struct {
		UserID        uuid.UUID `json:"user_id"`
		InvitationURL string    `json:"invitation_url"`
	}
	mustDecode(t, inv, &invited)
	token := invited.InvitationURL[strings.LastIndex(invited.InvitationURL, "/")+1:]
	acc := ts.send(t, nil, "POST", "/api/v1/invitations/"+token+"/accept", `{"name":"Mel Member","password":"a long enough password"}`)
	expectWritten(t, "accept", acc, 201)
	var member account
	mustDecode(t, acc, &member)

	for _, path := range []string{"/api/v1/audit/events", "/api/v1/audit/verify",
		"/api/v1/audit/customers/" + fx.customer.ID.String() + "/portal-view", "/api/v1/audit/documents/" + fx.doc.ID.String() + "/access"} {
		expect(t, "member "+path, ts.read(t, &member, path), 403, "forbidden")
		expect(t, "anonymous "+path, ts.read(t, nil, path), 401, "unauthenticated")
	}
	// Made an auditor, the member may.
	expectWritten(t, "make auditor", ts.send(t, &fx.a, "PATCH", "/api/v1/staff/"+invited.UserID.String(), `{"auditor":true}`), 200)
	expect(t, "auditor verify", ts.read(t, &member, "/api/v1/audit/verify"), 200, "")
}

// auditClient skips the spec-validating client (NDJSON, link content) and keeps
// off http.DefaultTransport, whose idle connections httptest servers close.
var auditClient = &http.Client{Transport: &http.Transport{}}
