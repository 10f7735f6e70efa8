package eventstore_test

import (
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
)

// TestGroupCommitLostReplyAnswersWithThePositionsInTheLog: the connection breaks
// after a group's statement committed and before its answer arrived. The appends
// are retried alone, meet their own rows (event ids already in the log), and must
// answer success with the positions those rows got: never an error for events
// that are in the log, never a second copy.
func TestGroupCommitLostReplyAnswersWithThePositionsInTheLog(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	var lost atomic.Int32
	eventstore.SetLostReply(s, func() error {
		if lost.Add(1) <= 2 { // the first statements commit, their answers are lost
			return fmt.Errorf("read reply: %w", &net.OpError{Op: "read", Net: "tcp", Err: io.ErrUnexpectedEOF})
		}
		return nil
	})
	const writers = 8
	var wg sync.WaitGroup
	results := make([][]int64, writers)
	errs := make([]error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.Append(ctx, one(fmt.Sprintf("lost-%d", w), 0, "a", "b"))
			results[w], errs[w] = res.Positions, err
		}()
	}
	wg.Wait()
	if lost.Load() < 2 {
		t.Fatalf("only %d statements ran: no reply was lost", lost.Load())
	}
	for w := range writers {
		if errs[w] != nil {
			t.Fatalf("writer %d: %v (its events may be in the log)", w, errs[w])
		}
		recs, err := s.ReadStream(ctx, fmt.Sprintf("lost-%d", w))
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2 || recs[0].Position != results[w][0] || recs[1].Position != results[w][1] {
			t.Fatalf("writer %d answered %v; the log holds %d events at %v", w, results[w], len(recs), positions(recs))
		}
	}
}

func positions(recs []domain.Recorded) []int64 {
	out := make([]int64, len(recs))
	for i, r := range recs {
		out[i] = r.Position
	}
	return out
}
