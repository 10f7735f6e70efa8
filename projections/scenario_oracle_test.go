package projections_test

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/query"
	gen "github.com/sharehub/sharehub/domain/scenario"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/pgtest"
	"github.com/sharehub/sharehub/projections"
)

// storeSink is the scenario's store sink: each batch is one Append, with the
// generator's expected versions (the store's constraint checks them again).
type storeSink struct {
	ctx   context.Context
	store app.EventStore
	last  *int64
}

func (s storeSink) Record(b gen.Batch) error {
	batch := app.Batch{Meta: b.Meta, RecordedAt: b.At}
	for _, ch := range b.Changes {
		batch.Streams = append(batch.Streams, app.StreamAppend{StreamID: ch.Stream, ExpectedVersion: ch.Version, Events: ch.Events})
	}
	res, err := s.store.Append(s.ctx, batch)
	if err != nil {
		return fmt.Errorf("append: %w", err)
	}
	*s.last = max(*s.last, res.LastPosition)
	return nil
}

// TestDifferentialOracleOnScenarios: the portal view read from the projection
// tables equals the domain's, for every customer of every tenant, on logs of the
// one scenario generator (many providers, customers in every state, folder trees,
// workspaces, hidden versions, removals, revokes), appended through the store.
// TestDifferentialOracle drives the application services instead; both stay.
func TestDifferentialOracleOnScenarios(t *testing.T) {
	t.Parallel()
	for _, seed := range []int64{11, 12} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			pool, _ := pgtest.NewDatabase(t)
			w := &world{t: t, ctx: t.Context(), pool: pool, store: eventstore.New(pool, nil)}
			w.run(projections.Portal)
			if err := gen.New(storeSink{ctx: w.ctx, store: w.store, last: &w.last}, 3000, seed).Run(w.ctx); err != nil {
				t.Fatal(err)
			}
			w.caughtUp("portal")
			st := w.state()
			var customers, seen, listings int
			// The read model judges expiry at the database's clock; the
			// generated expiries lie within the generated log (passed long ago)
			// or decades away, never near now.
			now := time.Now()
			for _, c := range st.Customers() {
				got := must[domain.PortalView](t)(projections.PortalView(w.ctx, pool, c.ID))
				want := st.PortalViewAt(c.ID, now)
				sameView(t, fmt.Sprintf("seed %d customer %s (%s)", seed, c.ID, c.Status), got, want)
				listings += sameListings(t, w.ctx, pool, fmt.Sprintf("seed %d customer %s (%s)", seed, c.ID, c.Status), c.ID, want)
				customers++
				seen += len(got.Documents)
			}
			// Who can see a document now (GET /documents/{id}/access) is the
			// union of the customers' portal views, for every document.
			views := map[uuid.UUID]domain.PortalView{}
			for _, c := range st.Customers() {
				views[c.ID] = st.PortalViewAt(c.ID, now)
			}
			rm := projections.NewReadModels(pool, w.store)
			var audiences int
			for _, d := range st.Documents() {
				if d.Removed {
					continue
				}
				want := map[uuid.UUID]bool{}
				for _, c := range st.Customers() {
					if _, ok := views[c.ID].Document(d.ID); ok && c.ProviderID == d.ProviderID {
						want[c.ID] = true
					}
				}
				items := must[[]query.Access](t)(rm.DocumentAudience(w.ctx, d.ProviderID, d.ID, query.GroupFilter{All: true}))
				got := map[uuid.UUID]bool{}
				for _, a := range items {
					if a.CustomerID != nil {
						got[*a.CustomerID] = true
					}
				}
				if !maps.Equal(want, got) {
					t.Fatalf("seed %d document %s: audience %v, union of the portal views %v", seed, d.ID, got, want)
				}
				audiences += len(got)
			}
			if audiences < 20 {
				t.Fatalf("%d (document, customer) pairs in the audiences: the scenario exercises too little", audiences)
			}
			var expired, ending int
			for _, s := range st.Shares() {
				switch {
				case s.StatusAt(now) == domain.AccessExpired:
					expired++
				case s.StatusAt(now) == domain.AccessActive && !s.ExpiresAt.IsZero():
					ending++
				}
			}
			if expired == 0 || ending == 0 {
				t.Fatalf("%d expired shares, %d active ones with an expiry: the scenario exercises too little expiry", expired, ending)
			}
			if customers < 10 || seen < 20 {
				t.Fatalf("%d customers saw %d documents: the scenario exercises too little", customers, seen)
			}
			t.Logf("%d customers, %d visible documents, %d listings compared", customers, seen, listings)
		})
	}
}
