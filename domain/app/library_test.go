package app_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

func TestLibrary(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	sub := must[app.FolderResult](t)(w.svc.CreateFolder(w.ctx, as(w.admin), app.CreateFolder{Name: "2025", ParentID: w.folder}))
	inWs := must[app.FolderResult](t)(w.svc.CreateFolder(w.ctx, as(w.admin), app.CreateFolder{Name: "Offers", CustomerID: w.customer}))
	s := w.state()
	if f := s.Folder(sub.FolderID); f.ParentID != w.folder || f.WorkspaceCustomerID != uuid.Nil {
		t.Fatalf("subfolder %+v", f)
	}
	if f := s.Folder(inWs.FolderID); f.ParentID != w.workspace || f.WorkspaceCustomerID != w.customer {
		t.Fatalf("workspace folder %+v", f)
	}
	_, err := w.svc.CreateFolder(w.ctx, as(w.admin), app.CreateFolder{Name: "x", ParentID: w.folder, CustomerID: w.customer})
	wantErr(t, err, domain.ErrValidation)
	_, err = w.svc.CreateFolder(w.ctx, as(w.admin), app.CreateFolder{Name: "x", ParentID: uuid.New()})
	wantErr(t, err, domain.ErrNotFound)
	_, err = w.svc.CreateFolder(w.ctx, as(w.acmeUser), app.CreateFolder{Name: "x", ParentID: w.folder})
	wantErr(t, err, domain.ErrNotFound)

	// QUBEdocs: a new documentation version is hidden from customers until shared.
	v2 := must[app.DocumentResult](t)(w.svc.AddVersion(w.ctx, as(w.admin), app.AddVersion{DocumentID: w.doc, File: file(2), Hidden: true}))
	if v2.Version != 2 {
		t.Fatalf("version %d", v2.Version)
	}
	must[app.ShareResult](t)(w.svc.GrantShare(w.ctx, as(w.admin), app.GrantShare{CustomerID: w.customer, DocumentID: w.doc, Permission: domain.PermissionView}))
	if d, _ := w.state().PortalView(w.customer).Document(w.doc); d.Version != 1 {
		t.Fatalf("customers see version %d before publishing, want 1", d.Version)
	}
	must[app.DocumentResult](t)(w.svc.SetVersionVisibility(w.ctx, as(w.admin), app.SetVersionVisibility{DocumentID: w.doc, Version: 2, Visible: true}))
	if d, _ := w.state().PortalView(w.customer).Document(w.doc); d.Version != 2 {
		t.Fatalf("customers see version %d after publishing, want 2", d.Version)
	}
	_, err = w.svc.SetVersionVisibility(w.ctx, as(w.admin), app.SetVersionVisibility{DocumentID: w.doc, Version: 9, Visible: true})
	wantErr(t, err, domain.ErrNotFound)
	_, err = w.svc.AddDocument(w.ctx, as(w.admin), app.AddDocument{FolderID: w.folder, Name: "bad", File: domain.FileInfo{SHA256: "x"}})
	wantErr(t, err, domain.ErrValidation)
	_, err = w.svc.AddDocument(w.ctx, as(w.admin), app.AddDocument{FolderID: uuid.New(), Name: "x.pdf", File: file(1)})
	wantErr(t, err, domain.ErrNotFound)
}

func TestRemoveDocumentCancelsSharesAndLinks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	share := must[app.ShareResult](t)(w.svc.GrantShare(w.ctx, as(w.admin), app.GrantShare{CustomerID: w.customer, DocumentID: w.doc, Permission: domain.PermissionView}))
	link := must[app.LinkResult](t)(w.svc.CreateLink(w.ctx, as(w.admin), app.CreateLink{DocumentID: w.doc}))
	before := w.head()
	must[app.DocumentResult](t)(w.svc.RemoveDocument(w.ctx, as(w.admin), app.DocumentRef{DocumentID: w.doc}))
	if diff := cmp.Diff([]string{"DocumentRemoved", "ShareCancelled", "CustomerShareRemoved", "LinkCancelled"}, w.typesAfter(before)); diff != "" {
		t.Fatalf("removal batch (-want +got):\n%s", diff)
	}
	s := w.state()
	if sh := s.Share(share.ShareID); sh.Reason != domain.ReasonDocumentRemoved {
		t.Errorf("share %+v", sh)
	}
	if l := s.Link(link.LinkID); l.Reason != domain.ReasonDocumentRemoved {
		t.Errorf("link %+v", l)
	}
	_, err := w.svc.OpenLink(w.ctx, public, app.OpenLink{Token: link.Token})
	wantErr(t, err, domain.ErrLinkGone)
	_, err = w.svc.RemoveDocument(w.ctx, as(w.admin), app.DocumentRef{DocumentID: w.doc})
	wantErr(t, err, domain.ErrNotFound)
	_, err = w.svc.GrantShare(w.ctx, as(w.admin), app.GrantShare{CustomerID: w.customer, DocumentID: w.doc, Permission: domain.PermissionView})
	wantErr(t, err, domain.ErrNotFound)
	_, err = w.svc.CreateLink(w.ctx, as(w.admin), app.CreateLink{DocumentID: w.doc})
	wantErr(t, err, domain.ErrNotFound)
}
