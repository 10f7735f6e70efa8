package projections

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
)

// Me is a user as it sees itself (GET /api/v1/me).
type Me struct {
	UserID    uuid.UUID
	CompanyID uuid.UUID
	Name      string
	Email     string
	Kind      domain.UserKind
	Role      domain.Role
	CanShare  bool
	Auditor   bool
	Active    bool
	PortalOf  domain.PortalOf
}

// LoadMe reads the user of a session; ErrNotFound when the accounts read model
// does not know it (yet), or knows it under another company than the session's.
func LoadMe(ctx context.Context, q eventstore.Querier, userID, companyID uuid.UUID) (Me, error) {
	rows, err := rmq(ctx, q).Query(ctx, `SELECT id, company_id, name, email, kind, role, can_share, auditor, status = 'active',
			portal_provider_id, portal_customer_id
		FROM {accounts}.users WHERE id = $1 AND company_id = $2`, userID, companyID)
	if err != nil {
		return Me{}, fmt.Errorf("load me: %w", err)
	}
	me, err := pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (Me, error) {
		var m Me
		var kind, role string
		var provider, customer *uuid.UUID
		err := row.Scan(&m.UserID, &m.CompanyID, &m.Name, &m.Email, &kind, &role, &m.CanShare, &m.Auditor, &m.Active,
			&provider, &customer)
		m.Kind, m.Role, m.PortalOf = domain.UserKind(kind), domain.Role(role), portalOf(provider, customer)
		return m, err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Me{}, fmt.Errorf("user %s: %w", userID, domain.ErrNotFound)
	}
	if err != nil {
		return Me{}, fmt.Errorf("load me: %w", err)
	}
	return me, nil
}
