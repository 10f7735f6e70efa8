package projections

import (
	"context"
	"fmt"
	"github.com/sharehub/sharehub/domain/app/query"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/eventstore"
)

// The portal users of a customer (issue 16: GET /api/v1/customers/{id}/users),
// from the accounts read model. Whether the caller may see that customer is the
// query layer's business (domain/app/query); this only reads.

// CustomerUserRow is a portal user of a customer as the accounts read model
// stores it: status invited, active or deactivated.
type CustomerUserRow = query.CustomerUser

// CustomerUsers lists the portal users of customer sorted by name; at most limit
// after after.
func CustomerUsers(ctx context.Context, q eventstore.Querier, customer uuid.UUID, after *NameKey, limit int) ([]CustomerUserRow, error) {
	an, aid := nameAfter(after)
	rows, err := rmq(ctx, q).Query(ctx, `SELECT id, name, email, status, invited_at, activated_at, invitation_expires_at
		FROM {accounts}.users
		WHERE kind = 'portal' AND portal_customer_id = $1
		  AND (lower(name), id) > (lower($2), $3)
		ORDER BY lower(name), id LIMIT $4`, customer, an, aid, limit)
	if err != nil {
		return nil, fmt.Errorf("customer users: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (CustomerUserRow, error) {
		var u CustomerUserRow
		err := row.Scan(&u.UserID, &u.Name, &u.Email, &u.Status, &u.InvitedAt, &u.ActivatedAt, &u.InvitationExpiresAt)
		return u, err
	})
}

// nowOrNil is a request's clock as a query argument: NULL for a zero time, so
// that nothing compares as past it.
func nowOrNil(now time.Time) any {
	if now.IsZero() {
		return nil
	}
	return now
}
