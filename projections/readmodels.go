package projections

import (
	"context"
	"fmt"
	"github.com/jackc/pgx/v5/pgxpool"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/eventstore"
)

// ReadModels implements the read-model interfaces of the query layer
// (query.ReadModels) over the functions of queries_*.go: it converts rows and
// filters between the two packages and decides nothing. Q runs the reads (a
// pool); Store replays the log for the as-of views.
type ReadModels struct {
	Q     eventstore.Querier
	Store *eventstore.Store
}

var _ query.ReadModels = ReadModels{}

// NewReadModels reads through q (the API pool) and replays through store.
func NewReadModels(q eventstore.Querier, store *eventstore.Store) ReadModels {
	return ReadModels{Q: q, Store: store}
}

func groupFilter(f query.GroupFilter) GroupFilter { return GroupFilter(f) }

func nameKey(k *query.NameKey) *NameKey {
	if k == nil {
		return nil
	}
	return &NameKey{Name: k.Name, ID: k.ID}
}

func timeKey(k *query.TimeKey) *TimeKey {
	if k == nil {
		return nil
	}
	return &TimeKey{At: k.At, ID: k.ID}
}

// convertAll converts rows one by one.
func convertAll[R, Q any](rows []R, err error, conv func(R) Q) ([]Q, error) {
	if err != nil {
		return nil, err
	}
	out := make([]Q, len(rows))
	for i, r := range rows {
		out[i] = conv(r)
	}
	return out, nil
}

// convertOne converts one row.
func convertOne[R, Q any](row R, err error, conv func(R) Q) (Q, error) {
	if err != nil {
		var zero Q
		return zero, err
	}
	return conv(row), nil
}

func documentOf(d DocumentRow) query.Document {
	return query.Document{ID: d.ID, ProviderID: d.ProviderID, FolderID: d.FolderID, Name: d.Name,
		WorkspaceCustomerID: d.WorkspaceCustomerID, UploadedByCustomerID: d.UploadedByCustomerID,
		CustomerGroupID: d.CustomerGroupID, Removed: d.Removed, AddedAt: d.AddedAt, Newest: d.Newest}
}

func groupOf(g GroupRow) query.Group {
	out := query.Group{ID: g.ID, Name: g.Name, Code: g.Code, CreatedAt: g.CreatedAt, Customers: g.Customers,
		SelfRegistration: g.SelfRegistration, Members: make([]query.GroupMember, len(g.Members))}
	for i, m := range g.Members {
		out.Members[i] = query.GroupMember(m)
	}
	return out
}

func staffOf(u StaffRow) query.Staff {
	out := query.Staff{UserID: u.UserID, Name: u.Name, Email: u.Email, Role: u.Role, CanShare: u.CanShare,
		Auditor: u.Auditor, Status: u.Status, InvitedAt: u.InvitedAt, ActivatedAt: u.ActivatedAt,
		InvitationExpiresAt: u.InvitationExpiresAt, Groups: make([]query.StaffGroup, len(u.Groups))}
	for i, g := range u.Groups {
		out.Groups[i] = query.StaffGroup(g)
	}
	return out
}

// UserRole implements query.Viewers.
func (m ReadModels) UserRole(ctx context.Context, userID uuid.UUID) (query.UserRole, error) {
	u, err := LoadUserRole(ctx, m.Q, userID)
	return convertOne(u, err, func(u UserRole) query.UserRole { return query.UserRole(u) })
}

// Me implements query.Viewers.
func (m ReadModels) Me(ctx context.Context, userID, companyID uuid.UUID) (query.Me, error) {
	me, err := LoadMe(ctx, m.Q, userID, companyID)
	return convertOne(me, err, func(me Me) query.Me { return query.Me(me) })
}

// Folder implements query.LibraryReadModel.
func (m ReadModels) Folder(ctx context.Context, id uuid.UUID) (query.Folder, error) {
	f, err := Folder(ctx, m.Q, id)
	return f, err
}

// Subfolders implements query.LibraryReadModel.
func (m ReadModels) Subfolders(ctx context.Context, parent uuid.UUID, visible query.GroupFilter, after *query.NameKey, limit int) ([]query.Folder, error) {
	rows, err := SubfoldersAfter(ctx, m.Q, parent, groupFilter(visible), nameKey(after), limit)
	return rows, err
}

// Document implements query.LibraryReadModel.
func (m ReadModels) Document(ctx context.Context, id uuid.UUID) (query.Document, error) {
	d, err := Document(ctx, m.Q, id)
	return convertOne(d, err, documentOf)
}

// Documents implements query.LibraryReadModel.
func (m ReadModels) Documents(ctx context.Context, f query.DocumentFilter, after *query.NameKey, limit int) ([]query.Document, error) {
	rows, err := Documents(ctx, m.Q, DocumentFilter{Provider: f.Provider, Visible: groupFilter(f.Visible), FolderID: f.FolderID,
		CustomerID: f.CustomerID, Search: f.Search, UploadedByCustomer: f.UploadedByCustomer}, nameKey(after), limit)
	return convertAll(rows, err, documentOf)
}

// DocumentVersions implements query.LibraryReadModel.
func (m ReadModels) DocumentVersions(ctx context.Context, id uuid.UUID) ([]query.Version, error) {
	rows, err := DocumentVersions(ctx, m.Q, id)
	return rows, err
}

// Shares implements query.LibraryReadModel.
func (m ReadModels) Shares(ctx context.Context, f query.ShareFilter, after *query.TimeKey, limit int) ([]query.Share, error) {
	rows, err := Shares(ctx, m.Q, ShareFilter{Provider: f.Provider, Visible: groupFilter(f.Visible), CustomerID: f.CustomerID,
		DocumentID: f.DocumentID, Status: f.Status, Now: f.Now}, timeKey(after), limit)
	return rows, err
}

// ShareHistory implements query.LibraryReadModel.
func (m ReadModels) ShareHistory(ctx context.Context, provider, document uuid.UUID, visible query.GroupFilter, after *query.TimeKey, limit int) ([]query.HistoryEntry, error) {
	rows, err := ShareHistory(ctx, m.Q, provider, document, groupFilter(visible), timeKey(after), limit)
	return rows, err
}

// Customer implements query.CustomerReadModel.
func (m ReadModels) Customer(ctx context.Context, id uuid.UUID) (query.Customer, error) {
	c, err := Customer(ctx, m.Q, id)
	return c, err
}

// Customers implements query.CustomerReadModel.
func (m ReadModels) Customers(ctx context.Context, f query.CustomerFilter, after *query.NameKey, limit int) ([]query.Customer, error) {
	rows, err := Customers(ctx, m.Q, CustomerFilter{Provider: f.Provider, Visible: groupFilter(f.Visible), Status: f.Status,
		GroupID: f.GroupID, Search: f.Search, Now: f.Now}, nameKey(after), limit)
	return rows, err
}

// CustomerUsers implements query.CustomerReadModel.
func (m ReadModels) CustomerUsers(ctx context.Context, customer uuid.UUID, after *query.NameKey, limit int) ([]query.CustomerUser, error) {
	rows, err := CustomerUsers(ctx, m.Q, customer, nameKey(after), limit)
	return rows, err
}

// PortalCustomer implements query.CustomerReadModel.
func (m ReadModels) PortalCustomer(ctx context.Context, company, provider uuid.UUID) (query.Customer, error) {
	c, err := PortalCustomer(ctx, m.Q, company, provider)
	return c, err
}

// PortalView implements query.CustomerReadModel.
func (m ReadModels) PortalView(ctx context.Context, customer uuid.UUID) (domain.PortalView, error) {
	return PortalView(ctx, m.Q, customer)
}

// PortalProviders implements query.CustomerReadModel.
func (m ReadModels) PortalProviders(ctx context.Context, company uuid.UUID, of *domain.PortalOf, after *query.NameKey, limit int) ([]query.PortalProvider, error) {
	var rows []PortalProvider
	var err error
	if of != nil {
		rows, err = PortalProvidersOf(ctx, m.Q, company, *of, nameKey(after), limit)
	} else {
		rows, err = PortalProviders(ctx, m.Q, company, nameKey(after), limit)
	}
	return rows, err
}

// Directory implements query.AccountReadModel.
func (m ReadModels) Directory(ctx context.Context, self uuid.UUID, search string, after *query.NameKey, limit int) ([]query.DirectoryEntry, error) {
	rows, err := Directory(ctx, m.Q, self, search, nameKey(after), limit)
	return rows, err
}

// Groups implements query.AccountReadModel.
func (m ReadModels) Groups(ctx context.Context, provider uuid.UUID, only []uuid.UUID, after *query.NameKey, limit int) ([]query.Group, error) {
	rows, err := Groups(ctx, m.Q, provider, only, nameKey(after), limit)
	return convertAll(rows, err, groupOf)
}

// Staff implements query.AccountReadModel.
func (m ReadModels) Staff(ctx context.Context, company uuid.UUID, search string, after *query.NameKey, limit int) ([]query.Staff, error) {
	rows, err := Staff(ctx, m.Q, company, search, nameKey(after), limit)
	return convertAll(rows, err, staffOf)
}

// PortalViewAsOf implements query.AuditReadModel.
func (m ReadModels) PortalViewAsOf(ctx context.Context, customer uuid.UUID, at time.Time) (domain.PortalView, error) {
	if m.Store == nil {
		return domain.PortalView{}, fmt.Errorf("as-of view: no event store")
	}
	pool, ok := m.Q.(*pgxpool.Pool)
	if !ok {
		return domain.PortalView{}, fmt.Errorf("as-of view: needs a pool for its read-only transaction")
	}
	return PortalViewAsOf(ctx, m.Store, pool, customer, at)
}

// FolderLinkContents implements query.LinkReadModel.
func (m ReadModels) FolderLinkContents(ctx context.Context, provider, folder uuid.UUID) (folders, documents []query.FolderLinkItem, err error) {
	fs, ds, err := FolderLinkContents(ctx, m.Q, provider, folder)
	if err != nil {
		return nil, nil, err
	}
	for _, f := range fs {
		folders = append(folders, query.FolderLinkItem(f))
	}
	for _, d := range ds {
		documents = append(documents, query.FolderLinkItem(d))
	}
	return folders, documents, nil
}
