package projections_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/projections"
)

// sameListings compares every listing of customer's portal read from the
// materialised reach (projections.PortalListing) with the one the rule gives
// (query.CutPortalView of want, domain.ComputePortalView's answer): the top and
// each visible folder, one level and flat, in one page (and, for the top and
// one folder in seven, in pages of 3). It
// returns how many listings it compared.
func sameListings(t *testing.T, ctx context.Context, q eventstore.Querier, label string, customer uuid.UUID, want domain.PortalView) int {
	t.Helper()
	filters := []query.PortalListingFilter{{}, {Flat: true}}
	for _, f := range want.Folders {
		filters = append(filters, query.PortalListingFilter{FolderID: f.ID}, query.PortalListingFilter{FolderID: f.ID, Flat: true})
	}
	n := 0
	for i, lf := range filters {
		limits := []int{100000}
		if i < 2 || i%7 == 2 {
			limits = append(limits, 3) // pages of 3 for the top and some folders: keyset across pages
		}
		for _, limit := range limits {
			got, err := allPages(ctx, q, customer, lf, limit)
			if err != nil {
				t.Errorf("%s listing %+v: %v", label, lf, err)
				continue
			}
			exp, err := allPagesOf(want, lf, limit)
			if err != nil {
				t.Fatalf("%s: rule listing %+v: %v", label, lf, err)
			}
			if d := cmp.Diff(exp, got); d != "" {
				t.Errorf("%s listing %+v (pages of %d), materialised vs rule (-want +got):\n%s", label, lf, limit, d)
			}
			n++
		}
	}
	// A folder that is not visible is not found (when the portal is open).
	if _, err := projections.PortalListing(ctx, q, customer, query.PortalListingFilter{FolderID: uuid.New()}, nil, 10); want.Open && !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("%s: unknown folder: %v, want not found", label, err)
	}
	return n
}

func allPages(ctx context.Context, q eventstore.Querier, customer uuid.UUID, lf query.PortalListingFilter, limit int) ([]query.PortalListing, error) {
	return pages(func(after *query.ViewKey) (query.PortalListing, error) {
		return projections.PortalListing(ctx, q, customer, lf, after, limit)
	})
}

func allPagesOf(view domain.PortalView, lf query.PortalListingFilter, limit int) ([]query.PortalListing, error) {
	return pages(func(after *query.ViewKey) (query.PortalListing, error) {
		return query.CutPortalView(view, lf, after, limit)
	})
}

func pages(next func(after *query.ViewKey) (query.PortalListing, error)) ([]query.PortalListing, error) {
	var out []query.PortalListing
	var after *query.ViewKey
	for range 100000 {
		p, err := next(after)
		if err != nil {
			return nil, err
		}
		if len(p.Folders) == 0 {
			p.Folders = nil
		}
		if len(p.Documents) == 0 {
			p.Documents = nil
		}
		out = append(out, p)
		if after = p.Next; after == nil {
			return out, nil
		}
	}
	return nil, fmt.Errorf("no last page")
}
