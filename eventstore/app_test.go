package eventstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/apptest"
	"github.com/sharehub/sharehub/eventstore/audit"
)

// TestServicesOnPostgresRaceToASerialOutcome runs the application services on the
// real store: pause, resume, revoke and several grants on one customer, all at once.
// Whatever interleaving PostgreSQL picks, the log must be one that some serial order
// of the successful commands explains: the customer ends revoked, no grant succeeds
// after the revoke, every share granted before it was cancelled by it, and no event
// follows a terminal one.
func TestServicesOnPostgresRaceToASerialOutcome(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	svc, err := app.New(app.Config{Store: s, Hasher: apptest.Hasher{}, MaxAttempts: 100})
	if err != nil {
		t.Fatal(err)
	}
	mustReg := func(r app.Registration, err error) app.Registration {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	provider := mustReg(svc.RegisterCompany(ctx, app.Call{}, app.RegisterCompany{CompanyName: "Provider Ltd", Name: "Ada", Email: "ada@provider.test", Password: "correct horse battery"}))
	acme := mustReg(svc.RegisterCompany(ctx, app.Call{}, app.RegisterCompany{CompanyName: "Acme Corp", Name: "Carl", Email: "carl@acme.test", Password: "correct horse battery"}))
	admin := app.Call{ActorID: provider.UserID}
	var plain int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM events WHERE payload::text ILIKE '%ada@provider.test%' OR payload::text LIKE '%Carl%'`).Scan(&plain); err != nil || plain != 0 {
		t.Fatalf("names or emails stored in plain in %d events (%v)", plain, err)
	}
	if u, err := s.ReadStream(ctx, domain.UserStream(provider.UserID)); err != nil || u[0].Event.(domain.UserRegistered).Personal.Email != "ada@provider.test" {
		t.Fatalf("personal data does not read back: %v", err)
	}
	folder, err := svc.CreateFolder(ctx, admin, app.CreateFolder{Name: "Manuals"})
	if err != nil {
		t.Fatal(err)
	}
	var docs []uuid.UUID
	for i := 0; i < 4; i++ {
		d, err := svc.AddDocument(ctx, admin, app.AddDocument{FolderID: folder.FolderID, Name: fmt.Sprintf("d%d.pdf", i),
			File: domain.FileInfo{SHA256: strings.Repeat(fmt.Sprint(i), 64), Size: 100, MediaType: "application/pdf"}})
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d.DocumentID)
	}

	for round := 0; round < 6; round++ {
		c, err := svc.ConnectCustomer(ctx, admin, app.ConnectCustomer{CompanyID: acme.CompanyID})
		if err != nil {
			t.Fatalf("round %d: connect: %v", round, err)
		}
		ref := app.CustomerRef{CustomerID: c.CustomerID}
		type outcome struct {
			name  string
			err   error
			share uuid.UUID
			first int64
		}
		first := func(r app.AppendResult) int64 {
			if len(r.Positions) == 0 {
				return 0
			}
			return r.Positions[0]
		}
		ops := []func() outcome{
			func() outcome {
				r, err := svc.PauseCustomer(ctx, admin, ref)
				return outcome{"pause", err, uuid.Nil, first(r.Appended)}
			},
			func() outcome {
				r, err := svc.ResumeCustomer(ctx, admin, ref)
				return outcome{"resume", err, uuid.Nil, first(r.Appended)}
			},
			func() outcome {
				r, err := svc.RevokeCustomer(ctx, admin, ref)
				return outcome{"revoke", err, uuid.Nil, first(r.Appended)}
			},
		}
		for _, d := range docs {
			ops = append(ops, func() outcome {
				r, err := svc.GrantShare(ctx, admin, app.GrantShare{CustomerID: c.CustomerID, DocumentID: d, Permission: domain.PermissionView})
				return outcome{"grant", err, r.ShareID, first(r.Appended)}
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

		log, err := s.ReadAll(ctx, 0, 100_000)
		if err != nil {
			t.Fatal(err)
		}
		if err := domain.CheckLog(log); err != nil {
			t.Fatalf("round %d: log invariants: %v", round, err)
		}
		st := domain.NewState()
		for _, r := range log {
			if err := st.Apply(r.Event); err != nil {
				t.Fatal(err)
			}
		}
		if st.Customer(c.CustomerID).Status != domain.StatusRevoked {
			t.Fatalf("round %d: customer ends %s, want revoked", round, st.Customer(c.CustomerID).Status)
		}
		var revokeAt int64
		for _, r := range results {
			if r.name == "revoke" {
				if r.err != nil {
					t.Fatalf("round %d: revoke failed: %v", round, r.err)
				}
				revokeAt = r.first
			}
		}
		for _, r := range results {
			switch {
			case r.name == "revoke":
			case r.err == nil && r.first > revokeAt && r.first != 0:
				t.Errorf("round %d: %s succeeded at %d, after the revoke at %d", round, r.name, r.first, revokeAt)
			case r.err == nil && r.name == "grant" && st.Share(r.share).Reason != domain.ReasonCustomerRevoked:
				t.Errorf("round %d: share granted before the revoke was not cancelled by it", round)
			case r.err != nil && r.name == "grant" && !errors.Is(r.err, domain.ErrCustomerRevoked):
				t.Errorf("round %d: grant failed with %v, want ErrCustomerRevoked", round, r.err)
			case r.err != nil && r.name != "grant" && !errors.Is(r.err, domain.ErrCustomerRevoked) && !errors.Is(r.err, domain.ErrConflict):
				t.Errorf("round %d: %s failed with %v", round, r.name, r.err)
			}
		}
	}
	if rep, err := audit.VerifyChains(ctx, s.Pool(), nil); err != nil || !rep.OK {
		t.Fatalf("chains: %+v %v", rep, err)
	}
}

// With retries bounded, a command that keeps losing gives up with the conflict
// instead of spinning.
func TestServiceRetriesAreBoundedOnPostgres(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	losing := &alwaysConflict{EventStore: s}
	svc, err := app.New(app.Config{Store: losing, Hasher: apptest.Hasher{}, MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.RegisterCompany(ctx, app.Call{}, app.RegisterCompany{CompanyName: "X", Name: "Y", Email: "y@x.test", Password: "correct horse battery"})
	if !errors.Is(err, domain.ErrConcurrencyConflict) {
		t.Fatalf("got %v, want ErrConcurrencyConflict after the retries", err)
	}
	if n := losing.calls; n != 3 {
		t.Fatalf("append tried %d times, want 3", n)
	}
}

// alwaysConflict lets every read through to PostgreSQL but makes each append lose.
type alwaysConflict struct {
	app.EventStore
	mu    sync.Mutex
	calls int
}

func (a *alwaysConflict) Append(ctx context.Context, b app.Batch) (app.AppendResult, error) {
	a.mu.Lock()
	a.calls++
	a.mu.Unlock()
	return app.AppendResult{}, fmt.Errorf("append: %w", domain.ErrConcurrencyConflict)
}
