package domain_test

import (
	"testing"

	"github.com/sharehub/sharehub/domain"
)

func TestCompany(t *testing.T) {
	t.Parallel()
	run(t, []tc{
		{
			name: "register",
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Company(provider).Register(provider, "  Provider Ltd ", domain.ViaSignup, t0)
			},
			then: evs(domain.CompanyRegistered{CompanyID: provider, Name: "Provider Ltd", Via: domain.ViaSignup, RegisteredAt: t0}),
		},
		{
			name:  "register twice conflicts",
			given: providerRegistered(),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Company(provider).Register(provider, "Again", domain.ViaSignup, t0)
			},
			wantErr: domain.ErrConflict,
		},
		{
			name: "register with an empty name",
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Company(provider).Register(provider, "   ", domain.ViaSignup, t0)
			},
			wantErr: domain.ErrValidation,
		},
		{
			name:  "portal default off",
			given: providerRegistered(),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Company(provider).SetPortalDefault(false, at(1))
			},
			then: evs(domain.PortalDefaultsChanged{CompanyID: provider, DocumentsEnabledDefault: false, ChangedAt: at(1)}),
		},
		{
			name:  "portal default already on records nothing",
			given: providerRegistered(),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Company(provider).SetPortalDefault(true, at(1))
			},
		},
		{
			name: "portal default of a missing company",
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Company(provider).SetPortalDefault(false, at(1))
			},
			wantErr: domain.ErrNotFound,
		},
	})
}
