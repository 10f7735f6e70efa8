package domain_test

import (
	"testing"
	"time"

	"github.com/sharehub/sharehub/domain"
)

func TestRenewInvitation(t *testing.T) {
	t.Parallel()
	later := week.Add(7 * 24 * time.Hour)
	renewedCustomer := evs(domain.CustomerInvitationRenewed{CustomerID: cust2, ProviderID: provider, TokenHash: "inv2", ExpiresAt: later, RenewedBy: admin, RenewedAt: at(5)})
	portalUser := n(12)
	userInvited := evs(domain.UserInvited{UserID: portalUser, CompanyID: acmeCo, Kind: domain.UserKindPortal, ProviderID: provider, CustomerID: cust,
		Personal: domain.PersonalData{Name: "Pat", Email: "pat@acme.test"}, Role: domain.RoleMember, InvitedBy: admin, TokenHash: "u1", ExpiresAt: week, InvitedAt: t0})
	renewedUser := evs(domain.UserInvitationRenewed{UserID: portalUser, CompanyID: acmeCo, ProviderID: provider, TokenHash: "u2", ExpiresAt: later, RenewedBy: admin, RenewedAt: at(5)})
	run(t, []tc{
		{
			name: "resend to an invited customer", given: join(providerRegistered(), invitedEvents()),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Customer(cust2).RenewInvitation("inv2", later, admin, at(5))
			},
			then: renewedCustomer,
		},
		{
			name: "resend to an active customer", given: connected(),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Customer(cust).RenewInvitation("inv2", later, admin, at(5))
			},
			wantErr: domain.ErrConflict,
		},
		{
			name: "the replaced customer token is gone", given: join(providerRegistered(), invitedEvents(), renewedCustomer),
			do: func(s *domain.State) ([]domain.Change, error) {
				return domain.AcceptCustomerInvitation(s.Customer(cust2), "inv", n(90), "", at(6))
			},
			wantErr: domain.ErrInvitationGone,
		},
		{
			name: "resend to an invited user", given: userInvited,
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(portalUser).RenewInvitation("u2", later, admin, at(5))
			},
			then: renewedUser,
		},
		{
			name: "resend to an active user",
			given: join(userInvited, evs(domain.UserActivated{UserID: portalUser, CompanyID: acmeCo,
				Personal: domain.PersonalData{Name: "Pat", Email: "pat@acme.test"}, ActivatedAt: at(1)})),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(portalUser).RenewInvitation("u2", later, admin, at(5))
			},
			wantErr: domain.ErrConflict,
		},
		{
			name: "the replaced user token is gone", given: join(userInvited, renewedUser),
			when:    func(s *domain.State) ([]domain.Event, error) { return s.User(portalUser).Activate("u1", "", at(6)) },
			wantErr: domain.ErrInvitationGone,
		},
		{
			name: "the fresh user token works after the old one expired", given: join(userInvited, renewedUser),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(portalUser).Activate("u2", "", week.Add(time.Hour))
			},
			then: evs(domain.UserActivated{UserID: portalUser, CompanyID: acmeCo, Personal: domain.PersonalData{Name: "Pat", Email: "pat@acme.test"}, ActivatedAt: week.Add(time.Hour)}),
		},
	})
}
