package projections_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/projections"
)

// TestRebuildReadsInCommitOrderWhenTransactionIDsGainADigit is the failure of
// shfaults' "rebuild under load" made deterministic. The log is read in commit
// order, (transaction_id, position), in pages. The read selected
// transaction_id::text, an output column named transaction_id, and an unqualified
// ORDER BY transaction_id sorted by that text: once the ids gained a digit
// (99999 to 100000, which a busy cluster crosses during the fault run, hence "once
// in five runs, under load"), "100000" sorted before "99999". A page then ended
// at the wrong cursor: the next one re-read events and skipped others, and the
// fresh tables missed a stretch of the log (the run's "72 shares, 78 versions, 1
// company, 1 customer" differences). The live consumer reads through its own
// query, which was right, so only rebuilds, as-of replays and exports erred.
//
// Here the ids are moved (txid_shift, as a restore does) so that the first events
// get ids of D digits starting with 9 and the later ones ids of D+1 digits
// starting with 10; the later events cancel shares the earlier ones granted.
func TestRebuildReadsInCommitOrderWhenTransactionIDsGainADigit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(projections.Portal)
	c, _, _ := w.customer("Cust")
	f := w.folder("Docs", uuid.Nil, uuid.Nil)

	raw := clusterTxID(t, w)
	step := uint64(1)
	for step <= raw {
		step *= 10
	}
	// From here on, ids of D digits beginning with a 9 ...
	if err := eventstore.SetTransactionIDShift(w.ctx, w.pool, 9*step-raw); err != nil {
		t.Fatal(err)
	}
	var early []uuid.UUID
	for i := range 4 {
		d := w.document(fmt.Sprintf("early-%d.pdf", i), f, false)
		early = append(early, w.share(c, d, uuid.Nil, domain.PermissionView))
	}
	w.caughtUp("portal")
	// ... then of D+1 digits beginning with 10: as text, before every earlier id.
	if err := eventstore.SetTransactionIDShift(w.ctx, w.pool, 10*step-clusterTxID(t, w)); err != nil {
		t.Fatal(err)
	}
	for i, s := range early {
		w.do(w.svc.CancelShare(w.ctx, as(w.admin), app.ShareRef{ShareID: s}))
		d := w.document(fmt.Sprintf("late-%d.pdf", i), f, false)
		w.share(c, d, uuid.Nil, domain.PermissionView)
	}
	w.caughtUp("portal")

	// The log read in small pages: every event once, in commit order.
	var (
		after   eventstore.Cursor
		seen    []int64
		cursors []eventstore.Cursor
	)
	for {
		evs, next, err := w.store.ReadOrdered(w.ctx, w.pool, eventstore.OrderedFilter{After: after, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			seen = append(seen, ev.Position)
		}
		if len(evs) == 0 {
			break
		}
		if !after.Less(next) {
			t.Fatalf("a page after %s ended at %s: the cursor went back", after, next)
		}
		cursors = append(cursors, next)
		after = next
	}
	var total int
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM events`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	sorted := slices.Clone(seen)
	slices.Sort(sorted)
	if len(seen) != total || len(slices.Compact(sorted)) != total {
		t.Fatalf("paged read returned %d events (%d distinct) of %d; page cursors %v", len(seen), len(slices.Compact(sorted)), total, cursors)
	}

	// A rebuild in chunks of two finds the live tables identical (and swaps).
	res, err := projections.Rebuild(w.ctx, w.store, w.pool, projections.Portal, projections.RebuildOptions{ChunkSize: 2})
	if err != nil {
		t.Fatalf("rebuild across a digit of transaction ids: %v", err)
	}
	if len(res.Differences) > 0 {
		t.Fatalf("rebuild differs: %v", res.Differences)
	}
	// And after the swap the portal shows the late documents only.
	got := visible(w.view(c))
	slices.Sort(got)
	if want := []string{"late-0.pdf", "late-1.pdf", "late-2.pdf", "late-3.pdf"}; !slices.Equal(got, want) {
		t.Fatalf("portal after the rebuild lists %v, want %v", got, want)
	}
}

// clusterTxID is the next transaction id of the cluster itself (without the
// shift).
func clusterTxID(t *testing.T, w *world) uint64 {
	t.Helper()
	var s string
	if err := w.pool.QueryRow(w.ctx, `SELECT pg_current_xact_id()::text`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
