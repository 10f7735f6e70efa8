package eventstore_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/audit"
	"github.com/sharehub/sharehub/eventstore/bulkload"
)

// A log built with domain commands and bulk-loaded reads back like an appended one:
// chains verify, domain invariants hold, personal data is encrypted and decrypts.
func TestBulkLoadWritesAValidLog(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	st := domain.NewState()
	now := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	provider, acme, admin := uuid.New(), uuid.New(), uuid.New()
	customerID, folderID, docID, shareID := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	must := func(evs []domain.Event, err error) []domain.Event {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return evs
	}
	indexes := func() []string {
		t.Helper()
		rows, err := s.Pool().Query(ctx, `SELECT indexdef FROM pg_indexes WHERE tablename = 'events'
			UNION ALL SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'events'::regclass ORDER BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		defs, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return defs
	}
	before := indexes()
	n, err := bulkload.Load(ctx, s.Pool(), bulkload.Options{RebuildIndexes: true}, func(b *bulkload.BulkLoader) error {
		record := func(tenant uuid.UUID, changes ...domain.Change) error {
			if err := st.ApplyChanges(changes); err != nil {
				return err
			}
			now = now.Add(time.Minute)
			for _, c := range changes {
				if b.Version(c.Stream) != c.Version {
					return errors.New("loader and state disagree on " + c.Stream)
				}
				if err := b.Add(domain.Metadata{ActorID: admin, ActorKind: domain.ActorUser, TenantID: tenant, CorrelationID: uuid.New()}, now, c.Stream, c.Events...); err != nil {
					return err
				}
			}
			return nil
		}
		one := func(tenant uuid.UUID, evs []domain.Event) error {
			return record(tenant, domain.Change{Stream: domain.StreamOf(evs[0]), Version: st.Version(domain.StreamOf(evs[0])), Events: evs})
		}
		for _, c := range []struct {
			id   uuid.UUID
			name string
		}{{provider, "Provider Ltd"}, {acme, "Acme Corp"}} {
			if err := one(c.id, must(st.Company(c.id).Register(c.id, c.name, domain.ViaSignup, now))); err != nil {
				return err
			}
		}
		if err := one(provider, must((&domain.User{}).Register(domain.NewUser{ID: admin, CompanyID: provider, Name: "Ada Admin",
			Email: "ada@provider.example", Role: domain.RoleAdmin, CanShare: true}, now))); err != nil {
			return err
		}
		changes, err := domain.ConnectCustomer(st.Company(provider), domain.NewCustomer{CustomerID: customerID, WorkspaceFolderID: folderID,
			Company: st.Company(acme)}, domain.ViaProvider, now)
		if err != nil {
			return err
		}
		if err := record(provider, changes...); err != nil {
			return err
		}
		if err := one(provider, must(st.Document(docID).Add(domain.NewDocument{ID: docID, Folder: st.Folder(folderID), Name: "a.pdf",
			File: domain.FileInfo{SHA256: strings.Repeat("ab", 32), Size: 10, MediaType: "application/pdf"}}, now))); err != nil {
			return err
		}
		if changes, err = domain.GrantShare(domain.NewShare{ShareID: shareID, Customer: st.Customer(customerID), Document: st.Document(docID),
			Permission: domain.PermissionView, By: admin}, now); err != nil {
			return err
		}
		if err := record(provider, changes...); err != nil {
			return err
		}
		if changes, err = domain.RevokeCustomer(st.Company(provider), st.Customer(customerID),
			map[uuid.UUID]*domain.Share{shareID: st.Share(shareID)}, admin, now); err != nil {
			return err
		}
		return record(provider, changes...)
	})
	if err != nil {
		t.Fatal(err)
	}
	if after := indexes(); !slices.Equal(before, after) || len(after) < 8 {
		t.Fatalf("indexes and constraints after the load:\n%v\nbefore:\n%v", after, before)
	}
	log, err := s.ReadAll(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(log)) != n || n < 10 {
		t.Fatalf("loaded %d events, read back %d", n, len(log))
	}
	if err := domain.CheckLog(log); err != nil {
		t.Fatalf("invariants: %v", err)
	}
	if rep, err := audit.VerifyChains(ctx, s.Pool(), nil); err != nil || !rep.OK || rep.EventsChecked != n {
		t.Fatalf("chains: %+v %v", rep, err)
	}
	if sh := log[len(log)-1]; sh.Type != "ShareCancelled" || sh.Meta.TenantID != provider {
		t.Fatalf("last event %s of tenant %s", sh.Type, sh.Meta.TenantID)
	}
	user, err := s.ReadStream(ctx, domain.UserStream(admin))
	if err != nil || user[0].Event.(domain.UserRegistered).Personal.Email != "ada@provider.example" {
		t.Fatalf("personal data does not read back: %v", err)
	}
	var plain int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM events WHERE payload::text LIKE '%ada@provider%'`).Scan(&plain); err != nil || plain != 0 {
		t.Fatalf("personal data stored in plain (%d rows, %v)", plain, err)
	}

	// A stream that already has events cannot be loaded again, and a failed fill
	// writes nothing.
	if _, err := bulkload.Load(ctx, s.Pool(), bulkload.Options{RebuildIndexes: true}, func(b *bulkload.BulkLoader) error {
		return b.Add(domain.Metadata{}, now, domain.CompanyStream(acme), domain.PortalDefaultsChanged{CompanyID: acme, ChangedAt: now})
	}); err == nil {
		t.Fatal("bulk load over an existing stream accepted")
	}
	errFill := errors.New("fill failed")
	if _, err := bulkload.Load(ctx, s.Pool(), bulkload.Options{}, func(b *bulkload.BulkLoader) error {
		for i := 0; i < 5000; i++ {
			if err := b.Add(domain.Metadata{}, now, "bulk-fail", noted{Text: "x", N: i}); err != nil {
				return err
			}
		}
		return errFill
	}); !errors.Is(err, errFill) {
		t.Fatalf("failed fill: got %v", err)
	}
	if err := s.ForgetSubject(ctx, acme); err != nil {
		t.Fatal(err)
	}
	if _, err := bulkload.Load(ctx, s.Pool(), bulkload.Options{}, func(b *bulkload.BulkLoader) error {
		id := uuid.New()
		return b.Add(domain.Metadata{}, now, domain.UserStream(id), domain.UserRegistered{UserID: id, CompanyID: acme,
			Personal: domain.PersonalData{Name: "New Person"}, Role: domain.RoleMember, RegisteredAt: now})
	}); !errors.Is(err, eventstore.ErrSubjectForgotten) {
		t.Fatalf("personal data of a forgotten company: got %v", err)
	}
	var total int64
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&total); err != nil || total != n {
		t.Fatalf("%d events after failed loads, want %d (%v)", total, n, err)
	}
}
