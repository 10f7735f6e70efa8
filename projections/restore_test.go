package projections_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/audit"
	"github.com/sharehub/sharehub/projections"
)

// TestRestoredLogKeepsDeliveryAndSeals stands in for a pg_dump restored into a
// fresh cluster (shfaults' "restore" run does the real thing): the log and the
// checkpoints hold transaction ids a billion above what the cluster hands out
// next. The restore check must see it and raise the shift, after which new events
// are delivered (a share granted and cancelled shows in the portal, then goes)
// and seals keep covering and verifying the log.
func TestRestoredLogKeepsDeliveryAndSeals(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// The old cluster counted a billion transactions ahead.
	if err := eventstore.SetTransactionIDShift(w.ctx, w.pool, 1000000000); err != nil {
		t.Fatal(err)
	}
	w.run(projections.Portal)
	c, _, _ := w.customer("Cust")
	f := w.folder("Docs", uuid.Nil, uuid.Nil)
	d := w.document("before.pdf", f, false)
	w.share(c, d, uuid.Nil, domain.PermissionView)
	w.caughtUp("portal")
	if _, err := audit.SealLog(w.ctx, w.pool); err != nil {
		t.Fatal(err)
	}
	// Restored into a new cluster: its own counter, far below the log's ids.
	if err := eventstore.SetTransactionIDShift(w.ctx, w.pool, 0); err != nil {
		t.Fatal(err)
	}
	check, err := eventstore.AlignTransactionIDs(w.ctx, w.pool)
	if err != nil {
		t.Fatal(err)
	}
	if !check.Shifted() || check.HighestLogged < check.Next || check.Next+check.ShiftAfter <= check.HighestLogged {
		t.Fatalf("restore check did not see the restored log: %+v", check)
	}
	if again, err := eventstore.AlignTransactionIDs(w.ctx, w.pool); err != nil || again.Shifted() {
		t.Fatalf("a second check changed the shift again: %+v %v", again, err)
	}

	d2 := w.document("after.pdf", f, false)
	share := w.share(c, d2, uuid.Nil, domain.PermissionView)
	if got := visible(w.view(c)); len(got) != 2 {
		t.Fatalf("after the restore the portal lists %v, want both documents", got)
	}
	w.do(w.svc.CancelShare(w.ctx, as(w.admin), app.ShareRef{ShareID: share}))
	if got := visible(w.view(c)); len(got) != 1 || got[0] != "before.pdf" {
		t.Fatalf("a share cancelled after the restore still shows: %v", got)
	}
	seal, err := audit.SealLog(w.ctx, w.pool)
	if err != nil || seal == nil || seal.EventsCovered == 0 {
		t.Fatalf("seal after the restore covers nothing: %+v %v", seal, err)
	}
	rep, err := audit.VerifySeals(w.ctx, w.pool, nil)
	if err != nil || !rep.OK || rep.SealsChecked != 2 {
		t.Fatalf("seals after the restore: %+v %v", rep, err)
	}
	chains, err := audit.VerifyChains(w.ctx, w.pool, nil)
	if err != nil || !chains.OK {
		t.Fatalf("chains: %+v %v", chains, err)
	}
	rebuildEqualsLive(t, w, projections.Portal)
}
