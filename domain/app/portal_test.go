package app_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

func TestPortal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	upload := app.PortalUpload{ProviderID: w.provider, Name: "signed.pdf", File: file(3)}

	// Without master access or an edit share, the workspace is not theirs to fill.
	_, err := w.svc.PortalUpload(w.ctx, as(w.acmeUser), upload)
	wantErr(t, err, domain.ErrNotFound)

	// CA Cloud Desk: master access, then the client uploads and creates folders.
	must[app.CustomerResult](t)(w.svc.SetMasterAccess(w.ctx, as(w.admin), app.SetMasterAccess{CustomerID: w.customer, Enabled: true}))
	up := must[app.DocumentResult](t)(w.svc.PortalUpload(w.ctx, as(w.acmeUser), upload))
	folder := must[app.FolderResult](t)(w.svc.PortalCreateFolder(w.ctx, as(w.acmeUser), app.PortalCreateFolder{ProviderID: w.provider, Name: "Receipts"}))
	inFolder := must[app.DocumentResult](t)(w.svc.PortalUpload(w.ctx, as(w.acmeUser), app.PortalUpload{ProviderID: w.provider, FolderID: folder.FolderID, Name: "r1.pdf", File: file(4)}))
	s := w.state()
	if d := s.Document(up.DocumentID); d.UploadedByCustomerID != w.customer || d.FolderID != w.workspace || d.WorkspaceCustomerID != w.customer {
		t.Fatalf("upload %+v", d)
	}
	if f := s.Folder(folder.FolderID); f.CreatedByCustomerID != w.customer || f.ParentID != w.workspace {
		t.Fatalf("portal folder %+v", f)
	}
	// The provider sees the customer's uploads in its library (the workspace).
	if d := s.Document(inFolder.DocumentID); d.ProviderID != w.provider {
		t.Fatalf("upload not in the provider's library: %+v", d)
	}

	// JarvisDrive: an edit share on a library folder lets them deposit there...
	share := must[app.ShareResult](t)(w.svc.GrantShare(w.ctx, as(w.admin), app.GrantShare{CustomerID: w.customer, FolderID: w.folder, Permission: domain.PermissionEdit}))
	deposit := must[app.DocumentResult](t)(w.svc.PortalUpload(w.ctx, as(w.acmeUser), app.PortalUpload{ProviderID: w.provider, FolderID: w.folder, Name: "deposit.pdf", File: file(5)}))
	// ...a view share does not.
	must[app.ShareResult](t)(w.svc.ChangeSharePermission(w.ctx, as(w.admin), app.ChangeSharePermission{ShareID: share.ShareID, Permission: domain.PermissionView}))
	_, err = w.svc.PortalUpload(w.ctx, as(w.acmeUser), app.PortalUpload{ProviderID: w.provider, FolderID: w.folder, Name: "x.pdf", File: file(5)})
	wantErr(t, err, domain.ErrForbidden)
	_, err = w.svc.PortalCreateFolder(w.ctx, as(w.acmeUser), app.PortalCreateFolder{ProviderID: w.provider, ParentID: w.folder, Name: "x"})
	wantErr(t, err, domain.ErrForbidden)

	// Downloads of what the portal shows are recorded.
	dl := must[app.Download](t)(w.svc.RecordDownload(w.ctx, as(w.acmeUser), app.DocumentRef{DocumentID: w.doc}))
	if dl.Version != 1 || dl.CustomerID != w.customer || dl.File != file(1) {
		t.Fatalf("download %+v", dl)
	}
	// In a stream of its own: concurrent downloads never conflict, and the
	// document's stream does not grow with them.
	recs := w.log()
	last := recs[len(recs)-1]
	if dd, ok := last.Event.(domain.DocumentDownloaded); !ok || dd.UserID != w.acmeUser || dd.DocumentID != w.doc ||
		last.StreamID != domain.DownloadStream(dd.DownloadID) || last.Version != 1 {
		t.Fatalf("download not recorded in its own stream: %#v", last)
	}

	// JarvisDrive: the customer cannot delete what the provider shared; its own
	// uploads it may.
	_, err = w.svc.PortalRemoveDocument(w.ctx, as(w.acmeUser), app.DocumentRef{DocumentID: w.doc})
	wantErr(t, err, domain.ErrForbidden)
	must[app.DocumentResult](t)(w.svc.PortalRemoveDocument(w.ctx, as(w.acmeUser), app.DocumentRef{DocumentID: deposit.DocumentID}))
	if !w.state().Document(deposit.DocumentID).Removed {
		t.Fatal("own upload not removed")
	}

	// Strangers and the provider's own staff have no portal here.
	stranger := w.signup("Stranger", "s@stranger.test")
	_, err = w.svc.RecordDownload(w.ctx, as(stranger.UserID), app.DocumentRef{DocumentID: w.doc})
	wantErr(t, err, domain.ErrNotFound)
	_, err = w.svc.PortalUpload(w.ctx, as(w.admin), upload)
	wantErr(t, err, domain.ErrNotFound)

	// PDoc: paused, the customer sees nothing: downloads and uploads answer 404.
	must[app.CustomerResult](t)(w.svc.PauseCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: w.customer}))
	_, err = w.svc.RecordDownload(w.ctx, as(w.acmeUser), app.DocumentRef{DocumentID: w.doc})
	wantErr(t, err, domain.ErrNotFound)
	_, err = w.svc.PortalUpload(w.ctx, as(w.acmeUser), upload)
	wantErr(t, err, domain.ErrNotFound)
	_, err = w.svc.RecordDownload(w.ctx, as(w.acmeUser), app.DocumentRef{DocumentID: uuid.New()})
	wantErr(t, err, domain.ErrNotFound)
}

func TestCustomerPortalUsers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	inv := must[app.Invitation](t)(w.svc.InviteCustomerUser(w.ctx, as(w.admin), app.InviteCustomerUser{CustomerID: w.customer, Name: "Dora", Email: "dora@acme.test"}))
	if inv.CompanyID != w.acme {
		t.Fatalf("portal users belong to the customer company: %+v", inv)
	}
	dora := must[app.Registration](t)(w.svc.AcceptInvitation(w.ctx, public, app.AcceptInvitation{Token: inv.Token, Password: "dora password"}))
	must[app.ShareResult](t)(w.svc.GrantShare(w.ctx, as(w.admin), app.GrantShare{CustomerID: w.customer, DocumentID: w.doc, Permission: domain.PermissionView}))
	must[app.Download](t)(w.svc.RecordDownload(w.ctx, as(dora.UserID), app.DocumentRef{DocumentID: w.doc}))
	w.secretsAbsent(inv.Token, "dora password")
}
