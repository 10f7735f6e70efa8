package projections

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
)

// Viewer implements query.Viewers: a request's one read of its caller, role,
// flags and group access together, and whether the user still belongs to the
// session's company (LoadViewer cannot tell an unknown user from one of another
// company; the principal resolver that used to tell them apart was a second
// read of the same row).
func (m ReadModels) Viewer(ctx context.Context, userID, companyID uuid.UUID) (query.Viewer, error) {
	v := query.Viewer{Principal: domain.Principal{UserID: userID, CompanyID: companyID}, Groups: map[uuid.UUID]domain.AccessLevel{}}
	rows, err := rmq(ctx, m.Q).Query(ctx, `SELECT u.company_id, u.role, u.can_share, u.auditor, u.status = 'active', m.group_id, m.access,
			u.kind, u.portal_provider_id, u.portal_customer_id
		FROM {accounts}.users u
		LEFT JOIN ({accounts}.group_members m JOIN {accounts}.groups g ON g.id = m.group_id)
		       ON m.user_id = u.id AND g.provider_id = u.company_id
		WHERE u.id = $1`, userID)
	if err != nil {
		return query.Viewer{}, fmt.Errorf("load viewer: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			company            uuid.UUID
			role, kind         string
			group              *uuid.UUID
			access             *string
			provider, customer *uuid.UUID
		)
		if err := rows.Scan(&company, &role, &v.CanShare, &v.Auditor, &v.Active, &group, &access, &kind, &provider, &customer); err != nil {
			return query.Viewer{}, fmt.Errorf("load viewer: %w", err)
		}
		if company != companyID {
			return query.Viewer{}, fmt.Errorf("user %s: %w", userID, query.ErrOtherCompany)
		}
		v.Role, v.Kind, v.PortalOf = domain.Role(role), domain.UserKind(kind), portalOf(provider, customer)
		if group != nil && access != nil {
			v.Groups[*group] = domain.AccessLevel(*access)
		}
	}
	if err := rows.Err(); err != nil {
		return query.Viewer{}, fmt.Errorf("load viewer: %w", err)
	}
	return v, nil
}
