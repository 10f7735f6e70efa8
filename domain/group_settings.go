package domain

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// A group's code is what a customer types to register, so it is also what a
// stranger guesses: the provider may rename a group (the code stays: customers
// have it printed), turn self-registration off, and rotate the code (the old one
// stops working at once). The code keeps its format, name and four digits.

// CustomerGroupRenamed: the group has a new name; its code is unchanged.
type CustomerGroupRenamed struct {
	GroupID    uuid.UUID `json:"group_id"`
	ProviderID uuid.UUID `json:"provider_id"`
	Name       string    `json:"name"`
	RenamedAt  time.Time `json:"renamed_at"`
}

// GroupSelfRegistrationChanged: registering with the group's code was turned on or
// off (groups start with it on).
type GroupSelfRegistrationChanged struct {
	GroupID    uuid.UUID `json:"group_id"`
	ProviderID uuid.UUID `json:"provider_id"`
	Enabled    bool      `json:"enabled"`
	ChangedAt  time.Time `json:"changed_at"`
}

// GroupCodeRotated: the group has a new code (its current name and four new
// digits); the previous one no longer registers anyone.
type GroupCodeRotated struct {
	GroupID      uuid.UUID `json:"group_id"`
	ProviderID   uuid.UUID `json:"provider_id"`
	Code         string    `json:"code"`
	PreviousCode string    `json:"previous_code"`
	RotatedAt    time.Time `json:"rotated_at"`
}

func (CustomerGroupRenamed) EventType() string         { return "CustomerGroupRenamed" }
func (GroupSelfRegistrationChanged) EventType() string { return "GroupSelfRegistrationChanged" }
func (GroupCodeRotated) EventType() string             { return "GroupCodeRotated" }

func (e CustomerGroupRenamed) Stream() string         { return GroupStream(e.GroupID) }
func (e GroupSelfRegistrationChanged) Stream() string { return GroupStream(e.GroupID) }
func (e GroupCodeRotated) Stream() string             { return GroupStream(e.GroupID) }

func init() {
	for _, e := range []Event{CustomerGroupRenamed{}, GroupSelfRegistrationChanged{}, GroupCodeRotated{}} {
		RegisterEvent(e, 1)
	}
}

// applySettings applies the events of this file (Group.apply calls it).
func (g *Group) applySettings(e Event) {
	switch e := e.(type) {
	case CustomerGroupRenamed:
		g.Name = e.Name
	case GroupSelfRegistrationChanged:
		g.SelfRegistrationOff = !e.Enabled
	case GroupCodeRotated:
		g.Code = e.Code
	}
}

// Rename gives the group a new name; the code is kept (nothing when unchanged).
func (g *Group) Rename(name string, now time.Time) ([]Event, error) {
	if !g.Exists() {
		return nil, fmt.Errorf("group: %w", ErrNotFound)
	}
	name, err := cleanName("name", name, maxGroupName)
	if err != nil {
		return nil, err
	}
	if name == g.Name {
		return nil, nil
	}
	return []Event{CustomerGroupRenamed{GroupID: g.ID, ProviderID: g.ProviderID, Name: name, RenamedAt: now}}, nil
}

// SetSelfRegistration turns registering with the code on or off (nothing when
// unchanged).
func (g *Group) SetSelfRegistration(enabled bool, now time.Time) ([]Event, error) {
	if !g.Exists() {
		return nil, fmt.Errorf("group: %w", ErrNotFound)
	}
	if enabled == !g.SelfRegistrationOff {
		return nil, nil
	}
	return []Event{GroupSelfRegistrationChanged{GroupID: g.ID, ProviderID: g.ProviderID, Enabled: enabled, ChangedAt: now}}, nil
}

// RotateCode gives the group the code of its current name with suffix; the caller
// draws the suffix at random and claims the code (codes are unique platform-wide).
func (g *Group) RotateCode(suffix int, now time.Time) ([]Event, error) {
	if !g.Exists() {
		return nil, fmt.Errorf("group: %w", ErrNotFound)
	}
	code, err := GroupCode(g.Name, suffix)
	if err != nil {
		return nil, err
	}
	if NormalizeGroupCode(code) == NormalizeGroupCode(g.Code) {
		return nil, fmt.Errorf("group code %s is the current one: %w", code, ErrConflict)
	}
	return []Event{GroupCodeRotated{GroupID: g.ID, ProviderID: g.ProviderID, Code: code, PreviousCode: g.Code, RotatedAt: now}}, nil
}

// admits reports whether code registers customers into this group now: it is the
// group's current code and self-registration is on. Anything else answers like an
// unknown code (ErrNotFound): a stranger learns nothing from a closed group or an
// old code.
func (g *Group) admits(code string) error {
	if !g.Exists() || g.SelfRegistrationOff || NormalizeGroupCode(code) != NormalizeGroupCode(g.Code) {
		return fmt.Errorf("group code: %w", ErrNotFound)
	}
	return nil
}
