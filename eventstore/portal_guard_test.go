package eventstore_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/apptest"
)

// beforeFirstAppend runs hook once, just before the first batch reaches the store:
// a barrier between a command's load and its append.
type beforeFirstAppend struct {
	app.EventStore
	hook func()
	once sync.Once
}

func (s *beforeFirstAppend) Append(ctx context.Context, b app.Batch) (app.AppendResult, error) {
	s.once.Do(s.hook)
	return s.EventStore.Append(ctx, b)
}

// TestPortalDownloadAfterShareCancelOnPostgres is TestPortalWritesAfterConcurrentEndOfAccess
// (domain/app) on the real store: a share is cancelled between a download's read
// of it and its append. The download's guard of the share's stream (and the lock
// the cancellation takes on it) makes the append conflict; the retry finds no
// access, and no download is in the log after the cancellation.
func TestPortalDownloadAfterShareCancelOnPostgres(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	svc, err := app.New(app.Config{Store: s, Hasher: apptest.Hasher{}})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	provider, err := svc.RegisterCompany(ctx, app.Call{}, app.RegisterCompany{CompanyName: "Provider Ltd", Name: "Ada", Email: "ada@provider.test", Password: "correct horse battery"})
	must(err)
	acme, err := svc.RegisterCompany(ctx, app.Call{}, app.RegisterCompany{CompanyName: "Acme Corp", Name: "Carl", Email: "carl@acme.test", Password: "correct horse battery"})
	must(err)
	admin, carl := app.Call{ActorID: provider.UserID}, app.Call{ActorID: acme.UserID}
	c, err := svc.ConnectCustomer(ctx, admin, app.ConnectCustomer{CompanyID: acme.CompanyID})
	must(err)
	f, err := svc.CreateFolder(ctx, admin, app.CreateFolder{Name: "Manuals"})
	must(err)
	d, err := svc.AddDocument(ctx, admin, app.AddDocument{FolderID: f.FolderID, Name: "Guide.pdf",
		File: domain.FileInfo{SHA256: strings.Repeat("1", 64), Size: 100, MediaType: "application/pdf"}})
	must(err)
	sh, err := svc.GrantShare(ctx, admin, app.GrantShare{CustomerID: c.CustomerID, FolderID: f.FolderID, Permission: domain.PermissionView})
	must(err)
	_, err = svc.RecordDownload(ctx, carl, app.DocumentRef{DocumentID: d.DocumentID})
	must(err) // the access is real before the cancellation

	var cancelledAt int64
	barrier := &beforeFirstAppend{EventStore: s, hook: func() {
		r, err := svc.CancelShare(ctx, admin, app.ShareRef{ShareID: sh.ShareID})
		must(err)
		cancelledAt = r.Appended.LastPosition
	}}
	late, err := app.New(app.Config{Store: barrier, Hasher: apptest.Hasher{}})
	must(err)
	_, err = late.RecordDownload(ctx, carl, app.DocumentRef{DocumentID: d.DocumentID})
	if !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("download after the cancellation committed: error %v, want not found", err)
	}
	after, err := s.ReadAll(ctx, cancelledAt, 100)
	must(err)
	if len(after) != 0 {
		t.Fatalf("%d events after the cancellation committed, first %s", len(after), after[0].Type)
	}
}
