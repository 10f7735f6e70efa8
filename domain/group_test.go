package domain_test

import (
	"testing"

	"github.com/sharehub/sharehub/domain"
)

func TestGroup(t *testing.T) {
	t.Parallel()
	memberInvited := evs(domain.UserRegistered{UserID: member, CompanyID: provider, Personal: domain.PersonalData{Name: "Max", Email: "max@provider.test"}, Role: domain.RoleMember, RegisteredAt: t0})
	rivalStaff := evs(domain.UserRegistered{UserID: n(99), CompanyID: rival, Personal: domain.PersonalData{Name: "R", Email: "r@rival.test"}, Role: domain.RoleMember, RegisteredAt: t0})
	granted := evs(domain.GroupAccessGranted{GroupID: group, ProviderID: provider, UserID: member, Access: domain.AccessRead, GrantedAt: at(1)})
	run(t, []tc{
		{
			name: "create",
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Group(group).Create(provider, " Acme ", 4821, t0)
			},
			then: groupCreated(),
		},
		{
			name: "create pads the suffix to four digits",
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Group(domain.GroupIDForCode("Beta-0042")).Create(provider, "Beta", 42, t0)
			},
			then: evs(domain.CustomerGroupCreated{GroupID: domain.GroupIDForCode("beta-0042"), ProviderID: provider, Name: "Beta", Code: "Beta-0042", CreatedAt: t0}),
		},
		{
			name:  "create with a taken code",
			given: groupCreated(),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Group(group).Create(rival, "ACME", 4821, t0)
			},
			wantErr: domain.ErrConflict,
		},
		{
			name: "create without a name",
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Group(group).Create(provider, "", 1, t0)
			},
			wantErr: domain.ErrValidation,
		},
		{
			name: "create with a five-digit suffix",
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Group(group).Create(provider, "Acme", 10000, t0)
			},
			wantErr: domain.ErrValidation,
		},
		{
			name: "create with a name too long for a code",
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Group(group).Create(provider, "Acme Acme Acme Acme Acme Acme Acme Acme Acme Acme Acme", 1, t0)
			},
			wantErr: domain.ErrValidation,
		},
		{
			name:  "grant read",
			given: join(providerRegistered(), groupCreated(), memberInvited),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Group(group).GrantAccess(s.User(member), domain.AccessRead, at(1))
			},
			then: granted,
		},
		{
			name:  "upgrade to write",
			given: join(providerRegistered(), groupCreated(), memberInvited, granted),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Group(group).GrantAccess(s.User(member), domain.AccessWrite, at(2))
			},
			then: evs(domain.GroupAccessGranted{GroupID: group, ProviderID: provider, UserID: member, Access: domain.AccessWrite, GrantedAt: at(2)}),
		},
		{
			name:  "grant the same access records nothing",
			given: join(providerRegistered(), groupCreated(), memberInvited, granted),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Group(group).GrantAccess(s.User(member), domain.AccessRead, at(2))
			},
		},
		{
			name:  "grant a bad access level",
			given: join(providerRegistered(), groupCreated(), memberInvited),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Group(group).GrantAccess(s.User(member), "admin", at(1))
			},
			wantErr: domain.ErrValidation,
		},
		{
			name:  "grant to another company's user",
			given: join(providerRegistered(), groupCreated(), rivalStaff),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Group(group).GrantAccess(s.User(n(99)), domain.AccessRead, at(1))
			},
			wantErr: domain.ErrNotFound,
		},
		{
			name:  "grant on a missing group",
			given: join(providerRegistered(), memberInvited),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Group(group).GrantAccess(s.User(member), domain.AccessRead, at(1))
			},
			wantErr: domain.ErrNotFound,
		},
		{
			name:  "revoke",
			given: join(providerRegistered(), groupCreated(), memberInvited, granted),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Group(group).RevokeAccess(member, at(2))
			},
			then: evs(domain.GroupAccessRevoked{GroupID: group, ProviderID: provider, UserID: member, RevokedAt: at(2)}),
		},
		{
			name:  "revoke access that does not exist",
			given: join(providerRegistered(), groupCreated(), memberInvited),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Group(group).RevokeAccess(member, at(2))
			},
			wantErr: domain.ErrNotFound,
		},
		{
			name: "revoke on a missing group",
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Group(group).RevokeAccess(member, at(2))
			},
			wantErr: domain.ErrNotFound,
		},
	})
}

func TestGroupCodeIdentifiesGroup(t *testing.T) {
	t.Parallel()
	// A customer may type the code in any case and with stray spaces.
	for _, typed := range []string{"Acme-4821", "acme-4821", " ACME-4821 "} {
		if got := domain.GroupIDForCode(typed); got != group {
			t.Errorf("GroupIDForCode(%q) = %s, want %s", typed, got, group)
		}
	}
	if domain.GroupIDForCode("Acme-4822") == group {
		t.Error("different codes must give different groups")
	}
	if got, err := domain.GroupCode("Big  Co", 7); err != nil || got != "Big  Co-0007" {
		t.Errorf("GroupCode = %q, %v", got, err)
	}
	if domain.NormalizeGroupCode(" Big  Co-0007 ") != "big co-0007" {
		t.Error("normalisation must fold case and runs of spaces")
	}
}
