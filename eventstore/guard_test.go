package eventstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/pgtest"
)

// guardedBatch records one event in a new stream of its own, guarded by dep at
// version v (as a link open is by its link).
func guardedBatch(dep string, v int64) (app.Batch, string) {
	own := domain.DownloadStream(uuid.New())
	b := one(own, 0, "open")
	b.Records = []app.Record{app.StreamGuard{StreamID: dep, Version: v}}
	return b, own
}

func lockedWrite(dep string, expected int64) app.Batch {
	b := one(dep, expected, "cancel")
	b.Records = []app.Record{app.StreamLock{StreamID: dep}}
	return b
}

// waitForAdvisoryWaiter waits until some session of this database waits for an
// advisory lock (the other side of a guard), so the test observes the blocking
// itself rather than guessing it from time. If the other side finishes first
// (done), it did not wait: the test fails.
func waitForAdvisoryWaiter(t *testing.T, ctx context.Context, pool *pgxpool.Pool, done <-chan error) {
	t.Helper()
	for {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("nobody waits for the stream's lock")
		case err := <-done:
			t.Fatalf("finished without waiting for the other side to commit: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func streamLen(t *testing.T, s *eventstore.Store, stream string) int {
	t.Helper()
	recs, err := s.ReadStream(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	return len(recs)
}

// TestLockedWriteWaitsForGuardedBatch: an open checked its link before the cancel
// and has not committed yet: the cancel waits for it, so the open never commits
// after the cancel.
func TestLockedWriteWaitsForGuardedBatch(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t)
	pool, _ := pgtest.NewDatabase(t)
	s := eventstore.New(pool, nil)
	dep := domain.LinkStream(uuid.New())
	if _, err := s.Append(ctx, one(dep, 0, "created")); err != nil {
		t.Fatal(err)
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	open, own := guardedBatch(dep, 1)
	if _, err := s.AppendWith(ctx, tx, open); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := s.Append(ctx, lockedWrite(dep, 1)); done <- err }()
	waitForAdvisoryWaiter(t, ctx, pool, done)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if streamLen(t, s, own) != 1 || streamLen(t, s, dep) != 2 {
		t.Fatal("both should have committed, the guarded batch first")
	}
}

// TestGuardedBatchAfterLockedWriteConflicts: the cancel is appended but not yet
// committed; an open checking now waits, sees the cancel once it commits, and is
// refused: nothing is recorded.
func TestGuardedBatchAfterLockedWriteConflicts(t *testing.T) {
	t.Parallel()
	ctx := ctxFor(t)
	pool, _ := pgtest.NewDatabase(t)
	s := eventstore.New(pool, nil)
	dep := domain.LinkStream(uuid.New())
	if _, err := s.Append(ctx, one(dep, 0, "created")); err != nil {
		t.Fatal(err)
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := s.AppendWith(ctx, tx, lockedWrite(dep, 1)); err != nil {
		t.Fatal(err)
	}
	open, own := guardedBatch(dep, 1)
	done := make(chan error, 1)
	go func() { _, err := s.Append(ctx, open); done <- err }()
	waitForAdvisoryWaiter(t, ctx, pool, done)
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, domain.ErrConcurrencyConflict) {
		t.Fatalf("guarded batch after the write: %v", err)
	}
	if streamLen(t, s, own) != 0 {
		t.Fatal("a guarded batch committed after the write it did not see")
	}
}
