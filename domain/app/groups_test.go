package app_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

func TestGroupSettingsAndCodeRotation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := must[app.GroupResult](t)(w.svc.CreateGroup(w.ctx, as(w.admin), app.CreateGroup{Name: "Acme"}))
	if !g.SelfRegistration {
		t.Fatalf("a new group admits self-registration: %+v", g)
	}
	register := func(code, email string) error {
		_, err := w.svc.RegisterWithGroupCode(w.ctx, public, app.RegisterWithGroupCode{GroupCode: code, CompanyName: "Co " + email,
			Name: "N", Email: email, Password: "correct horse battery"})
		return err
	}

	// Renaming keeps the code.
	name := "Acme Partners"
	r := must[app.GroupResult](t)(w.svc.UpdateGroup(w.ctx, as(w.admin), app.UpdateGroup{GroupID: g.GroupID, Name: &name}))
	if r.Name != name || r.Code != g.Code {
		t.Fatalf("renamed %+v", r)
	}

	// A rotated code: the old one answers like an unknown code, the new one works.
	rot := must[app.GroupResult](t)(w.svc.RotateGroupCode(w.ctx, as(w.admin), app.GroupRef{GroupID: g.GroupID}))
	if rot.GroupID != g.GroupID || rot.Code == g.Code || !regexp.MustCompile(`^Acme Partners-\d{4}$`).MatchString(rot.Code) {
		t.Fatalf("rotated %+v (was %s)", rot, g.Code)
	}
	wantErr(t, register(g.Code, "old@code.test"), domain.ErrNotFound)
	reg := must[app.Registration](t)(w.svc.RegisterWithGroupCode(w.ctx, public, app.RegisterWithGroupCode{
		GroupCode: strings.ToUpper(rot.Code), CompanyName: "Newco", Name: "N", Email: "new@code.test", Password: "correct horse battery"}))
	if c := w.state().Customer(reg.CustomerID); c.GroupID != g.GroupID {
		t.Fatalf("registered into %v", c.GroupID)
	}

	// Self-registration off: the current code answers like an unknown one too.
	off, on := false, true
	r = must[app.GroupResult](t)(w.svc.UpdateGroup(w.ctx, as(w.admin), app.UpdateGroup{GroupID: g.GroupID, SelfRegistration: &off}))
	if r.SelfRegistration || r.Code != rot.Code {
		t.Fatalf("closed %+v", r)
	}
	before := w.head()
	wantErr(t, register(rot.Code, "closed@code.test"), domain.ErrNotFound)
	if w.head() != before {
		t.Fatal("a refused registration appended")
	}
	must[app.GroupResult](t)(w.svc.UpdateGroup(w.ctx, as(w.admin), app.UpdateGroup{GroupID: g.GroupID, SelfRegistration: &on}))
	if err := register(rot.Code, "open@code.test"); err != nil {
		t.Fatal(err)
	}

	// Admins only; another company's groups are unknown.
	member := w.staff(w.admin, "m@provider.test", true, false)
	_, err := w.svc.UpdateGroup(w.ctx, as(member), app.UpdateGroup{GroupID: g.GroupID, SelfRegistration: &off})
	wantErr(t, err, domain.ErrForbidden)
	_, err = w.svc.RotateGroupCode(w.ctx, as(member), app.GroupRef{GroupID: g.GroupID})
	wantErr(t, err, domain.ErrForbidden)
	_, err = w.svc.RotateGroupCode(w.ctx, as(w.acmeUser), app.GroupRef{GroupID: g.GroupID})
	wantErr(t, err, domain.ErrNotFound)
	blank := " "
	_, err = w.svc.UpdateGroup(w.ctx, as(w.admin), app.UpdateGroup{GroupID: g.GroupID, Name: &blank})
	wantErr(t, err, domain.ErrValidation)
}
