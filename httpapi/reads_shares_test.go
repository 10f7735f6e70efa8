package httpapi

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain/app"
)

func TestReadSharesAndShareHistory(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now().UTC().Truncate(time.Millisecond)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); now = now.Add(time.Second); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	ts := newReadServer(t, func(c *Config) {
		c.Clock = clock
		svc, err := app.New(app.Config{Store: c.Store, Hasher: c.Hasher, Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		c.App = svc
	})
	provider := ts.signupCompany(t, "Acme Provider")
	beta := ts.signupCompany(t, "Beta Corp")
	gamma := ts.signupCompany(t, "Gamma Ltd")
	intruder := ts.signupCompany(t, "Intruder Inc")
	b, g := ts.connect(t, provider, beta), ts.connect(t, provider, gamma)
	public := ts.folder(t, provider, `{"name":"Public"}`)
	manuals := ts.folder(t, provider, `{"name":"Manuals","parent_id":"`+public.ID.String()+`"}`)
	doc := ts.document(t, provider, manuals.ID, "manual.pdf", "%PDF-1.4 the manual")
	other := ts.document(t, provider, public.ID, "other.pdf", "%PDF-1.4 another")

	share := func(body string) shareResponse {
		t.Helper()
		a := ts.send(t, &provider, "POST", "/api/v1/shares", body)
		expectWritten(t, "share", a, 201)
		return decodeAs[shareResponse](t, a)
	}
	s1 := share(`{"customer_id":"` + b.ID.String() + `","document_id":"` + doc.ID.String() + `","permission":"view"}`)
	s2 := share(`{"customer_id":"` + g.ID.String() + `","folder_id":"` + public.ID.String() + `","permission":"edit"}`)
	s3 := share(`{"customer_id":"` + g.ID.String() + `","document_id":"` + doc.ID.String() + `","permission":"view"}`)
	share(`{"customer_id":"` + b.ID.String() + `","document_id":"` + other.ID.String() + `","permission":"view"}`)
	expectWritten(t, "cancel share", ts.send(t, &provider, "POST", "/api/v1/shares/"+s3.ID.String()+"/cancel", ""), 200)

	links := "/api/v1/documents/" + doc.ID.String() + "/links"
	expires := now.Add(time.Hour)
	a := ts.send(t, &provider, "POST", links, `{"password":"open sesame","expires_at":"`+expires.Format(time.RFC3339Nano)+`"}`)
	expectWritten(t, "link 1", a, 201)
	l1 := decodeAs[linkResponse](t, a)
	a = ts.send(t, &provider, "POST", links, `{}`)
	expectWritten(t, "link 2", a, 201)
	l2 := decodeAs[linkResponse](t, a)
	expectWritten(t, "cancel link 2", ts.send(t, &provider, "POST", "/api/v1/links/"+l2.ID.String()+"/cancel", ""), 200)

	// Beta downloads the document through its portal; link 1 is opened once.
	dl := ts.read(t, &beta, "/api/v1/portal/documents/"+doc.ID.String()+"/content")
	if dl.status != 200 || dl.body != "%PDF-1.4 the manual" {
		t.Fatalf("portal download %d %s", dl.status, dl.body)
	}
	if a := ts.open(t, "/l/"+linkToken(t, l1)+"/content", "open sesame"); a.status != 200 {
		t.Fatalf("open link %d %s", a.status, a.body)
	}
	advance(2 * time.Hour) // link 1 has expired since

	// The history: newest first, link 2, link 1, share 3, share 2 (through the
	// folder), share 1.
	ha := ts.read(t, &provider, "/api/v1/documents/"+doc.ID.String()+"/share-history")
	expect(t, "share history", ha, 200, "")
	for _, secret := range []string{"sesame", "hash", linkToken(t, l1), "$argon2"} {
		if strings.Contains(ha.body, secret) {
			t.Fatalf("history shows %q: %s", secret, ha.body)
		}
	}
	hist := decodeAs[page[historyItem]](t, ha).Items
	if got := names(hist, func(h historyItem) string { return h.ID.String() }); !slices.Equal(got,
		[]string{l2.ID.String(), l1.ID.String(), s3.ID.String(), s2.ID.String(), s1.ID.String()}) {
		t.Fatalf("history order %s", ha.body)
	}
	admin := personRef{ID: provider.UserID, Name: "Admin of Acme Provider"}
	var raw struct {
		Items []map[string]json.RawMessage `json:"items"`
	}
	mustDecode(t, ha, &raw)
	for _, item := range raw.Items {
		// 17 fields, and for a link its changes and copies (v1.1, issue 16).
		if len(item) < 17 || len(item) > 22 {
			t.Fatalf("history item fields %v", item)
		}
		for _, k := range []string{"id", "type", "customer_id", "customer_name", "permission", "shared_by", "shared_at",
			"expires_at", "password_required", "status", "cancelled_by", "cancelled_at", "cancel_reason", "opened_count",
			"last_opened_at", "folder", "via"} {
			if _, ok := item[k]; !ok {
				t.Fatalf("history item without %s: %v", k, item)
			}
		}
	}

	h := hist[0] // link 2: cancelled
	if h.Type != "link" || h.CustomerID != nil || h.CustomerName != nil || h.Permission != "view" || h.SharedBy != admin ||
		h.Status != "cancelled" || h.CancelledBy == nil || *h.CancelledBy != admin || h.CancelledAt == nil ||
		h.CancelReason == nil || h.PasswordRequired || h.ExpiresAt != nil || h.OpenedCount != 0 || h.Folder != nil {
		t.Fatalf("link 2 %+v", h)
	}
	h = hist[1] // link 1: expired by now, opened once
	if h.Type != "link" || h.Status != "expired" || !h.PasswordRequired || h.ExpiresAt == nil || !h.ExpiresAt.Equal(expires) ||
		h.OpenedCount != 1 || h.LastOpenedAt == nil || h.CancelledBy != nil || h.CancelledAt != nil || h.CancelReason != nil ||
		!h.SharedAt.Equal(l1.CreatedAt) {
		t.Fatalf("link 1 %+v", h)
	}
	h = hist[2] // share 3: cancelled
	if h.Type != "portal" || *h.CustomerID != g.ID || *h.CustomerName != "Gamma Ltd" || h.Status != "cancelled" ||
		*h.CancelledBy != admin || *h.CancelReason != "cancelled" || h.Folder != nil || h.OpenedCount != 0 {
		t.Fatalf("share 3 %+v", h)
	}
	h = hist[3] // share 2: through the folder above
	if h.Type != "portal" || *h.CustomerID != g.ID || h.Permission != "edit" || h.Status != "active" || h.Folder == nil ||
		h.Folder.ID != public.ID || h.Folder.Name != "Public" || h.ExpiresAt != nil || h.CancelledBy != nil || h.LastOpenedAt != nil {
		t.Fatalf("share 2 %+v", h)
	}
	h = hist[4] // share 1: downloaded once by Beta
	if h.Type != "portal" || *h.CustomerID != b.ID || *h.CustomerName != "Beta Corp" || h.Permission != "view" ||
		h.SharedBy != admin || !h.SharedAt.Equal(s1.SharedAt) || h.Status != "active" || h.OpenedCount != 1 || h.LastOpenedAt == nil ||
		h.Folder != nil {
		t.Fatalf("share 1 %+v", h)
	}
	if p := readAll[historyItem](t, ts, &provider, "/api/v1/documents/"+doc.ID.String()+"/share-history", 2); len(p) != 5 || p[4].ID != s1.ID {
		t.Fatalf("paged history %+v", p)
	}

	// The share list.
	for query, want := range map[string][]uuid.UUID{
		"?customer_id=" + b.ID.String() + "&document_id=" + doc.ID.String(): {s1.ID},
		"?status=cancelled":                           {s3.ID},
		"?document_id=" + doc.ID.String():             {s3.ID, s1.ID},
		"?customer_id=" + g.ID.String():               {s3.ID, s2.ID},
		"?customer_id=" + uuid.NewString():            {},
		"?status=active&customer_id=" + g.ID.String(): {s2.ID},
	} {
		items := readAll[shareItem](t, ts, &provider, "/api/v1/shares"+query, 1)
		got := []uuid.UUID{}
		for _, it := range items {
			got = append(got, it.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("shares%s: %v, want %v", query, got, want)
		}
	}
	sh := readOK[page[shareItem]](t, ts, &provider, "/api/v1/shares?status=cancelled").Items[0]
	if sh.Type != "portal" || sh.Status != "cancelled" || sh.CustomerID != g.ID || sh.CustomerName != "Gamma Ltd" ||
		*sh.DocumentID != doc.ID || sh.FolderID != nil || sh.Permission != "view" || sh.SharedBy != provider.UserID ||
		!sh.SharedAt.Equal(s3.SharedAt) || *sh.CancelledBy != provider.UserID || sh.CancelledAt == nil || *sh.CancelReason != "cancelled" {
		t.Fatalf("cancelled share %+v", sh)
	}

	// Another company sees none of it.
	expectNotFound(t, "intruder's history", ts.read(t, &intruder, "/api/v1/documents/"+doc.ID.String()+"/share-history"))
	if p := readOK[page[shareItem]](t, ts, &intruder, "/api/v1/shares?customer_id="+b.ID.String()); len(p.Items) != 0 {
		t.Fatalf("intruder's shares %+v", p.Items)
	}
	if p := readOK[page[shareItem]](t, ts, &beta, "/api/v1/shares"); len(p.Items) != 0 {
		t.Fatalf("the customer lists the provider's shares %+v", p.Items)
	}
	if a := ts.read(t, &provider, "/api/v1/shares?status=gone"); a.status != 400 || !containsField(t, a, "status") {
		t.Fatalf("bad status %d %s", a.status, a.body)
	}
}
