package projections

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
)

// ForgetInNotifications scrubs the addresses the notifications consumer keeps of
// company's people. Unlike the read models it is never rebuilt (it acts on the
// world), so `company forget` cannot replace its copies by a rebuild: it overwrites
// them with domain.Forgotten, which the notifier never mails. Call it after the
// company's key is deleted, so that no event decrypted later brings an address
// back. A database without the notifier's schema has nothing to scrub.
func ForgetInNotifications(ctx context.Context, q eventstore.DB, company uuid.UUID) (int64, error) {
	exists, err := schemaExists(ctx, q, Notifications.Schema())
	if err != nil || !exists {
		return 0, err
	}
	tag, err := q.Exec(ctx, `UPDATE `+pgx.Identifier{Notifications.Schema(), "users"}.Sanitize()+` SET email = $2 WHERE company_id = $1 AND email <> $2`,
		company, domain.Forgotten)
	if err != nil {
		return 0, fmt.Errorf("forget in notifications: %w", err)
	}
	return tag.RowsAffected(), nil
}
