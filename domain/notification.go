package domain

import (
	"fmt"
	"time"
)

// How a user hears of new content in its portal (issue 17): a mail per item
// (immediate, the default), one digest a day listing the items, or nothing.
const (
	NewContentImmediate = "immediate"
	NewContentDaily     = "daily"
	NewContentOff       = "off"
)

// ValidNewContent reports whether s is one of the preferences.
func ValidNewContent(s string) bool {
	return s == NewContentImmediate || s == NewContentDaily || s == NewContentOff
}

// SetNotificationPreference records u's choice. Only an active user chooses
// for itself; the value must be one of the preferences. Setting the same value
// again records it again (the log shows every choice).
func (u *User) SetNotificationPreference(newContent string, now time.Time) ([]Event, error) {
	switch {
	case !u.Exists() || !u.Principal().Active:
		return nil, fmt.Errorf("user: %w", ErrNotFound)
	case !ValidNewContent(newContent):
		return nil, invalid("new_content", "must be immediate, daily or off")
	}
	return []Event{NotificationPreferenceSet{UserID: u.ID, NewContent: newContent, SetAt: now}}, nil
}
