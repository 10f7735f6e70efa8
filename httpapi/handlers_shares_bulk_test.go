package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/sharehub/sharehub/projections"
)

func idList(ids ...uuid.UUID) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = `"` + id.String() + `"`
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func bulkBody(customers, docs, folders []uuid.UUID, permission string) string {
	return `{"customer_ids":` + idList(customers...) + `,"document_ids":` + idList(docs...) + `,"folder_ids":` + idList(folders...) +
		`,"permission":"` + permission + `"}`
}

// TestBulkShares: every pair or nothing. Each refusal (unknown id, revoked
// customer, a pair already shared, a customer outside the caller's groups,
// another company's ids, too many pairs, bad input) answers its problem and
// appends nothing; a success lists every share, and its Idempotency-Key covers
// the whole batch.
func TestBulkShares(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	w := newSharingWorld(t, ts)
	c2 := ts.connect(t, w.provider, ts.signupCompany(t, "Second Co"))
	gone := ts.connect(t, w.provider, ts.signupCompany(t, "Gone Co"))
	expectWritten(t, "revoke", ts.send(t, &w.provider, "POST", "/api/v1/customers/"+gone.ID.String()+"/revoke", ""), 200)
	doc2 := ts.document(t, w.provider, w.folder.ID, "second.pdf", "%PDF-1.4 second")
	sub := ts.folder(t, w.provider, `{"name":"Sub","parent_id":"`+w.folder.ID.String()+`"}`)
	customers := []uuid.UUID{w.c.ID, c2.ID}
	docs := []uuid.UUID{w.doc.ID, doc2.ID}

	before := countEvents(t, ts)
	bulk := func(body string) answer { return ts.send(t, &w.provider, "POST", "/api/v1/shares/bulk", body) }
	expect(t, "unknown customer", bulk(bulkBody([]uuid.UUID{w.c.ID, uuid.New()}, docs, nil, "view")), 404, "not_found")
	expect(t, "unknown document", bulk(bulkBody(customers, []uuid.UUID{w.doc.ID, uuid.New()}, nil, "view")), 404, "not_found")
	expect(t, "unknown folder", bulk(bulkBody(customers, nil, []uuid.UUID{uuid.New()}, "view")), 404, "not_found")
	expect(t, "revoked customer", bulk(bulkBody([]uuid.UUID{w.c.ID, gone.ID}, docs, nil, "view")), 409, "customer_revoked")
	expectInvalid(t, ts, "bad permission", bulk(bulkBody(customers, docs, nil, "own")), "permission", before)
	expectInvalid(t, ts, "no customer", bulk(bulkBody(nil, docs, nil, "view")), "customer_ids", before)
	expectInvalid(t, ts, "nothing to share", bulk(bulkBody(customers, nil, nil, "view")), "document_ids", before)
	expectInvalid(t, ts, "unknown field", bulk(`{"customer_ids":[],"permission":"view","notify":true}`), "notify", before)
	many := make([]uuid.UUID, 1001)
	for i := range many {
		many[i] = uuid.New()
	}
	expectInvalid(t, ts, "above the bound", bulk(bulkBody([]uuid.UUID{w.c.ID}, many, nil, "view")), "customer_ids", before)
	// Another company with the provider's ids, or the provider's document given to
	// the intruder's own customer: not found.
	expect(t, "intruder", ts.send(t, &w.intruder, "POST", "/api/v1/shares/bulk", bulkBody(customers, docs, nil, "view")), 404, "not_found")
	ic := ts.connect(t, w.intruder, w.customer)
	before = countEvents(t, ts)
	expect(t, "intruder's customer, provider's document", ts.send(t, &w.intruder, "POST", "/api/v1/shares/bulk",
		bulkBody([]uuid.UUID{ic.ID}, docs, nil, "view")), 404, "not_found")
	expectUnchanged(t, ts, "refused batches", before)

	// A member who may share with one customer's group only: a batch that also
	// names a customer outside it is refused as a whole.
	g := decodeAs[groupResponse](t, ts.send(t, &w.provider, "POST", "/api/v1/groups", `{"name":"Key accounts"}`))
	expectWritten(t, "assign", ts.send(t, &w.provider, "PUT", "/api/v1/customers/"+w.c.ID.String()+"/group", `{"group_id":"`+g.ID.String()+`"}`), 200)
	g2 := decodeAs[groupResponse](t, ts.send(t, &w.provider, "POST", "/api/v1/groups", `{"name":"Others"}`))
	expectWritten(t, "assign 2", ts.send(t, &w.provider, "PUT", "/api/v1/customers/"+c2.ID.String()+"/group", `{"group_id":"`+g2.ID.String()+`"}`), 200)
	member := ts.invitedStaff(t, w.provider, `{"name":"Mo","email":"mo-bulk@provider.test","can_share":true}`)
	expectWritten(t, "write access", ts.send(t, &w.provider, "PUT", "/api/v1/groups/"+g.ID.String()+"/members/"+member.UserID.String(), `{"access":"write"}`), 200)
	before = countEvents(t, ts)
	a := ts.send(t, &member, "POST", "/api/v1/shares/bulk", bulkBody(customers, docs, nil, "view"))
	if a.status != http.StatusNotFound && a.status != http.StatusForbidden {
		t.Fatalf("member shares outside its groups: %d %s", a.status, a.body)
	}
	expectUnchanged(t, ts, "member outside its groups", before)
	expectWritten(t, "member within its group", ts.send(t, &member, "POST", "/api/v1/shares/bulk", bulkBody([]uuid.UUID{w.c.ID}, nil, []uuid.UUID{sub.ID}, "view")), 201)

	// Success: every pair, repeated ids once; the same key and body answer the
	// same and append nothing; another body with that key: 422.
	body := bulkBody([]uuid.UUID{w.c.ID, c2.ID, w.c.ID}, []uuid.UUID{w.doc.ID, doc2.ID, w.doc.ID}, nil, "edit")
	h := w.provider.bearer()
	h.Set("Content-Type", "application/json")
	h.Set("Idempotency-Key", "bulk-"+uuid.NewString())
	before = countEvents(t, ts)
	a = ts.do(t, ts.client, "POST", "/api/v1/shares/bulk", h, body)
	expectWritten(t, "bulk", a, 201)
	got := decodeAs[sharesResponse](t, a)
	if len(got.Items) != 4 {
		t.Fatalf("bulk answered %d shares, want 4: %s", len(got.Items), a.body)
	}
	want := [][2]uuid.UUID{{w.c.ID, w.doc.ID}, {w.c.ID, doc2.ID}, {c2.ID, w.doc.ID}, {c2.ID, doc2.ID}}
	for i, sh := range got.Items {
		if sh.CustomerID != want[i][0] || sh.DocumentID == nil || *sh.DocumentID != want[i][1] || sh.Permission != "edit" || sh.Status != "active" {
			t.Fatalf("share %d: %+v, want %v", i, sh, want[i])
		}
	}
	if n := countEvents(t, ts) - before; n != 12 {
		t.Fatalf("bulk appended %d events, want 12 (3 per pair)", n)
	}
	written := countEvents(t, ts)
	again := ts.do(t, ts.client, "POST", "/api/v1/shares/bulk", h, body)
	if again.status != 201 || again.body != a.body {
		t.Fatalf("replay: %d %s", again.status, again.body)
	}
	expect(t, "same key, another body", ts.do(t, ts.client, "POST", "/api/v1/shares/bulk", h, bulkBody(customers, docs, nil, "view")), 422, "")
	expectUnchanged(t, ts, "replay", written)
	expect(t, "a pair already shared", bulk(bulkBody(customers, docs, nil, "view")), 409, "conflict")
	expectUnchanged(t, ts, "already shared", written)

	// Both customers' portals show both documents.
	for _, who := range []account{w.customer} {
		v := readOK[portalDocs](t, ts, &who, "/api/v1/portal/providers/"+w.provider.CompanyID.String()+"/documents?flat=true")
		if !v.has(w.doc.ID) || !v.has(doc2.ID) {
			t.Fatalf("portal after bulk: %+v", v)
		}
	}
}

// TestStoryYearEndStatementsInOneCall: an accountant shares 20 year-end
// statements with 50 customers in one call: 1000 shares, 3000 events, one
// transaction. Every customer's users are mailed about what they got (today
// one mail per share: the grouping into one mail per customer belongs to the
// new-content notifications, issue 17 "Notifications").
func TestStoryYearEndStatementsInOneCall(t *testing.T) {
	if testing.Short() {
		t.Skip("story test")
	}
	t.Parallel()
	ts := newReadServer(t, nil)
	startNotifications(t, ts)

	firm := ts.signupCompany(t, "Year End Accountants")
	var customers []uuid.UUID
	for i := range 50 {
		customers = append(customers, ts.connect(t, firm, ts.signupCompany(t, fmt.Sprintf("Client %02d", i))).ID)
	}
	statements := ts.folder(t, firm, `{"name":"Year-end 2025"}`)
	var docs []uuid.UUID
	for i := range 20 {
		docs = append(docs, ts.document(t, firm, statements.ID, fmt.Sprintf("statement-%02d.pdf", i), "%PDF-1.4 statement").ID)
	}
	before := countEvents(t, ts)
	began := time.Now()
	a := ts.send(t, &firm, "POST", "/api/v1/shares/bulk", bulkBody(customers, docs, nil, "view"))
	took := time.Since(began)
	expectWritten(t, "bulk 50 × 20", a, 201)
	if got := decodeAs[sharesResponse](t, a); len(got.Items) != 1000 {
		t.Fatalf("%d shares, want 1000", len(got.Items))
	}
	events := countEvents(t, ts) - before
	if events != 3000 {
		t.Fatalf("%d events, want 3000", events)
	}
	var txs int
	if err := ts.pool.QueryRow(ctxFor(t), `SELECT count(DISTINCT transaction_id::text) FROM events WHERE event_type = 'PortalShareGranted'`).Scan(&txs); err != nil {
		t.Logf("transactions: %v", err)
	} else if txs != 1 {
		t.Fatalf("the bulk wrote in %d transactions, want 1", txs)
	}
	t.Logf("bulk 50 customers × 20 documents: %d shares, %d events, %s (figure only)", 1000, events, took)

	if err := projections.WaitFor(ctxFor(t), ts.store, projections.Notifications.Name, ts.lastPosition(t), 60*time.Second); err != nil {
		t.Fatal(err)
	}
	rows, err := ts.pool.Query(ctxFor(t), `SELECT recipient, count(*) FROM outbox_mail WHERE template = 'share-granted' GROUP BY recipient`)
	if err != nil {
		t.Fatal(err)
	}
	perRecipient := map[string]int{}
	for rows.Next() {
		var r string
		var n int
		if err := rows.Scan(&r, &n); err != nil {
			t.Fatal(err)
		}
		perRecipient[r] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(perRecipient) != 50 {
		t.Fatalf("share mails went to %d recipients, want each of the 50 customers' admins: %v", len(perRecipient), perRecipient)
	}
	for r, n := range perRecipient {
		t.Logf("share mails per customer user today: %d (%s; one per share: one per customer awaits the new-content notifications)", n, r)
		break
	}
}
