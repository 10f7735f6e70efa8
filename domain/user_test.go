package domain_test

import (
	"testing"
	"time"

	"github.com/sharehub/sharehub/domain"
)

func TestUser(t *testing.T) {
	t.Parallel()
	week := t0.Add(7 * 24 * time.Hour)
	newMember := domain.NewUser{ID: member, CompanyID: provider, Name: "Max", Email: " Max@Provider.TEST ", Role: domain.RoleMember, CanShare: true}
	invited := evs(domain.UserInvited{
		UserID: member, CompanyID: provider, Kind: domain.UserKindStaff, Personal: domain.PersonalData{Name: "Max", Email: "max@provider.test"},
		Role: domain.RoleMember, CanShare: true, InvitedBy: admin, TokenHash: "h1", ExpiresAt: week, InvitedAt: t0,
	})
	activated := evs(domain.UserActivated{UserID: member, CompanyID: provider, Personal: domain.PersonalData{Name: "Max", Email: "max@provider.test"}, ActivatedAt: at(1)})
	run(t, []tc{
		{
			name: "register normalises the e-mail",
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).Register(newMember, t0)
			},
			then: evs(domain.UserRegistered{UserID: member, CompanyID: provider, Personal: domain.PersonalData{Name: "Max", Email: "max@provider.test"}, Role: domain.RoleMember, CanShare: true, RegisteredAt: t0}),
		},
		{
			name:  "register an existing user",
			given: invited,
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).Register(newMember, t0)
			},
			wantErr: domain.ErrConflict,
		},
		{
			name: "register with a bad e-mail",
			when: func(s *domain.State) ([]domain.Event, error) {
				u := newMember
				u.Email = "Max <max@provider.test>"
				return s.User(member).Register(u, t0)
			},
			wantErr: domain.ErrValidation,
		},
		{
			name: "register with a bad role",
			when: func(s *domain.State) ([]domain.Event, error) {
				u := newMember
				u.Role = "owner"
				return s.User(member).Register(u, t0)
			},
			wantErr: domain.ErrValidation,
		},
		{
			name: "register without a name",
			when: func(s *domain.State) ([]domain.Event, error) {
				u := newMember
				u.Name = ""
				return s.User(member).Register(u, t0)
			},
			wantErr: domain.ErrValidation,
		},
		{
			name: "invite",
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).Invite(newMember, [16]byte{}, admin, "h1", week, t0)
			},
			then: invited,
		},
		{
			name: "a provider's invitation makes a portal user of one customer, never more than a viewer",
			when: func(s *domain.State) ([]domain.Event, error) {
				u := newMember
				u.CompanyID, u.CustomerID, u.Role, u.Auditor = acmeCo, cust, domain.RoleAdmin, true
				return s.User(member).Invite(u, provider, admin, "h1", week, t0)
			},
			then: evs(domain.UserInvited{
				UserID: member, CompanyID: acmeCo, Kind: domain.UserKindPortal, ProviderID: provider, CustomerID: cust,
				Personal: domain.PersonalData{Name: "Max", Email: "max@provider.test"},
				Role:     domain.RoleMember, InvitedBy: admin, TokenHash: "h1", ExpiresAt: week, InvitedAt: t0,
			}),
		},
		{
			name: "a provider's invitation without a customer",
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).Invite(newMember, provider, admin, "h1", week, t0)
			},
			wantErr: domain.ErrValidation,
		},
		{
			name: "a portal user has no role to change",
			given: evs(domain.UserInvited{UserID: member, CompanyID: acmeCo, Kind: domain.UserKindPortal, ProviderID: provider, CustomerID: cust,
				Personal: domain.PersonalData{Name: "Max", Email: "max@acme.test"}, Role: domain.RoleMember, InvitedBy: admin,
				TokenHash: "h1", ExpiresAt: week, InvitedAt: t0}),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).ChangeRole(domain.RoleAdmin, true, false, n(77), at(1))
			},
			wantErr: domain.ErrNotFound,
		},
		{
			name: "invite with an expiry in the past",
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).Invite(newMember, [16]byte{}, admin, "h1", t0, t0)
			},
			wantErr: domain.ErrValidation,
		},
		{
			name:  "invite an existing user",
			given: invited,
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).Invite(newMember, [16]byte{}, admin, "h2", week, t0)
			},
			wantErr: domain.ErrConflict,
		},
		{
			name:  "activate",
			given: invited,
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).Activate("h1", "", at(1))
			},
			then: activated,
		},
		{
			name:  "activate with another name",
			given: invited,
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).Activate("h1", "Maxine", at(1))
			},
			then: evs(domain.UserActivated{UserID: member, CompanyID: provider, Personal: domain.PersonalData{Name: "Maxine", Email: "max@provider.test"}, ActivatedAt: at(1)}),
		},
		{
			name:  "activate with a wrong token",
			given: invited,
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).Activate("h2", "", at(1))
			},
			wantErr: domain.ErrNotFound,
		},
		{
			name:  "activate a registered user (no invitation)",
			given: providerRegistered(),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(admin).Activate("", "", at(1))
			},
			wantErr: domain.ErrNotFound,
		},
		{
			name:  "activate twice",
			given: join(invited, activated),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).Activate("h1", "", at(2))
			},
			wantErr: domain.ErrInvitationGone,
		},
		{
			name:  "activate at the expiry instant",
			given: invited,
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).Activate("h1", "", week)
			},
			wantErr: domain.ErrInvitationGone,
		},
		{
			name:  "activate with a name that is only spaces",
			given: invited,
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).Activate("h1", "  ", at(1))
			},
			wantErr: domain.ErrValidation,
		},
		{
			name:  "change role",
			given: join(providerRegistered(), invited),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).ChangeRole(domain.RoleAdmin, false, true, admin, at(1))
			},
			then: evs(domain.UserRoleChanged{UserID: member, CompanyID: provider, Role: domain.RoleAdmin, Auditor: true, ChangedAt: at(1)}),
		},
		{
			name:  "change role to the same records nothing",
			given: invited,
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).ChangeRole(domain.RoleMember, true, false, admin, at(1))
			},
		},
		{
			name:  "an admin cannot demote themselves",
			given: providerRegistered(),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(admin).ChangeRole(domain.RoleMember, true, false, admin, at(1))
			},
			wantErr: domain.ErrConflict,
		},
		{
			name:  "an admin may change their own flags",
			given: providerRegistered(),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(admin).ChangeRole(domain.RoleAdmin, true, false, admin, at(1))
			},
			then: evs(domain.UserRoleChanged{UserID: admin, CompanyID: provider, Role: domain.RoleAdmin, CanShare: true, ChangedAt: at(1)}),
		},
		{
			name:  "change to an unknown role",
			given: invited,
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).ChangeRole("root", false, false, admin, at(1))
			},
			wantErr: domain.ErrValidation,
		},
		{
			name: "change role of a missing user",
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).ChangeRole(domain.RoleAdmin, false, false, admin, at(1))
			},
			wantErr: domain.ErrNotFound,
		},
	})
}
