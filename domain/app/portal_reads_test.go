package app_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

// TestPortalWritesAfterConcurrentEndOfAccess puts a barrier between a portal
// command's load and its append: the share that gives the access is cancelled
// (or the customer paused) just before the command's batch reaches the store.
// The batch must conflict on the share's (the customer's) stream, and the retry
// must find the access gone: no download is recorded, no document or folder is
// added after the end of the access committed (domain/app/reads.go).
func TestPortalWritesAfterConcurrentEndOfAccess(t *testing.T) {
	t.Parallel()
	type access struct {
		w      *world
		share  uuid.UUID // the share that gives the access
		folder uuid.UUID // a folder shared for editing (uploads)
	}
	setup := func(t *testing.T, byFolder bool) access {
		w := newWorld(t)
		a := access{w: w, folder: w.folder}
		g := app.GrantShare{CustomerID: w.customer, Permission: domain.PermissionEdit, FolderID: w.folder}
		if !byFolder {
			g.FolderID, g.DocumentID = uuid.Nil, w.doc
		}
		a.share = must[app.ShareResult](t)(w.svc.GrantShare(w.ctx, as(w.admin), g)).ShareID
		return a
	}
	cancel := func(t *testing.T, a access) {
		must[app.ShareResult](t)(a.w.svc.CancelShare(a.w.ctx, as(a.w.admin), app.ShareRef{ShareID: a.share}))
	}
	pause := func(t *testing.T, a access) {
		must[app.CustomerResult](t)(a.w.svc.PauseCustomer(a.w.ctx, as(a.w.admin), app.CustomerRef{CustomerID: a.w.customer}))
	}
	download := func(svc *app.Service, a access) error {
		_, err := svc.RecordDownload(a.w.ctx, as(a.w.acmeUser), app.DocumentRef{DocumentID: a.w.doc})
		return err
	}
	upload := func(svc *app.Service, a access) error {
		_, err := svc.PortalUpload(a.w.ctx, as(a.w.acmeUser), app.PortalUpload{ProviderID: a.w.provider, FolderID: a.folder, Name: "Late.pdf", File: file(5)})
		return err
	}
	createFolder := func(svc *app.Service, a access) error {
		_, err := svc.PortalCreateFolder(a.w.ctx, as(a.w.acmeUser), app.PortalCreateFolder{ProviderID: a.w.provider, ParentID: a.folder, Name: "Late"})
		return err
	}
	for _, c := range []struct {
		name     string
		byFolder bool
		end      func(*testing.T, access)
		run      func(*app.Service, access) error
	}{
		{"download, document share cancelled", false, cancel, download},
		{"download, folder share cancelled", true, cancel, download},
		{"download, customer paused", false, pause, download},
		{"upload, folder share cancelled", true, cancel, upload},
		{"upload, customer paused", true, pause, upload},
		{"create folder, folder share cancelled", true, cancel, createFolder},
		{"create folder, customer paused", true, pause, createFolder},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			a := setup(t, c.byFolder)
			w := a.w
			// Without the barrier the command succeeds: the access is real.
			if err := c.run(w.svc, a); err != nil {
				t.Fatalf("before the end of access: %v", err)
			}
			var ended int64
			flaky := &flakyStore{EventStore: w.store}
			flaky.before = func() { c.end(t, a); ended = w.head() }
			svc, err := app.New(app.Config{Store: flaky, Hasher: fakeHasher{}, Clock: w.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			err = c.run(svc, a)
			if err == nil || !domain.IsRejection(err) || errors.Is(err, domain.ErrConcurrencyConflict) {
				t.Fatalf("after the end of access committed: error %v, want a rejection", err)
			}
			if got := w.typesAfter(ended); len(got) != 0 {
				t.Fatalf("recorded after the end of access committed: %v", got)
			}
			if got := flaky.appends.Load(); got != 1 {
				t.Fatalf("%d appends reached the store, want 1 (the conflicting one)", got)
			}
		})
	}
}
