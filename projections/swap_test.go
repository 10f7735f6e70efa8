package projections_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/projections"
)

// TestRebuildSwapNeverDropsALiveUpdate reproduces, step by step through hooks,
// the interleaving in which a swap used to lose a cancellation:
//
//  1. a share is granted after the rebuild read the log, and the live consumer
//     applies it; the swap transaction therefore writes that share's row into
//     the fresh tables itself;
//  2. the cancel's transaction began before the swap transaction (so its
//     transaction id is below the swap's, and a snapshot taken while the swap
//     runs delivers it); it commits while the swap holds the live checkpoint
//     row, and then the live consumer begins a poll: its snapshot sees the
//     cancel but not the fresh row, and it waits for the checkpoint row;
//  3. the swap commits.
//
// The consumer must not apply the cancel with that snapshot (its UPDATE would
// find no row, and its checkpoint would move past the cancel for good).
func TestRebuildSwapNeverDropsALiveUpdate(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	stop := w.run(projections.Portal)
	c, _, _ := w.customer("Cust")
	f := w.folder("Docs", uuid.Nil, uuid.Nil)
	d := w.document("contract.pdf", f, false)
	w.caughtUp("portal")

	var (
		share    uuid.UUID
		cancelTx pgx.Tx
	)
	built := func(ctx context.Context) error {
		share = w.share(c, d, uuid.Nil, domain.PermissionView)
		w.caughtUp("portal")
		stop() // the consumer's next poll is started by the test, at step 2
		var err error
		if cancelTx, err = w.pool.Begin(ctx); err != nil {
			return err
		}
		_, err = cancelTx.Exec(ctx, `SELECT pg_current_xact_id()`)
		return err
	}
	locked := func(ctx context.Context) error {
		cancel := domain.ShareCancelled{ShareID: share, ProviderID: w.provider, CustomerID: c, DocumentID: d,
			Reason: domain.ReasonCancelled, CancelledBy: w.admin, CancelledAt: w.clock.Now()}
		res, err := w.store.AppendWith(ctx, cancelTx, app.Batch{
			Streams: []app.StreamAppend{{StreamID: domain.ShareStream(share), ExpectedVersion: 1, Events: []domain.Event{cancel}}},
			Meta:    domain.Metadata{ActorID: w.admin, ActorKind: domain.ActorUser, TenantID: w.provider, CorrelationID: uuid.New()}})
		if err != nil {
			return err
		}
		if err := cancelTx.Commit(ctx); err != nil {
			return err
		}
		w.note(res)
		w.run(projections.Portal)
		// Barrier: the new consumer has taken its snapshot and waits for the
		// checkpoint row this transaction holds.
		for deadline := time.Now().Add(30 * time.Second); ; {
			var waiting int
			if err := w.pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
				WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%last_processed%'`).
				Scan(&waiting); err != nil {
				return err
			}
			if waiting > 0 {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("the live consumer never waited for the checkpoint row")
			}
			time.Sleep(time.Millisecond)
		}
	}
	if _, err := projections.Rebuild(w.ctx, w.store, w.pool, projections.Portal,
		projections.WithRebuildHooks(projections.RebuildOptions{}, built, locked)); err != nil {
		t.Fatal(err)
	}
	w.caughtUp("portal")
	var cancelled bool
	if err := w.pool.QueryRow(w.ctx, `SELECT cancelled FROM rm_portal.shares WHERE id = $1`, share).Scan(&cancelled); err != nil {
		t.Fatal(err)
	}
	if !cancelled {
		t.Fatal("the share cancelled during the swap is still active in the read model")
	}
	if got := visible(w.view(c)); len(got) != 0 {
		t.Fatalf("the portal still lists %v after its only share was cancelled", got)
	}
	rebuildEqualsLive(t, w, projections.Portal)
}

// TestARefusedRebuildNamesTheDifferingRows: a refusal says which rows differ (by
// key, on which side), so that a difference found under load can be traced to
// its events instead of only counted.
func TestARefusedRebuildNamesTheDifferingRows(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(projections.Portal)
	c, _, _ := w.customer("Cust")
	w.caughtUp("portal")
	if _, err := w.pool.Exec(w.ctx, `UPDATE rm_portal.customers SET company_name = 'tampered' WHERE id = $1`, c); err != nil {
		t.Fatal(err)
	}
	_, err := projections.Rebuild(w.ctx, w.store, w.pool, projections.Portal, projections.RebuildOptions{})
	var diff *projections.DiffError
	if !errors.As(err, &diff) {
		t.Fatalf("rebuild over a tampered row: %v, want a DiffError", err)
	}
	want := []string{"live:" + c.String(), "fresh:" + c.String()}
	if !slices.Equal(diff.Samples["customers"], want) || !strings.Contains(err.Error(), want[0]) {
		t.Fatalf("refusal names %v (%v), want %v", diff.Samples, err, want)
	}
}
