package app_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

func TestGroups(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := must[app.GroupResult](t)(w.svc.CreateGroup(w.ctx, as(w.admin), app.CreateGroup{Name: "Acme"}))
	if !regexp.MustCompile(`^Acme-\d{4}$`).MatchString(g.Code) || g.GroupID != domain.GroupIDForCode(g.Code) {
		t.Fatalf("group %+v", g)
	}
	member := w.staff(w.admin, "m@provider.test", false, false)
	must[app.GroupResult](t)(w.svc.GrantGroupAccess(w.ctx, as(w.admin), app.GrantGroupAccess{GroupID: g.GroupID, UserID: member, Access: domain.AccessWrite}))
	if got := w.state().Group(g.GroupID).AccessOf(member); got != domain.AccessWrite {
		t.Fatalf("access %q", got)
	}
	must[app.GroupResult](t)(w.svc.RevokeGroupAccess(w.ctx, as(w.admin), app.RevokeGroupAccess{GroupID: g.GroupID, UserID: member}))
	if got := w.state().Group(g.GroupID).AccessOf(member); got != domain.AccessNone {
		t.Fatalf("access after revoke %q", got)
	}
	_, err := w.svc.RevokeGroupAccess(w.ctx, as(w.admin), app.RevokeGroupAccess{GroupID: g.GroupID, UserID: member})
	wantErr(t, err, domain.ErrNotFound)
	_, err = w.svc.CreateGroup(w.ctx, as(member), app.CreateGroup{Name: "Mine"})
	wantErr(t, err, domain.ErrForbidden)
	_, err = w.svc.GrantGroupAccess(w.ctx, as(member), app.GrantGroupAccess{GroupID: g.GroupID, UserID: member, Access: domain.AccessWrite})
	wantErr(t, err, domain.ErrForbidden)
	_, err = w.svc.GrantGroupAccess(w.ctx, as(w.acmeUser), app.GrantGroupAccess{GroupID: g.GroupID, UserID: member, Access: domain.AccessWrite})
	wantErr(t, err, domain.ErrNotFound)
	_, err = w.svc.GrantGroupAccess(w.ctx, as(w.admin), app.GrantGroupAccess{GroupID: g.GroupID, UserID: w.acmeUser, Access: domain.AccessRead})
	wantErr(t, err, domain.ErrNotFound)
	_, err = w.svc.CreateGroup(w.ctx, as(w.admin), app.CreateGroup{Name: ""})
	wantErr(t, err, domain.ErrValidation)
}

// suffixReader yields fixed suffixes first, then zeros.
type suffixReader struct{ suffixes []uint16 }

func (r *suffixReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0
	}
	if len(r.suffixes) > 0 && len(p) == 2 {
		p[0], p[1] = byte(r.suffixes[0]>>8), byte(r.suffixes[0])
		r.suffixes = r.suffixes[1:]
	}
	return len(p), nil
}

func TestGroupCodeCollisions(t *testing.T) {
	t.Parallel()
	r := &suffixReader{}
	f := newFixture(t, func(c *app.Config) { c.Random = r })
	a := f.signup("A", "a@a.test")
	b := f.signup("B", "b@b.test")
	r.suffixes = []uint16{4821}
	first := must[app.GroupResult](t)(f.svc.CreateGroup(f.ctx, as(a.UserID), app.CreateGroup{Name: "Acme"}))
	// An existing group with the drawn code: another suffix is drawn.
	r.suffixes = []uint16{4821, 17}
	second := must[app.GroupResult](t)(f.svc.CreateGroup(f.ctx, as(b.UserID), app.CreateGroup{Name: "ACME"}))
	// A code claimed without its group being visible yet (a concurrent creator):
	// the claim fails and the command retries with another suffix.
	_, err := f.store.Append(f.ctx, app.Batch{
		Streams: []app.StreamAppend{{StreamID: domain.LinkStream(uuid.New()), Events: []domain.Event{domain.LinkOpened{}}}},
		Records: []app.Record{app.Claim{Scope: domain.GroupCodeClaimScope, Value: "acme-0042", Owner: uuid.New()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r.suffixes = []uint16{42, 43}
	third := must[app.GroupResult](t)(f.svc.CreateGroup(f.ctx, as(a.UserID), app.CreateGroup{Name: "Acme"}))
	if diff := cmp.Diff([]string{"Acme-4821", "ACME-0017", "Acme-0043"}, []string{first.Code, second.Code, third.Code}); diff != "" {
		t.Fatalf("codes (-want +got):\n%s", diff)
	}
}

func TestConnectAndInviteCustomers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.state().Customer(w.customer)
	if c.Status != domain.StatusActive || c.CompanyID != w.acme || c.WorkspaceFolderID != w.workspace {
		t.Fatalf("connected customer %+v", c)
	}
	if f := w.state().Folder(w.workspace); f.WorkspaceCustomerID != w.customer || f.Name != "Acme Corp" {
		t.Fatalf("workspace folder %+v", f)
	}
	_, err := w.svc.ConnectCustomer(w.ctx, as(w.admin), app.ConnectCustomer{CompanyID: w.acme})
	wantErr(t, err, domain.ErrConflict)
	_, err = w.svc.ConnectCustomer(w.ctx, as(w.admin), app.ConnectCustomer{CompanyID: uuid.New()})
	wantErr(t, err, domain.ErrNotFound)

	// PDoc: invite a company that is not on the platform yet.
	inv := must[app.Invitation](t)(w.svc.InviteCustomer(w.ctx, as(w.admin), app.InviteCustomer{CompanyName: "Newco", ContactName: "Nina", Email: "nina@newco.test"}))
	if w.state().Customer(inv.CustomerID).Status != domain.StatusInvited {
		t.Fatal("an invited customer starts invited")
	}
	mails := w.store.Outbox()
	if last := mails[len(mails)-1]; last.To != "nina@newco.test" || last.Template != "customer-invitation" || !strings.Contains(last.Body, inv.Token) {
		t.Fatalf("invitation mail %+v", last)
	}
	acc := must[app.Registration](t)(w.svc.AcceptInvitation(w.ctx, public, app.AcceptInvitation{Token: inv.Token, Password: "nina password"}))
	s := w.state()
	if acc.CustomerID != inv.CustomerID || acc.CompanyID != inv.CompanyID || s.Customer(inv.CustomerID).Status != domain.StatusActive {
		t.Fatalf("accepted %+v, customer %+v", acc, s.Customer(inv.CustomerID))
	}
	if u := s.User(acc.UserID); u.Role != domain.RoleAdmin || u.CompanyID != inv.CompanyID || u.Personal.Email != "nina@newco.test" {
		t.Fatalf("first user %+v", u)
	}
	if s.Company(inv.CompanyID).Name != "Newco" {
		t.Fatal("the invited company is registered on acceptance")
	}
	_, err = w.svc.AcceptInvitation(w.ctx, public, app.AcceptInvitation{Token: inv.Token, Password: "nina password"})
	wantErr(t, err, domain.ErrInvitationGone)
	w.secretsAbsent(inv.Token, "nina password")

	t.Run("an expired customer invitation", func(t *testing.T) {
		late := must[app.Invitation](t)(w.svc.InviteCustomer(w.ctx, as(w.admin), app.InviteCustomer{CompanyName: "Late", ContactName: "L", Email: "l@late.test"}))
		w.clock.Advance(7 * 24 * time.Hour)
		_, err := w.svc.AcceptInvitation(w.ctx, public, app.AcceptInvitation{Token: late.Token, Password: "late password"})
		wantErr(t, err, domain.ErrInvitationGone)
	})
	t.Run("a revoked invitation", func(t *testing.T) {
		gone := must[app.Invitation](t)(w.svc.InviteCustomer(w.ctx, as(w.admin), app.InviteCustomer{CompanyName: "Gone", ContactName: "G", Email: "g@gone.test"}))
		must[app.CustomerResult](t)(w.svc.RevokeCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: gone.CustomerID}))
		_, err := w.svc.AcceptInvitation(w.ctx, public, app.AcceptInvitation{Token: gone.Token, Password: "gone password"})
		wantErr(t, err, domain.ErrInvitationGone)
	})
	t.Run("an invitation with a bad e-mail", func(t *testing.T) {
		_, err := w.svc.InviteCustomer(w.ctx, as(w.admin), app.InviteCustomer{CompanyName: "X", ContactName: "X", Email: "x"})
		wantErr(t, err, domain.ErrValidation)
	})
}

func TestRegisterWithGroupCode(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := must[app.GroupResult](t)(w.svc.CreateGroup(w.ctx, as(w.admin), app.CreateGroup{Name: "Acme"}))
	// QUBEdocs: customers enter the code while registering and land in the group.
	reg := must[app.Registration](t)(w.svc.RegisterWithGroupCode(w.ctx, public, app.RegisterWithGroupCode{
		GroupCode: strings.ToLower(g.Code), CompanyName: "Selfreg", Name: "Sam", Email: "sam@selfreg.test", Password: "sam password",
	}))
	c := w.state().Customer(reg.CustomerID)
	if c.Status != domain.StatusActive || c.GroupID != g.GroupID || c.ProviderID != w.provider || c.CompanyID != reg.CompanyID {
		t.Fatalf("customer %+v", c)
	}
	if w.log()[len(w.log())-1].Meta.TenantID != w.provider {
		t.Error("the registration belongs to the provider's audit trail")
	}
	_, err := w.svc.RegisterWithGroupCode(w.ctx, public, app.RegisterWithGroupCode{GroupCode: "Nope-0000", CompanyName: "X", Name: "X", Email: "x@x.test", Password: "x password"})
	wantErr(t, err, domain.ErrNotFound)
	_, err = w.svc.RegisterWithGroupCode(w.ctx, public, app.RegisterWithGroupCode{GroupCode: g.Code, CompanyName: "X", Name: "X", Email: "sam@selfreg.test", Password: "x password"})
	var taken *app.ClaimTakenError
	if !errors.As(err, &taken) {
		t.Fatalf("a taken e-mail: %v", err)
	}
}

func TestCustomerLifecycle(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ref := app.CustomerRef{CustomerID: w.customer}
	share := must[app.ShareResult](t)(w.svc.GrantShare(w.ctx, as(w.admin), app.GrantShare{CustomerID: w.customer, DocumentID: w.doc, Permission: domain.PermissionView}))

	must[app.CustomerResult](t)(w.svc.PauseCustomer(w.ctx, as(w.admin), ref))
	_, err := w.svc.PauseCustomer(w.ctx, as(w.admin), ref)
	wantErr(t, err, domain.ErrConflict)
	must[app.CustomerResult](t)(w.svc.ResumeCustomer(w.ctx, as(w.admin), ref))
	_, err = w.svc.ResumeCustomer(w.ctx, as(w.admin), ref)
	wantErr(t, err, domain.ErrConflict)

	before := w.head()
	res := must[app.CustomerResult](t)(w.svc.RevokeCustomer(w.ctx, as(w.admin), ref))
	if diff := cmp.Diff([]string{"SharingRevoked", "ProviderCustomerRemoved", "ShareCancelled"}, w.typesAfter(before)); diff != "" {
		t.Fatalf("revoke batch (-want +got):\n%s", diff)
	}
	if len(res.Appended.Positions) != 3 {
		t.Errorf("positions %v", res.Appended.Positions)
	}
	cancelled := w.stream(domain.ShareStream(share.ShareID))
	if sc, ok := cancelled[len(cancelled)-1].(domain.ShareCancelled); !ok || sc.Reason != domain.ReasonCustomerRevoked {
		t.Fatalf("share stream ends with %#v", cancelled[len(cancelled)-1])
	}
	for name, call := range map[string]func() error{
		"pause":  func() error { _, err := w.svc.PauseCustomer(w.ctx, as(w.admin), ref); return err },
		"resume": func() error { _, err := w.svc.ResumeCustomer(w.ctx, as(w.admin), ref); return err },
		"revoke": func() error { _, err := w.svc.RevokeCustomer(w.ctx, as(w.admin), ref); return err },
		"master": func() error {
			_, err := w.svc.SetMasterAccess(w.ctx, as(w.admin), app.SetMasterAccess{CustomerID: w.customer, Enabled: true})
			return err
		},
		"documents": func() error {
			_, err := w.svc.SetPortalDocuments(w.ctx, as(w.admin), app.SetPortalDocuments{CustomerID: w.customer, Enabled: ptr(true)})
			return err
		},
		"grant": func() error {
			_, err := w.svc.GrantShare(w.ctx, as(w.admin), app.GrantShare{CustomerID: w.customer, DocumentID: w.doc, Permission: domain.PermissionView})
			return err
		},
		"invite user": func() error {
			_, err := w.svc.InviteCustomerUser(w.ctx, as(w.admin), app.InviteCustomerUser{CustomerID: w.customer, Name: "X", Email: "x@acme.test"})
			return err
		},
	} {
		if err := call(); !errors.Is(err, domain.ErrCustomerRevoked) {
			t.Errorf("%s after revoke: %v, want ErrCustomerRevoked", name, err)
		}
	}
	// "A revoked customer never comes back; re-connecting creates a new customer."
	again := must[app.CustomerResult](t)(w.svc.ConnectCustomer(w.ctx, as(w.admin), app.ConnectCustomer{CompanyID: w.acme}))
	if again.CustomerID == w.customer || w.state().Customer(again.CustomerID).Status != domain.StatusActive {
		t.Fatalf("reconnected %+v", again)
	}
}

func TestCustomerSettings(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	must[app.CustomerResult](t)(w.svc.SetMasterAccess(w.ctx, as(w.admin), app.SetMasterAccess{CustomerID: w.customer, Enabled: true}))
	must[app.CustomerResult](t)(w.svc.SetPortalDocuments(w.ctx, as(w.admin), app.SetPortalDocuments{CustomerID: w.customer, Enabled: ptr(false)}))
	must[app.CompanyResult](t)(w.svc.SetPortalDefault(w.ctx, as(w.admin), app.SetPortalDefault{Enabled: false}))
	s := w.state()
	c := s.Customer(w.customer)
	if !c.MasterAccess || c.DocumentsEnabled == nil || *c.DocumentsEnabled || s.Company(w.provider).DocumentsEnabledDefault {
		t.Fatalf("settings %+v", c)
	}
	must[app.CustomerResult](t)(w.svc.SetPortalDocuments(w.ctx, as(w.admin), app.SetPortalDocuments{CustomerID: w.customer}))
	if w.state().Customer(w.customer).DocumentsEnabled != nil {
		t.Fatal("null restores the provider default")
	}
	g := must[app.GroupResult](t)(w.svc.CreateGroup(w.ctx, as(w.admin), app.CreateGroup{Name: "Key accounts"}))
	must[app.CustomerResult](t)(w.svc.AssignGroup(w.ctx, as(w.admin), app.AssignGroup{CustomerID: w.customer, GroupID: g.GroupID}))
	if w.state().Customer(w.customer).GroupID != g.GroupID {
		t.Fatal("assign group")
	}
	member := w.staff(w.admin, "m@provider.test", false, false)
	_, err := w.svc.SetPortalDefault(w.ctx, as(member), app.SetPortalDefault{Enabled: true})
	wantErr(t, err, domain.ErrForbidden)
	_, err = w.svc.SetMasterAccess(w.ctx, as(w.acmeUser), app.SetMasterAccess{CustomerID: w.customer})
	wantErr(t, err, domain.ErrNotFound)
}

// TestGroupAccessToCustomers: QUBEdocs, "all users with write access in a customer
// group will be able to manage a customer's users, connections and documentation";
// read access only sees; no access sees nothing; ungrouped customers are the admins'.
func TestGroupAccessToCustomers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	g := must[app.GroupResult](t)(w.svc.CreateGroup(w.ctx, as(w.admin), app.CreateGroup{Name: "Acme"}))
	other := must[app.GroupResult](t)(w.svc.CreateGroup(w.ctx, as(w.admin), app.CreateGroup{Name: "Other"}))
	must[app.CustomerResult](t)(w.svc.AssignGroup(w.ctx, as(w.admin), app.AssignGroup{CustomerID: w.customer, GroupID: g.GroupID}))
	reader := w.staff(w.admin, "r@provider.test", true, false)
	writer := w.staff(w.admin, "w@provider.test", false, false)
	sharer := w.staff(w.admin, "s@provider.test", true, false)
	outsider := w.staff(w.admin, "o@provider.test", true, false)
	for user, access := range map[uuid.UUID]domain.AccessLevel{reader: domain.AccessRead, writer: domain.AccessWrite, sharer: domain.AccessWrite} {
		must[app.GroupResult](t)(w.svc.GrantGroupAccess(w.ctx, as(w.admin), app.GrantGroupAccess{GroupID: g.GroupID, UserID: user, Access: access}))
	}
	must[app.GroupResult](t)(w.svc.GrantGroupAccess(w.ctx, as(w.admin), app.GrantGroupAccess{GroupID: other.GroupID, UserID: outsider, Access: domain.AccessWrite}))
	ref := app.CustomerRef{CustomerID: w.customer}
	grant := app.GrantShare{CustomerID: w.customer, DocumentID: w.doc, Permission: domain.PermissionView}

	_, err := w.svc.PauseCustomer(w.ctx, as(reader), ref)
	wantErr(t, err, domain.ErrForbidden)
	_, err = w.svc.GrantShare(w.ctx, as(reader), grant)
	wantErr(t, err, domain.ErrForbidden)
	_, err = w.svc.PauseCustomer(w.ctx, as(outsider), ref)
	wantErr(t, err, domain.ErrNotFound)
	_, err = w.svc.GrantShare(w.ctx, as(outsider), grant)
	wantErr(t, err, domain.ErrNotFound)
	_, err = w.svc.CreateFolder(w.ctx, as(outsider), app.CreateFolder{Name: "x", CustomerID: w.customer})
	wantErr(t, err, domain.ErrNotFound)
	_, err = w.svc.CreateFolder(w.ctx, as(reader), app.CreateFolder{Name: "x", CustomerID: w.customer})
	wantErr(t, err, domain.ErrForbidden)

	must[app.CustomerResult](t)(w.svc.PauseCustomer(w.ctx, as(writer), ref))
	must[app.CustomerResult](t)(w.svc.ResumeCustomer(w.ctx, as(writer), ref))
	must[app.FolderResult](t)(w.svc.CreateFolder(w.ctx, as(writer), app.CreateFolder{Name: "Contracts", CustomerID: w.customer}))
	must[app.Invitation](t)(w.svc.InviteCustomerUser(w.ctx, as(writer), app.InviteCustomerUser{CustomerID: w.customer, Name: "Dora", Email: "dora@acme.test"}))
	_, err = w.svc.GrantShare(w.ctx, as(writer), grant)
	wantErr(t, err, domain.ErrForbidden) // CommTrak: sharing needs its own permission
	must[app.ShareResult](t)(w.svc.GrantShare(w.ctx, as(sharer), grant))
	_, err = w.svc.AssignGroup(w.ctx, as(writer), app.AssignGroup{CustomerID: w.customer, GroupID: other.GroupID})
	wantErr(t, err, domain.ErrForbidden)
	_, err = w.svc.AssignGroup(w.ctx, as(writer), app.AssignGroup{CustomerID: w.customer})
	wantErr(t, err, domain.ErrForbidden)

	third := w.signup("Third", "t@third.test")
	_, err = w.svc.ConnectCustomer(w.ctx, as(writer), app.ConnectCustomer{CompanyID: third.CompanyID})
	wantErr(t, err, domain.ErrForbidden)
	must[app.CustomerResult](t)(w.svc.ConnectCustomer(w.ctx, as(writer), app.ConnectCustomer{CompanyID: third.CompanyID, GroupID: g.GroupID}))
	// Every staff member works in the library outside workspaces.
	must[app.FolderResult](t)(w.svc.CreateFolder(w.ctx, as(reader), app.CreateFolder{Name: "Brochures"}))
}
