package domain

import (
	"fmt"
	"time"
)

// PortalSettings are the provider-wide portal settings a PUT /settings/portal
// changes; a nil field is left as it is.
type PortalSettings struct {
	DocumentsEnabledDefault *bool
	NewVersionsHidden       *bool
}

// UpdatePortalSettings changes the fields of in that are set. Nothing set, or
// only current values, records nothing.
func (c *Company) UpdatePortalSettings(in PortalSettings, now time.Time) ([]Event, error) {
	if !c.Exists() {
		return nil, fmt.Errorf("company: %w", ErrNotFound)
	}
	e := PortalDefaultsChanged{CompanyID: c.ID, DocumentsEnabledDefault: c.DocumentsEnabledDefault, ChangedAt: now}
	changed := false
	if in.DocumentsEnabledDefault != nil && *in.DocumentsEnabledDefault != c.DocumentsEnabledDefault {
		e.DocumentsEnabledDefault, changed = *in.DocumentsEnabledDefault, true
	}
	if in.NewVersionsHidden != nil && *in.NewVersionsHidden != c.NewVersionsHidden {
		v := *in.NewVersionsHidden
		e.NewVersionsHidden, changed = &v, true
	}
	if !changed {
		return nil, nil
	}
	return []Event{e}, nil
}

// UploadHidden decides whether a staff upload (a new document or a new version)
// to this provider's library is hidden: as the upload says, or, when it says
// nothing (nil), as the provider's NewVersionsHidden setting says.
func (c *Company) UploadHidden(said *bool) bool {
	if said != nil {
		return *said
	}
	return c.NewVersionsHidden
}
