package app

import (
	"context"

	"github.com/sharehub/sharehub/domain"
)

// SetNotificationPreference records how the actor hears of new content in its
// portal (domain.NewContentImmediate, NewContentDaily, NewContentOff). The batch's
// tenant is the actor's provider for a portal user, else its own company.
func (s *Service) SetNotificationPreference(ctx context.Context, call Call, newContent string) (AppendResult, error) {
	return s.exec(ctx, call, func(u *unit) error {
		p, err := u.principal()
		if err != nil {
			return err
		}
		if !p.Active {
			return domain.ErrNotFound
		}
		events, err := u.actor.SetNotificationPreference(newContent, u.now)
		if err != nil {
			return err
		}
		u.tenant = p.CompanyID
		if p.Portal() {
			u.tenant = p.PortalOf.ProviderID
		}
		return u.recordOn(u.actor, events)
	})
}
