package domain_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

func expiringShare(id, docID, folderID uuid.UUID, ends time.Time) []domain.Event {
	out := evs(domain.PortalShareGranted{ShareID: id, ProviderID: provider, CustomerID: cust, DocumentID: docID, FolderID: folderID,
		Permission: domain.PermissionView, GrantedBy: admin, GrantedAt: t0, ExpiresAt: ends})
	out = append(out, domain.CustomerShareAdded{CustomerID: cust, ShareID: id, DocumentID: docID, FolderID: folderID})
	if docID != uuid.Nil {
		out = append(out, domain.DocumentShareAdded{DocumentID: docID, ShareID: id, CustomerID: cust})
	}
	return out
}

func TestGrantShareWithExpiry(t *testing.T) {
	t.Parallel()
	grant := func(ends time.Time) func(s *domain.State) ([]domain.Change, error) {
		return func(s *domain.State) ([]domain.Change, error) {
			return domain.GrantShare(domain.NewShare{ShareID: share2, Customer: s.Customer(cust), Document: s.Document(doc),
				Permission: domain.PermissionView, ExpiresAt: ends, By: admin}, at(time.Hour))
		}
	}
	run(t, []tc{
		{name: "an expiry in the future is recorded with the grant", given: world(), do: grant(at(48 * time.Hour)),
			then: evs(
				domain.PortalShareGranted{ShareID: share2, ProviderID: provider, CustomerID: cust, DocumentID: doc, Permission: domain.PermissionView,
					GrantedBy: admin, GrantedAt: at(time.Hour), ExpiresAt: at(48 * time.Hour)},
				domain.CustomerShareAdded{CustomerID: cust, ShareID: share2, DocumentID: doc},
				domain.DocumentShareAdded{DocumentID: doc, ShareID: share2, CustomerID: cust},
			)},
		{name: "an expiry in the past is refused", given: world(), do: grant(at(time.Minute)), wantErr: domain.ErrValidation},
		{name: "an expiry at this very instant is refused", given: world(), do: grant(at(time.Hour)), wantErr: domain.ErrValidation},
	})
}

func TestChangeShareExpiry(t *testing.T) {
	t.Parallel()
	change := func(ends time.Time, now time.Duration) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) {
			return s.Share(share1).ChangeExpiry(ends, admin, at(now))
		}
	}
	changed := func(ends time.Time, now time.Duration) []domain.Event {
		return evs(domain.ShareExpiryChanged{ShareID: share1, ProviderID: provider, CustomerID: cust, DocumentID: doc,
			ExpiresAt: ends, ChangedBy: admin, ChangedAt: at(now)})
	}
	open := join(world(), docShare(share1, doc, domain.PermissionView))
	ending := join(world(), expiringShare(share1, doc, uuid.Nil, at(2*time.Hour)))
	run(t, []tc{
		{name: "give an open-ended share an expiry", given: open, when: change(at(2*time.Hour), time.Hour), then: changed(at(2*time.Hour), time.Hour)},
		{name: "remove the expiry (zero: never)", given: ending, when: change(time.Time{}, time.Hour), then: changed(time.Time{}, time.Hour)},
		{name: "the same expiry records nothing", given: ending, when: change(at(2*time.Hour), time.Hour)},
		{name: "an expiry in the past is refused", given: open, when: change(at(time.Minute), time.Hour), wantErr: domain.ErrValidation},
		{name: "an expired share may be given a new expiry", given: ending, when: change(at(5*time.Hour), 3*time.Hour), then: changed(at(5*time.Hour), 3*time.Hour)},
		{name: "a cancelled share is final", given: join(open, cancelled(share1, doc, uuid.Nil, domain.ReasonCancelled)),
			when: change(at(2*time.Hour), time.Hour), wantErr: domain.ErrShareCancelled},
		{name: "a missing share", given: world(), when: change(at(2*time.Hour), time.Hour), wantErr: domain.ErrNotFound},
	})
}

func TestShareStatusAt(t *testing.T) {
	t.Parallel()
	s := domain.NewState()
	if err := s.Apply(join(world(), expiringShare(share1, doc, uuid.Nil, at(2*time.Hour)))...); err != nil {
		t.Fatal(err)
	}
	sh := s.Share(share1)
	for _, tt := range []struct {
		at   time.Time
		want domain.AccessStatus
	}{
		{at(time.Hour), domain.AccessActive},
		{at(2*time.Hour - time.Nanosecond), domain.AccessActive},
		{at(2 * time.Hour), domain.AccessExpired},
		{at(3 * time.Hour), domain.AccessExpired},
	} {
		if got := sh.StatusAt(tt.at); got != tt.want {
			t.Errorf("status at %s = %s, want %s", tt.at, got, tt.want)
		}
	}
	if err := s.Apply(cancelled(share1, doc, uuid.Nil, domain.ReasonCancelled)...); err != nil {
		t.Fatal(err)
	}
	if got := s.Share(share1).StatusAt(at(3 * time.Hour)); got != domain.AccessCancelled {
		t.Errorf("cancelled and expired = %s, want cancelled", got)
	}
}

// TestPortalViewExpiry: a share stops showing at its expiry, computed from the
// instant of the view; before and after the instant the view is the one the
// share's events and that instant decide.
func TestPortalViewExpiry(t *testing.T) {
	t.Parallel()
	guide := domain.PortalDocument{ID: doc, FolderID: libSub, Name: "Guide.pdf", Version: 1, File: file1, Permission: domain.PermissionView, Top: true}
	open := func(docs ...domain.PortalDocument) domain.PortalView {
		return domain.PortalView{CustomerID: cust, ProviderID: provider, Open: true, Documents: docs}
	}
	ends := at(2 * time.Hour)
	extended := evs(domain.ShareExpiryChanged{ShareID: share1, ProviderID: provider, CustomerID: cust, DocumentID: doc,
		ExpiresAt: at(5 * time.Hour), ChangedBy: admin, ChangedAt: at(3 * time.Hour)})
	cases := []struct {
		name  string
		given []domain.Event
		at    time.Time
		want  domain.PortalView
	}{
		{"before the expiry it shows", join(world(), expiringShare(share1, doc, uuid.Nil, ends)), at(time.Hour), open(guide)},
		{"at the expiry it is gone", join(world(), expiringShare(share1, doc, uuid.Nil, ends)), ends, open()},
		{"after the expiry it is gone", join(world(), expiringShare(share1, doc, uuid.Nil, ends)), at(3 * time.Hour), open()},
		{"a folder share's expiry ends what lies below", join(world(), expiringShare(share1, uuid.Nil, libRoot, ends)), ends, open()},
		{"a new expiry shows it again", join(world(), expiringShare(share1, doc, uuid.Nil, ends), extended), at(4 * time.Hour), open(guide)},
		{"and ends it at the new instant", join(world(), expiringShare(share1, doc, uuid.Nil, ends), extended), at(5 * time.Hour), open()},
		{"an open-ended share never expires", join(world(), docShare(share1, doc, domain.PermissionView)), at(1000 * time.Hour), open(guide)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := domain.NewState()
			if err := s.Apply(c.given...); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, s.PortalViewAt(cust, c.at)); diff != "" {
				t.Errorf("view (-want +got):\n%s", diff)
			}
		})
	}
}
