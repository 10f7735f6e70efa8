package domain

import "time"

// AccessStatus is what a portal share or a link is at an instant, as answers and
// history show it.
type AccessStatus string

const (
	AccessActive    AccessStatus = "active"
	AccessCancelled AccessStatus = "cancelled"
	AccessExpired   AccessStatus = "expired"
)

// AccessStatusAt is the one rule for it: cancelled whatever its expiry; else
// expired from expiresAt on (DESIGN.md v1.1: time is part of access, computed
// at read time; zero expiresAt: never); else active.
func AccessStatusAt(cancelled bool, expiresAt, t time.Time) AccessStatus {
	switch {
	case cancelled:
		return AccessCancelled
	case !expiresAt.IsZero() && !t.Before(expiresAt):
		return AccessExpired
	}
	return AccessActive
}
