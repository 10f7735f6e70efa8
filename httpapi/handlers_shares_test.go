package httpapi

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
)

// sharingWorld is a provider with a customer, a folder and a document in it.
type sharingWorld struct {
	provider, customer, intruder account
	c                            customerResponse
	folder                       folderResponse
	doc                          documentResponse
}

func newSharingWorld(t *testing.T, ts *testServer) sharingWorld {
	t.Helper()
	w := sharingWorld{
		provider: ts.signupCompany(t, "Provider Ltd"),
		customer: ts.signupCompany(t, "Customer GmbH"),
		intruder: ts.signupCompany(t, "Intruder Inc"),
	}
	w.c = ts.connect(t, w.provider, w.customer)
	w.folder = ts.folder(t, w.provider, `{"name":"Manuals"}`)
	w.doc = ts.document(t, w.provider, w.folder.ID, "manual.pdf", "%PDF-1.4 the manual")
	return w
}

func (w sharingWorld) shareBody(target, id, permission string) string {
	return `{"customer_id":"` + w.c.ID.String() + `","` + target + `":"` + id + `","permission":"` + permission + `"}`
}

func TestPortalShares(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	w := newSharingWorld(t, ts)

	a := ts.send(t, &w.provider, "POST", "/api/v1/shares", w.shareBody("document_id", w.doc.ID.String(), "view"))
	expectWritten(t, "grant", a, 201)
	sh := decodeAs[shareResponse](t, a)
	if sh.ID == uuid.Nil || sh.Type != "portal" || sh.Status != "active" || sh.CustomerID != w.c.ID || sh.DocumentID == nil ||
		*sh.DocumentID != w.doc.ID || sh.FolderID != nil || sh.Permission != "view" || sh.SharedBy != w.provider.UserID ||
		sh.SharedAt.IsZero() || sh.CancelledAt != nil {
		t.Fatalf("share %+v", sh)
	}
	a = ts.send(t, &w.provider, "POST", "/api/v1/shares", w.shareBody("folder_id", w.folder.ID.String(), "edit"))
	expectWritten(t, "grant folder", a, 201)
	if fs := decodeAs[shareResponse](t, a); fs.FolderID == nil || *fs.FolderID != w.folder.ID || fs.DocumentID != nil || fs.Permission != "edit" {
		t.Fatalf("folder share %+v", fs)
	}

	before := countEvents(t, ts)
	expect(t, "grant again", ts.send(t, &w.provider, "POST", "/api/v1/shares", w.shareBody("document_id", w.doc.ID.String(), "edit")), 409, "conflict")
	expectUnchanged(t, ts, "grant again", before)
	expectInvalid(t, ts, "bad permission", ts.send(t, &w.provider, "POST", "/api/v1/shares", w.shareBody("document_id", w.doc.ID.String(), "own")), "permission", before)
	expectInvalid(t, ts, "no target", ts.send(t, &w.provider, "POST", "/api/v1/shares", `{"customer_id":"`+w.c.ID.String()+`","permission":"view"}`), "document_id", before)
	expectInvalid(t, ts, "two targets", ts.send(t, &w.provider, "POST", "/api/v1/shares",
		`{"customer_id":"`+w.c.ID.String()+`","document_id":"`+w.doc.ID.String()+`","folder_id":"`+w.folder.ID.String()+`","permission":"view"}`), "document_id", before)
	expectInvalid(t, ts, "no customer", ts.send(t, &w.provider, "POST", "/api/v1/shares", `{"document_id":"`+w.doc.ID.String()+`","permission":"view"}`), "customer_id", before)
	expectInvalid(t, ts, "unknown field", ts.send(t, &w.provider, "POST", "/api/v1/shares", `{"customer_id":"`+w.c.ID.String()+`","document_id":"`+w.doc.ID.String()+`","permission":"view","notify":true}`), "notify", before)
	// Company B with company A's ids: 404, nothing changes.
	expect(t, "intruder grants", ts.send(t, &w.intruder, "POST", "/api/v1/shares", w.shareBody("document_id", w.doc.ID.String(), "edit")), 404, "not_found")
	expect(t, "intruder changes", ts.send(t, &w.intruder, "PATCH", "/api/v1/shares/"+sh.ID.String(), `{"permission":"edit"}`), 404, "not_found")
	expect(t, "intruder cancels", ts.send(t, &w.intruder, "POST", "/api/v1/shares/"+sh.ID.String()+"/cancel", ""), 404, "not_found")
	expectUnchanged(t, ts, "intruder", before)
	// The intruder's own customer cannot be given the provider's document either.
	ic := ts.connect(t, w.intruder, w.customer)
	before = countEvents(t, ts)
	expect(t, "share another provider's document", ts.send(t, &w.intruder, "POST", "/api/v1/shares",
		`{"customer_id":"`+ic.ID.String()+`","document_id":"`+w.doc.ID.String()+`","permission":"view"}`), 404, "not_found")
	expectUnchanged(t, ts, "another provider's document", before)

	a = ts.send(t, &w.provider, "PATCH", "/api/v1/shares/"+sh.ID.String(), `{"permission":"edit"}`)
	expectWritten(t, "change permission", a, 200)
	if got := decodeAs[shareResponse](t, a); got.ID != sh.ID || got.Permission != "edit" || got.Status != "active" {
		t.Fatalf("changed %+v", got)
	}
	before = countEvents(t, ts)
	expectInvalid(t, ts, "change: bad permission", ts.send(t, &w.provider, "PATCH", "/api/v1/shares/"+sh.ID.String(), `{"permission":"EDIT"}`), "permission", before)
	expect(t, "change unknown share", ts.send(t, &w.provider, "PATCH", "/api/v1/shares/"+uuid.NewString(), `{"permission":"edit"}`), 404, "not_found")

	a = ts.send(t, &w.provider, "POST", "/api/v1/shares/"+sh.ID.String()+"/cancel", "")
	expectWritten(t, "cancel", a, 200)
	if got := decodeAs[shareResponse](t, a); got.Status != "cancelled" || got.CancelledAt == nil || got.CancelledBy == nil ||
		*got.CancelledBy != w.provider.UserID || got.CancelReason == nil || *got.CancelReason != "cancelled" {
		t.Fatalf("cancelled %+v", got)
	}
	before = countEvents(t, ts)
	expect(t, "cancel again", ts.send(t, &w.provider, "POST", "/api/v1/shares/"+sh.ID.String()+"/cancel", ""), 409, "share_cancelled")
	expect(t, "change a cancelled share", ts.send(t, &w.provider, "PATCH", "/api/v1/shares/"+sh.ID.String(), `{"permission":"view"}`), 409, "share_cancelled")
	expectUnchanged(t, ts, "cancelled share", before)

	// A revoked customer gets nothing more.
	expectWritten(t, "revoke", ts.send(t, &w.provider, "POST", "/api/v1/customers/"+w.c.ID.String()+"/revoke", ""), 200)
	before = countEvents(t, ts)
	expect(t, "grant to revoked", ts.send(t, &w.provider, "POST", "/api/v1/shares", w.shareBody("document_id", w.doc.ID.String(), "view")), 409, "customer_revoked")
	expectUnchanged(t, ts, "grant to revoked", before)
}

// A member without can_share may not share: 403.
func TestSharingNeedsCanShare(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	w := newSharingWorld(t, ts)
	a := ts.send(t, &w.provider, "POST", "/api/v1/groups", `{"name":"Key"}`)
	g := decodeAs[groupResponse](t, a)
	expectWritten(t, "assign", ts.send(t, &w.provider, "PUT", "/api/v1/customers/"+w.c.ID.String()+"/group", `{"group_id":"`+g.ID.String()+`"}`), 200)
	member := ts.invitedStaff(t, w.provider, `{"name":"Mo","email":"mo@provider.test"}`)
	expectWritten(t, "write access", ts.send(t, &w.provider, "PUT", "/api/v1/groups/"+g.ID.String()+"/members/"+member.UserID.String(), `{"access":"write"}`), 200)
	before := countEvents(t, ts)
	expect(t, "member shares", ts.send(t, &member, "POST", "/api/v1/shares", w.shareBody("document_id", w.doc.ID.String(), "view")), 403, "forbidden")
	expect(t, "member links", ts.send(t, &member, "POST", "/api/v1/documents/"+w.doc.ID.String()+"/links", `{}`), 403, "forbidden")
	expectUnchanged(t, ts, "member without can_share", before)
	expectWritten(t, "can_share", ts.send(t, &w.provider, "PATCH", "/api/v1/staff/"+member.UserID.String(), `{"can_share":true}`), 200)
	expectWritten(t, "member shares with can_share", ts.send(t, &member, "POST", "/api/v1/shares", w.shareBody("document_id", w.doc.ID.String(), "view")), 201)
}

// A replayed POST /api/v1/shares answers the first response again and appends
// nothing; the same key with another body is 422.
func TestShareIdempotencyReplay(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, nil, nil)
	w := newSharingWorld(t, ts)
	h := w.provider.bearer()
	h.Set("Content-Type", "application/json")
	h.Set("Idempotency-Key", "grant-"+uuid.NewString())
	body := w.shareBody("document_id", w.doc.ID.String(), "view")

	first := ts.do(t, ts.client, "POST", "/api/v1/shares", h, body)
	expectWritten(t, "first", first, 201)
	before := countEvents(t, ts)
	again := ts.do(t, ts.client, "POST", "/api/v1/shares", h, body)
	if again.status != 201 || again.body != first.body || again.header.Get("Idempotent-Replayed") != "true" ||
		again.header.Get("X-Position") != first.header.Get("X-Position") {
		t.Fatalf("replay %+v (first %+v)", again, first)
	}
	expectUnchanged(t, ts, "replay", before)
	other := ts.do(t, ts.client, "POST", "/api/v1/shares", h, w.shareBody("folder_id", w.folder.ID.String(), "view"))
	expect(t, "same key, other body", other, http.StatusUnprocessableEntity, "idempotency_key_reused")
	expectUnchanged(t, ts, "same key, other body", before)
}
