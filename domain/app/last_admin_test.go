package app_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

// rendezvousStore holds the first two appends until both arrived, so that two
// commands have each loaded their state before either commits: the interleaving
// of two admins acting on each other at the same instant, made deterministic.
type rendezvousStore struct {
	app.EventStore
	mu      sync.Mutex
	waiting int
	both    chan struct{}
}

func (s *rendezvousStore) Append(ctx context.Context, b app.Batch) (app.AppendResult, error) {
	s.mu.Lock()
	s.waiting++
	first := s.waiting <= 2
	if s.waiting == 2 {
		close(s.both)
	}
	s.mu.Unlock()
	if first {
		select {
		case <-s.both:
		case <-ctx.Done():
			return app.AppendResult{}, ctx.Err()
		}
	}
	return s.EventStore.Append(ctx, b)
}

// TestTwoAdminsCannotRemoveEachOther: two admins deactivating (or demoting)
// each other at the same instant never leave the company without an active
// admin; one of them wins and the other is refused on its retry.
func TestTwoAdminsCannotRemoveEachOther(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	for _, c := range []struct {
		name string
		act  func(f *fixture, actor, target uuid.UUID) error
	}{
		{"deactivate", func(f *fixture, actor, target uuid.UUID) error {
			_, err := f.svc.SetStaffActive(f.ctx, as(actor), app.SetStaffActive{UserID: target, Active: false})
			return err
		}},
		{"demote", func(f *fixture, actor, target uuid.UUID) error {
			_, err := f.svc.ChangeRole(f.ctx, as(actor), app.ChangeRole{UserID: target, Admin: &no})
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			a := f.signup("Provider Ltd", "ada@provider.test").UserID
			b := f.staff(a, "bob@provider.test", true, false)
			must[app.UserResult](t)(f.svc.ChangeRole(f.ctx, as(a), app.ChangeRole{UserID: b, Admin: &yes}))
			// From here on, appends meet at the rendezvous.
			rv := &rendezvousStore{EventStore: f.store, both: make(chan struct{})}
			svc, err := app.New(app.Config{Store: rv, Hasher: fakeHasher{}, Clock: f.clock.Now, NewID: (&ids{}).New})
			if err != nil {
				t.Fatal(err)
			}
			g := *f
			g.svc = svc
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i, pair := range [][2]uuid.UUID{{a, b}, {b, a}} {
				wg.Add(1)
				go func() { defer wg.Done(); errs[i] = c.act(&g, pair[0], pair[1]) }()
			}
			wg.Wait()
			if (errs[0] == nil) == (errs[1] == nil) {
				t.Fatalf("exactly one of the two should win: %v / %v", errs[0], errs[1])
			}
			admins := 0
			for _, id := range []uuid.UUID{a, b} {
				if u := f.state().User(id); u.Role == domain.RoleAdmin && !u.Account.Deactivated {
					admins++
				}
			}
			if admins != 1 {
				t.Fatalf("%d active admins left, want 1", admins)
			}
		})
	}
}
