package projections_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/projections"
)

// TestRebuildNeverCallsAReactor: a reactor, run by the runner beside the read
// models, acts exactly once on each event that comes after it was created (not on
// the history it replays to learn), and rebuilding every read model while it
// runs never calls it. The reactor itself is never rebuilt, neither as its
// consumer nor as the projection of what it learns.
func TestRebuildNeverCallsAReactor(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c, _, _ := w.customer("Cust")
	f := w.folder("Reports", uuid.Nil, uuid.Nil)
	d := w.document("q1.pdf", f, false)
	w.share(c, d, uuid.Nil, domain.PermissionView) // history: learnt, never acted on

	var mu sync.Mutex
	var acted []uuid.UUID // the shares the reaction ran for
	probe := projections.NewReactor("probe", `CREATE TABLE settings (from_position bigint NOT NULL);
		CREATE TABLE grants (share_id uuid PRIMARY KEY);`)
	projections.On(&probe.Projection, func(q *projections.Queue, ev domain.Recorded, e domain.PortalShareGranted) error {
		q.Exec(`INSERT INTO grants VALUES ($1) ON CONFLICT DO NOTHING`, e.ShareID)
		return nil
	})
	projections.React(probe, func(ctx context.Context, tx pgx.Tx, ev domain.Recorded, e domain.PortalShareGranted) error {
		var news bool
		if err := tx.QueryRow(ctx, `SELECT $1::bigint > (SELECT max(from_position) FROM settings)`, ev.Position).Scan(&news); err != nil {
			return err
		}
		if news {
			mu.Lock()
			acted = append(acted, e.ShareID)
			mu.Unlock()
		}
		return nil
	})
	if err := projections.Ensure(w.ctx, w.store, w.pool, probe.Consumer(), testLog(t)); err != nil {
		t.Fatal(err)
	}
	actedOn := func() []uuid.UUID { mu.Lock(); defer mu.Unlock(); return slices.Clone(acted) }
	r := &projections.Runner{Store: w.store, Pool: w.pool, Projections: projections.All(), Reactors: []*projections.Reactor{probe}}
	w.runWith(r)

	first := w.share(c, uuid.Nil, f, domain.PermissionView)
	w.caughtUp("probe")
	w.caughtUp("portal")
	if got := actedOn(); !slices.Equal(got, []uuid.UUID{first}) {
		t.Fatalf("the reactor acted on %v, want exactly the grant after its creation (%s)", got, first)
	}
	for _, p := range projections.All() {
		if _, err := projections.Rebuild(w.ctx, w.store, w.pool, p, projections.RebuildOptions{}); err != nil {
			t.Fatalf("rebuild %s: %v", p.Name, err)
		}
	}
	for _, p := range []projections.Projection{probe.Projection, probe.Consumer()} {
		if _, err := projections.Rebuild(w.ctx, w.store, w.pool, p, projections.RebuildOptions{}); err == nil {
			t.Fatal("a reactor was rebuilt (it would act on the whole history again)")
		}
	}
	if got := actedOn(); !slices.Equal(got, []uuid.UUID{first}) {
		t.Fatalf("after the rebuilds the reactor acted on %v, want only %s", got, first)
	}
	second := w.share(c, w.document("q2.pdf", f, false), uuid.Nil, domain.PermissionView)
	w.caughtUp("probe")
	if got := actedOn(); !slices.Equal(got, []uuid.UUID{first, second}) {
		t.Fatalf("the reactor acted on %v, want %s and then %s, once each", got, first, second)
	}
}
