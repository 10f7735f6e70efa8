package query_test

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
)

// fake is an in-memory read model: rows by id, and a log of what the queries
// asked for (which filter, which replay), so that a test can see that a query
// filtered by group or refused before asking.
type fake struct {
	viewers   map[uuid.UUID]query.Viewer
	folders   map[uuid.UUID]query.Folder
	documents map[uuid.UUID]query.Document
	versions  map[uuid.UUID][]query.Version
	customers map[uuid.UUID]query.Customer
	views     map[uuid.UUID]domain.PortalView
	groups    []query.Group
	tenants   map[uuid.UUID]uuid.UUID
	streams   map[uuid.UUID][]string
	users     map[uuid.UUID][]query.CustomerUser // portal users by customer
	listed    []query.Customer                   // what Customers answers
	staff     []query.Staff                      // what Staff answers

	customerFilters []query.CustomerFilter // every filter Customers was asked with

	asked   []string            // names of the read-model calls, in order
	filters []query.GroupFilter // every group filter a query passed
	only    [][]uuid.UUID       // Groups' only argument
}

func newFake() *fake {
	return &fake{viewers: map[uuid.UUID]query.Viewer{}, folders: map[uuid.UUID]query.Folder{},
		documents: map[uuid.UUID]query.Document{}, versions: map[uuid.UUID][]query.Version{},
		customers: map[uuid.UUID]query.Customer{}, views: map[uuid.UUID]domain.PortalView{},
		tenants: map[uuid.UUID]uuid.UUID{}, streams: map[uuid.UUID][]string{}, users: map[uuid.UUID][]query.CustomerUser{}}
}

var _ query.ReadModels = (*fake)(nil)

func (f *fake) ask(name string) { f.asked = append(f.asked, name) }

func (f *fake) Viewer(_ context.Context, userID, companyID uuid.UUID) (query.Viewer, error) {
	f.ask("Viewer")
	v, ok := f.viewers[userID]
	if !ok || v.CompanyID != companyID {
		return query.Viewer{Principal: domain.Principal{UserID: userID, CompanyID: companyID}}, nil
	}
	return v, nil
}

func (f *fake) UserRole(context.Context, uuid.UUID) (query.UserRole, error) {
	return query.UserRole{}, domain.ErrNotFound
}

func (f *fake) Me(context.Context, uuid.UUID, uuid.UUID) (query.Me, error) {
	return query.Me{}, domain.ErrNotFound
}

func find[T any](m map[uuid.UUID]T, id uuid.UUID) (T, error) {
	v, ok := m[id]
	if !ok {
		return v, domain.ErrNotFound
	}
	return v, nil
}

func (f *fake) Folder(_ context.Context, id uuid.UUID) (query.Folder, error) {
	f.ask("Folder")
	return find(f.folders, id)
}

// byName sorts as the read models do (name, then id) and cuts after the key.
func byName[T any](rows []T, key func(T) query.NameKey, after *query.NameKey, limit int) []T {
	slices.SortFunc(rows, func(a, b T) int {
		ka, kb := key(a), key(b)
		if ka.Name != kb.Name {
			if ka.Name < kb.Name {
				return -1
			}
			return 1
		}
		return slices.Compare(ka.ID[:], kb.ID[:])
	})
	if after != nil {
		i := slices.IndexFunc(rows, func(r T) bool {
			k := key(r)
			return k.Name > after.Name || k.Name == after.Name && slices.Compare(k.ID[:], after.ID[:]) > 0
		})
		if i < 0 {
			i = len(rows)
		}
		rows = rows[i:]
	}
	return rows[:min(limit, len(rows))]
}

func (f *fake) Subfolders(_ context.Context, parent uuid.UUID, visible query.GroupFilter, after *query.NameKey, limit int) ([]query.Folder, error) {
	f.ask("Subfolders")
	f.filters = append(f.filters, visible)
	var out []query.Folder
	for _, x := range f.folders {
		if x.ParentID != nil && *x.ParentID == parent {
			out = append(out, x)
		}
	}
	return byName(out, func(x query.Folder) query.NameKey { return query.NameKey{Name: x.Name, ID: x.ID} }, after, limit), nil
}

func (f *fake) Document(_ context.Context, id uuid.UUID) (query.Document, error) {
	f.ask("Document")
	return find(f.documents, id)
}

func (f *fake) Documents(_ context.Context, flt query.DocumentFilter, after *query.NameKey, limit int) ([]query.Document, error) {
	f.ask("Documents")
	f.filters = append(f.filters, flt.Visible)
	var out []query.Document
	for _, d := range f.documents {
		if d.ProviderID == flt.Provider && (flt.FolderID == nil || d.FolderID == *flt.FolderID) {
			out = append(out, d)
		}
	}
	return byName(out, func(d query.Document) query.NameKey { return query.NameKey{Name: d.Name, ID: d.ID} }, after, limit), nil
}

func (f *fake) DocumentVersions(_ context.Context, id uuid.UUID) ([]query.Version, error) {
	f.ask("DocumentVersions")
	return f.versions[id], nil
}

func (f *fake) Shares(_ context.Context, flt query.ShareFilter, _ *query.TimeKey, _ int) ([]query.Share, error) {
	f.ask("Shares")
	f.filters = append(f.filters, flt.Visible)
	return nil, nil
}

func (f *fake) ShareHistory(_ context.Context, _, _ uuid.UUID, visible query.GroupFilter, _ *query.TimeKey, _ int) ([]query.HistoryEntry, error) {
	f.ask("ShareHistory")
	f.filters = append(f.filters, visible)
	return []query.HistoryEntry{{ID: uuid.New()}}, nil
}

func (f *fake) Customer(_ context.Context, id uuid.UUID) (query.Customer, error) {
	f.ask("Customer")
	return find(f.customers, id)
}

func (f *fake) Customers(_ context.Context, flt query.CustomerFilter, _ *query.NameKey, _ int) ([]query.Customer, error) {
	f.ask("Customers")
	f.filters = append(f.filters, flt.Visible)
	f.customerFilters = append(f.customerFilters, flt)
	return slices.Clone(f.listed), nil
}

func (f *fake) CustomerUsers(_ context.Context, customer uuid.UUID, _ *query.NameKey, _ int) ([]query.CustomerUser, error) {
	f.ask("CustomerUsers")
	return slices.Clone(f.users[customer]), nil
}

func (f *fake) PortalCustomer(_ context.Context, company, provider uuid.UUID) (query.Customer, error) {
	f.ask("PortalCustomer")
	for _, c := range f.customers {
		if c.CompanyID == company && c.ProviderID == provider && c.Status != string(domain.StatusInvited) {
			return c, nil
		}
	}
	return query.Customer{}, domain.ErrNotFound
}

func (f *fake) PortalView(_ context.Context, customer uuid.UUID) (domain.PortalView, error) {
	f.ask("PortalView")
	return find(f.views, customer)
}

func (f *fake) PortalProviders(_ context.Context, _ uuid.UUID, of *domain.PortalOf, _ *query.NameKey, _ int) ([]query.PortalProvider, error) {
	if of != nil {
		f.ask("PortalProvidersOf")
	} else {
		f.ask("PortalProviders")
	}
	return nil, nil
}

func (f *fake) Directory(context.Context, uuid.UUID, string, *query.NameKey, int) ([]query.DirectoryEntry, error) {
	f.ask("Directory")
	return nil, nil
}

func (f *fake) Groups(_ context.Context, _ uuid.UUID, only []uuid.UUID, _ *query.NameKey, _ int) ([]query.Group, error) {
	f.ask("Groups")
	f.only = append(f.only, only)
	return f.groups, nil
}

func (f *fake) Staff(context.Context, uuid.UUID, string, *query.NameKey, int) ([]query.Staff, error) {
	f.ask("Staff")
	return slices.Clone(f.staff), nil
}

func (f *fake) CustomerTenant(_ context.Context, customer uuid.UUID) (uuid.UUID, error) {
	f.ask("CustomerTenant")
	return find(f.tenants, customer)
}

func (f *fake) PortalViewAsOf(_ context.Context, customer uuid.UUID, _ time.Time) (domain.PortalView, error) {
	f.ask("PortalViewAsOf")
	return domain.PortalView{CustomerID: customer}, nil
}

func (f *fake) DocumentAccessStreams(_ context.Context, tenant, document uuid.UUID) ([]string, error) {
	f.ask("DocumentAccessStreams")
	d, ok := f.documents[document]
	if !ok || d.ProviderID != tenant {
		return nil, domain.ErrNotFound
	}
	return f.streams[document], nil
}

func (f *fake) FolderLinkContents(context.Context, uuid.UUID, uuid.UUID) ([]query.FolderLinkItem, []query.FolderLinkItem, error) {
	f.ask("FolderLinkContents")
	return nil, nil, nil
}
