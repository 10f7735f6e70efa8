package domain_test

import (
	"testing"

	"github.com/sharehub/sharehub/domain"
)

func TestGroupSettings(t *testing.T) {
	t.Parallel()
	renamed := evs(domain.CustomerGroupRenamed{GroupID: group, ProviderID: provider, Name: "Acme Partners", RenamedAt: at(1)})
	closed := evs(domain.GroupSelfRegistrationChanged{GroupID: group, ProviderID: provider, Enabled: false, ChangedAt: at(1)})
	rotated := evs(domain.GroupCodeRotated{GroupID: group, ProviderID: provider, Code: "Acme-0007", PreviousCode: "Acme-4821", RotatedAt: at(1)})
	run(t, []tc{
		{
			name:  "rename keeps the code",
			given: groupCreated(),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Group(group).Rename("  Acme Partners ", at(1))
			},
			then: renamed,
		},
		{
			name:  "rename to the same name records nothing",
			given: groupCreated(),
			when:  func(s *domain.State) ([]domain.Event, error) { return s.Group(group).Rename("Acme", at(1)) },
		},
		{
			name:    "rename to nothing",
			given:   groupCreated(),
			when:    func(s *domain.State) ([]domain.Event, error) { return s.Group(group).Rename("  ", at(1)) },
			wantErr: domain.ErrValidation,
		},
		{
			name:    "rename an unknown group",
			when:    func(s *domain.State) ([]domain.Event, error) { return s.Group(group).Rename("X", at(1)) },
			wantErr: domain.ErrNotFound,
		},
		{
			name:  "turn self-registration off",
			given: groupCreated(),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Group(group).SetSelfRegistration(false, at(1))
			},
			then: closed,
		},
		{
			name:  "self-registration is on from the start: turning it on records nothing",
			given: groupCreated(),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Group(group).SetSelfRegistration(true, at(1))
			},
		},
		{
			name:  "turn it on again",
			given: join(groupCreated(), closed),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Group(group).SetSelfRegistration(true, at(2))
			},
			then: evs(domain.GroupSelfRegistrationChanged{GroupID: group, ProviderID: provider, Enabled: true, ChangedAt: at(2)}),
		},
		{
			name:  "rotate the code",
			given: groupCreated(),
			when:  func(s *domain.State) ([]domain.Event, error) { return s.Group(group).RotateCode(7, at(1)) },
			then:  rotated,
		},
		{
			name:  "a rotated code takes the current name",
			given: join(groupCreated(), renamed),
			when:  func(s *domain.State) ([]domain.Event, error) { return s.Group(group).RotateCode(12, at(2)) },
			then:  evs(domain.GroupCodeRotated{GroupID: group, ProviderID: provider, Code: "Acme Partners-0012", PreviousCode: "Acme-4821", RotatedAt: at(2)}),
		},
		{
			name:    "rotating to the same digits",
			given:   groupCreated(),
			when:    func(s *domain.State) ([]domain.Event, error) { return s.Group(group).RotateCode(4821, at(1)) },
			wantErr: domain.ErrConflict,
		},
		{
			name:    "rotate an unknown group",
			when:    func(s *domain.State) ([]domain.Event, error) { return s.Group(group).RotateCode(1, at(1)) },
			wantErr: domain.ErrNotFound,
		},
	})
}

func TestRegisterWithGroupCodeObeysGroupSettings(t *testing.T) {
	t.Parallel()
	register := func(code string) func(s *domain.State) ([]domain.Change, error) {
		return func(s *domain.State) ([]domain.Change, error) {
			g := s.Group(group)
			return domain.RegisterWithGroupCode(g, s.Company(g.ProviderID), domain.GroupRegistration{
				CompanyID: newCo, UserID: newUsr, CustomerID: cust2, WorkspaceFolderID: ws2,
				CompanyName: "Newco", Name: "Nina", Email: "nina@newco.test", Code: code,
			}, at(3))
		}
	}
	closed := evs(domain.GroupSelfRegistrationChanged{GroupID: group, ProviderID: provider, Enabled: false, ChangedAt: at(1)})
	rotated := evs(domain.GroupCodeRotated{GroupID: group, ProviderID: provider, Code: "Acme-0007", PreviousCode: "Acme-4821", RotatedAt: at(1)})
	renamed := evs(domain.CustomerGroupRenamed{GroupID: group, ProviderID: provider, Name: "Zenith", RenamedAt: at(2)})
	registered := func(s *domain.State) ([]domain.Change, error) { return register("acme-0007")(s) }
	run(t, []tc{
		{name: "self-registration off", given: join(providerRegistered(), groupCreated(), closed), do: register("Acme-4821"), wantErr: domain.ErrNotFound},
		{name: "the old code after a rotation", given: join(providerRegistered(), groupCreated(), rotated), do: register("Acme-4821"), wantErr: domain.ErrNotFound},
		{name: "another group's digits", given: join(providerRegistered(), groupCreated()), do: register("Acme-4822"), wantErr: domain.ErrNotFound},
		{name: "no code", given: join(providerRegistered(), groupCreated()), do: register(""), wantErr: domain.ErrNotFound},
		{
			name:  "the new code, after a rename that kept it",
			given: join(providerRegistered(), groupCreated(), rotated, renamed),
			do:    registered,
			then: evs(
				domain.CompanyRegistered{CompanyID: newCo, Name: "Newco", Via: domain.ViaGroupCode, RegisteredAt: at(3)},
				domain.UserRegistered{UserID: newUsr, CompanyID: newCo, Personal: domain.PersonalData{Name: "Nina", Email: "nina@newco.test"}, Role: domain.RoleAdmin, RegisteredAt: at(3)},
				domain.CustomerConnected{CustomerID: cust2, ProviderID: provider, CompanyID: newCo, CompanyName: "Newco", WorkspaceFolderID: ws2, Via: domain.ViaGroupCode, ConnectedAt: at(3)},
				domain.CustomerAssignedToGroup{CustomerID: cust2, ProviderID: provider, GroupID: group, AssignedAt: at(3)},
				domain.FolderCreated{FolderID: ws2, ProviderID: provider, Name: "Newco", WorkspaceCustomerID: cust2, CreatedAt: at(3)},
				domain.ProviderCustomerAdded{ProviderID: provider, CustomerID: cust2, CustomerCompanyID: newCo},
			),
		},
	})
}
