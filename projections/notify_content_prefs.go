package projections

import (
	"context"
	_ "embed"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
)

// Notification preferences in the accounts read model: what GET
// /api/v1/me/notifications answers. The notifications reactor keeps its own copy
// (notify_content.go), as it reads no other projection.

// notificationPrefsDDL creates the preferences table (appended to the accounts DDL).
//
//go:embed sql/notify_content_prefs.sql
var notificationPrefsDDL string

// accountsNotificationPrefs registers the handler of the preferences table.
func accountsNotificationPrefs(p *Projection) {
	On(p, func(q *Queue, ev domain.Recorded, e domain.NotificationPreferenceSet) error {
		q.Exec(`INSERT INTO notification_preferences VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id) DO UPDATE SET new_content = EXCLUDED.new_content, set_at = EXCLUDED.set_at, version = EXCLUDED.version
			WHERE notification_preferences.version < EXCLUDED.version`, e.UserID, e.NewContent, e.SetAt, ev.Version)
		return nil
	})
}

// NewContentPreference reads a user's preference: domain.NewContentImmediate
// when it never chose.
func NewContentPreference(ctx context.Context, q eventstore.Querier, user uuid.UUID) (string, error) {
	rows, err := rmq(ctx, q).Query(ctx, `SELECT new_content FROM {accounts}.notification_preferences WHERE user_id = $1`, user)
	if err != nil {
		return "", fmt.Errorf("notification preference: %w", err)
	}
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[string])
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return domain.NewContentImmediate, nil
	case err != nil:
		return "", fmt.Errorf("notification preference: %w", err)
	}
	return v, nil
}

// NewContentPreference implements query.NotificationReadModel.
func (m ReadModels) NewContentPreference(ctx context.Context, user uuid.UUID) (string, error) {
	return NewContentPreference(ctx, m.Q, user)
}
