package app_test

import (
	"sync/atomic"
	"testing"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

// countingHasher counts hashes: a forged token, an unknown group code or invalid
// input must fail before the (slow, memory-hard) password hash is computed.
type countingHasher struct {
	fakeHasher
	hashes *atomic.Int64
}

func (h countingHasher) Hash(p string) (string, error) {
	h.hashes.Add(1)
	return h.fakeHasher.Hash(p)
}

func TestForgedCredentialsAreRefusedBeforeHashing(t *testing.T) {
	t.Parallel()
	var hashes atomic.Int64
	f := newFixture(t, func(c *app.Config) { c.Hasher = countingHasher{hashes: &hashes} })
	p := f.signup("Provider", "ada@provider.test")
	staff := must[app.Invitation](t)(f.svc.InviteStaff(f.ctx, as(p.UserID), app.InviteStaff{Name: "Max", Email: "max@provider.test"}))
	cust := must[app.Invitation](t)(f.svc.InviteCustomer(f.ctx, as(p.UserID), app.InviteCustomer{CompanyName: "Cust", ContactName: "Cy", Email: "cy@cust.test"}))
	hashes.Store(0)

	const pw = "correct horse battery"
	forge := func(token string) string { return token[:len(token)-4] + "AAAA" }
	for _, c := range []struct {
		name string
		run  func() error
		want error
	}{
		{"forged staff invitation", func() error {
			_, err := f.svc.AcceptInvitation(f.ctx, public, app.AcceptInvitation{Token: forge(staff.Token), Password: pw})
			return err
		}, domain.ErrNotFound},
		{"forged customer invitation", func() error {
			_, err := f.svc.AcceptInvitation(f.ctx, public, app.AcceptInvitation{Token: forge(cust.Token), Password: pw})
			return err
		}, domain.ErrNotFound},
		{"garbage token", func() error {
			_, err := f.svc.AcceptInvitation(f.ctx, public, app.AcceptInvitation{Token: "nonsense", Password: pw})
			return err
		}, domain.ErrNotFound},
		{"unknown group code", func() error {
			_, err := f.svc.RegisterWithGroupCode(f.ctx, public, app.RegisterWithGroupCode{GroupCode: "Acme-0000",
				CompanyName: "X", Name: "Y", Email: "y@x.test", Password: pw})
			return err
		}, domain.ErrNotFound},
		{"signup without a company name", func() error {
			_, err := f.svc.RegisterCompany(f.ctx, public, app.RegisterCompany{CompanyName: " ", Name: "Y", Email: "y@x.test", Password: pw})
			return err
		}, domain.ErrValidation},
		{"short password", func() error {
			_, err := f.svc.RegisterCompany(f.ctx, public, app.RegisterCompany{CompanyName: "X", Name: "Y", Email: "y@x.test", Password: "short"})
			return err
		}, domain.ErrValidation},
	} {
		before := f.head()
		wantErr(t, c.run(), c.want)
		if n := hashes.Load(); n != 0 {
			t.Fatalf("%s: %d password hashes computed", c.name, n)
		}
		if f.head() != before {
			t.Fatalf("%s: appended events", c.name)
		}
	}

	// A genuine token is hashed exactly once and accepted.
	must[app.Registration](t)(f.svc.AcceptInvitation(f.ctx, public, app.AcceptInvitation{Token: staff.Token, Password: pw}))
	if n := hashes.Load(); n != 1 {
		t.Fatalf("accepting hashed %d times, want 1", n)
	}
}
