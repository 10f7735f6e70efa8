package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

// TestConcurrentPauseRevokeGrant races pause, resume, revoke and grants on one
// customer. Whatever interleaving happens, the log must be one some serial order
// of the successful commands explains: a grant either landed before the revoke
// (and the revoke cancelled it) or was told the customer is revoked; no share is
// left active on the revoked customer.
func TestConcurrentPauseRevokeGrant(t *testing.T) {
	t.Parallel()
	for round := range 25 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			t.Parallel()
			// Enough attempts that only domain rules, not contention, decide outcomes.
			w := newWorld(t, func(c *app.Config) { c.MaxAttempts = 100 })
			docs := []uuid.UUID{w.doc}
			for i := range 3 {
				docs = append(docs, must[app.DocumentResult](t)(w.svc.AddDocument(w.ctx, as(w.admin), app.AddDocument{FolderID: w.folder, Name: fmt.Sprintf("d%d.pdf", i), File: file(byte(i))})).DocumentID)
			}
			ref := app.CustomerRef{CustomerID: w.customer}
			type outcome struct {
				name  string
				err   error
				share uuid.UUID
				pos   int64
			}
			ops := []func() outcome{
				func() outcome {
					r, err := w.svc.PauseCustomer(w.ctx, as(w.admin), ref)
					return outcome{"pause", err, uuid.Nil, r.Appended.LastPosition}
				},
				func() outcome {
					r, err := w.svc.ResumeCustomer(w.ctx, as(w.admin), ref)
					return outcome{"resume", err, uuid.Nil, r.Appended.LastPosition}
				},
				func() outcome {
					r, err := w.svc.RevokeCustomer(w.ctx, as(w.admin), ref)
					return outcome{"revoke", err, uuid.Nil, firstPos(r.Appended)}
				},
			}
			for _, d := range docs {
				ops = append(ops, func() outcome {
					r, err := w.svc.GrantShare(w.ctx, as(w.admin), app.GrantShare{CustomerID: w.customer, DocumentID: d, Permission: domain.PermissionView})
					return outcome{"grant", err, r.ShareID, firstPos(r.Appended)}
				})
			}
			results := make([]outcome, len(ops))
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, op := range ops {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					results[i] = op()
				}()
			}
			close(start)
			wg.Wait()

			if err := domain.CheckLog(w.log()); err != nil {
				t.Fatalf("log invariants: %v", err)
			}
			var revokeAt int64
			summary := ""
			for _, r := range results {
				summary += fmt.Sprintf(" %s:%v", r.name, r.err == nil)
			}
			t.Log(summary)
			for _, r := range results {
				if r.name == "revoke" {
					if r.err != nil {
						t.Fatalf("revoke failed: %v", r.err)
					}
					revokeAt = r.pos
				}
			}
			s := w.state()
			if s.Customer(w.customer).Status != domain.StatusRevoked {
				t.Fatal("the customer must end revoked")
			}
			for _, r := range results {
				switch {
				case r.name == "revoke":
				case r.err == nil && r.pos >= revokeAt:
					t.Errorf("%s succeeded at %d, after the revoke at %d", r.name, r.pos, revokeAt)
				case r.err == nil && r.name == "grant" && s.Share(r.share).Reason != domain.ReasonCustomerRevoked:
					t.Errorf("share %s granted before the revoke was not cancelled by it: %+v", r.share, s.Share(r.share))
				case r.err != nil && r.name == "grant" && !errors.Is(r.err, domain.ErrCustomerRevoked):
					t.Errorf("a grant may only lose to the revoke, got %v", r.err)
				case r.err != nil && r.name != "grant" && !errors.Is(r.err, domain.ErrCustomerRevoked) && !errors.Is(r.err, domain.ErrConflict):
					t.Errorf("%s failed with %v", r.name, r.err)
				}
			}
		})
	}
}

func firstPos(r app.AppendResult) int64 {
	if len(r.Positions) == 0 {
		return 0
	}
	return r.Positions[0]
}

// flakyStore fails the first n appends with a conflict, and may run a hook (a
// competing command) just before the first append reaches the store.
type flakyStore struct {
	app.EventStore
	failures int32
	appends  atomic.Int32
	before   func()
	once     sync.Once
}

func (s *flakyStore) Append(ctx context.Context, b app.Batch) (app.AppendResult, error) {
	if s.before != nil {
		s.once.Do(s.before)
	}
	if s.appends.Add(1) <= s.failures {
		return app.AppendResult{}, fmt.Errorf("injected: %w", domain.ErrConcurrencyConflict)
	}
	return s.EventStore.Append(ctx, b)
}

func TestBoundedRetries(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name     string
		failures int32
		wantErr  error
		appends  int32
	}{
		{"succeeds after two conflicts", 2, nil, 3},
		{"gives up after five attempts", 1000, domain.ErrConcurrencyConflict, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			flaky := &flakyStore{EventStore: w.store, failures: c.failures}
			svc, err := app.New(app.Config{Store: flaky, Hasher: fakeHasher{}, Clock: w.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			_, err = svc.PauseCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: w.customer})
			if c.wantErr == nil && err != nil || c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Fatalf("error %v, want %v", err, c.wantErr)
			}
			if got := flaky.appends.Load(); got != c.appends {
				t.Fatalf("%d appends, want %d", got, c.appends)
			}
		})
	}
}

// TestInterleavedRevokeRetries makes a revoke land between a command's read and its
// append: the append conflicts on the customer stream, the command reloads and is
// then rejected by the rules, leaving nothing active on the revoked customer.
func TestInterleavedRevokeRetries(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		run  func(svc *app.Service, w *world) error
	}{
		{"grant", func(svc *app.Service, w *world) error {
			_, err := svc.GrantShare(w.ctx, as(w.admin), app.GrantShare{CustomerID: w.customer, DocumentID: w.doc, Permission: domain.PermissionEdit})
			return err
		}},
		{"pause", func(svc *app.Service, w *world) error {
			_, err := svc.PauseCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: w.customer})
			return err
		}},
		{"invite a portal user", func(svc *app.Service, w *world) error {
			_, err := svc.InviteCustomerUser(w.ctx, as(w.admin), app.InviteCustomerUser{CustomerID: w.customer, Name: "D", Email: "d@acme.test"})
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			flaky := &flakyStore{EventStore: w.store}
			flaky.before = func() {
				must[app.CustomerResult](t)(w.svc.RevokeCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: w.customer}))
			}
			svc, err := app.New(app.Config{Store: flaky, Hasher: fakeHasher{}, Clock: w.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			wantErr(t, c.run(svc, w), domain.ErrCustomerRevoked)
			if got := flaky.appends.Load(); got != 1 {
				t.Fatalf("%d appends reached the store, want 1 (the conflicting one)", got)
			}
			if err := domain.CheckLog(w.log()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestInterleavedRemovalRetries: a document removed between a grant's (or link's)
// read and append.
func TestInterleavedRemovalRetries(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		run  func(svc *app.Service, w *world) error
	}{
		{"grant", func(svc *app.Service, w *world) error {
			_, err := svc.GrantShare(w.ctx, as(w.admin), app.GrantShare{CustomerID: w.customer, DocumentID: w.doc, Permission: domain.PermissionView})
			return err
		}},
		{"link", func(svc *app.Service, w *world) error {
			_, err := svc.CreateLink(w.ctx, as(w.admin), app.CreateLink{DocumentID: w.doc})
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			flaky := &flakyStore{EventStore: w.store}
			flaky.before = func() {
				must[app.DocumentResult](t)(w.svc.RemoveDocument(w.ctx, as(w.admin), app.DocumentRef{DocumentID: w.doc}))
			}
			svc, err := app.New(app.Config{Store: flaky, Hasher: fakeHasher{}, Clock: w.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			wantErr(t, c.run(svc, w), domain.ErrNotFound)
			if err := domain.CheckLog(w.log()); err != nil {
				t.Fatal(err)
			}
		})
	}
}
