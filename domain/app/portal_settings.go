package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// UpdatePortalSettings changes the provider-wide portal settings that are set
// (admins only): PUT /settings/portal, where only the fields sent change.
type UpdatePortalSettings struct {
	DocumentsEnabledDefault *bool
	NewVersionsHidden       *bool
}

// PortalSettingsResult is the provider's settings as the command left them.
type PortalSettingsResult struct {
	CompanyID               uuid.UUID
	DocumentsEnabledDefault bool
	NewVersionsHidden       bool
	Appended                AppendResult
}

// UpdatePortalSettings changes the settings sent and answers all of them.
func (s *Service) UpdatePortalSettings(ctx context.Context, call Call, cmd UpdatePortalSettings) (PortalSettingsResult, error) {
	var out PortalSettingsResult
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		p, err := u.principal()
		if err != nil {
			return err
		}
		if err := u.authorize(p, domain.ActionManageSettings, domain.LibraryScope(p.CompanyID)); err != nil {
			return err
		}
		company, err := u.company(p.CompanyID)
		if err != nil {
			return err
		}
		events, err := company.UpdatePortalSettings(domain.PortalSettings{
			DocumentsEnabledDefault: cmd.DocumentsEnabledDefault, NewVersionsHidden: cmd.NewVersionsHidden}, u.now)
		if err != nil {
			return err
		}
		out.CompanyID, out.DocumentsEnabledDefault, out.NewVersionsHidden = company.ID, company.DocumentsEnabledDefault, company.NewVersionsHidden
		if cmd.DocumentsEnabledDefault != nil {
			out.DocumentsEnabledDefault = *cmd.DocumentsEnabledDefault
		}
		if cmd.NewVersionsHidden != nil {
			out.NewVersionsHidden = *cmd.NewVersionsHidden
		}
		return u.recordOn(company, events)
	})
	return out, err
}

// uploadHidden is whether a staff upload to provider's library is hidden: as it
// said, or, unsaid, as the provider's new_versions_hidden says.
func (u *unit) uploadHidden(provider uuid.UUID, hidden, unsaid bool) (bool, error) {
	if !unsaid {
		return hidden, nil
	}
	company, err := u.company(provider)
	if err != nil {
		return false, err
	}
	return company.UploadHidden(nil), nil
}
