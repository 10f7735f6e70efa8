package eventstore_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/pgtest"
)

// TestPagedReadsKeepCommitOrderWhenTransactionIDsGainADigit: reads in commit
// order sorted by the text of transaction_id (an unqualified ORDER BY named the
// output column transaction_id::text), so "100000" came before "99999". Paged
// reads then skipped and re-read events: an audit export missed events, and a
// rebuild missed a stretch of the log (projections has the rebuild's test). The
// ids are moved with txid_shift so that the log holds ids of D digits starting
// with 9, then ids of D+1 digits starting with 10; both ReadOrdered and Export,
// in pages of two, must return every event once, in commit order.
func TestPagedReadsKeepCommitOrderWhenTransactionIDsGainADigit(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t)
	pool, _ := pgtest.NewDatabase(t)
	s := eventstore.New(pool, nil)
	raw := rawTxID(t, pool)
	step := uint64(1)
	for step <= raw {
		step *= 10
	}
	appendN := func(stream string, n int) {
		for i := range n {
			if _, err := s.Append(ctx, one(stream, int64(i), fmt.Sprint(stream, i))); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := eventstore.SetTransactionIDShift(ctx, pool, 9*step-raw); err != nil {
		t.Fatal(err)
	}
	appendN("nines", 5)
	if err := eventstore.SetTransactionIDShift(ctx, pool, 10*step-rawTxID(t, pool)); err != nil {
		t.Fatal(err)
	}
	appendN("tens", 5)
	// A read without Through stops at the horizon, which any transaction open on
	// the cluster (other tests' databases included) holds back: wait, bounded,
	// until it has passed every event appended here.
	for deadline := time.Now().Add(time.Minute); ; {
		var past bool
		if err := pool.QueryRow(ctx, `SELECT events_horizon() > (SELECT max(transaction_id) FROM events)`).Scan(&past); err != nil {
			t.Fatal(err)
		}
		if past {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the horizon did not pass the appended events within a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}

	inOrder := func(what string, got []eventstore.Cursor) {
		t.Helper()
		if len(got) != 10 {
			t.Fatalf("%s returned %d events, want 10: %v", what, len(got), got)
		}
		for i := 1; i < len(got); i++ {
			if !got[i-1].Less(got[i]) {
				t.Fatalf("%s: %s came before %s", what, got[i-1], got[i])
			}
		}
	}
	var (
		after eventstore.Cursor
		seen  = map[int64]bool{}
		n     int
	)
	for {
		evs, next, err := s.ReadOrdered(ctx, pool, eventstore.OrderedFilter{After: after, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 {
			break
		}
		if !after.Less(next) {
			t.Fatalf("ReadOrdered: the page after %s ended at %s", after, next)
		}
		for _, ev := range evs {
			seen[ev.Position] = true
		}
		n += len(evs)
		after = next
	}
	if n != 10 || len(seen) != 10 {
		t.Fatalf("ReadOrdered in pages of 2 returned %d events (%d distinct), want 10", n, len(seen))
	}
	var exported []eventstore.Cursor
	if _, err := s.Export(ctx, eventstore.ExportFilter{PageSize: 2}, func(ev domain.Recorded, raw eventstore.RawEvent) error {
		exported = append(exported, raw.Cursor(ev.Position))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	inOrder("Export in pages of 2", exported)
}

// rawTxID is the cluster's next transaction id, without the shift.
func rawTxID(t *testing.T, pool *pgxpool.Pool) uint64 {
	t.Helper()
	var s string
	if err := pool.QueryRow(t.Context(), `SELECT pg_current_xact_id()::text`).Scan(&s); err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
