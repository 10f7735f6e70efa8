package app

import (
	"context"
	"time"

	"github.com/sharehub/sharehub/domain"
)

// ChangeShare changes a live share's permission and/or expiry (PATCH
// /shares/{id}): Permission "" leaves it; SetExpiry false leaves the expiry,
// else ExpiresAt is the new one (zero: never).
type ChangeShare struct {
	ShareRef
	Permission domain.Permission
	SetExpiry  bool
	ExpiresAt  time.Time
}

// ChangeShare records what changes, in one batch (nothing when nothing
// changes); cancelled: domain.ErrShareCancelled; an expiry in the past:
// domain.ErrValidation.
func (s *Service) ChangeShare(ctx context.Context, call Call, cmd ChangeShare) (ShareResult, error) {
	return s.onShare(ctx, call, cmd.ShareID, func(u *unit, p domain.Principal, sh *domain.Share, _ *domain.Customer) ([]domain.Event, error) {
		var events []domain.Event
		if cmd.Permission != "" {
			e, err := sh.ChangePermission(cmd.Permission, p.UserID, u.now)
			if err != nil {
				return nil, err
			}
			events = append(events, e...)
		}
		if cmd.SetExpiry {
			e, err := sh.ChangeExpiry(cmd.ExpiresAt, p.UserID, u.now)
			if err != nil {
				return nil, err
			}
			events = append(events, e...)
		}
		return events, u.recordOn(sh, events)
	})
}
