package httpapi

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

type portalDocs struct {
	Open      bool `json:"open"`
	Documents []struct {
		ID uuid.UUID `json:"id"`
	} `json:"documents"`
}

func (p portalDocs) has(id uuid.UUID) bool {
	for _, d := range p.Documents {
		if d.ID == id {
			return true
		}
	}
	return false
}

// TestShareExpiry: a share granted with an expiry shows in the portal until that
// instant and not after, computed at read time (nothing is written when it
// passes); the history and the list show it expired with expired_at; the as-of
// replay agrees before and after the instant; PATCH moves or removes the expiry;
// an expiry in the past is refused and changes nothing.
func TestShareExpiry(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	w := newSharingWorld(t, ts)
	portal := "/api/v1/portal/providers/" + w.provider.CompanyID.String() + "/documents?flat=true"

	before := countEvents(t, ts)
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339Nano)
	expectInvalid(t, ts, "grant expiring in the past", ts.send(t, &w.provider, "POST", "/api/v1/shares",
		`{"customer_id":"`+w.c.ID.String()+`","document_id":"`+w.doc.ID.String()+`","permission":"view","expires_at":"`+past+`"}`), "expires_at", before)
	expectInvalid(t, ts, "bulk expiring in the past", ts.send(t, &w.provider, "POST", "/api/v1/shares/bulk",
		`{"customer_ids":["`+w.c.ID.String()+`"],"document_ids":["`+w.doc.ID.String()+`"],"permission":"view","expires_at":"`+past+`"}`), "expires_at", before)

	ends := time.Now().Add(4 * time.Second).UTC().Truncate(time.Millisecond)
	a := ts.send(t, &w.provider, "POST", "/api/v1/shares",
		`{"customer_id":"`+w.c.ID.String()+`","document_id":"`+w.doc.ID.String()+`","permission":"view","expires_at":"`+ends.Format(time.RFC3339Nano)+`"}`)
	expectWritten(t, "grant with expiry", a, 201)
	sh := decodeAs[shareResponse](t, a)
	if sh.Status != "active" || sh.ExpiresAt == nil || !sh.ExpiresAt.Equal(ends) || sh.ExpiredAt != nil {
		t.Fatalf("granted %+v", sh)
	}
	// PATCH: an expiry in the past is refused, the share unchanged.
	before = countEvents(t, ts)
	expectInvalid(t, ts, "patch expiring in the past", ts.send(t, &w.provider, "PATCH", "/api/v1/shares/"+sh.ID.String(), `{"expires_at":"`+past+`"}`), "expires_at", before)
	expectInvalid(t, ts, "patch with nothing", ts.send(t, &w.provider, "PATCH", "/api/v1/shares/"+sh.ID.String(), `{}`), "body", before)
	expectInvalid(t, ts, "patch with a bad time", ts.send(t, &w.provider, "PATCH", "/api/v1/shares/"+sh.ID.String(), `{"expires_at":"soon"}`), "expires_at", before)

	// Before the instant: visible (the window is a few seconds; the as-of replay
	// below pins the same fact without a clock).
	if v := readOK[portalDocs](t, ts, &w.customer, portal); !v.has(w.doc.ID) {
		t.Fatalf("before the expiry the portal does not show the document: %+v", v)
	}
	// After the instant: gone, without any write.
	written := countEvents(t, ts)
	time.Sleep(time.Until(ends) + 50*time.Millisecond)
	if v := readOK[portalDocs](t, ts, &w.customer, portal); v.has(w.doc.ID) {
		t.Fatalf("after the expiry the portal still shows the document: %+v", v)
	}
	expect(t, "download after expiry", ts.read(t, &w.customer, "/api/v1/portal/documents/"+w.doc.ID.String()+"/content"), 404, "not_found")
	expectUnchanged(t, ts, "expiry writes nothing", written)

	hist := readOK[struct {
		Items []historyItem `json:"items"`
	}](t, ts, &w.provider, "/api/v1/documents/"+w.doc.ID.String()+"/share-history")
	if len(hist.Items) != 1 || hist.Items[0].Status != "expired" || hist.Items[0].ExpiredAt == nil || !hist.Items[0].ExpiredAt.Equal(ends) {
		t.Fatalf("history %+v", hist.Items)
	}
	list := readOK[struct {
		Items []shareItem `json:"items"`
	}](t, ts, &w.provider, "/api/v1/shares?status=expired")
	if len(list.Items) != 1 || list.Items[0].ID != sh.ID || list.Items[0].Status != "expired" || list.Items[0].ExpiredAt == nil {
		t.Fatalf("expired shares %+v", list.Items)
	}
	if active := readOK[struct {
		Items []shareItem `json:"items"`
	}](t, ts, &w.provider, "/api/v1/shares?status=active"); len(active.Items) != 0 {
		t.Fatalf("active shares %+v", active.Items)
	}

	// The as-of replay agrees on both sides of the instant.
	asOf := func(at time.Time) portalDocs {
		return readOK[portalDocs](t, ts, &w.provider, "/api/v1/audit/customers/"+w.c.ID.String()+"/portal-view?as_of="+at.Format(time.RFC3339Nano))
	}
	if v := asOf(ends.Add(-time.Millisecond)); !v.has(w.doc.ID) {
		t.Fatalf("as of just before the expiry: %+v", v)
	}
	if v := asOf(ends); v.has(w.doc.ID) {
		t.Fatalf("as of the expiry: %+v", v)
	}

	// An expired share may be given a new expiry (or none): it shows again.
	a = ts.send(t, &w.provider, "PATCH", "/api/v1/shares/"+sh.ID.String(), `{"expires_at":null,"permission":"edit"}`)
	expectWritten(t, "remove the expiry", a, 200)
	if got := decodeAs[shareResponse](t, a); got.Status != "active" || got.ExpiresAt != nil || got.Permission != "edit" {
		t.Fatalf("patched %+v", got)
	}
	if v := readOK[portalDocs](t, ts, &w.customer, portal); !v.has(w.doc.ID) {
		t.Fatalf("after removing the expiry: %+v", v)
	}
	// The audit log shows the change.
	if n := countEventsOfType(t, ts, "ShareExpiryChanged"); n != 1 {
		t.Fatalf("ShareExpiryChanged events: %d", n)
	}
	// Another company cannot change it.
	before = countEvents(t, ts)
	later := time.Now().Add(time.Hour).UTC().Format(time.RFC3339Nano)
	expect(t, "intruder patches expiry", ts.send(t, &w.intruder, "PATCH", "/api/v1/shares/"+sh.ID.String(), `{"expires_at":"`+later+`"}`), 404, "not_found")
	expectUnchanged(t, ts, "intruder", before)
	if !strings.Contains(ts.read(t, &w.provider, "/api/v1/shares?status=active").body, sh.ID.String()) {
		t.Fatal("the share is no longer active after the intruder's attempt")
	}
}
