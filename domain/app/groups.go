package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// UpdateGroup renames a group (its code stays) and/or turns registering with its
// code on or off; nil fields are left as they are (admins only, like every
// change to groups).
type UpdateGroup struct {
	GroupID          uuid.UUID
	Name             *string
	SelfRegistration *bool
}

// UpdateGroup changes a group's name and self-registration.
func (s *Service) UpdateGroup(ctx context.Context, call Call, cmd UpdateGroup) (GroupResult, error) {
	out := GroupResult{GroupID: cmd.GroupID}
	var err error
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		g, err := u.managedGroup(cmd.GroupID)
		if err != nil {
			return err
		}
		var events []domain.Event
		if cmd.Name != nil {
			if events, err = g.Rename(*cmd.Name, u.now); err != nil {
				return err
			}
		}
		if cmd.SelfRegistration != nil {
			more, err := g.SetSelfRegistration(*cmd.SelfRegistration, u.now)
			if err != nil {
				return err
			}
			events = append(events, more...)
		}
		out.setFrom(after(g, same[domain.Group], events))
		return u.recordOn(g, events)
	})
	return out, err
}

// GroupRef names the group of a command.
type GroupRef struct{ GroupID uuid.UUID }

// RotateGroupCode gives a group a new code, its name and four new random digits;
// the old code registers nobody from then on (admins only).
func (s *Service) RotateGroupCode(ctx context.Context, call Call, cmd GroupRef) (GroupResult, error) {
	out := GroupResult{GroupID: cmd.GroupID}
	var err error
	// A code claimed by someone else between our check and our append fails the
	// claim: draw again, a bounded number of times (as CreateGroup does).
	for range s.maxAttempts {
		out.Appended, err = s.exec(ctx, call, func(u *unit) error {
			g, err := u.managedGroup(cmd.GroupID)
			if err != nil {
				return err
			}
			for range suffixTries {
				suffix, err := randomSuffix(s.random)
				if err != nil {
					return err
				}
				code, err := domain.GroupCode(g.Name, suffix)
				if err != nil {
					return err
				}
				if _, err := s.store.ClaimOwner(u.ctx, domain.GroupCodeClaimScope, domain.NormalizeGroupCode(code)); err == nil {
					continue // taken (or this group's own current or earlier code)
				} else if !errors.Is(err, domain.ErrNotFound) {
					return err
				}
				events, err := g.RotateCode(suffix, u.now)
				if err != nil {
					return err
				}
				out.setFrom(after(g, same[domain.Group], events))
				u.records = append(u.records, Claim{Scope: domain.GroupCodeClaimScope, Value: domain.NormalizeGroupCode(code), Owner: g.ID})
				return u.recordOn(g, events)
			}
			return fmt.Errorf("no free code for group %q after %d tries: %w", g.Name, suffixTries, domain.ErrConflict)
		})
		var taken *ClaimTakenError
		if !errors.As(err, &taken) {
			break
		}
	}
	if err != nil {
		return GroupResult{}, err
	}
	return out, nil
}

// managedGroup loads a group the actor may manage (admins of its provider); any
// other group answers like an unknown one.
func (u *unit) managedGroup(groupID uuid.UUID) (*domain.Group, error) {
	p, err := u.principal()
	if err != nil {
		return nil, err
	}
	g, err := u.group(groupID)
	if err != nil {
		return nil, err
	}
	if !g.Exists() || g.ProviderID != p.CompanyID {
		return nil, fmt.Errorf("group: %w", domain.ErrNotFound)
	}
	if err := u.authorize(p, domain.ActionManageGroups, domain.LibraryScope(g.ProviderID)); err != nil {
		return nil, err
	}
	return g, nil
}

// groupForCode loads the group a registration code names: the owner of the code's
// claim (a rotated code is claimed for its group), else the group whose id derives
// from the code (groups created before claims were looked up). Whether the code
// still admits anyone is the domain's decision (RegisterWithGroupCode).
func (u *unit) groupForCode(code string) (*domain.Group, error) {
	owner, err := u.s.store.ClaimOwner(u.ctx, domain.GroupCodeClaimScope, domain.NormalizeGroupCode(code))
	switch {
	case errors.Is(err, domain.ErrNotFound):
		owner = domain.GroupIDForCode(code)
	case err != nil:
		return nil, err
	}
	return u.group(owner)
}

func (r *GroupResult) setFrom(g domain.Group) {
	r.Name, r.Code, r.SelfRegistration = g.Name, g.Code, !g.SelfRegistrationOff
}
