package eventstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/audit"
)

// The database itself refuses an event that does not link to its predecessor or that
// skips a version, whoever writes it.
func TestDatabaseRefusesBrokenLinksAndGaps(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	if _, err := s.Append(ctx, one("linked", 0, "a")); err != nil {
		t.Fatal(err)
	}
	insert := func(version int64, prev []byte) error {
		_, err := s.Pool().Exec(ctx, `INSERT INTO events (event_id, stream_id, stream_version, event_type,
			schema_version, payload, metadata, recorded_at, prev_hash, hash)
			VALUES ($1, 'linked', $2, 'test.Noted', 1, '{"text":"x","n":0}', '{}', now(), $3, $4)`,
			uuid.New(), version, prev, make([]byte, 32))
		return err
	}
	if err := insert(2, []byte("0123456789abcdef0123456789abcdef")); err == nil {
		t.Fatal("event with a forged prev_hash accepted")
	}
	if err := insert(3, eventstore.GenesisHash); err == nil {
		t.Fatal("event skipping a version accepted")
	}
	if err := insert(1, []byte("0123456789abcdef0123456789abcdef")); err == nil {
		t.Fatal("first event with a non-genesis prev_hash accepted")
	}
}

// Group commit: many concurrent appends share statements, yet each caller gets its
// own positions, and one caller's conflict fails nobody else.
func TestGroupCommitKeepsOutcomesApart(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	if _, err := s.Append(ctx, one("contended", 0, "first")); err != nil {
		t.Fatal(err)
	}
	const n = 64
	var wg sync.WaitGroup
	results := make([]app.AppendResult, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := one(fmt.Sprintf("own-%d", i), 0, fmt.Sprintf("e%d", i), "second")
			if i%8 == 0 { // stale: contended is at version 1
				b = one("contended", 0, "stale")
			}
			results[i], errs[i] = s.Append(ctx, b)
		}()
	}
	wg.Wait()
	seen := map[int64]bool{}
	for i := 0; i < n; i++ {
		if i%8 == 0 {
			if !errors.Is(errs[i], domain.ErrConcurrencyConflict) {
				t.Errorf("append %d: got %v, want conflict", i, errs[i])
			}
			continue
		}
		if errs[i] != nil {
			t.Fatalf("append %d failed with another's conflict: %v", i, errs[i])
		}
		evs, err := s.ReadStream(ctx, fmt.Sprintf("own-%d", i))
		if err != nil || len(evs) != 2 {
			t.Fatalf("stream own-%d: %v, %d events", i, err, len(evs))
		}
		for j, e := range evs {
			if results[i].Positions[j] != e.Position {
				t.Fatalf("append %d event %d: told position %d, stored at %d", i, j, results[i].Positions[j], e.Position)
			}
			if seen[e.Position] {
				t.Fatalf("position %d reported twice", e.Position)
			}
			seen[e.Position] = true
		}
		if results[i].LastPosition != evs[1].Position {
			t.Fatalf("append %d: LastPosition %d, want %d", i, results[i].LastPosition, evs[1].Position)
		}
	}
	rep, err := audit.VerifyChains(ctx, s.Pool(), nil)
	if err != nil || !rep.OK {
		t.Fatalf("chains after group commits: %+v %v", rep, err)
	}
}

// An append whose context ends after it was queued still reports the truth: the
// caller is never told "failed" about an event that is in the log.
func TestAppendOutcomeIsTruthfulWhenContextEnds(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	_, err := s.Append(ctx, one("deadline", 0, "x"))
	evs, rerr := s.ReadStream(ctxFor(t), "deadline")
	if rerr != nil {
		t.Fatal(rerr)
	}
	if err == nil && len(evs) != 1 {
		t.Fatal("append reported success but the event is not in the log")
	}
	if err != nil && len(evs) != 0 {
		t.Fatalf("append reported %v but the event is in the log", err)
	}
}
