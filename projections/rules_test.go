package projections_test

import (
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/projections"
)

// One test per rule of DESIGN.md's "What a customer user sees", each read from the
// projection tables and checked against the domain oracle as well, the view and
// every listing of it (materialised reach against query.CutPortalView).

func wantVisible(t *testing.T, w *world, customer uuid.UUID, want ...string) domain.PortalView {
	t.Helper()
	got := w.view(customer)
	sameView(t, "oracle", got, w.state().PortalView(customer))
	sameListings(t, w.ctx, w.pool, "listing", customer, w.state().PortalView(customer))
	names := visible(got)
	slices.Sort(names)
	slices.Sort(want)
	if want == nil {
		want = []string{}
	}
	if !slices.Equal(names, want) {
		t.Fatalf("visible documents = %v, want %v", names, want)
	}
	return got
}

func TestRuleFolderShareCoversEverythingBelowIncludingLaterDocuments(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(projections.Portal)
	c, _, _ := w.customer("Cust")
	top := w.folder("Contracts", uuid.Nil, uuid.Nil)
	sub := w.folder("2026", top, uuid.Nil)
	w.document("before.pdf", sub, false)
	w.share(c, uuid.Nil, top, domain.PermissionView)
	wantVisible(t, w, c, "before.pdf")
	w.document("later.pdf", sub, false)
	w.folder("deeper", sub, uuid.Nil)
	v := wantVisible(t, w, c, "before.pdf", "later.pdf")
	if len(v.Folders) != 3 {
		t.Fatalf("folders = %d, want 3 (the shared folder and everything below)", len(v.Folders))
	}
}

func TestRuleMasterAccessCoversTheWorkspace(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(projections.Portal)
	c, _, ws := w.customer("Cust")
	w.document("in-workspace.pdf", ws, false)
	other := w.folder("Elsewhere", uuid.Nil, uuid.Nil)
	w.document("elsewhere.pdf", other, false)
	wantVisible(t, w, c)
	w.do(w.svc.SetMasterAccess(w.ctx, as(w.admin), app.SetMasterAccess{CustomerID: c, Enabled: true}))
	v := wantVisible(t, w, c, "in-workspace.pdf")
	if v.Root != ws {
		t.Fatalf("root = %v, want the workspace %v", v.Root, ws)
	}
	if v.Documents[0].Permission != domain.PermissionEdit {
		t.Fatalf("master access permission = %q, want edit", v.Documents[0].Permission)
	}
	w.do(w.svc.SetMasterAccess(w.ctx, as(w.admin), app.SetMasterAccess{CustomerID: c, Enabled: false}))
	wantVisible(t, w, c)
}

func TestRulePausedShowsNothingAndSharesGrantedWhilePausedWaitForResume(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(projections.Portal)
	c, _, _ := w.customer("Cust")
	f := w.folder("Docs", uuid.Nil, uuid.Nil)
	a := w.document("a.pdf", f, false)
	b := w.document("b.pdf", f, false)
	w.share(c, a, uuid.Nil, domain.PermissionView)
	wantVisible(t, w, c, "a.pdf")
	w.do(w.svc.PauseCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: c}))
	if v := wantVisible(t, w, c); v.Open {
		t.Fatal("a paused customer's view is open")
	}
	w.share(c, b, uuid.Nil, domain.PermissionView)
	wantVisible(t, w, c)
	w.do(w.svc.ResumeCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: c}))
	wantVisible(t, w, c, "a.pdf", "b.pdf")
}

func TestRuleRevokedShowsNothingForGood(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(projections.Portal)
	c, _, _ := w.customer("Cust")
	f := w.folder("Docs", uuid.Nil, uuid.Nil)
	w.document("a.pdf", f, false)
	s := w.share(c, uuid.Nil, f, domain.PermissionEdit)
	wantVisible(t, w, c, "a.pdf")
	w.do(w.svc.RevokeCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: c}))
	wantVisible(t, w, c)
	var cancelled bool
	if err := w.pool.QueryRow(w.ctx, `SELECT cancelled FROM rm_portal.shares WHERE id = $1`, s).Scan(&cancelled); err != nil || !cancelled {
		t.Fatalf("share after revoke: cancelled=%v err=%v", cancelled, err)
	}
	if _, err := w.svc.ResumeCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: c}); err == nil {
		t.Fatal("a revoked customer was resumed")
	}
	wantVisible(t, w, c)
}

func TestRuleDocumentsDisabledShowsNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(projections.Portal)
	c, _, _ := w.customer("Cust")
	f := w.folder("Docs", uuid.Nil, uuid.Nil)
	w.document("a.pdf", f, false)
	w.share(c, uuid.Nil, f, domain.PermissionView)
	wantVisible(t, w, c, "a.pdf")
	w.do(w.svc.SetPortalDefault(w.ctx, as(w.admin), app.SetPortalDefault{Enabled: false}))
	wantVisible(t, w, c)
	on := true
	w.do(w.svc.SetPortalDocuments(w.ctx, as(w.admin), app.SetPortalDocuments{CustomerID: c, Enabled: &on}))
	wantVisible(t, w, c, "a.pdf")
	off := false
	w.do(w.svc.SetPortalDocuments(w.ctx, as(w.admin), app.SetPortalDocuments{CustomerID: c, Enabled: &off}))
	wantVisible(t, w, c)
	w.do(w.svc.SetPortalDocuments(w.ctx, as(w.admin), app.SetPortalDocuments{CustomerID: c}))
	wantVisible(t, w, c) // back to the provider default, which is off
}

func TestRuleHiddenVersionsNeverShowAndNoVisibleVersionHidesTheDocument(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(projections.Portal)
	c, _, _ := w.customer("Cust")
	f := w.folder("Docs", uuid.Nil, uuid.Nil)
	d := w.document("manual.pdf", f, true)
	w.share(c, uuid.Nil, f, domain.PermissionView)
	wantVisible(t, w, c) // only version is hidden
	w.do(w.svc.AddVersion(w.ctx, as(w.admin), app.AddVersion{DocumentID: d, File: file(2)}))
	v := wantVisible(t, w, c, "manual.pdf")
	if v.Documents[0].Version != 2 {
		t.Fatalf("version = %d, want 2", v.Documents[0].Version)
	}
	w.do(w.svc.AddVersion(w.ctx, as(w.admin), app.AddVersion{DocumentID: d, File: file(3), Hidden: true}))
	if v := wantVisible(t, w, c, "manual.pdf"); v.Documents[0].Version != 2 {
		t.Fatalf("a hidden version shows: version = %d", v.Documents[0].Version)
	}
	w.do(w.svc.SetVersionVisibility(w.ctx, as(w.admin), app.SetVersionVisibility{DocumentID: d, Version: 3, Visible: true}))
	if v := wantVisible(t, w, c, "manual.pdf"); v.Documents[0].Version != 3 {
		t.Fatalf("published version not shown: version = %d", v.Documents[0].Version)
	}
	for _, n := range []int{2, 3} {
		w.do(w.svc.SetVersionVisibility(w.ctx, as(w.admin), app.SetVersionVisibility{DocumentID: d, Version: n}))
	}
	wantVisible(t, w, c)
}

func TestRuleCancelledShareAndRemovedDocumentDisappear(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(projections.Portal)
	c, _, _ := w.customer("Cust")
	f := w.folder("Docs", uuid.Nil, uuid.Nil)
	a := w.document("a.pdf", f, false)
	b := w.document("b.pdf", f, false)
	s := w.share(c, a, uuid.Nil, domain.PermissionView)
	w.share(c, b, uuid.Nil, domain.PermissionView)
	wantVisible(t, w, c, "a.pdf", "b.pdf")
	w.do(w.svc.CancelShare(w.ctx, as(w.admin), app.ShareRef{ShareID: s}))
	wantVisible(t, w, c, "b.pdf")
	w.do(w.svc.RemoveDocument(w.ctx, as(w.admin), app.DocumentRef{DocumentID: b}))
	wantVisible(t, w, c)
}

func TestRuleOtherCustomersSeeNothingOfIt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(projections.Portal)
	c1, _, _ := w.customer("One")
	c2, _, _ := w.customer("Two")
	f := w.folder("Docs", uuid.Nil, uuid.Nil)
	w.document("a.pdf", f, false)
	w.share(c1, uuid.Nil, f, domain.PermissionView)
	wantVisible(t, w, c1, "a.pdf")
	wantVisible(t, w, c2)
}

func TestRuleCustomerUploadsAndFoldersShowWithEditPermission(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(projections.Portal)
	c, user, ws := w.customer("Cust")
	f := w.folder("Exchange", uuid.Nil, uuid.Nil)
	w.share(c, uuid.Nil, f, domain.PermissionEdit)
	sub := must[app.FolderResult](t)(w.svc.PortalCreateFolder(w.ctx, as(user), app.PortalCreateFolder{ProviderID: w.provider, ParentID: f, Name: "From us"}))
	w.note(sub.Appended)
	up := must[app.DocumentResult](t)(w.svc.PortalUpload(w.ctx, as(user), app.PortalUpload{ProviderID: w.provider, FolderID: sub.FolderID, Name: "deposit.pdf", File: file(7)}))
	w.note(up.Appended)
	v := wantVisible(t, w, c, "deposit.pdf")
	if !v.Documents[0].OwnUpload {
		t.Fatal("the customer's own upload is not marked as such")
	}
	_ = ws
}

// Deposits are private: a folder outside any workspace shared with C1 (edit) and
// C2 (edit too). What C1 uploads there, and the folders C1 creates there (with
// what lies in them), C2 does not see, until the provider shares that very
// document or folder with C2 on purpose. The provider's own documents in the
// folder both see.
func TestRuleDepositsArePrivateToTheirCustomer(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(projections.Portal)
	c1, user1, _ := w.customer("One")
	c2, user2, _ := w.customer("Two")
	f := w.folder("Exchange", uuid.Nil, uuid.Nil)
	w.document("provider.pdf", f, false)
	w.share(c1, uuid.Nil, f, domain.PermissionEdit)
	w.share(c2, uuid.Nil, f, domain.PermissionEdit)
	up := must[app.DocumentResult](t)(w.svc.PortalUpload(w.ctx, as(user1), app.PortalUpload{ProviderID: w.provider, FolderID: f, Name: "c1-deposit.pdf", File: file(71)}))
	w.note(up.Appended)
	sub := must[app.FolderResult](t)(w.svc.PortalCreateFolder(w.ctx, as(user1), app.PortalCreateFolder{ProviderID: w.provider, ParentID: f, Name: "C1 private"}))
	w.note(sub.Appended)
	inSub := must[app.DocumentResult](t)(w.svc.PortalUpload(w.ctx, as(user1), app.PortalUpload{ProviderID: w.provider, FolderID: sub.FolderID, Name: "c1-deeper.pdf", File: file(72)}))
	w.note(inSub.Appended)
	// The provider's staff put a document into C1's folder: it is in C1's deposit.
	w.document("provider-in-c1-folder.pdf", sub.FolderID, false)

	wantVisible(t, w, c1, "provider.pdf", "c1-deposit.pdf", "c1-deeper.pdf", "provider-in-c1-folder.pdf")
	v := wantVisible(t, w, c2, "provider.pdf")
	if _, ok := v.Folder(sub.FolderID); ok {
		t.Fatal("C2 sees the folder C1 created")
	}
	// C2 cannot upload into C1's folder, nor download C1's deposit.
	if _, err := w.svc.PortalUpload(w.ctx, as(user2), app.PortalUpload{ProviderID: w.provider, FolderID: sub.FolderID, Name: "x.pdf", File: file(73)}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("C2 uploads into C1's folder: %v", err)
	}
	if _, err := w.svc.RecordDownload(w.ctx, as(user2), app.DocumentRef{DocumentID: up.DocumentID}); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("C2 downloads C1's deposit: %v", err)
	}
	// On purpose: the provider shares C1's deposit with C2.
	w.share(c2, up.DocumentID, uuid.Nil, domain.PermissionView)
	wantVisible(t, w, c2, "provider.pdf", "c1-deposit.pdf")
	// Sharing C1's folder reaches what the provider put there, not C1's own
	// uploads in it: each deposit is shared by itself.
	w.share(c2, uuid.Nil, sub.FolderID, domain.PermissionView)
	wantVisible(t, w, c2, "provider.pdf", "c1-deposit.pdf", "provider-in-c1-folder.pdf")
	w.share(c2, inSub.DocumentID, uuid.Nil, domain.PermissionView)
	wantVisible(t, w, c2, "provider.pdf", "c1-deposit.pdf", "provider-in-c1-folder.pdf", "c1-deeper.pdf")
}

// Many users downloading one document at once all get recorded, each download in
// a stream of its own, and the portal projection counts every one.
func TestConcurrentDownloadsOfOneDocumentAreAllRecorded(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(projections.Portal)
	c, user, _ := w.customer("Cust")
	f := w.folder("Docs", uuid.Nil, uuid.Nil)
	d := w.document("popular.pdf", f, false)
	w.share(c, uuid.Nil, f, domain.PermissionView)
	const clients, each = 16, 5
	errs := make(chan error, clients*each)
	var last atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				dl, err := w.svc.RecordDownload(w.ctx, as(user), app.DocumentRef{DocumentID: d})
				errs <- err
				for p := dl.Appended.LastPosition; p > last.Load(); {
					if last.CompareAndSwap(last.Load(), p) {
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a download failed: %v", err)
		}
	}
	w.last = last.Load()
	w.caughtUp("portal")
	var n int
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM rm_portal.downloads WHERE document_id = $1`, d).Scan(&n); err != nil || n != clients*each {
		t.Fatalf("downloads counted = %d (%v), want %d", n, err, clients*each)
	}
	var docEvents int
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM events WHERE stream_id = $1`, domain.DocumentStream(d)).Scan(&docEvents); err != nil || docEvents > 3 {
		t.Fatalf("the document's stream grew with the downloads: %d events", docEvents)
	}
}
