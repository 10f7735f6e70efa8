package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

func TestUserLifecycle(t *testing.T) {
	t.Parallel()
	week := t0.Add(7 * 24 * time.Hour)
	portalUser := n(12)
	memberActive := evs(
		domain.UserInvited{UserID: member, CompanyID: provider, Kind: domain.UserKindStaff, Personal: domain.PersonalData{Name: "Max", Email: "max@provider.test"},
			Role: domain.RoleMember, InvitedBy: admin, TokenHash: "inv", ExpiresAt: week, InvitedAt: t0},
		domain.UserActivated{UserID: member, CompanyID: provider, Personal: domain.PersonalData{Name: "Max", Email: "max@provider.test"}, ActivatedAt: at(1)},
	)
	memberInvited := memberActive[:1]
	deactivated := evs(domain.UserDeactivated{UserID: member, CompanyID: provider, DeactivatedBy: admin, DeactivatedAt: at(2)})
	portalInvited := evs(domain.UserInvited{UserID: portalUser, CompanyID: acmeCo, Kind: domain.UserKindPortal, ProviderID: provider, CustomerID: cust,
		Personal: domain.PersonalData{Name: "Pat", Email: "pat@acme.test"}, Role: domain.RoleMember, InvitedBy: admin, TokenHash: "pinv", ExpiresAt: week, InvitedAt: t0})
	resetRequested := func(hash string, d time.Duration) []domain.Event {
		return evs(domain.PasswordResetRequested{UserID: member, CompanyID: provider, TokenHash: hash, ExpiresAt: at(d + time.Hour), RequestedAt: at(d)})
	}
	run(t, []tc{
		{
			name: "an admin deactivates a member", given: join(providerRegistered(), memberActive),
			when: func(s *domain.State) ([]domain.Event, error) { return s.User(member).Deactivate(admin, at(2)) },
			then: deactivated,
		},
		{
			name: "the provider deactivates a portal user: the event names provider and customer", given: portalInvited,
			when: func(s *domain.State) ([]domain.Event, error) { return s.User(portalUser).Deactivate(admin, at(2)) },
			then: evs(domain.UserDeactivated{UserID: portalUser, CompanyID: acmeCo, ProviderID: provider, CustomerID: cust, DeactivatedBy: admin, DeactivatedAt: at(2)}),
		},
		{
			name: "the last admin deactivates itself", given: providerRegistered(),
			when:    func(s *domain.State) ([]domain.Event, error) { return s.User(admin).Deactivate(admin, at(2)) },
			wantErr: domain.ErrConflict,
		},
		{
			name: "deactivating a deactivated user", given: join(providerRegistered(), memberActive, deactivated),
			when:    func(s *domain.State) ([]domain.Event, error) { return s.User(member).Deactivate(admin, at(3)) },
			wantErr: domain.ErrConflict,
		},
		{
			name:    "deactivating nobody",
			when:    func(s *domain.State) ([]domain.Event, error) { return s.User(member).Deactivate(admin, at(3)) },
			wantErr: domain.ErrNotFound,
		},
		{
			name: "reactivating", given: join(providerRegistered(), memberActive, deactivated),
			when: func(s *domain.State) ([]domain.Event, error) { return s.User(member).Reactivate(admin, at(3)) },
			then: evs(domain.UserReactivated{UserID: member, CompanyID: provider, ReactivatedBy: admin, ReactivatedAt: at(3)}),
		},
		{
			name: "reactivating an active user", given: join(providerRegistered(), memberActive),
			when:    func(s *domain.State) ([]domain.Event, error) { return s.User(member).Reactivate(admin, at(3)) },
			wantErr: domain.ErrConflict,
		},
		{
			name: "a deactivated invitee cannot accept its invitation", given: join(memberInvited, deactivated),
			when:    func(s *domain.State) ([]domain.Event, error) { return s.User(member).Activate("inv", "", at(3)) },
			wantErr: domain.ErrInvitationGone,
		},
		{
			name: "changing the password", given: memberActive,
			when: func(s *domain.State) ([]domain.Event, error) { return s.User(member).ChangePassword(at(3)) },
			then: evs(domain.PasswordChanged{UserID: member, CompanyID: provider, ChangedAt: at(3)}),
		},
		{
			name: "a deactivated user changes its password", given: join(memberActive, deactivated),
			when:    func(s *domain.State) ([]domain.Event, error) { return s.User(member).ChangePassword(at(3)) },
			wantErr: domain.ErrForbidden,
		},
		{
			name: "a reset is requested: valid one hour", given: memberActive,
			when: func(s *domain.State) ([]domain.Event, error) { return s.User(member).RequestPasswordReset("r1", at(3)) },
			then: resetRequested("r1", 3),
		},
		{
			name: "no reset for a deactivated user", given: join(memberActive, deactivated),
			when:    func(s *domain.State) ([]domain.Event, error) { return s.User(member).RequestPasswordReset("r1", at(3)) },
			wantErr: domain.ErrNotFound,
		},
		{
			name: "no reset for an invitee", given: memberInvited,
			when:    func(s *domain.State) ([]domain.Event, error) { return s.User(member).RequestPasswordReset("r1", at(3)) },
			wantErr: domain.ErrNotFound,
		},
		{
			name: "a reset is completed", given: join(memberActive, resetRequested("r1", 3)),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).CompletePasswordReset("r1", at(4))
			},
			then: evs(domain.PasswordResetCompleted{UserID: member, CompanyID: provider, TokenHash: "r1", CompletedAt: at(4)}),
		},
		{
			name: "a used reset token", given: join(memberActive, resetRequested("r1", 3),
				evs(domain.PasswordResetCompleted{UserID: member, CompanyID: provider, TokenHash: "r1", CompletedAt: at(4)})),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).CompletePasswordReset("r1", at(5))
			},
			wantErr: domain.ErrResetGone,
		},
		{
			name: "an expired reset token", given: join(memberActive, resetRequested("r1", 3)),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).CompletePasswordReset("r1", at(3+time.Hour))
			},
			wantErr: domain.ErrResetGone,
		},
		{
			name: "a reset token replaced by a newer one", given: join(memberActive, resetRequested("r1", 3), resetRequested("r2", 4)),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).CompletePasswordReset("r1", at(5))
			},
			wantErr: domain.ErrResetGone,
		},
		{
			name: "a reset token of a user deactivated since", given: join(memberActive, resetRequested("r1", 3), deactivated),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).CompletePasswordReset("r1", at(5))
			},
			wantErr: domain.ErrResetGone,
		},
		{
			name: "a reset token never issued", given: join(memberActive, resetRequested("r1", 3)),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(member).CompletePasswordReset("forged", at(4))
			},
			wantErr: domain.ErrNotFound,
		},
		{
			name: "signing out everywhere", given: memberActive,
			when: func(s *domain.State) ([]domain.Event, error) { return s.User(member).EndSessions(uuid.Nil, at(3)) },
			then: evs(domain.UserSessionsEnded{UserID: member, CompanyID: provider, EndedAt: at(3)}),
		},
	})
}

// A deactivated user acts: its principal is inactive, so every rule says no.
func TestDeactivatedUserActs(t *testing.T) {
	t.Parallel()
	s := domain.NewState()
	if err := s.Apply(join(providerRegistered(), evs(domain.UserDeactivated{UserID: admin, CompanyID: provider, DeactivatedBy: n(99), DeactivatedAt: t0}))...); err != nil {
		t.Fatal(err)
	}
	p := s.User(admin).Principal()
	for _, a := range domain.Actions {
		if err := domain.Authorize(p, a, domain.LibraryScope(provider)); !errors.Is(err, domain.ErrForbidden) && !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s by a deactivated admin: %v, want a refusal", a, err)
		}
	}
}

func TestEmailVerification(t *testing.T) {
	t.Parallel()
	requested := evs(domain.EmailVerificationRequested{UserID: admin, CompanyID: provider, TokenHash: "v1", ExpiresAt: at(48 * time.Hour), RequestedAt: t0})
	verified := evs(domain.EmailVerified{UserID: admin, CompanyID: provider, VerifiedAt: at(1)})
	run(t, []tc{
		{
			name: "verifying", given: join(providerRegistered(), requested),
			when: func(s *domain.State) ([]domain.Event, error) { return s.User(admin).VerifyEmail("v1", at(1)) },
			then: verified,
		},
		{
			name: "a used verification token", given: join(providerRegistered(), requested, verified),
			when:    func(s *domain.State) ([]domain.Event, error) { return s.User(admin).VerifyEmail("v1", at(2)) },
			wantErr: domain.ErrInvitationGone,
		},
		{
			name: "an expired verification token", given: join(providerRegistered(), requested),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(admin).VerifyEmail("v1", at(48*time.Hour))
			},
			wantErr: domain.ErrInvitationGone,
		},
		{
			name: "a forged verification token", given: join(providerRegistered(), requested),
			when:    func(s *domain.State) ([]domain.Event, error) { return s.User(admin).VerifyEmail("v2", at(1)) },
			wantErr: domain.ErrNotFound,
		},
		{
			name: "resending to a verified address", given: join(providerRegistered(), requested, verified),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.User(admin).RequestEmailVerification("v2", false, at(2))
			},
			wantErr: domain.ErrConflict,
		},
	})
	// Until verified, the admin may do nothing; after, everything an admin may.
	s := domain.NewState()
	if err := s.Apply(join(providerRegistered(), requested)...); err != nil {
		t.Fatal(err)
	}
	if err := domain.Authorize(s.User(admin).Principal(), domain.ActionManageStaff, domain.LibraryScope(provider)); err == nil {
		t.Fatal("an unverified signup invites staff")
	}
	if err := s.Apply(verified...); err != nil {
		t.Fatal(err)
	}
	if err := domain.Authorize(s.User(admin).Principal(), domain.ActionManageStaff, domain.LibraryScope(provider)); err != nil {
		t.Fatalf("a verified admin: %v", err)
	}
}
