package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

var (
	link2    = n(61)
	acmeBoss = n(15) // an admin of the customer company
	acmeUser = n(16) // a member of the customer company
)

// wsLinkCreated: a link to wsDoc (in cust's workspace), tracked on cust's stream.
func wsLinkCreated(id uuid.UUID, expires time.Time) []domain.Event {
	return evs(
		domain.LinkCreated{LinkID: id, ProviderID: provider, DocumentID: wsDoc, TokenHash: "th", TokenHashAlg: domain.TokenHashSHA256, ExpiresAt: expires, CreatedBy: admin, CreatedAt: t0},
		domain.DocumentLinkAdded{DocumentID: wsDoc, LinkID: id},
		domain.CustomerLinkAdded{CustomerID: cust, LinkID: id, DocumentID: wsDoc},
	)
}

func TestCreateLinkInAWorkspace(t *testing.T) {
	t.Parallel()
	create := func(withCustomer bool) func(s *domain.State) ([]domain.Change, error) {
		return func(s *domain.State) ([]domain.Change, error) {
			in := domain.NewLink{LinkID: link1, Document: s.Document(wsDoc), TokenHash: "th", By: admin}
			if withCustomer {
				in.Customer = s.Customer(cust)
			}
			return domain.CreateLink(in, at(1))
		}
	}
	created := evs(
		domain.LinkCreated{LinkID: link1, ProviderID: provider, DocumentID: wsDoc, TokenHash: "th", TokenHashAlg: domain.TokenHashSHA256, CreatedBy: admin, CreatedAt: at(1)},
		domain.DocumentLinkAdded{DocumentID: wsDoc, LinkID: link1},
		domain.CustomerLinkAdded{CustomerID: cust, LinkID: link1, DocumentID: wsDoc},
	)
	run(t, []tc{
		{name: "a link to a workspace document is tracked on its customer", given: world(), do: create(true), then: created},
		{name: "while the customer is paused too (the link is suspended until a resume)", given: join(world(), paused()), do: create(true), then: created},
		{name: "not in the workspace of a revoked customer", given: join(world(), revoked()), do: create(true), wantErr: domain.ErrCustomerRevoked},
	})
	s := domain.NewState()
	if err := s.Apply(world()...); err != nil {
		t.Fatal(err)
	}
	if _, err := create(false)(s); err == nil {
		t.Fatal("a link to a workspace document without its customer loaded must be refused")
	}
}

func TestEndCustomer(t *testing.T) {
	t.Parallel()
	end := func(reason string, by uuid.UUID) func(s *domain.State) ([]domain.Change, error) {
		return func(s *domain.State) ([]domain.Change, error) {
			c := s.Customer(cust)
			in := domain.CustomerEnding{Provider: s.Company(provider), Customer: c, Reason: reason, By: by,
				Shares: map[uuid.UUID]*domain.Share{}, Links: map[uuid.UUID]*domain.Link{}}
			for _, id := range c.ActiveShareIDs() {
				in.Shares[id] = s.Share(id)
			}
			for _, id := range c.Links {
				in.Links[id] = s.Link(id)
			}
			return domain.EndCustomer(in, at(2))
		}
	}
	ended := func(reason string) []domain.Event {
		return evs(
			domain.SharingRevoked{CustomerID: cust, ProviderID: provider, Reason: reason, RevokedAt: at(2)},
			domain.ProviderCustomerRemoved{ProviderID: provider, CustomerID: cust, CustomerCompanyID: acmeCo},
		)
	}
	shareCancelled := func(reason string, by uuid.UUID) domain.Event {
		return domain.ShareCancelled{ShareID: share1, ProviderID: provider, CustomerID: cust, DocumentID: doc, Reason: reason, CancelledBy: by, CancelledAt: at(2)}
	}
	linkCancelled := func(id uuid.UUID, reason string, by uuid.UUID) domain.Event {
		return domain.LinkCancelled{LinkID: id, ProviderID: provider, DocumentID: wsDoc, Reason: reason, CancelledBy: by, CancelledAt: at(2)}
	}
	withLinks := join(world(), docShare(share1, doc, domain.PermissionView), wsLinkCreated(link1, time.Time{}), wsLinkCreated(link2, time.Time{}))
	run(t, []tc{
		{
			name:  "a revoke cancels the shares and every live workspace link, each by its own event",
			given: withLinks,
			do:    end(domain.ReasonCustomerRevoked, admin),
			then: join(ended(domain.ReasonCustomerRevoked), evs(shareCancelled(domain.ReasonCustomerRevoked, admin),
				linkCancelled(link1, domain.ReasonCustomerRevoked, admin), linkCancelled(link2, domain.ReasonCustomerRevoked, admin))),
		},
		{
			name:  "leaving does the same with reason customer_left, by the customer's admin",
			given: withLinks,
			do:    end(domain.ReasonCustomerLeft, acmeBoss),
			then: join(ended(domain.ReasonCustomerLeft), evs(shareCancelled(domain.ReasonCustomerLeft, acmeBoss),
				linkCancelled(link1, domain.ReasonCustomerLeft, acmeBoss), linkCancelled(link2, domain.ReasonCustomerLeft, acmeBoss))),
		},
		{
			name: "links already cancelled or expired are skipped",
			given: join(world(), wsLinkCreated(link1, at(1)), wsLinkCreated(link2, time.Time{}),
				evs(domain.LinkCancelled{LinkID: link2, ProviderID: provider, DocumentID: wsDoc, Reason: domain.ReasonCancelled, CancelledBy: admin, CancelledAt: t0})),
			do:   end(domain.ReasonCustomerRevoked, admin),
			then: ended(domain.ReasonCustomerRevoked),
		},
		{
			name:  "a paused customer ends too (its suspended links are cancelled)",
			given: join(world(), wsLinkCreated(link1, time.Time{}), paused()),
			do:    end(domain.ReasonCustomerLeft, acmeBoss),
			then:  join(ended(domain.ReasonCustomerLeft), evs(linkCancelled(link1, domain.ReasonCustomerLeft, acmeBoss))),
		},
		{name: "a revoked customer cannot end again", given: join(world(), revoked()), do: end(domain.ReasonCustomerLeft, acmeBoss), wantErr: domain.ErrCustomerRevoked},
		{name: "a missing customer", given: providerRegistered(), do: end(domain.ReasonCustomerRevoked, admin), wantErr: domain.ErrNotFound},
	})

	s := domain.NewState()
	if err := s.Apply(withLinks...); err != nil {
		t.Fatal(err)
	}
	shares := map[uuid.UUID]*domain.Share{share1: s.Share(share1)}
	if _, err := domain.RevokeCustomer(s.Company(provider), s.Customer(cust), shares, admin, at(2)); err == nil {
		t.Error("a revoke that did not load the customer's links must be refused")
	}
	if _, err := domain.EndCustomer(domain.CustomerEnding{Provider: s.Company(provider), Customer: s.Customer(cust), Shares: shares, Reason: "bored"}, at(2)); err == nil {
		t.Error("an unknown reason must be refused")
	}
}

func TestCheckWorkspaceLink(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		given []domain.Event
		doc   uuid.UUID
		want  error
	}{
		{"a library document: no customer to ask", world(), doc, nil},
		{"an active customer's workspace", world(), wsDoc, nil},
		{"a paused customer's workspace: suspended", join(world(), paused()), wsDoc, domain.ErrLinkGone},
		{"resumed: works again", join(world(), paused(), evs(domain.SharingResumed{CustomerID: cust, ProviderID: provider, ResumedAt: t0})), wsDoc, nil},
		{"a revoked customer's workspace: gone for good", join(world(), revoked()), wsDoc, domain.ErrLinkGone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := domain.NewState()
			if err := s.Apply(c.given...); err != nil {
				t.Fatal(err)
			}
			d := s.Document(c.doc)
			var customer *domain.Customer
			if d.WorkspaceCustomerID != uuid.Nil {
				customer = s.Customer(d.WorkspaceCustomerID)
			}
			err := domain.CheckWorkspaceLink(d, customer)
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	s := domain.NewState()
	if err := s.Apply(world()...); err != nil {
		t.Fatal(err)
	}
	if err := domain.CheckWorkspaceLink(s.Document(wsDoc), nil); err == nil || errors.Is(err, domain.ErrLinkGone) {
		t.Fatalf("a workspace link checked without its customer must be a programming error, got %v", err)
	}
}

func TestAuthorizeLeave(t *testing.T) {
	t.Parallel()
	s := domain.NewState()
	if err := s.Apply(join(world(), invitedEvents(), evs(
		domain.UserRegistered{UserID: acmeBoss, CompanyID: acmeCo, Personal: domain.PersonalData{Name: "Bea", Email: "bea@acme.test"}, Role: domain.RoleAdmin, RegisteredAt: t0},
		domain.UserRegistered{UserID: acmeUser, CompanyID: acmeCo, Personal: domain.PersonalData{Name: "Carl", Email: "carl@acme.test"}, Role: domain.RoleMember, CanShare: true, Auditor: true, RegisteredAt: t0},
		// A portal user the provider invited for cust (a member of acmeCo, as v1 recorded them).
		domain.UserInvited{UserID: n(17), CompanyID: acmeCo, ProviderID: provider, Personal: domain.PersonalData{Name: "Pia", Email: "pia@acme.test"}, Role: domain.RoleMember, InvitedBy: admin, TokenHash: "x", ExpiresAt: week, InvitedAt: t0},
		domain.UserActivated{UserID: n(17), CompanyID: acmeCo, Personal: domain.PersonalData{Name: "Pia"}, ActivatedAt: t0},
		domain.UserRegistered{UserID: n(18), CompanyID: newCo, Personal: domain.PersonalData{Name: "Nina", Email: "nina@newco.test"}, Role: domain.RoleAdmin, RegisteredAt: t0},
	))...); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		user     uuid.UUID
		customer uuid.UUID
		want     error
	}{
		{"an admin of the customer company", acmeBoss, cust, nil},
		{"a member of the customer company (even with every flag)", acmeUser, cust, domain.ErrNotFound},
		{"a portal user the provider invited", n(17), cust, domain.ErrNotFound},
		{"the provider's own admin", admin, cust, domain.ErrNotFound},
		{"an admin of another company", n(18), cust, domain.ErrNotFound},
		{"a customer that has not accepted its invitation", n(18), cust2, domain.ErrNotFound},
		{"a missing customer", acmeBoss, n(99), domain.ErrNotFound},
	}
	for _, c := range cases {
		err := domain.AuthorizeLeave(s.User(c.user).Principal(), s.Customer(c.customer))
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
	// A deactivated or unknown principal is nobody.
	if err := domain.AuthorizeLeave(domain.Principal{CompanyID: acmeCo, Role: domain.RoleAdmin}, s.Customer(cust)); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("an inactive principal: got %v", err)
	}
}

func TestSharingRevokedV1IsUpcast(t *testing.T) {
	t.Parallel()
	v1 := []byte(`{"customer_id":"0195a0e0-0000-7000-8000-000000000020","provider_id":"0195a0e0-0000-7000-8000-000000000001","revoked_at":"2025-03-01T00:00:00Z"}`)
	e, err := domain.DecodeEvent("SharingRevoked", 1, v1)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.(domain.SharingRevoked); got.Reason != domain.ReasonCustomerRevoked || !got.RevokedAt.Equal(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("upcast v1: %+v", got)
	}
	if _, version, _, _ := domain.EncodeEvent(domain.SharingRevoked{Reason: domain.ReasonCustomerLeft}); version != 2 {
		t.Fatalf("SharingRevoked written at v%d, want 2", version)
	}
	if e, err := domain.DecodeEvent("SharingRevoked", 2, []byte(`{"reason":"customer_left"}`)); err != nil || e.(domain.SharingRevoked).Reason != domain.ReasonCustomerLeft {
		t.Fatalf("v2: %+v %v", e, err)
	}
	if _, err := domain.DecodeEvent("SharingRevoked", 1, []byte(`"x"`)); err == nil {
		t.Fatal("a v1 payload that is not an object must not decode")
	}
	// The customer remembers why it ended.
	s := domain.NewState()
	if err := s.Apply(join(connected(), evs(domain.SharingRevoked{CustomerID: cust, ProviderID: provider, Reason: domain.ReasonCustomerLeft, RevokedAt: t0}))...); err != nil {
		t.Fatal(err)
	}
	if c := s.Customer(cust); c.Status != domain.StatusRevoked || c.RevokeReason != domain.ReasonCustomerLeft {
		t.Fatalf("customer after leaving: %s %q", c.Status, c.RevokeReason)
	}
}
