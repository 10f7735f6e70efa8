package app_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

func TestPortalShares(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// JarvisDrive: by default the contact may edit and deposit; unchecked, read-only.
	folderShare := must[app.ShareResult](t)(w.svc.GrantShare(w.ctx, as(w.admin), app.GrantShare{CustomerID: w.customer, FolderID: w.folder, Permission: domain.PermissionEdit}))
	if f, ok := w.state().PortalView(w.customer).Folder(w.folder); !ok || f.Permission != domain.PermissionEdit {
		t.Fatalf("shared folder %+v %v", f, ok)
	}
	must[app.ShareResult](t)(w.svc.ChangeSharePermission(w.ctx, as(w.admin), app.ChangeSharePermission{ShareID: folderShare.ShareID, Permission: domain.PermissionView}))
	if f, _ := w.state().PortalView(w.customer).Folder(w.folder); f.Permission != domain.PermissionView {
		t.Fatalf("after unchecking edit: %+v", f)
	}
	_, err := w.svc.GrantShare(w.ctx, as(w.admin), app.GrantShare{CustomerID: w.customer, FolderID: w.folder, Permission: domain.PermissionView})
	wantErr(t, err, domain.ErrConflict)
	// JarvisDrive: "Don't share" — it disappears from the portal.
	must[app.ShareResult](t)(w.svc.CancelShare(w.ctx, as(w.admin), app.ShareRef{ShareID: folderShare.ShareID}))
	if _, ok := w.state().PortalView(w.customer).Folder(w.folder); ok {
		t.Fatal("a cancelled share must disappear from the portal")
	}
	// CommTrak: once cancelled, it cannot be uncancelled; nothing follows.
	before := w.head()
	_, err = w.svc.CancelShare(w.ctx, as(w.admin), app.ShareRef{ShareID: folderShare.ShareID})
	wantErr(t, err, domain.ErrShareCancelled)
	_, err = w.svc.ChangeSharePermission(w.ctx, as(w.admin), app.ChangeSharePermission{ShareID: folderShare.ShareID, Permission: domain.PermissionEdit})
	wantErr(t, err, domain.ErrShareCancelled)
	if w.head() != before {
		t.Fatal("a rejected command appended")
	}
	_, err = w.svc.CancelShare(w.ctx, as(w.admin), app.ShareRef{ShareID: uuid.New()})
	wantErr(t, err, domain.ErrNotFound)
	_, err = w.svc.GrantShare(w.ctx, as(w.admin), app.GrantShare{CustomerID: w.customer, DocumentID: w.doc, Permission: "owner"})
	wantErr(t, err, domain.ErrValidation)

	// Sharing while paused is allowed; it shows once resumed.
	must[app.CustomerResult](t)(w.svc.PauseCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: w.customer}))
	must[app.ShareResult](t)(w.svc.GrantShare(w.ctx, as(w.admin), app.GrantShare{CustomerID: w.customer, DocumentID: w.doc, Permission: domain.PermissionView}))
	if w.state().PortalView(w.customer).Open {
		t.Fatal("paused: nothing visible")
	}
	must[app.CustomerResult](t)(w.svc.ResumeCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: w.customer}))
	if _, ok := w.state().PortalView(w.customer).Document(w.doc); !ok {
		t.Fatal("resumed: the share granted while paused shows")
	}
}

func TestLinks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	plain := must[app.LinkResult](t)(w.svc.CreateLink(w.ctx, as(w.admin), app.CreateLink{DocumentID: w.doc}))
	protected := must[app.LinkResult](t)(w.svc.CreateLink(w.ctx, as(w.admin), app.CreateLink{DocumentID: w.doc, Password: "s3cret-harbour", ExpiresAt: t0.Add(48 * time.Hour)}))
	if !protected.PasswordRequired || protected.ExpiresAt != t0.Add(48*time.Hour) || plain.PasswordRequired {
		t.Fatalf("links %+v %+v", plain, protected)
	}
	// >= 128 random bits, only the hash is stored, and the password neither.
	if len(plain.Token) < 43 || plain.Token == protected.Token {
		t.Fatalf("tokens %q %q", plain.Token, protected.Token)
	}
	w.secretsAbsent(plain.Token, protected.Token, "s3cret-harbour")
	if l := w.state().Link(plain.LinkID); l.TokenHash != app.TokenHash(plain.Token) {
		t.Fatalf("stored hash %q", l.TokenHash)
	}

	acc := must[app.LinkAccess](t)(w.svc.OpenLink(w.ctx, public, app.OpenLink{Token: plain.Token}))
	if acc.DocumentID != w.doc || acc.Version != 1 || acc.Name != "Guide.pdf" || acc.File != file(1) {
		t.Fatalf("access %+v", acc)
	}
	info := must[app.LinkAccess](t)(w.svc.InspectLink(w.ctx, public, app.OpenLink{Token: plain.Token}))
	if info.Appended.LastPosition != 0 || info.Name != "Guide.pdf" {
		t.Fatalf("inspecting must not record an open: %+v", info)
	}
	if n := w.state().LinkOpens(plain.LinkID); n != 1 {
		t.Fatalf("opens %d", n)
	}

	_, err := w.svc.OpenLink(w.ctx, public, app.OpenLink{Token: protected.Token})
	wantErr(t, err, domain.ErrPasswordRequired)
	before := w.head()
	_, err = w.svc.OpenLink(w.ctx, public, app.OpenLink{Token: protected.Token, Password: "guess"})
	wantErr(t, err, domain.ErrPasswordRejected)
	if got := w.typesAfter(before); len(got) != 1 || got[0] != "LinkPasswordRejected" {
		t.Fatalf("a wrong password is recorded: %v", got)
	}
	must[app.LinkAccess](t)(w.svc.OpenLink(w.ctx, public, app.OpenLink{Token: protected.Token, Password: "s3cret-harbour"}))

	_, err = w.svc.OpenLink(w.ctx, public, app.OpenLink{Token: plain.Token[:len(plain.Token)-2] + "xx"})
	wantErr(t, err, domain.ErrNotFound)
	_, err = w.svc.OpenLink(w.ctx, public, app.OpenLink{Token: "garbage"})
	wantErr(t, err, domain.ErrNotFound)

	// CommTrak: an expired link answers like a cancelled one.
	w.clock.Advance(48 * time.Hour)
	_, err = w.svc.OpenLink(w.ctx, public, app.OpenLink{Token: protected.Token, Password: "s3cret-harbour"})
	wantErr(t, err, domain.ErrLinkGone)

	must[app.LinkResult](t)(w.svc.CancelLink(w.ctx, as(w.admin), app.LinkRef{LinkID: plain.LinkID}))
	_, err = w.svc.CancelLink(w.ctx, as(w.admin), app.LinkRef{LinkID: plain.LinkID})
	wantErr(t, err, domain.ErrLinkGone)
	_, err = w.svc.OpenLink(w.ctx, public, app.OpenLink{Token: plain.Token})
	wantErr(t, err, domain.ErrLinkGone)

	_, err = w.svc.CreateLink(w.ctx, as(w.admin), app.CreateLink{DocumentID: w.doc, ExpiresAt: w.clock.Now().Add(-time.Minute)})
	wantErr(t, err, domain.ErrValidation)
	member := w.staff(w.admin, "m@provider.test", false, false)
	_, err = w.svc.CreateLink(w.ctx, as(member), app.CreateLink{DocumentID: w.doc})
	wantErr(t, err, domain.ErrForbidden)
	sharer := w.staff(w.admin, "s@provider.test", true, false)
	must[app.LinkResult](t)(w.svc.CreateLink(w.ctx, as(sharer), app.CreateLink{DocumentID: w.doc}))
	_, err = w.svc.CancelLink(w.ctx, as(w.acmeUser), app.LinkRef{LinkID: protected.LinkID})
	wantErr(t, err, domain.ErrNotFound)
}
