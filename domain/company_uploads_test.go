package domain_test

import (
	"testing"

	"github.com/sharehub/sharehub/domain"
)

func bp(b bool) *bool { return &b }

func TestPortalSettings(t *testing.T) {
	t.Parallel()
	hiddenOn := evs(domain.PortalDefaultsChanged{CompanyID: provider, DocumentsEnabledDefault: true, NewVersionsHidden: bp(true), ChangedAt: t0})
	run(t, []tc{
		{
			name:  "new versions hidden on keeps the documents default",
			given: providerRegistered(),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Company(provider).UpdatePortalSettings(domain.PortalSettings{NewVersionsHidden: bp(true)}, at(1))
			},
			then: evs(domain.PortalDefaultsChanged{CompanyID: provider, DocumentsEnabledDefault: true, NewVersionsHidden: bp(true), ChangedAt: at(1)}),
		},
		{
			name:  "documents default alone leaves new versions hidden out of the event",
			given: join(providerRegistered(), hiddenOn),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Company(provider).UpdatePortalSettings(domain.PortalSettings{DocumentsEnabledDefault: bp(false)}, at(1))
			},
			then: evs(domain.PortalDefaultsChanged{CompanyID: provider, DocumentsEnabledDefault: false, ChangedAt: at(1)}),
		},
		{
			name:  "both at once",
			given: providerRegistered(),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Company(provider).UpdatePortalSettings(domain.PortalSettings{DocumentsEnabledDefault: bp(false), NewVersionsHidden: bp(true)}, at(1))
			},
			then: evs(domain.PortalDefaultsChanged{CompanyID: provider, DocumentsEnabledDefault: false, NewVersionsHidden: bp(true), ChangedAt: at(1)}),
		},
		{
			name:  "current values record nothing",
			given: join(providerRegistered(), hiddenOn),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Company(provider).UpdatePortalSettings(domain.PortalSettings{DocumentsEnabledDefault: bp(true), NewVersionsHidden: bp(true)}, at(1))
			},
		},
		{
			name:  "an older event (no new_versions_hidden) leaves the setting as it was",
			given: join(providerRegistered(), hiddenOn, evs(domain.PortalDefaultsChanged{CompanyID: provider, DocumentsEnabledDefault: false, ChangedAt: at(1)})),
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Company(provider).UpdatePortalSettings(domain.PortalSettings{NewVersionsHidden: bp(true)}, at(2))
			},
		},
		{
			name: "missing company",
			when: func(s *domain.State) ([]domain.Event, error) {
				return s.Company(provider).UpdatePortalSettings(domain.PortalSettings{NewVersionsHidden: bp(true)}, at(1))
			},
			wantErr: domain.ErrNotFound,
		},
	})
}

// Given the provider's new_versions_hidden, when a staff upload says hidden or
// not, then the new document's (or version's) hidden flag.
func TestUploadsHiddenByDefault(t *testing.T) {
	t.Parallel()
	hiddenOn := evs(domain.PortalDefaultsChanged{CompanyID: provider, DocumentsEnabledDefault: true, NewVersionsHidden: bp(true), ChangedAt: t0})
	hiddenOff := evs(domain.PortalDefaultsChanged{CompanyID: provider, DocumentsEnabledDefault: true, NewVersionsHidden: bp(false), ChangedAt: at(1)})
	newDoc := n(97)
	var cases []tc
	for _, c := range []struct {
		name    string
		setting []domain.Event
		said    *bool
		hidden  bool
	}{
		{"setting on, upload says nothing: hidden", hiddenOn, nil, true},
		{"setting on, upload says hidden=false: visible", hiddenOn, bp(false), false},
		{"setting on, upload says hidden=true: hidden", hiddenOn, bp(true), true},
		{"setting never set, upload says nothing: visible", nil, nil, false},
		{"setting turned off again, upload says nothing: visible", join(hiddenOn, hiddenOff), nil, false},
		{"setting off, upload says hidden=true: hidden", nil, bp(true), true},
	} {
		given := join(providerRegistered(), c.setting, library())
		cases = append(cases,
			tc{
				name:  "new document: " + c.name,
				given: given,
				when: func(s *domain.State) ([]domain.Event, error) {
					hidden := s.Company(provider).UploadHidden(c.said)
					return s.Document(newDoc).Add(domain.NewDocument{ID: newDoc, Folder: s.Folder(libSub), Name: "Manual v2.pdf", File: file2, Hidden: hidden}, at(2))
				},
				then: evs(domain.DocumentAdded{DocumentID: newDoc, ProviderID: provider, FolderID: libSub, Name: "Manual v2.pdf", FileInfo: file2, Hidden: c.hidden, AddedAt: at(2)}),
			},
			tc{
				name:  "new version: " + c.name,
				given: given,
				when: func(s *domain.State) ([]domain.Event, error) {
					hidden := s.Company(provider).UploadHidden(c.said)
					return s.Document(doc).AddVersion(file2, hidden, [16]byte{}, at(2))
				},
				then: evs(domain.DocumentVersionAdded{DocumentID: doc, ProviderID: provider, Version: 2, FileInfo: file2, Hidden: c.hidden, AddedAt: at(2)}),
			})
	}
	run(t, cases)
}
