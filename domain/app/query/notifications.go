package query

import (
	"context"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// NotificationReadModel answers how a user hears of new content.
type NotificationReadModel interface {
	// NewContentPreference is the user's choice; domain.NewContentImmediate
	// when it never chose.
	NewContentPreference(ctx context.Context, user uuid.UUID) (string, error)
}

// NotificationPreferences asks for the viewer's own preferences.
type NotificationPreferences struct{ Viewer Viewer }

// Preferences are a user's notification preferences.
type Preferences struct{ NewContent string }

// NotificationPreferencesHandler answers NotificationPreferences.
type NotificationPreferencesHandler struct{ rm NotificationReadModel }

// Handle answers domain.ErrNotFound for an inactive viewer.
func (h NotificationPreferencesHandler) Handle(ctx context.Context, q NotificationPreferences) (Preferences, error) {
	if !q.Viewer.Active {
		return Preferences{}, domain.ErrNotFound
	}
	v, err := h.rm.NewContentPreference(ctx, q.Viewer.UserID)
	return Preferences{NewContent: v}, err
}
