package projections

import (
	"context"
	"errors"
	"fmt"
	"github.com/sharehub/sharehub/domain/app/query"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
)

// Queries over the accounts read model (schema rm_accounts, or the one of this
// process's definition: {accounts} in the SQL, see Schemas): who a caller is, the
// directory of companies, staff and groups. Every query names its tables with the
// schema, so it works whatever the connection's search_path.

// NameKey is the keyset position of lists sorted by lower(name), id: the name and
// the id of the last item of the previous page.
type NameKey struct {
	Name string    `json:"n"`
	ID   uuid.UUID `json:"id"`
}

// TimeKey is the keyset position of lists sorted newest first.
type TimeKey struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"id"`
}

// nameAfter turns an optional position into query arguments (nil position: from
// the start, which sorts before every name).
func nameAfter(after *NameKey) (string, uuid.UUID) {
	if after == nil {
		return "", uuid.Nil
	}
	return after.Name, after.ID
}

// Viewer is a caller as the read side knows it: the access-rule principal and the
// staff user's access per customer group of its company. What it may see is the
// query layer's business (query.Viewer, domain/app/query).
type Viewer struct {
	domain.Principal
	Groups map[uuid.UUID]domain.AccessLevel
}

// LoadViewer reads a user's role, flags and group access. A user the read model
// does not know (yet) is an inactive principal of companyID: it sees nothing.
// The user must belong to companyID (the session's company); otherwise it is
// treated as unknown too.
func LoadViewer(ctx context.Context, q eventstore.Querier, userID, companyID uuid.UUID) (Viewer, error) {
	v := Viewer{Principal: domain.Principal{UserID: userID, CompanyID: companyID}, Groups: map[uuid.UUID]domain.AccessLevel{}}
	rows, err := rmq(ctx, q).Query(ctx, `SELECT u.role, u.can_share, u.auditor, u.status = 'active', m.group_id, m.access,
			u.kind, u.portal_provider_id, u.portal_customer_id
		FROM {accounts}.users u
		LEFT JOIN ({accounts}.group_members m JOIN {accounts}.groups g ON g.id = m.group_id)
		       ON m.user_id = u.id AND g.provider_id = u.company_id
		WHERE u.id = $1 AND u.company_id = $2`, userID, companyID)
	if err != nil {
		return Viewer{}, fmt.Errorf("load viewer: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			role, kind         string
			group              *uuid.UUID
			access             *string
			provider, customer *uuid.UUID
		)
		if err := rows.Scan(&role, &v.CanShare, &v.Auditor, &v.Active, &group, &access, &kind, &provider, &customer); err != nil {
			return Viewer{}, fmt.Errorf("load viewer: %w", err)
		}
		v.Role, v.Kind, v.PortalOf = domain.Role(role), domain.UserKind(kind), portalOf(provider, customer)
		if group != nil && access != nil {
			v.Groups[*group] = domain.AccessLevel(*access)
		}
	}
	if err := rows.Err(); err != nil {
		return Viewer{}, fmt.Errorf("load viewer: %w", err)
	}
	return v, nil
}

// UserRole is a user's role and flags, for resolving a session's principal.
type UserRole struct {
	CompanyID uuid.UUID
	Role      domain.Role
	CanShare  bool
	Auditor   bool
	Active    bool
	Kind      domain.UserKind
	PortalOf  domain.PortalOf
}

// portalOf turns nullable columns into a domain.PortalOf.
func portalOf(provider, customer *uuid.UUID) domain.PortalOf {
	var p domain.PortalOf
	if provider != nil {
		p.ProviderID = *provider
	}
	if customer != nil {
		p.CustomerID = *customer
	}
	return p
}

// LoadUserRole reads one user's role and flags; domain.ErrNotFound when the read
// model does not know the user yet, or is not built yet (a fresh database whose
// runner has not created the schema: sessions must keep working meanwhile).
func LoadUserRole(ctx context.Context, q eventstore.Querier, userID uuid.UUID) (UserRole, error) {
	rows, err := rmq(ctx, q).Query(ctx, `SELECT company_id, role, can_share, auditor, status = 'active',
			kind, portal_provider_id, portal_customer_id
		FROM {accounts}.users WHERE id = $1`, userID)
	if undefinedTable(err) {
		return UserRole{}, fmt.Errorf("accounts read model not built yet: %w", domain.ErrNotFound)
	}
	if err != nil {
		return UserRole{}, fmt.Errorf("load user role: %w", err)
	}
	u, err := pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (UserRole, error) {
		var u UserRole
		var role, kind string
		var provider, customer *uuid.UUID
		err := row.Scan(&u.CompanyID, &role, &u.CanShare, &u.Auditor, &u.Active, &kind, &provider, &customer)
		u.Role, u.Kind, u.PortalOf = domain.Role(role), domain.UserKind(kind), portalOf(provider, customer)
		return u, err
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return UserRole{}, fmt.Errorf("user %s: %w", userID, domain.ErrNotFound)
	case undefinedTable(err):
		return UserRole{}, fmt.Errorf("accounts read model not built yet: %w", domain.ErrNotFound)
	}
	if err != nil {
		return UserRole{}, fmt.Errorf("load user role: %w", err)
	}
	return u, nil
}

// undefinedTable reports PostgreSQL's 42P01: a read model's schema does not exist.
func undefinedTable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "42P01"
}

// DirectoryEntry is a company on the platform.
type DirectoryEntry = query.DirectoryEntry

// Directory lists companies whose name contains q (case-insensitive; "" lists
// all), except the caller's own, sorted by name; at most limit after after.
func Directory(ctx context.Context, q eventstore.Querier, self uuid.UUID, search string, after *NameKey, limit int) ([]DirectoryEntry, error) {
	an, aid := nameAfter(after)
	rows, err := rmq(ctx, q).Query(ctx, `SELECT id, name FROM {accounts}.companies
		WHERE id <> $1 AND ($2 = '' OR strpos(lower(name), lower($2)) > 0)
		  AND (lower(name), id) > (lower($3), $4)
		ORDER BY lower(name), id LIMIT $5`, self, search, an, aid, limit)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (DirectoryEntry, error) {
		var e DirectoryEntry
		err := row.Scan(&e.CompanyID, &e.Name)
		return e, err
	})
}

// GroupMember is a staff user's access to a group.
type GroupMember struct {
	UserID    uuid.UUID
	Name      string
	Access    domain.AccessLevel
	GrantedAt time.Time
}

// GroupRow is a customer group with its members.
type GroupRow struct {
	ID        uuid.UUID
	Name      string
	Code      string
	CreatedAt time.Time
	Customers int // customers of the provider in the group, revoked ones excepted
	Members   []GroupMember
	// SelfRegistration: the code registers customers.
	SelfRegistration bool
}

// Groups lists provider's customer groups sorted by name; only (non-nil) ids are
// listed when only is not nil.
func Groups(ctx context.Context, q eventstore.Querier, provider uuid.UUID, only []uuid.UUID, after *NameKey, limit int) ([]GroupRow, error) {
	an, aid := nameAfter(after)
	rows, err := rmq(ctx, q).Query(ctx, `SELECT g.id, g.name, g.code, g.created_at, g.self_registration,
			(SELECT count(*) FROM {portal}.customers c WHERE c.group_id = g.id AND c.provider_id = g.provider_id
			   AND c.status <> 'revoked')
		FROM {accounts}.groups g
		WHERE g.provider_id = $1 AND ($2::uuid[] IS NULL OR g.id = ANY($2))
		  AND (lower(g.name), g.id) > (lower($3), $4)
		ORDER BY lower(g.name), g.id LIMIT $5`, provider, only, an, aid, limit)
	if err != nil {
		return nil, fmt.Errorf("groups: %w", err)
	}
	groups, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (GroupRow, error) {
		g := GroupRow{Members: []GroupMember{}}
		err := row.Scan(&g.ID, &g.Name, &g.Code, &g.CreatedAt, &g.SelfRegistration, &g.Customers)
		return g, err
	})
	if err != nil || len(groups) == 0 {
		return groups, err
	}
	ids := make([]uuid.UUID, len(groups))
	index := map[uuid.UUID]int{}
	for i, g := range groups {
		ids[i] = g.ID
		index[g.ID] = i
	}
	rows, err = rmq(ctx, q).Query(ctx, `SELECT m.group_id, m.user_id, coalesce(u.name, ''), m.access, m.granted_at
		FROM {accounts}.group_members m LEFT JOIN {accounts}.users u ON u.id = m.user_id
		WHERE m.group_id = ANY($1) ORDER BY lower(coalesce(u.name, '')), m.user_id`, ids)
	if err != nil {
		return nil, fmt.Errorf("group members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var group uuid.UUID
		var m GroupMember
		var access string
		if err := rows.Scan(&group, &m.UserID, &m.Name, &access, &m.GrantedAt); err != nil {
			return nil, fmt.Errorf("group members: %w", err)
		}
		m.Access = domain.AccessLevel(access)
		g := &groups[index[group]]
		g.Members = append(g.Members, m)
	}
	return groups, rows.Err()
}

// StaffRow is a user of a company, with the groups the user has access to.
type StaffRow struct {
	UserID      uuid.UUID
	Name        string
	Email       string
	Role        domain.Role
	CanShare    bool
	Auditor     bool
	Status      string // invited, active
	InvitedAt   *time.Time
	ActivatedAt *time.Time
	Groups      []StaffGroup
	// While invited: when the newest invitation stops working.
	InvitationExpiresAt *time.Time
}

// StaffGroup is one group access of a staff user.
type StaffGroup struct {
	GroupID uuid.UUID
	Name    string
	Access  domain.AccessLevel
}

// Staff lists the staff users of company sorted by name, optionally only those
// whose name or e-mail address contains search. Portal users whose customer is
// the company are not its staff and are not listed.
func Staff(ctx context.Context, q eventstore.Querier, company uuid.UUID, search string, after *NameKey, limit int) ([]StaffRow, error) {
	an, aid := nameAfter(after)
	rows, err := rmq(ctx, q).Query(ctx, `SELECT id, name, email, role, can_share, auditor, status, invited_at, activated_at,
			invitation_expires_at
		FROM {accounts}.users
		WHERE company_id = $1 AND kind = 'staff' AND ($2 = '' OR strpos(lower(name), lower($2)) > 0 OR strpos(lower(email), lower($2)) > 0)
		  AND (lower(name), id) > (lower($3), $4)
		ORDER BY lower(name), id LIMIT $5`, company, search, an, aid, limit)
	if err != nil {
		return nil, fmt.Errorf("staff: %w", err)
	}
	staff, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (StaffRow, error) {
		s := StaffRow{Groups: []StaffGroup{}}
		var role string
		err := row.Scan(&s.UserID, &s.Name, &s.Email, &role, &s.CanShare, &s.Auditor, &s.Status, &s.InvitedAt, &s.ActivatedAt,
			&s.InvitationExpiresAt)
		s.Role = domain.Role(role)
		return s, err
	})
	if err != nil || len(staff) == 0 {
		return staff, err
	}
	ids := make([]uuid.UUID, len(staff))
	index := map[uuid.UUID]int{}
	for i, s := range staff {
		ids[i] = s.UserID
		index[s.UserID] = i
	}
	rows, err = rmq(ctx, q).Query(ctx, `SELECT m.user_id, g.id, g.name, m.access
		FROM {accounts}.group_members m JOIN {accounts}.groups g ON g.id = m.group_id AND g.provider_id = $2
		WHERE m.user_id = ANY($1) ORDER BY lower(g.name), g.id`, ids, company)
	if err != nil {
		return nil, fmt.Errorf("staff groups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var user uuid.UUID
		var g StaffGroup
		var access string
		if err := rows.Scan(&user, &g.GroupID, &g.Name, &access); err != nil {
			return nil, fmt.Errorf("staff groups: %w", err)
		}
		g.Access = domain.AccessLevel(access)
		s := &staff[index[user]]
		s.Groups = append(s.Groups, g)
	}
	return staff, rows.Err()
}
