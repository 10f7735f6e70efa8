package domain

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// groupCodeSpace namespaces the name-based UUIDs of customer groups.
var groupCodeSpace = uuid.MustParse("5b0c8f0e-6f4e-4b8e-9a54-2d8f3c1a7e10")

// GroupCodeClaimScope is the app.Claim scope that keeps group codes unique. Codes are
// unique on the whole platform, not only per provider, because registering with a
// code names no provider.
const GroupCodeClaimScope = "group-code"

// Group is a provider's customer group: staff access per user and a code customers
// register with.
type Group struct {
	base
	ID         uuid.UUID
	ProviderID uuid.UUID
	Name       string
	Code       string
	Access     map[uuid.UUID]AccessLevel // staff user -> access
	// SelfRegistrationOff: registering with the code is turned off (group_settings.go).
	SelfRegistrationOff bool
}

// Replay applies the aggregate's stored events in order.
func (g *Group) Replay(events ...Event) { g.replay(g.apply, events) }

// StreamID is the aggregate's stream.
func (g *Group) StreamID() string { return GroupStream(g.ID) }

func (g *Group) apply(e Event) {
	switch e := e.(type) {
	case CustomerGroupCreated:
		g.ID, g.ProviderID, g.Name, g.Code = e.GroupID, e.ProviderID, e.Name, e.Code
		g.Access = map[uuid.UUID]AccessLevel{}
	case GroupAccessGranted:
		g.Access[e.UserID] = e.Access
	case GroupAccessRevoked:
		delete(g.Access, e.UserID)
	default:
		g.applySettings(e)
	}
}

// AccessOf is userID's access to this group's customers (AccessNone for a missing group).
func (g *Group) AccessOf(userID uuid.UUID) AccessLevel {
	if g == nil || !g.Exists() {
		return AccessNone
	}
	return g.Access[userID]
}

// GroupCode builds the code of a group: its name, a dash, and a four-digit suffix.
func GroupCode(name string, suffix int) (string, error) {
	name, err := cleanName("name", name, maxGroupName)
	if err != nil {
		return "", err
	}
	if suffix < 0 || suffix > 9999 {
		return "", invalid("suffix", "must have four digits")
	}
	return fmt.Sprintf("%s-%04d", name, suffix), nil
}

// NormalizeGroupCode is the form codes are compared in: case and runs of spaces do
// not matter when a customer types one.
func NormalizeGroupCode(code string) string {
	return strings.ToLower(strings.Join(strings.Fields(code), " "))
}

// GroupIDForCode is the id of the group with that code. Deriving the id from the code
// lets registration find the group from the code alone, consistently, without a
// read model.
func GroupIDForCode(code string) uuid.UUID {
	return uuid.NewSHA1(groupCodeSpace, []byte(NormalizeGroupCode(code)))
}

// Create creates the group; its id must be GroupIDForCode(code).
func (g *Group) Create(providerID uuid.UUID, name string, suffix int, now time.Time) ([]Event, error) {
	code, err := GroupCode(name, suffix)
	if err != nil {
		return nil, err
	}
	if g.Exists() {
		return nil, fmt.Errorf("group code %s taken: %w", g.Code, ErrConflict)
	}
	name, _ = cleanName("name", name, maxGroupName)
	return []Event{CustomerGroupCreated{GroupID: GroupIDForCode(code), ProviderID: providerID, Name: name, Code: code, CreatedAt: now}}, nil
}

// GrantAccess gives staff (a user of the group's provider) read or write access.
func (g *Group) GrantAccess(staff *User, access AccessLevel, now time.Time) ([]Event, error) {
	if !g.Exists() {
		return nil, fmt.Errorf("group: %w", ErrNotFound)
	}
	if !access.valid() {
		return nil, invalid("access", "must be read or write")
	}
	if !staff.Exists() || staff.CompanyID != g.ProviderID {
		return nil, fmt.Errorf("user: %w", ErrNotFound)
	}
	if g.Access[staff.ID] == access {
		return nil, nil
	}
	return []Event{GroupAccessGranted{GroupID: g.ID, ProviderID: g.ProviderID, UserID: staff.ID, Access: access, GrantedAt: now}}, nil
}

// RevokeAccess removes a user's access to the group.
func (g *Group) RevokeAccess(userID uuid.UUID, now time.Time) ([]Event, error) {
	if !g.Exists() {
		return nil, fmt.Errorf("group: %w", ErrNotFound)
	}
	if _, ok := g.Access[userID]; !ok {
		return nil, fmt.Errorf("user %s has no access to group %s: %w", userID, g.Code, ErrNotFound)
	}
	return []Event{GroupAccessRevoked{GroupID: g.ID, ProviderID: g.ProviderID, UserID: userID, RevokedAt: now}}, nil
}
