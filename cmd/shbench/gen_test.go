package main

import (
	"context"
	"testing"
	"time"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/audit"
	"github.com/sharehub/sharehub/eventstore/pgtest"
)

// The bulk-loaded log has exactly the events asked for, verifies, satisfies every
// domain invariant and reads back through the codec.
func TestGenerateLogIsValidAndRealistic(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const n = 30_000
	if err := generateLog(ctx, pool, n, 42); err != nil {
		t.Fatal(err)
	}
	store := eventstore.New(pool, nil)
	rep, err := audit.VerifyChains(ctx, pool, nil)
	if err != nil || !rep.OK || rep.EventsChecked != n {
		t.Fatalf("chains: %+v %v", rep, err)
	}
	log, err := store.ReadAll(ctx, 0, n+1)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != n {
		t.Fatalf("%d events, want exactly %d", len(log), n)
	}
	if err := domain.CheckLog(log); err != nil {
		t.Fatalf("invariants: %v", err)
	}
	// What the store adds to the generator's log: personal data encrypted on the
	// way in reads back (the scenario package checks the log's realism itself).
	var users int
	for _, r := range log {
		if e, ok := r.Event.(domain.UserRegistered); ok {
			users++
			if e.Personal.Email == "" || e.Personal.Email == domain.Forgotten {
				t.Fatalf("personal data does not read back: %+v", e.Personal)
			}
		}
	}
	if users == 0 {
		t.Fatal("no user registered")
	}
}

// Tiny logs come out exact too: the last events are single-event commands.
func TestGenerateLogHasExactlyTheEventsAsked(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 7, 250, 1999} {
		pool, _ := pgtest.NewDatabase(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := generateLog(ctx, pool, n, int64(n)); err != nil {
			t.Fatalf("%d events: %v", n, err)
		}
		log, err := eventstore.New(pool, nil).ReadAll(ctx, 0, n+1)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != n {
			t.Fatalf("asked for %d events, got %d", n, len(log))
		}
		if err := domain.CheckLog(log); err != nil {
			t.Fatalf("%d events: %v", n, err)
		}
	}
}
