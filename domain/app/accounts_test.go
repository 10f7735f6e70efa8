package app_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

func TestRegisterCompany(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	reg := f.signup("Provider Ltd", " Ada@Provider.TEST ")
	if diff := cmp.Diff([]string{"CompanyRegistered", "UserRegistered"}, f.typesAfter(0)); diff != "" {
		t.Fatalf("events (-want +got):\n%s", diff)
	}
	if reg.Appended.LastPosition != 2 || len(reg.Appended.Positions) != 2 {
		t.Errorf("append result %+v", reg.Appended)
	}
	u := f.state().User(reg.UserID)
	if u.Role != domain.RoleAdmin || !u.Active || u.CompanyID != reg.CompanyID || u.Personal.Email != "ada@provider.test" {
		t.Errorf("first user: %+v", u)
	}
	cred, ok := f.store.CredentialByEmail("ada@provider.test")
	if !ok || cred.UserID != reg.UserID || !(fakeHasher{}).Verify(cred.PasswordHash, "correct horse") {
		t.Errorf("credential %+v, %v", cred, ok)
	}
	f.secretsAbsent("correct horse")
	meta := f.log()[0].Meta
	if meta.TenantID != reg.CompanyID || meta.ActorKind != domain.ActorPublic || meta.CorrelationID == uuid.Nil {
		t.Errorf("metadata %+v", meta)
	}

	t.Run("an e-mail registers once", func(t *testing.T) {
		_, err := f.svc.RegisterCompany(f.ctx, public, app.RegisterCompany{CompanyName: "Other", Name: "Ada", Email: "ada@provider.test", Password: "correct horse"})
		var taken *app.ClaimTakenError
		if !errors.As(err, &taken) {
			t.Fatalf("got %v, want *app.ClaimTakenError", err)
		}
	})
	for _, c := range []struct{ name, company, email, password string }{
		{"short password", "X", "x@x.test", "short"},
		{"bad e-mail", "X", "not-an-email", "correct horse"},
		{"no company name", " ", "y@x.test", "correct horse"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.RegisterCompany(f.ctx, public, app.RegisterCompany{CompanyName: c.company, Name: "N", Email: c.email, Password: c.password})
			wantErr(t, err, domain.ErrValidation)
		})
	}
}

func TestIdempotencyKeyAppendsOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	call := app.Call{Idempotency: &app.Idempotency{Key: "k1", RequestHash: "h"}}
	cmd := app.RegisterCompany{CompanyName: "A", Name: "A", Email: "a@a.test", Password: "correct horse"}
	first := must[app.Registration](t)(f.svc.RegisterCompany(f.ctx, call, cmd))
	cmd.Email = "b@a.test"
	_, err := f.svc.RegisterCompany(f.ctx, call, cmd)
	wantErr(t, err, app.ErrDuplicateRequest)
	if got := len(f.log()); got != 2 {
		t.Fatalf("the repeated request appended: %d events", got)
	}
	if f.log()[0].Meta.IdempotencyKey != "k1" || first.Appended.LastPosition != 2 {
		t.Errorf("metadata %+v", f.log()[0].Meta)
	}
}

func TestStaffInvitation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := f.signup("Provider Ltd", "ada@provider.test")
	inv := must[app.Invitation](t)(f.svc.InviteStaff(f.ctx, as(p.UserID), app.InviteStaff{Name: "Max", Email: "max@provider.test", CanShare: true}))
	if len(inv.Token) < 43 || inv.ExpiresAt != t0.Add(7*24*time.Hour) || inv.CompanyID != p.CompanyID {
		t.Fatalf("invitation %+v", inv)
	}
	mails := f.store.Outbox()
	if len(mails) != 1 || mails[0].To != "max@provider.test" || !strings.Contains(mails[0].Body, "/invitations/"+inv.Token) {
		t.Fatalf("mail %+v", mails)
	}
	f.secretsAbsent(inv.Token)

	t.Run("members cannot invite", func(t *testing.T) {
		member := f.staff(p.UserID, "m@provider.test", false, false)
		_, err := f.svc.InviteStaff(f.ctx, as(member), app.InviteStaff{Name: "X", Email: "x@provider.test"})
		wantErr(t, err, domain.ErrForbidden)
	})
	t.Run("strangers cannot invite", func(t *testing.T) {
		_, err := f.svc.InviteStaff(f.ctx, public, app.InviteStaff{Name: "X", Email: "x@provider.test"})
		wantErr(t, err, domain.ErrNotFound)
	})
	t.Run("an unknown token", func(t *testing.T) {
		_, err := f.svc.AcceptInvitation(f.ctx, public, app.AcceptInvitation{Token: "nonsense", Password: "long enough"})
		wantErr(t, err, domain.ErrNotFound)
		forged := inv.Token[:len(inv.Token)-4] + "AAAA"
		_, err = f.svc.AcceptInvitation(f.ctx, public, app.AcceptInvitation{Token: forged, Password: "long enough"})
		wantErr(t, err, domain.ErrNotFound)
	})
	t.Run("a short password", func(t *testing.T) {
		_, err := f.svc.AcceptInvitation(f.ctx, public, app.AcceptInvitation{Token: inv.Token, Password: "short"})
		wantErr(t, err, domain.ErrValidation)
	})
	accepted := must[app.Registration](t)(f.svc.AcceptInvitation(f.ctx, public, app.AcceptInvitation{Token: inv.Token, Name: "Maximilian", Password: "max password"}))
	if accepted.UserID != inv.UserID || accepted.CompanyID != p.CompanyID {
		t.Fatalf("accepted %+v", accepted)
	}
	u := f.state().User(inv.UserID)
	if !u.Active || u.Personal.Name != "Maximilian" || !u.CanShare || u.Role != domain.RoleMember {
		t.Errorf("user %+v", u)
	}
	if _, ok := f.store.CredentialByEmail("max@provider.test"); !ok {
		t.Error("no credential")
	}
	t.Run("used", func(t *testing.T) {
		_, err := f.svc.AcceptInvitation(f.ctx, public, app.AcceptInvitation{Token: inv.Token, Password: "max password"})
		wantErr(t, err, domain.ErrInvitationGone)
	})
	t.Run("expired", func(t *testing.T) {
		late := must[app.Invitation](t)(f.svc.InviteStaff(f.ctx, as(p.UserID), app.InviteStaff{Name: "Late", Email: "late@provider.test"}))
		f.clock.Advance(8 * 24 * time.Hour)
		_, err := f.svc.AcceptInvitation(f.ctx, public, app.AcceptInvitation{Token: late.Token, Password: "late password"})
		wantErr(t, err, domain.ErrInvitationGone)
	})
}

func TestChangeRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := f.signup("Provider Ltd", "ada@provider.test")
	member := f.staff(p.UserID, "m@provider.test", false, false)
	other := f.signup("Other", "o@other.test")

	must[app.UserResult](t)(f.svc.ChangeRole(f.ctx, as(p.UserID), app.ChangeRole{UserID: member, CanShare: ptr(true), Auditor: ptr(true)}))
	u := f.state().User(member)
	if !u.CanShare || !u.Auditor || u.Role != domain.RoleMember {
		t.Fatalf("user %+v", u)
	}
	before := f.head()
	must[app.UserResult](t)(f.svc.ChangeRole(f.ctx, as(p.UserID), app.ChangeRole{UserID: member, CanShare: ptr(true)}))
	if f.head() != before {
		t.Error("an unchanged role must record nothing")
	}
	_, err := f.svc.ChangeRole(f.ctx, as(member), app.ChangeRole{UserID: member, Admin: ptr(true)})
	wantErr(t, err, domain.ErrForbidden)
	_, err = f.svc.ChangeRole(f.ctx, as(p.UserID), app.ChangeRole{UserID: other.UserID, Admin: ptr(false)})
	wantErr(t, err, domain.ErrNotFound)
	_, err = f.svc.ChangeRole(f.ctx, as(p.UserID), app.ChangeRole{UserID: p.UserID, Admin: ptr(false)})
	wantErr(t, err, domain.ErrConflict)
}

func ptr[T any](v T) *T { return &v }
