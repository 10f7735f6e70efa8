package query_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
)

// The world every test reads: provider P with customers C1 (group G1), C2
// (group G2) and C3 (no group), and another provider O.
var (
	provP, provO         = id(1), id(2)
	g1, g2               = id(3), id(4)
	c1, c2, c3           = id(5), id(6), id(7)
	c1Co, c2Co           = id(8), id(9)
	ws1, ws2, lib        = id(10), id(11), id(12)
	docLib, docWS1       = id(20), id(21)
	docWS2, docDeposit   = id(22), id(23)
	docRemoved, docOther = id(24), id(25)
	t0                   = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
)

func id(n byte) uuid.UUID { return uuid.UUID{15: n} }

func ref(u uuid.UUID) *uuid.UUID { return &u }

func staff(user byte, company uuid.UUID, role domain.Role, groups map[uuid.UUID]domain.AccessLevel) query.Viewer {
	return query.Viewer{Principal: domain.Principal{UserID: id(100 + user), CompanyID: company, Role: role, Active: true}, Groups: groups}
}

var (
	admin    = staff(1, provP, domain.RoleAdmin, nil)
	reader   = staff(2, provP, domain.RoleMember, map[uuid.UUID]domain.AccessLevel{g1: domain.AccessRead})
	loner    = staff(3, provP, domain.RoleMember, nil)
	auditor  = func() query.Viewer { v := staff(4, provP, domain.RoleMember, nil); v.Auditor = true; return v }()
	otherAdm = staff(5, provO, domain.RoleAdmin, nil)
	inactive = query.Viewer{Principal: domain.Principal{UserID: id(106), CompanyID: provP}}
	c1Staff  = staff(7, c1Co, domain.RoleAdmin, nil)
	portalC1 = query.Viewer{Principal: domain.Principal{UserID: id(108), CompanyID: c1Co, Active: true, Kind: domain.UserKindPortal,
		PortalOf: domain.PortalOf{ProviderID: provP, CustomerID: c1}}}
	c1Other = query.Viewer{Principal: domain.Principal{UserID: id(109), CompanyID: c1Co, Active: true, Kind: domain.UserKindPortal,
		PortalOf: domain.PortalOf{ProviderID: provP, CustomerID: c2}}}
)

func world() *fake {
	f := newFake()
	for _, c := range []query.Customer{
		{ID: c1, ProviderID: provP, CompanyID: c1Co, Status: string(domain.StatusActive), GroupID: ref(g1), WorkspaceFolderID: ws1},
		{ID: c2, ProviderID: provP, CompanyID: c2Co, Status: string(domain.StatusActive), GroupID: ref(g2), WorkspaceFolderID: ws2},
		{ID: c3, ProviderID: provP, CompanyID: id(30), Status: string(domain.StatusInvited)},
	} {
		f.customers[c.ID] = c
	}
	f.folders[lib] = query.Folder{ID: lib, ProviderID: provP, Name: "Library"}
	f.folders[ws1] = query.Folder{ID: ws1, ProviderID: provP, Name: "C1", WorkspaceCustomerID: ref(c1), CustomerGroupID: ref(g1)}
	f.folders[ws2] = query.Folder{ID: ws2, ProviderID: provP, Name: "C2", WorkspaceCustomerID: ref(c2), CustomerGroupID: ref(g2)}
	newest := query.Version{Number: 2, SHA256: "v2"}
	for _, d := range []query.Document{
		{ID: docLib, ProviderID: provP, FolderID: lib, Name: "price list", Newest: newest},
		{ID: docWS1, ProviderID: provP, FolderID: ws1, Name: "c1 contract", WorkspaceCustomerID: ref(c1), CustomerGroupID: ref(g1), Newest: newest},
		{ID: docWS2, ProviderID: provP, FolderID: ws2, Name: "c2 contract", WorkspaceCustomerID: ref(c2), CustomerGroupID: ref(g2), Newest: newest},
		{ID: docDeposit, ProviderID: provP, FolderID: lib, Name: "c2 deposit", UploadedByCustomerID: ref(c2), CustomerGroupID: ref(g2), Newest: newest},
		{ID: docRemoved, ProviderID: provP, FolderID: lib, Name: "old", Removed: true, Newest: newest},
		{ID: docOther, ProviderID: provO, FolderID: id(40), Name: "theirs", Newest: newest},
	} {
		f.documents[d.ID] = d
	}
	f.versions[docLib] = []query.Version{newest, {Number: 1, SHA256: "v1"}}
	f.views[c1] = domain.PortalView{CustomerID: c1, ProviderID: provP, Open: true,
		Documents: []domain.PortalDocument{{ID: docWS1, Name: "c1 contract"}}}
	f.tenants[c1], f.tenants[c2] = provP, provP
	return f
}

func wantErr(t *testing.T, got, want error) {
	t.Helper()
	if want == nil && got != nil || want != nil && !errors.Is(got, want) {
		t.Fatalf("error %v, want %v", got, want)
	}
}

func TestGetDocument(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		viewer      query.Viewer
		doc         uuid.UUID
		withRemoved bool
		wantErr     error
	}{
		{"an admin sees a workspace document", admin, docWS2, false, nil},
		{"every member sees the provider's library", loner, docLib, false, nil},
		{"a member sees its group's workspace", reader, docWS1, false, nil},
		{"a member does not see another group's workspace", reader, docWS2, false, domain.ErrNotFound},
		{"a deposit is its customer's data", reader, docDeposit, false, domain.ErrNotFound},
		{"a deposit is seen by an admin", admin, docDeposit, false, nil},
		{"another provider's document does not exist", otherAdm, docLib, false, domain.ErrNotFound},
		{"a portal user is never staff", portalC1, docWS1, false, domain.ErrNotFound},
		{"an inactive user sees nothing", inactive, docLib, false, domain.ErrNotFound},
		{"a removed document is gone", admin, docRemoved, false, domain.ErrNotFound},
		{"a removed document keeps its history", admin, docRemoved, true, nil},
		{"an unknown id", admin, id(99), false, domain.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q := query.New(world())
			d, err := q.GetDocument.Handle(context.Background(), query.GetDocument{Viewer: tt.viewer, ID: tt.doc, WithRemoved: tt.withRemoved})
			wantErr(t, err, tt.wantErr)
			if err == nil && d.ID != tt.doc {
				t.Fatalf("got %v", d.ID)
			}
		})
	}
}

func TestDocumentVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		number  int
		want    string
		wantErr error
		asks    []string
	}{
		{"the newest by default, from the document row", 0, "v2", nil, []string{"Document"}},
		{"the newest by number", 2, "v2", nil, []string{"Document"}},
		{"an older one", 1, "v1", nil, []string{"Document", "DocumentVersions"}},
		{"no such version", 9, "", domain.ErrNotFound, []string{"Document", "DocumentVersions"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := world()
			_, v, err := query.New(f).DocumentVersion.Handle(context.Background(), query.DocumentVersion{Viewer: loner, ID: docLib, Number: tt.number})
			wantErr(t, err, tt.wantErr)
			if v.SHA256 != tt.want || !slices.Equal(f.asked, tt.asks) {
				t.Fatalf("version %q after %v, want %q after %v", v.SHA256, f.asked, tt.want, tt.asks)
			}
		})
	}
	t.Run("a document the viewer may not see asks no versions", func(t *testing.T) {
		f := world()
		_, _, err := query.New(f).DocumentVersions.Handle(context.Background(), query.DocumentVersions{Viewer: reader, ID: docWS2})
		wantErr(t, err, domain.ErrNotFound)
		if slices.Contains(f.asked, "DocumentVersions") {
			t.Fatalf("asked %v", f.asked)
		}
	})
}

func TestGetFolderPagesFoldersThenDocuments(t *testing.T) {
	t.Parallel()
	f := world()
	for i, name := range []string{"a", "b"} {
		fid := id(50 + byte(i))
		f.folders[fid] = query.Folder{ID: fid, ProviderID: provP, ParentID: ref(lib), Name: name}
	}
	ctx := context.Background()
	q := query.New(f)
	// The library holds folders a, b and documents "c2 deposit", "old", "price list".
	p1, err := q.GetFolder.Handle(ctx, query.GetFolder{Viewer: reader, ID: lib, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(p1.Subfolders) != 2 || len(p1.Documents) != 1 || p1.Next == nil || !p1.Next.Doc || p1.Next.Name != p1.Documents[0].Name {
		t.Fatalf("page 1: %+v", p1)
	}
	p2, err := q.GetFolder.Handle(ctx, query.GetFolder{Viewer: reader, ID: lib, After: p1.Next, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.Subfolders) != 0 || len(p2.Documents) != 2 || p2.Next != nil {
		t.Fatalf("page 2: %+v", p2)
	}
	// Folders alone fill a page: the next one starts after the last folder.
	p, err := q.GetFolder.Handle(ctx, query.GetFolder{Viewer: reader, ID: lib, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Subfolders) != 2 || len(p.Documents) != 0 || p.Next == nil || p.Next.Doc || p.Next.Name != "b" {
		t.Fatalf("folders-only page: %+v", p)
	}
	for _, flt := range f.filters {
		if flt.All || !slices.Equal(flt.Groups, []uuid.UUID{g1}) {
			t.Fatalf("a member's reads are filtered by its groups: %+v", flt)
		}
	}
	// A workspace the viewer may not see is refused before any page is read.
	f.asked = nil
	_, err = q.GetFolder.Handle(ctx, query.GetFolder{Viewer: reader, ID: ws2, Limit: 3})
	wantErr(t, err, domain.ErrNotFound)
	if !slices.Equal(f.asked, []string{"Folder"}) {
		t.Fatalf("asked %v", f.asked)
	}
}

func TestListsFilterByTheViewersGroups(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		viewer query.Viewer
		want   query.GroupFilter
	}{
		{"an admin sees every customer", admin, query.GroupFilter{All: true, Groups: []uuid.UUID{}}},
		{"a member sees its groups'", reader, query.GroupFilter{Groups: []uuid.UUID{g1}}},
		{"a member without groups sees none", loner, query.GroupFilter{Groups: []uuid.UUID{}}},
		{"a portal user sees none", portalC1, query.GroupFilter{Groups: []uuid.UUID{}}},
		{"an inactive user sees none", inactive, query.GroupFilter{Groups: []uuid.UUID{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := world()
			if _, err := query.New(f).ListCustomers.Handle(context.Background(), query.ListCustomers{Viewer: tt.viewer, Limit: 10}); err != nil {
				t.Fatal(err)
			}
			if len(f.filters) != 1 || f.filters[0].All != tt.want.All || !slices.Equal(f.filters[0].Groups, tt.want.Groups) {
				t.Fatalf("filter %+v, want %+v", f.filters, tt.want)
			}
		})
	}
}

func TestListsAskNothingForAnInactiveViewer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := world()
	q := query.New(f)
	for name, call := range map[string]func() (int, error){
		"documents": func() (int, error) {
			r, err := q.ListDocuments.Handle(ctx, query.ListDocuments{Viewer: inactive, Limit: 10})
			return len(r), err
		},
		"shares": func() (int, error) {
			r, err := q.ListShares.Handle(ctx, query.ListShares{Viewer: inactive, Limit: 10})
			return len(r), err
		},
		"directory": func() (int, error) {
			r, err := q.Directory.Handle(ctx, query.Directory{Viewer: inactive, Limit: 10})
			return len(r), err
		},
		"staff": func() (int, error) {
			r, err := q.ListStaff.Handle(ctx, query.ListStaff{Viewer: inactive, Limit: 10})
			return len(r), err
		},
		"portal providers": func() (int, error) {
			r, err := q.ListPortalProviders.Handle(ctx, query.ListPortalProviders{Viewer: inactive, Limit: 10})
			return len(r), err
		},
	} {
		if n, err := call(); n != 0 || err != nil || len(f.asked) != 0 {
			t.Fatalf("%s: %d rows, %v, asked %v", name, n, err, f.asked)
		}
	}
}

func TestListPortalProvidersLimitsAPortalUserToItsProvider(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		viewer query.Viewer
		want   string
	}{{c1Staff, "PortalProviders"}, {portalC1, "PortalProvidersOf"}} {
		f := world()
		if _, err := query.New(f).ListPortalProviders.Handle(context.Background(), query.ListPortalProviders{Viewer: tt.viewer, Limit: 5}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(f.asked, []string{tt.want}) {
			t.Fatalf("%v asked %v, want %s", tt.viewer.Kind, f.asked, tt.want)
		}
	}
}

func TestListGroups(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		viewer query.Viewer
		want   []uuid.UUID // nil: every group
	}{
		{"an admin sees every group", admin, nil},
		{"a member sees its groups", reader, []uuid.UUID{g1}},
		{"an inactive member sees none", inactive, []uuid.UUID{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := world()
			if _, err := query.New(f).ListGroups.Handle(context.Background(), query.ListGroups{Viewer: tt.viewer, Limit: 5}); err != nil {
				t.Fatal(err)
			}
			if got := f.only[0]; (got == nil) != (tt.want == nil) || !slices.Equal(got, tt.want) {
				t.Fatalf("only %v, want %v", got, tt.want)
			}
		})
	}
}

func TestGetCustomerAndItsPortalView(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		viewer   query.Viewer
		customer uuid.UUID
		wantErr  error
	}{
		{"an admin", admin, c1, nil},
		{"a member of the customer's group", reader, c1, nil},
		{"a member of another group", reader, c2, domain.ErrNotFound},
		{"an ungrouped customer is for admins", loner, c3, domain.ErrNotFound},
		{"another provider", otherAdm, c1, domain.ErrNotFound},
		{"the customer's own portal user is not staff", portalC1, c1, domain.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := world()
			q := query.New(f)
			_, err := q.GetCustomer.Handle(context.Background(), query.GetCustomer{Viewer: tt.viewer, ID: tt.customer})
			wantErr(t, err, tt.wantErr)
			_, err = q.CustomerPortalView.Handle(context.Background(), query.CustomerPortalView{Viewer: tt.viewer, CustomerID: tt.customer})
			wantErr(t, err, tt.wantErr)
			if tt.wantErr != nil && slices.Contains(f.asked, "PortalView") {
				t.Fatalf("a refused viewer's portal view was read: %v", f.asked)
			}
		})
	}
}

func TestPortalView(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		viewer   query.Viewer
		provider uuid.UUID
		wantErr  error
	}{
		{"the customer company's staff", c1Staff, provP, nil},
		{"the customer's portal user", portalC1, provP, nil},
		{"a portal user of another customer of the same company", c1Other, provP, domain.ErrNotFound},
		{"the provider's own staff have no portal there", admin, provP, domain.ErrNotFound},
		{"a provider the company is no customer of", c1Staff, provO, domain.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := world()
			v, err := query.New(f).PortalView.Handle(context.Background(), query.PortalView{Viewer: tt.viewer, ProviderID: tt.provider})
			wantErr(t, err, tt.wantErr)
			if err == nil && v.CustomerID != c1 {
				t.Fatalf("view of %v", v.CustomerID)
			}
		})
	}
	t.Run("a document outside the view is not found", func(t *testing.T) {
		q := query.New(world())
		if _, pd, err := q.PortalDocument.Handle(context.Background(), query.PortalDocument{Viewer: portalC1, DocumentID: docWS1}); err != nil || pd.ID != docWS1 {
			t.Fatalf("%v %v", pd, err)
		}
		_, _, err := q.PortalDocument.Handle(context.Background(), query.PortalDocument{Viewer: portalC1, DocumentID: docLib})
		wantErr(t, err, domain.ErrNotFound)
	})
}

func TestAuditFollowsTheDomainRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		viewer  query.Viewer
		wantErr error
	}{
		{"an admin", admin, nil},
		{"an auditor member", auditor, nil},
		{"a plain member is refused", reader, domain.ErrForbidden},
		{"a portal user does not see it", portalC1, domain.ErrNotFound},
		{"an inactive user does not see it", inactive, domain.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tenant, err := query.AuditTenant(tt.viewer)
			wantErr(t, err, tt.wantErr)
			if err == nil && tenant != tt.viewer.CompanyID {
				t.Fatalf("tenant %v", tenant)
			}
			f := world()
			_, err = query.New(f).PortalViewAsOf.Handle(context.Background(), query.PortalViewAsOf{Viewer: tt.viewer, CustomerID: c1, At: t0})
			wantErr(t, err, tt.wantErr)
			_, _, err = query.New(f).DocumentAccess.Handle(context.Background(), query.DocumentAccess{Viewer: tt.viewer, DocumentID: docLib})
			wantErr(t, err, tt.wantErr)
		})
	}
}

func TestAuditOfAnotherProvidersDataIsNotFoundBeforeAnyReplay(t *testing.T) {
	t.Parallel()
	f := world()
	q := query.New(f)
	_, err := q.PortalViewAsOf.Handle(context.Background(), query.PortalViewAsOf{Viewer: otherAdm, CustomerID: c1, At: t0})
	wantErr(t, err, domain.ErrNotFound)
	if slices.Contains(f.asked, "PortalViewAsOf") {
		t.Fatalf("replayed another provider's customer: %v", f.asked)
	}
	_, _, err = q.DocumentAccess.Handle(context.Background(), query.DocumentAccess{Viewer: otherAdm, DocumentID: docLib})
	wantErr(t, err, domain.ErrNotFound)
}

func TestShareHistoryNeedsTheDocument(t *testing.T) {
	t.Parallel()
	f := world()
	q := query.New(f)
	_, err := q.ShareHistory.Handle(context.Background(), query.ShareHistory{Viewer: reader, DocumentID: docWS2, Limit: 5})
	wantErr(t, err, domain.ErrNotFound)
	if slices.Contains(f.asked, "ShareHistory") {
		t.Fatalf("asked %v", f.asked)
	}
	rows, err := q.ShareHistory.Handle(context.Background(), query.ShareHistory{Viewer: admin, DocumentID: docRemoved, Limit: 5})
	if err != nil || len(rows) != 1 {
		t.Fatalf("%v %v", rows, err)
	}
}

func TestViewerTravelsInTheContext(t *testing.T) {
	t.Parallel()
	if _, ok := query.ViewerFrom(context.Background()); ok {
		t.Fatal("a viewer out of nowhere")
	}
	v, ok := query.ViewerFrom(query.WithViewer(context.Background(), reader))
	if !ok || v.UserID != reader.UserID {
		t.Fatalf("%+v %v", v, ok)
	}
}
