package httpapi

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain/app"
)

// Story tests: one per help page in /work/shared/seeds/ (ecratum, JarvisDrive,
// CommTrak, QUBEdocs, CA Cloud Desk). Each walks through what a user of that
// product does, over real HTTP against a real database with the projections
// running, and checks what the other side sees. Every write's X-Position is kept
// and every read waits for the newest one (X-Min-Position): no sleeping.
// TestStoriesWithoutMinPosition runs them all again without the header.

// story is one walk through the product.
type story struct {
	t   *testing.T
	ts  *testServer
	pos int64 // the newest X-Position seen
	// noMin: run by TestStoriesWithoutMinPosition (stories_nominpos_test.go).
	noMin *withoutMinPosition
}

func newStory(t *testing.T, adjust func(*Config)) *story {
	t.Helper()
	s := &story{t: t, ts: newReadServer(t, adjust)}
	s.noMin = withoutMinPositionFor(t)
	return s
}

// note keeps an answer's X-Position (writes, and downloads, which log themselves).
func (s *story) note(a answer) answer {
	if p, err := strconv.ParseInt(a.header.Get("X-Position"), 10, 64); err == nil && p > s.pos {
		s.pos = p
	}
	return a
}

// signup signs a company up with its first admin, "Admin of <name>".
func (s *story) signup(name string) account {
	s.t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", "")) + strconv.FormatInt(signupSeq.Add(1), 10) + "@example.test"
	acc := storyWrite[account](s, "sign up "+name, 201, nil, "POST", "/api/v1/signup",
		`{"company_name":"`+name+`","name":"Admin of `+name+`","email":"`+email+`","password":"correct horse battery"}`)
	s.signedIn(acc)
	return acc
}

// call issues a JSON call as who (nil: anonymous).
func (s *story) call(who *account, method, path, body string) answer {
	s.t.Helper()
	return s.acked(who, s.note(s.ts.send(s.t, who, method, path, body)))
}

// write issues a call that must succeed with status and X-Position.
func (s *story) write(what string, status int, who *account, method, path, body string) answer {
	s.t.Helper()
	a := s.call(who, method, path, body)
	expectWritten(s.t, what, a, status)
	return a
}

// refused issues a call that must fail with status and code, writing nothing.
func (s *story) refused(what string, status int, code string, who *account, method, path, body string) {
	s.t.Helper()
	a := s.call(who, method, path, body)
	expect(s.t, what, a, status, code)
	if a.header.Get("X-Position") != "" {
		s.t.Fatalf("%s: a refused call wrote (X-Position %s)", what, a.header.Get("X-Position"))
	}
}

// upload sends a multipart upload as who.
func (s *story) upload(who *account, path string, fields map[string]string, fileName, content string) answer {
	s.t.Helper()
	return s.acked(who, s.note(s.ts.upload(s.t, who, path, fields, fileName, content)))
}

// get reads path as who, after every write so far.
func (s *story) get(who *account, path string) answer {
	s.t.Helper()
	if s.noMin != nil {
		return s.acked(who, s.note(s.noMin.read(s, who, path)))
	}
	return s.note(s.ts.readAt(s.t, who, path, s.pos))
}

// storyGet reads path and decodes its 200 answer.
func storyGet[T any](s *story, who *account, path string) T {
	s.t.Helper()
	a := s.get(who, path)
	expect(s.t, "GET "+path, a, 200, "")
	return decodeAs[T](s.t, a)
}

// storyWrite issues a write and decodes its answer.
func storyWrite[T any](s *story, what string, status int, who *account, method, path, body string) T {
	s.t.Helper()
	return decodeAs[T](s.t, s.write(what, status, who, method, path, body))
}

// lastSegment is the token of an invitation_url or a link url.
func lastSegment(t *testing.T, url string) string {
	t.Helper()
	i := strings.LastIndex(url, "/")
	if i < 0 || i == len(url)-1 {
		t.Fatalf("no token in %q", url)
	}
	return url[i+1:]
}

// accept accepts the invitation behind url, as the invited person.
func (s *story) accept(url, name string) account {
	s.t.Helper()
	if !strings.HasPrefix(url, "http://127.0.0.1:0/invitations/") {
		s.t.Fatalf("invitation_url %q", url)
	}
	a := s.write("accept invitation", 201, nil, "POST", "/api/v1/invitations/"+lastSegment(s.t, url)+"/accept",
		`{"name":"`+name+`","password":"correct horse battery"}`)
	acc := decodeAs[acceptInvitationResponse](s.t, a)
	s.signedIn(account{Token: acc.Token})
	return account{CompanyID: acc.CompanyID, UserID: acc.UserID, Token: acc.Token}
}

// staff invites a staff user into admin's company and signs them in.
func (s *story) staff(admin account, name string, canShare bool) account {
	s.t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + strconv.FormatInt(signupSeq.Add(1), 10) + "@provider.test"
	inv := storyWrite[userInvitationResponse](s, "invite staff", 201, &admin, "POST", "/api/v1/staff/invitations",
		`{"name":"`+name+`","email":"`+email+`","can_share":`+strconv.FormatBool(canShare)+`}`)
	acc := s.accept(inv.InvitationURL, name)
	if acc.UserID != inv.UserID || acc.CompanyID != admin.CompanyID {
		s.t.Fatalf("staff %s joined as %+v, invited %+v", name, acc, inv)
	}
	return acc
}

// newFolder creates a provider folder (body as POST /api/v1/folders takes it).
func (s *story) newFolder(who account, body string) folderResponse {
	s.t.Helper()
	return storyWrite[folderResponse](s, "create folder", 201, &who, "POST", "/api/v1/folders", body)
}

// newDocument uploads a provider document into folder.
func (s *story) newDocument(who account, folder uuid.UUID, name, content string) documentResponse {
	s.t.Helper()
	a := s.upload(&who, "/api/v1/documents", map[string]string{"folder_id": folder.String()}, name, content)
	expectWritten(s.t, "upload "+name, a, 201)
	return decodeAs[documentResponse](s.t, a)
}

// share shares a document or folder ("document_id" or "folder_id") with a customer.
func (s *story) share(who account, customer uuid.UUID, kind string, id uuid.UUID, permission string) shareResponse {
	s.t.Helper()
	sh := storyWrite[shareResponse](s, "share", 201, &who, "POST", "/api/v1/shares",
		`{"customer_id":"`+customer.String()+`","`+kind+`":"`+id.String()+`","permission":"`+permission+`"}`)
	if sh.Type != "portal" || sh.Status != "active" || sh.CustomerID != customer || sh.Permission != permission || sh.SharedBy != who.UserID {
		s.t.Fatalf("share %+v", sh)
	}
	return sh
}

// portal is what who sees of provider at the top (query: "", "?folder_id=...", "?flat=true").
func (s *story) portal(who account, provider uuid.UUID, query string) portalListing {
	s.t.Helper()
	return storyGet[portalListing](s, &who, "/api/v1/portal/providers/"+provider.String()+"/documents"+query)
}

// expectSees checks the names of a listing's folders and documents.
func expectSees(t *testing.T, what string, l portalListing, folders, documents []string) {
	t.Helper()
	f := names(l.Folders, func(f portalFolderItem) string { return f.Name })
	d := names(l.Documents, func(d portalDocumentItem) string { return d.Name })
	if !slices.Equal(f, folders) || !slices.Equal(d, documents) {
		t.Fatalf("%s: sees folders %v documents %v, want %v %v", what, f, d, folders, documents)
	}
}

// download fetches a document through the portal and checks its bytes.
func (s *story) download(what string, who account, id uuid.UUID, content string) {
	s.t.Helper()
	a := s.get(&who, "/api/v1/portal/documents/"+id.String()+"/content")
	if a.status != 200 || a.body != content {
		s.t.Fatalf("%s: download %d %q, want %q", what, a.status, a.body, content)
	}
}

// cannotDownload checks that a document is not visible in who's portal.
func (s *story) cannotDownload(what string, who account, id uuid.UUID) {
	s.t.Helper()
	expectNotFound(s.t, what, s.get(&who, "/api/v1/portal/documents/"+id.String()+"/content"), id)
}

func docNames(items []documentItem) []string {
	return names(items, func(d documentItem) string { return d.Name })
}

// ecratum, "Customer Access": share with a company already on the platform, invite
// one that is not, share documents, pause (and resume), revoke for good.
func TestStoryEcratumCustomerAccess(t *testing.T) {
	t.Parallel()
	s := newStory(t, nil)
	provider := s.signup("Ecratum Pumps")

	// "Share with current ecratum users": type the company's name, click Share.
	zeta := s.signup("Zeta Machining")
	found := storyGet[page[directoryItem]](s, &provider, "/api/v1/directory?q=zeta")
	if len(found.Items) != 1 || found.Items[0].CompanyID != zeta.CompanyID || found.Items[0].Name != "Zeta Machining" {
		t.Fatalf("directory %+v", found.Items)
	}
	z := storyWrite[customerResponse](s, "connect Zeta", 201, &provider, "POST", "/api/v1/customers", `{"company_id":"`+zeta.CompanyID.String()+`"}`)
	if z.Status != "active" || z.CompanyID != zeta.CompanyID {
		t.Fatalf("connected %+v", z)
	}

	// "Invite a Company to Join": the contact gets an activation link.
	inv := storyWrite[customerResponse](s, "invite a company", 201, &provider, "POST", "/api/v1/customers/invitations",
		`{"company_name":"Omega Tools","contact_name":"Olga Omega","email":"olga@omega.test"}`)
	if inv.Status != "invited" || inv.CompanyName != "Omega Tools" || inv.InvitationURL == "" {
		t.Fatalf("invited %+v", inv)
	}
	customer := "/api/v1/customers/" + inv.ID.String()
	if c := storyGet[customerDetail](s, &provider, customer); c.Status != "invited" {
		t.Fatalf("before acceptance %+v", c)
	}
	olga := s.accept(inv.InvitationURL, "Olga Omega")
	if olga.CompanyID != inv.CompanyID {
		t.Fatalf("Olga joined company %s, invited %s", olga.CompanyID, inv.CompanyID)
	}
	s.refused("accept again", 410, "", nil, "POST", "/api/v1/invitations/"+lastSegment(t, inv.InvitationURL)+"/accept",
		`{"name":"Mallory","password":"correct horse battery"}`)
	// "After the account is created by that person, file sharing with that company is enabled."
	if c := storyGet[customerDetail](s, &provider, customer); c.Status != "active" || c.CompanyName != "Omega Tools" {
		t.Fatalf("after acceptance %+v", c)
	}
	if a := s.call(nil, "POST", "/api/v1/sessions", `{"email":"olga@omega.test","password":"correct horse battery"}`); a.status != 201 {
		t.Fatalf("Olga signs in: %+v", a)
	}
	providers := storyGet[page[portalProviderItem]](s, &olga, "/api/v1/portal/providers").Items
	if len(providers) != 1 || providers[0].ProviderID != provider.CompanyID || providers[0].Status != "active" || providers[0].CustomerID != inv.ID {
		t.Fatalf("Olga's providers %+v", providers)
	}

	// Share product documentation; Omega's user sees and downloads it.
	docs := s.newFolder(provider, `{"name":"Product documentation"}`)
	datasheet := s.newDocument(provider, docs.ID, "pump-datasheet.pdf", "%PDF pump datasheet")
	sh := s.share(provider, inv.ID, "document_id", datasheet.ID, "view")
	expectSees(t, "shared", s.portal(olga, provider.CompanyID, ""), []string{}, []string{"pump-datasheet.pdf"})
	s.download("shared", olga, datasheet.ID, "%PDF pump datasheet")
	expectSees(t, "Zeta (nothing shared)", s.portal(zeta, provider.CompanyID, ""), []string{}, []string{})

	// Pause Sharing: nothing visible, nothing downloadable; a new share waits.
	if c := storyWrite[customerResponse](s, "pause", 200, &provider, "POST", customer+"/pause", ""); c.Status != "paused" {
		t.Fatalf("paused %+v", c)
	}
	s.refused("pause a paused customer", 409, "conflict", &provider, "POST", customer+"/pause", "")
	expectSees(t, "paused", s.portal(olga, provider.CompanyID, ""), []string{}, []string{})
	expectSees(t, "paused (flat)", s.portal(olga, provider.CompanyID, "?flat=true"), []string{}, []string{})
	s.cannotDownload("paused", olga, datasheet.ID)
	if p := storyGet[page[portalProviderItem]](s, &olga, "/api/v1/portal/providers").Items; len(p) != 1 || p[0].Status != "paused" {
		t.Fatalf("paused provider %+v", p)
	}
	manual := s.newDocument(provider, docs.ID, "pump-manual.pdf", "%PDF pump manual")
	s.share(provider, inv.ID, "document_id", manual.ID, "view")
	expectSees(t, "shared while paused", s.portal(olga, provider.CompanyID, ""), []string{}, []string{})
	s.cannotDownload("shared while paused", olga, manual.ID)

	// "Click Share and they will be able to see your shared files again."
	if c := storyWrite[customerResponse](s, "resume", 200, &provider, "POST", customer+"/resume", ""); c.Status != "active" {
		t.Fatalf("resumed %+v", c)
	}
	expectSees(t, "resumed", s.portal(olga, provider.CompanyID, ""), []string{}, []string{"pump-datasheet.pdf", "pump-manual.pdf"})
	s.download("resumed", olga, datasheet.ID, "%PDF pump datasheet")
	s.download("resumed", olga, manual.ID, "%PDF pump manual")

	// Revoke Sharing: permanent.
	if c := storyWrite[customerResponse](s, "revoke", 200, &provider, "POST", customer+"/revoke", ""); c.Status != "revoked" {
		t.Fatalf("revoked %+v", c)
	}
	for _, op := range []string{"resume", "pause", "revoke"} {
		s.refused(op+" after revoke", 409, "customer_revoked", &provider, "POST", customer+"/"+op, "")
	}
	s.refused("share after revoke", 409, "customer_revoked", &provider, "POST", "/api/v1/shares",
		`{"customer_id":"`+inv.ID.String()+`","document_id":"`+datasheet.ID.String()+`","permission":"view"}`)
	expectSees(t, "revoked", s.portal(olga, provider.CompanyID, ""), []string{}, []string{})
	expectSees(t, "revoked (flat)", s.portal(olga, provider.CompanyID, "?flat=true"), []string{}, []string{})
	s.cannotDownload("revoked", olga, datasheet.ID)
	s.cannotDownload("revoked", olga, manual.ID)
	if c := storyGet[customerDetail](s, &provider, customer); c.Status != "revoked" {
		t.Fatalf("revoked customer %+v", c)
	}

	// The share's history says it ended, and why.
	hist := storyGet[page[historyItem]](s, &provider, "/api/v1/documents/"+datasheet.ID.String()+"/share-history").Items
	if len(hist) != 1 {
		t.Fatalf("history %+v", hist)
	}
	h := hist[0]
	if h.ID != sh.ID || h.Type != "portal" || h.CustomerID == nil || *h.CustomerID != inv.ID || h.CustomerName == nil || *h.CustomerName != "Omega Tools" ||
		h.Status != "cancelled" || h.CancelReason == nil || *h.CancelReason != "customer_revoked" || h.CancelledAt == nil ||
		h.SharedBy.ID != provider.UserID || h.SharedBy.Name != "Admin of Ecratum Pumps" ||
		h.CancelledBy == nil || h.CancelledBy.ID != provider.UserID || h.CancelledBy.Name != "Admin of Ecratum Pumps" {
		t.Fatalf("history item %+v", h)
	}
	if active := storyGet[page[shareItem]](s, &provider, "/api/v1/shares?customer_id="+inv.ID.String()+"&status=active").Items; len(active) != 0 {
		t.Fatalf("shares still active after revoke: %+v", active)
	}
}

// JarvisDrive, "Share documents via the Customer Portal": share a folder read-only,
// then with edit so the client deposits documents; the client cannot delete what
// was shared with it; "Don't share" removes the folder from the portal.
func TestStoryJarvisDriveCustomerPortal(t *testing.T) {
	t.Parallel()
	s := newStory(t, nil)
	provider := s.signup("Jarvis Accounting")

	// Open access to the portal: the client defines its password.
	inv := storyWrite[customerResponse](s, "open portal", 201, &provider, "POST", "/api/v1/customers/invitations",
		`{"company_name":"Client Bakery","contact_name":"Carla Client","email":"carla@bakery.test"}`)
	carla := s.accept(inv.InvitationURL, "Carla Client")

	tax := s.newFolder(provider, `{"name":"2026 Tax Return"}`)
	balance := s.newDocument(provider, tax.ID, "balance-sheet.pdf", "%PDF balance sheet")
	internal := s.newFolder(provider, `{"name":"Internal"}`)
	notes := s.newDocument(provider, internal.ID, "notes.pdf", "%PDF internal notes")

	// Shared read-only: the client sees the folder but cannot place documents in it.
	sh := s.share(provider, inv.ID, "folder_id", tax.ID, "view")
	top := s.portal(carla, provider.CompanyID, "")
	expectSees(t, "shared read-only", top, []string{"2026 Tax Return"}, []string{})
	if top.Folders[0].ID != tax.ID || top.Folders[0].Permission != "view" {
		t.Fatalf("shared folder %+v", top.Folders[0])
	}
	inside := "?folder_id=" + tax.ID.String()
	expectSees(t, "inside, read-only", s.portal(carla, provider.CompanyID, inside), []string{}, []string{"balance-sheet.pdf"})
	s.download("read-only", carla, balance.ID, "%PDF balance sheet")
	s.cannotDownload("not shared", carla, notes.ID)
	deposit := "/api/v1/portal/providers/" + provider.CompanyID.String() + "/documents"
	a := s.upload(&carla, deposit, map[string]string{"folder_id": tax.ID.String()}, "receipts.pdf", "%PDF receipts")
	expect(t, "deposit into a read-only share", a, 403, "forbidden")

	// Edit: the client may deposit documents into the provider's drive.
	changed := storyWrite[shareResponse](s, "allow edit", 200, &provider, "PATCH", "/api/v1/shares/"+sh.ID.String(), `{"permission":"edit"}`)
	if changed.ID != sh.ID || changed.Permission != "edit" || changed.Status != "active" {
		t.Fatalf("changed share %+v", changed)
	}
	if top := s.portal(carla, provider.CompanyID, ""); len(top.Folders) != 1 || top.Folders[0].Permission != "edit" {
		t.Fatalf("after edit %+v", top)
	}
	a = s.upload(&carla, deposit, map[string]string{"folder_id": tax.ID.String()}, "receipts.pdf", "%PDF receipts")
	expectWritten(t, "deposit", a, 201)
	receipts := decodeAs[documentResponse](t, a)
	if receipts.FolderID != tax.ID || receipts.Name != "receipts.pdf" || receipts.Version != 1 {
		t.Fatalf("deposited %+v", receipts)
	}

	// The provider finds it in its drive.
	f := storyGet[folderDetail](s, &provider, "/api/v1/folders/"+tax.ID.String())
	if got := docNames(f.Documents); !slices.Equal(got, []string{"balance-sheet.pdf", "receipts.pdf"}) {
		t.Fatalf("provider's folder %v", got)
	}
	d := storyGet[documentDetail](s, &provider, "/api/v1/documents/"+receipts.ID.String())
	if d.UploadedByCustomerID == nil || *d.UploadedByCustomerID != inv.ID {
		t.Fatalf("deposited document %+v", d)
	}
	if a := s.get(&provider, "/api/v1/documents/"+receipts.ID.String()+"/content"); a.status != 200 || a.body != "%PDF receipts" {
		t.Fatalf("provider downloads the deposit: %d %q", a.status, a.body)
	}
	in := s.portal(carla, provider.CompanyID, inside)
	expectSees(t, "inside, after deposit", in, []string{}, []string{"balance-sheet.pdf", "receipts.pdf"})
	if in.Documents[0].Removable || !in.Documents[1].Removable {
		t.Fatalf("removable flags %+v", in.Documents)
	}

	// "The customer will not be able to delete the documents you share to him."
	s.refused("client deletes the provider's document", 403, "forbidden", &carla, "DELETE", "/api/v1/portal/documents/"+balance.ID.String(), "")
	s.write("client deletes its own deposit", 204, &carla, "DELETE", "/api/v1/portal/documents/"+receipts.ID.String(), "")
	f = storyGet[folderDetail](s, &provider, "/api/v1/folders/"+tax.ID.String())
	if got := docNames(f.Documents); !slices.Equal(got, []string{"balance-sheet.pdf"}) {
		t.Fatalf("provider's folder after the client's delete %v", got)
	}
	expectSees(t, "inside, after delete", s.portal(carla, provider.CompanyID, inside), []string{}, []string{"balance-sheet.pdf"})
	s.download("the provider's document survives", carla, balance.ID, "%PDF balance sheet")

	// "Don't share": the folder disappears from the client portal.
	if c := storyWrite[shareResponse](s, "don't share", 200, &provider, "POST", "/api/v1/shares/"+sh.ID.String()+"/cancel", ""); c.Status != "cancelled" {
		t.Fatalf("cancelled share %+v", c)
	}
	s.refused("don't share again", 409, "share_cancelled", &provider, "POST", "/api/v1/shares/"+sh.ID.String()+"/cancel", "")
	expectSees(t, "after don't share", s.portal(carla, provider.CompanyID, ""), []string{}, []string{})
	expectSees(t, "after don't share (flat)", s.portal(carla, provider.CompanyID, "?flat=true"), []string{}, []string{})
	expectNotFound(t, "the folder is gone", s.get(&carla, "/api/v1/portal/providers/"+provider.CompanyID.String()+"/documents"+inside), tax.ID)
	s.cannotDownload("after don't share", carla, balance.ID)
	// Nor can the client place anything there any more (403, or 404 as the folder is
	// no longer visible at all).
	a = s.call(&carla, "POST", "/api/v1/portal/providers/"+provider.CompanyID.String()+"/folders", `{"name":"Scans","parent_id":"`+tax.ID.String()+`"}`)
	if (a.status != 403 && a.status != 404) || a.header.Get("X-Position") != "" {
		t.Fatalf("create a folder after don't share: %d %s", a.status, a.body)
	}
}

// CommTrak, "Document Sharing": only users allowed to share see the Share options;
// a document is shared via the portal (only where the Documents module is on) or a
// link with an optional expiry and password; "Previous shares" lists both; shares
// are cancelled for good.
func TestStoryCommTrakDocumentSharing(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now().UTC().Truncate(time.Second)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	s := newStory(t, func(c *Config) {
		c.Clock = clock
		svc, err := app.New(app.Config{Store: c.Store, Hasher: c.Hasher, Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		c.App = svc
	})
	provider := s.signup("CommTrak Telecom")
	delta := s.signup("Delta Retail")
	group := storyWrite[groupResponse](s, "create group", 201, &provider, "POST", "/api/v1/groups", `{"name":"Retail"}`)
	c := storyWrite[customerResponse](s, "connect Delta", 201, &provider, "POST", "/api/v1/customers",
		`{"company_id":"`+delta.CompanyID.String()+`","group_id":"`+group.ID.String()+`"}`)
	mia := s.staff(provider, "Mia Member", false)
	s.write("Mia manages Retail customers", 200, &provider, "PUT", "/api/v1/groups/"+group.ID.String()+"/members/"+mia.UserID.String(), `{"access":"write"}`)

	// Mia keeps the customer's documents, but may not share them.
	contract := s.newDocument(mia, c.WorkspaceFolderID, "contract.pdf", "%PDF the contract")
	portalShare := `{"customer_id":"` + c.ID.String() + `","document_id":"` + contract.ID.String() + `","permission":"view"}`
	links := "/api/v1/documents/" + contract.ID.String() + "/links"
	s.refused("share without the permission", 403, "forbidden", &mia, "POST", "/api/v1/shares", portalShare)
	s.refused("link without the permission", 403, "forbidden", &mia, "POST", links, `{}`)

	// Documents > Allow users to share documents with customers via links and portal.
	role := storyWrite[staffRoleResponse](s, "allow sharing", 200, &provider, "PATCH", "/api/v1/staff/"+mia.UserID.String(), `{"can_share":true}`)
	if !role.CanShare || role.Role == "admin" {
		t.Fatalf("role %+v", role)
	}
	staff := storyGet[page[staffItem]](s, &provider, "/api/v1/staff?q=Mia").Items
	if len(staff) != 1 || staff[0].UserID != mia.UserID || !staff[0].CanShare {
		t.Fatalf("staff %+v", staff)
	}

	// Visible in Portal.
	sh := storyWrite[shareResponse](s, "visible in portal", 201, &mia, "POST", "/api/v1/shares", portalShare)
	if sh.Status != "active" || sh.SharedBy != mia.UserID {
		t.Fatalf("share %+v", sh)
	}
	expectSees(t, "visible in portal", s.portal(delta, provider.CompanyID, ""), []string{}, []string{"contract.pdf"})
	// Only while the Documents module is on for the customer (its own setting, else all customers').
	s.write("documents module off for all", 200, &provider, "PUT", "/api/v1/settings/portal", `{"documents_enabled_default":false}`)
	expectSees(t, "module off", s.portal(delta, provider.CompanyID, ""), []string{}, []string{})
	s.cannotDownload("module off", delta, contract.ID)
	s.write("documents module on for Delta", 200, &provider, "PUT", "/api/v1/customers/"+c.ID.String()+"/portal-settings", `{"documents_enabled":true}`)
	expectSees(t, "module on for Delta", s.portal(delta, provider.CompanyID, ""), []string{}, []string{"contract.pdf"})
	s.download("module on for Delta", delta, contract.ID, "%PDF the contract")

	// Create New Link, with an expiration date and a password.
	advance(time.Minute)
	expires := now.Add(7 * 24 * time.Hour)
	a := s.write("create link", 201, &mia, "POST", links, `{"expires_at":"`+expires.Format(time.RFC3339)+`","password":"blue harbour"}`)
	link := decodeAs[linkResponse](t, a)
	if !link.PasswordRequired || link.ExpiresAt == nil || !link.ExpiresAt.Equal(expires) || !strings.HasPrefix(link.URL, "http://127.0.0.1:0/l/") {
		t.Fatalf("link %+v", link)
	}
	token := lastSegment(t, link.URL)
	a = s.ts.open(t, "/l/"+token, "")
	expect(t, "open without the password", a, 401, "password_required")
	expectLinkHeaders(t, "open without the password", a)
	a = s.ts.open(t, "/l/"+token, "blue harbour")
	expect(t, "metadata with the password", a, 200, "")
	if m := decodeAs[linkMetadataResponse](t, a); m.Name != "contract.pdf" || m.Size != int64(len("%PDF the contract")) || !m.PasswordRequired ||
		m.ExpiresAt == nil || !m.ExpiresAt.Equal(expires) {
		t.Fatalf("metadata %+v", m)
	}
	expect(t, "wrong password", s.ts.open(t, "/l/"+token+"/content", "red harbour"), 401, "password_rejected")
	openedAt := now
	a = s.note(s.ts.open(t, "/l/"+token+"/content", "blue harbour"))
	if a.status != 200 || a.body != "%PDF the contract" {
		t.Fatalf("open with the password: %d %q", a.status, a.body)
	}
	expectLinkHeaders(t, "content", a)

	// Previous shares: newest first, who shared, when, expiry; never the password.
	history := "/api/v1/documents/" + contract.ID.String() + "/share-history"
	ha := s.get(&provider, history)
	expect(t, "previous shares", ha, 200, "")
	for _, secret := range []string{"blue harbour", token} {
		if strings.Contains(ha.body, secret) {
			t.Fatalf("previous shares show %q: %s", secret, ha.body)
		}
	}
	prev := decodeAs[page[historyItem]](t, ha).Items
	if len(prev) != 2 {
		t.Fatalf("previous shares %+v", prev)
	}
	l, p := prev[0], prev[1]
	if l.ID != link.ID || l.Type != "link" || l.SharedBy.ID != mia.UserID || l.SharedBy.Name != "Mia Member" || l.ExpiresAt == nil ||
		!l.ExpiresAt.Equal(expires) || !l.PasswordRequired || l.Status != "active" || l.OpenedCount != 1 || l.LastOpenedAt == nil || !l.LastOpenedAt.Equal(openedAt) ||
		l.CancelledBy != nil || l.CancelledAt != nil || l.CustomerID != nil {
		t.Fatalf("link in previous shares %+v", l)
	}
	if p.ID != sh.ID || p.Type != "portal" || p.SharedBy.ID != mia.UserID || p.SharedBy.Name != "Mia Member" || p.CustomerID == nil ||
		*p.CustomerID != c.ID || p.CustomerName == nil || *p.CustomerName != "Delta Retail" || p.Permission != "view" || p.Status != "active" ||
		!p.SharedAt.Before(l.SharedAt) {
		t.Fatalf("portal share in previous shares %+v", p)
	}

	// The trashcan: cancelled for good, with who and when.
	advance(time.Minute)
	cancelledAt := now
	s.write("cancel the portal share", 200, &mia, "POST", "/api/v1/shares/"+sh.ID.String()+"/cancel", "")
	s.write("cancel the link", 200, &mia, "POST", "/api/v1/links/"+link.ID.String()+"/cancel", "")
	s.refused("cancel the portal share again", 409, "share_cancelled", &mia, "POST", "/api/v1/shares/"+sh.ID.String()+"/cancel", "")
	s.refused("cancel the link again", 409, "link_gone", &mia, "POST", "/api/v1/links/"+link.ID.String()+"/cancel", "")
	expect(t, "open a cancelled link", s.ts.open(t, "/l/"+token+"/content", "blue harbour"), 410, "link_gone")
	expectSees(t, "share cancelled", s.portal(delta, provider.CompanyID, ""), []string{}, []string{})
	s.cannotDownload("share cancelled", delta, contract.ID)
	prev = storyGet[page[historyItem]](s, &provider, history).Items
	if len(prev) != 2 {
		t.Fatalf("previous shares after cancelling %+v", prev)
	}
	for _, h := range prev {
		if h.Status != "cancelled" || h.CancelledBy == nil || h.CancelledBy.ID != mia.UserID || h.CancelledBy.Name != "Mia Member" ||
			h.CancelledAt == nil || !h.CancelledAt.Equal(cancelledAt) {
			t.Fatalf("cancelled %s in previous shares %+v (cancelled_by %+v)", h.Type, h, h.CancelledBy)
		}
	}

	// Expiry: a link expires once its date passes; without a date it never does.
	a = s.write("expiring link", 201, &mia, "POST", links, `{"expires_at":"`+now.Add(time.Hour).Format(time.RFC3339)+`"}`)
	expiring := decodeAs[linkResponse](t, a)
	a = s.write("link without expiry", 201, &mia, "POST", links, `{}`)
	forever := decodeAs[linkResponse](t, a)
	if forever.ExpiresAt != nil || forever.PasswordRequired {
		t.Fatalf("open link %+v", forever)
	}
	expect(t, "before expiry", s.note(s.ts.open(t, "/l/"+lastSegment(t, expiring.URL)+"/content", "")), 200, "")
	advance(2 * time.Hour)
	expect(t, "after expiry", s.ts.open(t, "/l/"+lastSegment(t, expiring.URL)+"/content", ""), 410, "link_gone")
	expect(t, "metadata after expiry", s.ts.open(t, "/l/"+lastSegment(t, expiring.URL), ""), 410, "link_gone")
	s.refused("cancel an expired link", 409, "link_gone", &mia, "POST", "/api/v1/links/"+expiring.ID.String()+"/cancel", "")
	for _, h := range storyGet[page[historyItem]](s, &provider, history).Items {
		if h.ID == expiring.ID && (h.Status != "expired" || h.CancelledAt != nil) {
			t.Fatalf("expired link in previous shares %+v", h)
		}
		if h.ID == forever.ID && h.Status != "active" {
			t.Fatalf("open link in previous shares %+v", h)
		}
	}
	advance(365 * 24 * time.Hour) // (the staff's sessions have expired by then; links need none)
	a = s.note(s.ts.open(t, "/l/"+lastSegment(t, forever.URL)+"/content", ""))
	if a.status != 200 || a.body != "%PDF the contract" {
		t.Fatalf("a link without expiry a year later: %d %q", a.status, a.body)
	}
}

var groupCode = regexp.MustCompile(`^([A-Za-z]+)-([0-9]{4})$`)

// QUBEdocs, "Business Partners": customer groups with codes, read and write staff
// access, documentation versions hidden until published, self-registration with
// the group code.
func TestStoryQUBEdocsBusinessPartners(t *testing.T) {
	t.Parallel()
	s := newStory(t, nil)
	provider := s.signup("QUBE Partner")

	// STEP 1: a customer group; its code is the name and a four-digit suffix.
	mining := storyWrite[groupResponse](s, "create group", 201, &provider, "POST", "/api/v1/groups", `{"name":"Mining"}`)
	rail := storyWrite[groupResponse](s, "create another group", 201, &provider, "POST", "/api/v1/groups", `{"name":"Rail"}`)
	for _, g := range []groupResponse{mining, rail} {
		if m := groupCode.FindStringSubmatch(g.Code); m == nil || m[1] != g.Name {
			t.Fatalf("group %+v: code is not %s-NNNN", g, g.Name)
		}
	}
	rita := s.staff(provider, "Rita Reader", true)
	walt := s.staff(provider, "Walt Writer", true)
	members := "/api/v1/groups/" + mining.ID.String() + "/members/"
	s.write("Rita reads Mining", 200, &provider, "PUT", members+rita.UserID.String(), `{"access":"read"}`)
	s.write("Walt writes Mining", 200, &provider, "PUT", members+walt.UserID.String(), `{"access":"write"}`)
	groups := storyGet[page[groupItem]](s, &provider, "/api/v1/groups").Items
	if len(groups) != 2 || groups[0].ID != mining.ID || len(groups[0].Members) != 2 {
		t.Fatalf("groups %+v", groups)
	}
	for _, m := range groups[0].Members {
		if want := map[uuid.UUID]string{rita.UserID: "read", walt.UserID: "write"}[m.UserID]; m.Access != want {
			t.Fatalf("member %+v, want %s", m, want)
		}
	}

	// STEP 2: a new customer in the group; only write access adds one.
	s.refused("a reader adds a customer", 403, "forbidden", &rita, "POST", "/api/v1/customers/invitations",
		`{"company_name":"Ore Co","contact_name":"Otto Ore","email":"otto@ore.test","group_id":"`+mining.ID.String()+`"}`)
	ore := storyWrite[customerResponse](s, "a writer adds a customer", 201, &walt, "POST", "/api/v1/customers/invitations",
		`{"company_name":"Ore Co","contact_name":"Otto Ore","email":"otto@ore.test","group_id":"`+mining.ID.String()+`"}`)
	if ore.GroupID == nil || *ore.GroupID != mining.ID {
		t.Fatalf("customer %+v", ore)
	}
	otto := s.accept(ore.InvitationURL, "Otto Ore")
	outsider := s.signup("Outside Ltd")
	out := storyWrite[customerResponse](s, "a customer in no group", 201, &provider, "POST", "/api/v1/customers", `{"company_id":"`+outsider.CompanyID.String()+`"}`)

	// Read access: Rita sees the group's customers, not others, and changes nothing.
	seen := storyGet[page[customerDetail]](s, &rita, "/api/v1/customers").Items
	if len(seen) != 1 || seen[0].ID != ore.ID || seen[0].Status != "active" || seen[0].GroupID == nil || *seen[0].GroupID != mining.ID {
		t.Fatalf("Rita's customers %+v", seen)
	}
	if c := storyGet[customerDetail](s, &rita, "/api/v1/customers/"+ore.ID.String()); c.CompanyName != "Ore Co" {
		t.Fatalf("Rita reads Ore %+v", c)
	}
	expectNotFound(t, "Rita reads a customer outside her groups", s.get(&rita, "/api/v1/customers/"+out.ID.String()), out.ID)
	s.refused("a reader creates a folder for the customer", 403, "forbidden", &rita, "POST", "/api/v1/folders",
		`{"name":"Conveyor model","customer_id":"`+ore.ID.String()+`"}`)
	model := s.newFolder(walt, `{"name":"Conveyor model","customer_id":"`+ore.ID.String()+`"}`)
	folderShare := `{"customer_id":"` + ore.ID.String() + `","folder_id":"` + model.ID.String() + `","permission":"view"}`
	s.refused("a reader shares", 403, "forbidden", &rita, "POST", "/api/v1/shares", folderShare)
	storyWrite[shareResponse](s, "a writer shares", 201, &walt, "POST", "/api/v1/shares", folderShare)
	s.refused("a reader invites the customer's users", 403, "forbidden", &rita, "POST", "/api/v1/customers/"+ore.ID.String()+"/users/invitations",
		`{"name":"Olly Ore","email":"olly@ore.test"}`)
	s.write("a writer invites the customer's users", 201, &walt, "POST", "/api/v1/customers/"+ore.ID.String()+"/users/invitations",
		`{"name":"Olly Ore","email":"olly@ore.test"}`)

	// STEP 3: documentation is generated hidden; the share icon publishes one version.
	inModel := "?folder_id=" + model.ID.String()
	expectSees(t, "shared folder", s.portal(otto, provider.CompanyID, ""), []string{"Conveyor model"}, []string{})
	a := s.upload(&walt, "/api/v1/documents", map[string]string{"folder_id": model.ID.String(), "hidden": "true"}, "snapshot.pdf", "%PDF snapshot 1")
	expectWritten(t, "generate documentation (hidden)", a, 201)
	snap := decodeAs[documentResponse](t, a)
	if !snap.Hidden || snap.Version != 1 {
		t.Fatalf("snapshot %+v", snap)
	}
	expectSees(t, "hidden version", s.portal(otto, provider.CompanyID, inModel), []string{}, []string{})
	s.cannotDownload("hidden version", otto, snap.ID)
	visibility := "/api/v1/documents/" + snap.ID.String() + "/versions/"
	s.refused("a reader publishes", 403, "forbidden", &rita, "PUT", visibility+"1/visibility", `{"visible":true}`)
	if v := storyWrite[versionVisibilityResponse](s, "publish version 1", 200, &walt, "PUT", visibility+"1/visibility", `{"visible":true}`); !v.Visible || v.Version != 1 {
		t.Fatalf("published %+v", v)
	}
	seeVersion := func(what string, version int, content string) {
		t.Helper()
		l := s.portal(otto, provider.CompanyID, inModel)
		expectSees(t, what, l, []string{}, []string{"snapshot.pdf"})
		if l.Documents[0].Version != version {
			t.Fatalf("%s: the customer sees version %d, want %d", what, l.Documents[0].Version, version)
		}
		s.download(what, otto, snap.ID, content)
	}
	seeVersion("version 1 published", 1, "%PDF snapshot 1")
	a = s.upload(&walt, "/api/v1/documents/"+snap.ID.String()+"/versions", map[string]string{"hidden": "true"}, "snapshot.pdf", "%PDF snapshot 2")
	expectWritten(t, "generate version 2 (hidden)", a, 201)
	if v := decodeAs[documentResponse](t, a); v.Version != 2 || !v.Hidden {
		t.Fatalf("version 2 %+v", v)
	}
	seeVersion("version 2 hidden", 1, "%PDF snapshot 1")
	s.write("publish version 2", 200, &walt, "PUT", visibility+"2/visibility", `{"visible":true}`)
	seeVersion("version 2 published", 2, "%PDF snapshot 2")
	s.write("hide version 2 again", 200, &walt, "PUT", visibility+"2/visibility", `{"visible":false}`)
	seeVersion("version 2 hidden again", 1, "%PDF snapshot 1")
	d := storyGet[documentDetail](s, &rita, "/api/v1/documents/"+snap.ID.String())
	if len(d.Versions) != 2 || d.Versions[0].Version != 2 || !d.Versions[0].Hidden || d.Versions[1].Version != 1 || d.Versions[1].Hidden {
		t.Fatalf("versions %+v", d.Versions)
	}

	// Customers register themselves with the group code.
	reg := decodeAs[registerResponse](t, s.write("register with the group code", 201, nil, "POST", "/api/v1/register",
		`{"group_code":"`+mining.Code+`","company_name":"Newco Mining","name":"Nina New","email":"nina@newco.test","password":"correct horse battery"}`))
	newco := account{CompanyID: reg.CompanyID, UserID: reg.UserID, Token: reg.Token}
	c := storyGet[customerDetail](s, &provider, "/api/v1/customers/"+reg.CustomerID.String())
	if c.Status != "active" || c.CompanyID != reg.CompanyID || c.CompanyName != "Newco Mining" || c.GroupID == nil || *c.GroupID != mining.ID {
		t.Fatalf("registered customer %+v", c)
	}
	inGroup := storyGet[page[customerDetail]](s, &rita, "/api/v1/customers?group_id="+mining.ID.String()).Items
	if got := names(inGroup, func(c customerDetail) string { return c.CompanyName }); !slices.Equal(got, []string{"Newco Mining", "Ore Co"}) {
		t.Fatalf("Mining's customers %v", got)
	}
	provs := storyGet[page[portalProviderItem]](s, &newco, "/api/v1/portal/providers").Items
	if len(provs) != 1 || provs[0].ProviderID != provider.CompanyID || provs[0].CustomerID != reg.CustomerID || provs[0].Status != "active" {
		t.Fatalf("Newco's providers %+v", provs)
	}
	// Walt manages the new customer like any other of the group.
	haul := s.newFolder(walt, `{"name":"Haul truck model","customer_id":"`+reg.CustomerID.String()+`"}`)
	s.newDocument(walt, haul.ID, "haul-truck.pdf", "%PDF haul truck")
	s.share(walt, reg.CustomerID, "folder_id", haul.ID, "view")
	expectSees(t, "registered customer", s.portal(newco, provider.CompanyID, ""), []string{"Haul truck model"}, []string{})
	expectSees(t, "registered customer (flat)", s.portal(newco, provider.CompanyID, "?flat=true"), []string{}, []string{"haul-truck.pdf"})
	// A user may have access to many groups; a customer is in one.
	s.write("move Ore to Rail", 200, &provider, "PUT", "/api/v1/customers/"+ore.ID.String()+"/group", `{"group_id":"`+rail.ID.String()+`"}`)
	expectNotFound(t, "Rita after Ore moved out of Mining", s.get(&rita, "/api/v1/customers/"+ore.ID.String()), ore.ID)
	s.refused("Walt shares with Ore outside his groups", 404, "not_found", &walt, "POST", "/api/v1/shares",
		`{"customer_id":"`+ore.ID.String()+`","document_id":"`+snap.ID.String()+`","permission":"view"}`)
	s.write("Rita reads Rail too", 200, &provider, "PUT", "/api/v1/groups/"+rail.ID.String()+"/members/"+rita.UserID.String(), `{"access":"read"}`)
	if c := storyGet[customerDetail](s, &rita, "/api/v1/customers/"+ore.ID.String()); c.GroupID == nil || *c.GroupID != rail.ID {
		t.Fatalf("Ore in Rail %+v", c)
	}
	if got := names(storyGet[page[customerDetail]](s, &rita, "/api/v1/customers").Items, func(c customerDetail) string { return c.CompanyName }); !slices.Equal(got, []string{"Newco Mining", "Ore Co"}) {
		t.Fatalf("Rita's customers in two groups %v", got)
	}
	expectNotFound(t, "the new customer's folder is not Ore's", s.get(&otto, "/api/v1/portal/providers/"+provider.CompanyID.String()+
		"/documents?folder_id="+haul.ID.String()), haul.ID)
}

// CA Cloud Desk, "Customer Document": Client Access per document or folder, Master
// Access for everything of that customer, and the client's own uploads and folders
// visible to the provider.
func TestStoryCACloudDeskCustomerDocument(t *testing.T) {
	t.Parallel()
	s := newStory(t, nil)
	provider := s.signup("CA Cloud Desk Practice")
	kappa := s.signup("Kappa Traders")
	c := storyWrite[customerResponse](s, "connect Kappa", 201, &provider, "POST", "/api/v1/customers", `{"company_id":"`+kappa.CompanyID.String()+`"}`)
	if c.MasterAccess || c.WorkspaceFolderID == uuid.Nil {
		t.Fatalf("customer %+v", c)
	}
	billing := s.newFolder(provider, `{"name":"BILLING","customer_id":"`+c.ID.String()+`"}`)
	inv1 := s.newDocument(provider, billing.ID, "invoice-001.pdf", "%PDF invoice 1")
	inv2 := s.newDocument(provider, billing.ID, "invoice-002.pdf", "%PDF invoice 2")
	notice := s.newDocument(provider, c.WorkspaceFolderID, "tax-notice.pdf", "%PDF tax notice")

	// Select the customer, Search Document.
	found := storyGet[page[documentItem]](s, &provider, "/api/v1/documents?customer_id="+c.ID.String()+"&q=invoice").Items
	if got := docNames(found); !slices.Equal(got, []string{"invoice-001.pdf", "invoice-002.pdf"}) {
		t.Fatalf("search %v", got)
	}
	expectSees(t, "nothing granted", s.portal(kappa, provider.CompanyID, ""), []string{}, []string{})

	// Client Access on one document, not its folder.
	s.share(provider, c.ID, "document_id", inv1.ID, "view")
	top := s.portal(kappa, provider.CompanyID, "")
	expectSees(t, "one document", top, []string{}, []string{"invoice-001.pdf"})
	if top.Documents[0].FolderID != nil {
		t.Fatalf("the folder of a document shared on its own shows: %+v", top.Documents[0])
	}
	s.download("one document", kappa, inv1.ID, "%PDF invoice 1")
	s.cannotDownload("its sibling", kappa, inv2.ID)
	s.cannotDownload("the workspace", kappa, notice.ID)
	base := "/api/v1/portal/providers/" + provider.CompanyID.String() + "/documents"
	expectNotFound(t, "its folder", s.get(&kappa, base+"?folder_id="+billing.ID.String()), billing.ID)

	// Client Access on the folder: "BILLING Access Granted".
	s.share(provider, c.ID, "folder_id", billing.ID, "view")
	expectSees(t, "the folder", s.portal(kappa, provider.CompanyID, ""), []string{"BILLING"}, []string{})
	expectSees(t, "inside the folder", s.portal(kappa, provider.CompanyID, "?folder_id="+billing.ID.String()), []string{}, []string{"invoice-001.pdf", "invoice-002.pdf"})
	s.download("inside the folder", kappa, inv2.ID, "%PDF invoice 2")
	s.cannotDownload("the workspace still", kappa, notice.ID)

	// Master Access: everything of that customer.
	if got := storyWrite[customerResponse](s, "master access", 200, &provider, "PUT", "/api/v1/customers/"+c.ID.String()+"/master-access", `{"enabled":true}`); !got.MasterAccess {
		t.Fatalf("master access %+v", got)
	}
	if p := storyGet[page[portalProviderItem]](s, &kappa, "/api/v1/portal/providers").Items; len(p) != 1 || !p[0].MasterAccess {
		t.Fatalf("providers %+v", p)
	}
	expectSees(t, "master access", s.portal(kappa, provider.CompanyID, ""), []string{"BILLING"}, []string{"tax-notice.pdf"})
	expectSees(t, "master access (flat)", s.portal(kappa, provider.CompanyID, "?flat=true"), []string{}, []string{"invoice-001.pdf", "invoice-002.pdf", "tax-notice.pdf"})
	s.download("master access", kappa, notice.ID, "%PDF tax notice")

	// Vice versa: Attach File, + Folder, Click to Upload.
	portal := "/api/v1/portal/providers/" + provider.CompanyID.String()
	a := s.upload(&kappa, portal+"/documents", nil, "bank-statement.pdf", "%PDF bank statement")
	expectWritten(t, "attach file", a, 201)
	statement := decodeAs[documentResponse](t, a)
	if statement.FolderID != c.WorkspaceFolderID {
		t.Fatalf("attached file %+v", statement)
	}
	receipts := storyWrite[folderResponse](s, "+ folder", 201, &kappa, "POST", portal+"/folders", `{"name":"RECEIPTS"}`)
	if receipts.ParentID == nil || *receipts.ParentID != c.WorkspaceFolderID {
		t.Fatalf("client folder %+v", receipts)
	}
	a = s.upload(&kappa, portal+"/documents", map[string]string{"folder_id": receipts.ID.String()}, "receipt-17.pdf", "%PDF receipt 17")
	expectWritten(t, "click to upload", a, 201)
	receipt := decodeAs[documentResponse](t, a)
	top = s.portal(kappa, provider.CompanyID, "")
	expectSees(t, "the client's own", top, []string{"BILLING", "RECEIPTS"}, []string{"bank-statement.pdf", "tax-notice.pdf"})
	if !top.Documents[0].Removable || top.Documents[1].Removable {
		t.Fatalf("removable %+v", top.Documents)
	}

	// The provider views and manages them.
	ws := storyGet[folderDetail](s, &provider, "/api/v1/folders/"+c.WorkspaceFolderID.String())
	if got := names(ws.Folders, func(f folderResponse) string { return f.Name }); !slices.Equal(got, []string{"BILLING", "RECEIPTS"}) {
		t.Fatalf("workspace folders %v", got)
	}
	if got := docNames(ws.Documents); !slices.Equal(got, []string{"bank-statement.pdf", "tax-notice.pdf"}) {
		t.Fatalf("workspace documents %v", got)
	}
	rf := storyGet[folderDetail](s, &provider, "/api/v1/folders/"+receipts.ID.String())
	if got := docNames(rf.Documents); !slices.Equal(got, []string{"receipt-17.pdf"}) || rf.CustomerID == nil || *rf.CustomerID != c.ID {
		t.Fatalf("client folder as the provider sees it: %+v", rf)
	}
	all := storyGet[page[documentItem]](s, &provider, "/api/v1/documents?customer_id="+c.ID.String()).Items
	if got := docNames(all); !slices.Equal(got, []string{"bank-statement.pdf", "invoice-001.pdf", "invoice-002.pdf", "receipt-17.pdf", "tax-notice.pdf"}) {
		t.Fatalf("the customer's documents %v", got)
	}
	d := storyGet[documentDetail](s, &provider, "/api/v1/documents/"+receipt.ID.String())
	if d.UploadedByCustomerID == nil || *d.UploadedByCustomerID != c.ID || d.FolderID != receipts.ID {
		t.Fatalf("uploaded document %+v", d)
	}
	if a := s.get(&provider, "/api/v1/documents/"+statement.ID.String()+"/content"); a.status != 200 || a.body != "%PDF bank statement" {
		t.Fatalf("the provider downloads the client's file: %d %q", a.status, a.body)
	}

	// Master Access off: back to the items granted one by one.
	s.write("master access off", 200, &provider, "PUT", "/api/v1/customers/"+c.ID.String()+"/master-access", `{"enabled":false}`)
	expectSees(t, "master access off", s.portal(kappa, provider.CompanyID, ""), []string{"BILLING"}, []string{})
	s.cannotDownload("master access off", kappa, notice.ID)
	s.cannotDownload("master access off: own upload", kappa, receipt.ID)
}

// JarvisDrive, "a customer downloads a folder as ZIP": the client takes the
// whole shared tax folder in one download, with what it deposited there itself,
// and the provider's records show every document downloaded; the internal
// folder next to it stays out.
func TestStoryJarvisDriveFolderAsZIP(t *testing.T) {
	t.Parallel()
	s := newStory(t, nil)
	provider := s.signup("Jarvis Accounting")
	inv := storyWrite[customerResponse](s, "open portal", 201, &provider, "POST", "/api/v1/customers/invitations",
		`{"company_name":"Client Bakery","contact_name":"Carla Client","email":"carla@bakery.test"}`)
	carla := s.accept(inv.InvitationURL, "Carla Client")
	tax := s.newFolder(provider, `{"name":"2026 Tax Return"}`)
	s.newDocument(provider, tax.ID, "balance-sheet.pdf", "%PDF-1.4 balance sheet")
	internal := s.newFolder(provider, `{"name":"Internal"}`)
	s.newDocument(provider, internal.ID, "notes.pdf", "%PDF-1.4 internal notes")
	s.share(provider, inv.ID, "folder_id", tax.ID, "edit")
	deposit := "/api/v1/portal/providers/" + provider.CompanyID.String() + "/documents"
	expectWritten(t, "deposit", s.upload(&carla, deposit, map[string]string{"folder_id": tax.ID.String()}, "receipts.txt", "receipts of the year"), 201)

	archive := "/api/v1/portal/providers/" + provider.CompanyID.String() + "/folders/" + tax.ID.String() + "/archive"
	entries := readZip(t, "the tax folder as ZIP", s.get(&carla, archive))
	if got := zipNames(entries); !slices.Equal(got, []string{"2026 Tax Return/balance-sheet.pdf", "2026 Tax Return/receipts.txt"}) {
		t.Fatalf("archive %v", got)
	}
	if entries[0].Content != "%PDF-1.4 balance sheet" || entries[1].Content != "receipts of the year" {
		t.Fatalf("archive contents %+v", entries)
	}
	expectNotFound(t, "the internal folder", s.get(&carla, "/api/v1/portal/providers/"+provider.CompanyID.String()+"/folders/"+internal.ID.String()+"/archive"), internal.ID)
	if n := countEventsOfType(t, s.ts, "DocumentDownloaded"); n != 2 {
		t.Fatalf("%d downloads recorded, want 2", n)
	}
}
