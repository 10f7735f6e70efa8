package query_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
)

// PortalListing answers the rule's own listing (query.CutPortalView) of the
// fake's view: the query's part is authorization, tested here; the read model's
// part is held equal to the rule by the projections' differential oracle.
func (f *fake) PortalListing(_ context.Context, customer uuid.UUID, lf query.PortalListingFilter, after *query.ViewKey, limit int) (query.PortalListing, error) {
	f.ask("PortalListing")
	v, err := find(f.views, customer)
	if err != nil {
		return query.PortalListing{}, err
	}
	return query.CutPortalView(v, lf, after, limit)
}

func TestListPortalAuthorizesAsThePortalView(t *testing.T) {
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
			_, err := query.New(f).ListPortal.Handle(context.Background(), query.ListPortal{Viewer: tt.viewer, ProviderID: tt.provider, Limit: 10})
			wantErr(t, err, tt.wantErr)
			asked := false
			for _, a := range f.asked {
				asked = asked || a == "PortalListing"
			}
			if asked != (tt.wantErr == nil) {
				t.Fatalf("read model asked: %v, want %v (%v)", asked, tt.wantErr == nil, f.asked)
			}
		})
	}
}

// TestCutPortalViewPages: pages of any size, followed by their keys, list every
// item once, folders first, in the view's order.
func TestCutPortalViewPages(t *testing.T) {
	t.Parallel()
	top := uuid.New()
	view := domain.PortalView{Open: true}
	view.Folders = append(view.Folders, domain.PortalFolder{ID: top, Name: "A", Top: true, Permission: domain.PermissionView})
	for i := range 5 {
		view.Folders = append(view.Folders, domain.PortalFolder{ID: uuid.New(), ParentID: top, Name: fmt.Sprint("F", i), Permission: domain.PermissionView})
	}
	for i := range 7 {
		view.Documents = append(view.Documents, domain.PortalDocument{ID: uuid.New(), FolderID: top, Name: fmt.Sprint("D", i), Version: 1})
	}
	for _, limit := range []int{1, 2, 4, 5, 6, 12, 13} {
		var got []string
		var after *query.ViewKey
		for range 20 {
			page, err := query.CutPortalView(view, query.PortalListingFilter{FolderID: top}, after, limit)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(page.Folders) + len(page.Documents); n > limit || n == 0 && page.Next != nil {
				t.Fatalf("limit %d: page of %d items", limit, n)
			}
			for _, f := range page.Folders {
				got = append(got, f.Name)
			}
			for _, d := range page.Documents {
				got = append(got, d.Name)
			}
			if after = page.Next; after == nil {
				break
			}
		}
		if want := "[F0 F1 F2 F3 F4 D0 D1 D2 D3 D4 D5 D6]"; fmt.Sprint(got) != want {
			t.Errorf("limit %d: %v, want %v", limit, got, want)
		}
	}
	if _, err := query.CutPortalView(view, query.PortalListingFilter{FolderID: uuid.New()}, nil, 5); err == nil {
		t.Fatal("a folder outside the view was listed")
	}
}
