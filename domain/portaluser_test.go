package domain_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// A v1 UserInvited with a provider_id was a provider inviting "another user of
// the customer company": v1.1 reads it as a portal user of that provider, not as
// a member of the company. Without a provider_id it was the company's own admin
// inviting staff.
func TestUserInvitedV1IsUpcast(t *testing.T) {
	t.Parallel()
	const common = `"user_id":"0195a0e0-0000-7000-8000-000000000011","company_id":"0195a0e0-0000-7000-8000-000000000003",
		"personal":{"name":"Carl","email":"carl@acme.test"},"role":"member","can_share":false,"auditor":false,
		"invited_by":"0195a0e0-0000-7000-8000-000000000010","token_hash":"ab12","expires_at":"2025-04-01T00:00:00Z",
		"invited_at":"2025-03-01T00:00:00Z"`
	portalV1 := []byte(`{` + common + `,"provider_id":"0195a0e0-0000-7000-8000-000000000001"}`)
	staffV1 := []byte(`{` + common + `}`)

	e, err := domain.DecodeEvent("UserInvited", 1, portalV1)
	if err != nil {
		t.Fatal(err)
	}
	got := e.(domain.UserInvited)
	if got.Kind != domain.UserKindPortal || got.ProviderID != uuid.MustParse("0195a0e0-0000-7000-8000-000000000001") || got.CustomerID != uuid.Nil {
		t.Fatalf("portal v1 upcast: %+v", got)
	}
	var u domain.User
	u.Replay(got, domain.UserActivated{UserID: got.UserID, CompanyID: got.CompanyID, Personal: got.Personal})
	p := u.Principal()
	if !p.Portal() || p.PortalOf.ProviderID != got.ProviderID {
		t.Fatalf("a v1 portal invitee is a portal principal: %+v", p)
	}
	// It is no longer staff of the customer company it was recorded under.
	if err := domain.Authorize(p, domain.ActionViewLibrary, domain.LibraryScope(got.CompanyID)); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("a v1 portal invitee reads its customer company's library: %v", err)
	}

	e, err = domain.DecodeEvent("UserInvited", 1, staffV1)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.(domain.UserInvited); got.Kind != domain.UserKindStaff {
		t.Fatalf("staff v1 upcast: %+v", got)
	}
	if _, version, _, _ := domain.EncodeEvent(got); version != 2 {
		t.Fatalf("UserInvited written at v%d, want 2", version)
	}
	if _, err := domain.DecodeEvent("UserInvited", 1, []byte(`"x"`)); err == nil {
		t.Fatal("a v1 payload that is not an object must not decode")
	}
}

// A portal user may use the portal of its own (provider, customer) only.
func TestAuthorizePortalUser(t *testing.T) {
	t.Parallel()
	s := domain.NewState()
	if err := s.Apply(join(world(), invitedEvents())...); err != nil {
		t.Fatal(err)
	}
	c := s.Customer(cust)
	user := func(p domain.PortalOf, active bool) domain.Principal {
		return domain.Principal{UserID: n(70), CompanyID: acmeCo, Role: domain.RoleMember, Active: active,
			Kind: domain.UserKindPortal, PortalOf: p}
	}
	cases := []struct {
		name string
		p    domain.Principal
		want error
	}{
		{"a portal user of this customer", user(domain.PortalOf{ProviderID: provider, CustomerID: cust}, true), nil},
		{"a portal user invited before v1.1 (customer unknown)", user(domain.PortalOf{ProviderID: provider}, true), nil},
		{"an inactive portal user of this customer", user(domain.PortalOf{ProviderID: provider, CustomerID: cust}, false), domain.ErrNotFound},
		{"a portal user of another provider's customer for the same company", user(domain.PortalOf{ProviderID: rival, CustomerID: n(61)}, true), domain.ErrNotFound},
		{"a portal user of another customer of this provider", user(domain.PortalOf{ProviderID: provider, CustomerID: cust2}, true), domain.ErrNotFound},
	}
	for _, tc := range cases {
		err := domain.AuthorizePortal(tc.p, c)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, err, tc.want)
		}
	}
}
