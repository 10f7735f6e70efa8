package domain_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

var (
	request1 = n(70)
	upload1  = n(71)
	upload2  = n(72)
	portalU  = n(73)
)

func requested(due time.Time) []domain.Event {
	return evs(domain.DocumentRequested{RequestID: request1, ProviderID: provider, CustomerID: cust, FolderID: workspace,
		Title: "Bank statements 2024", Note: "All twelve, please", DueAt: due, RequestedBy: admin, RequestedAt: t0})
}

func fulfilledBy(docID uuid.UUID) []domain.Event {
	return evs(domain.DocumentRequestFulfilled{RequestID: request1, ProviderID: provider, CustomerID: cust, DocumentID: docID,
		Title: "Bank statements 2024", FulfilledBy: portalU, FulfilledAt: t0})
}

func requestCancelled() []domain.Event {
	return evs(domain.DocumentRequestCancelled{RequestID: request1, ProviderID: provider, CustomerID: cust, CancelledBy: admin, CancelledAt: t0})
}

func TestRequestDocument(t *testing.T) {
	t.Parallel()
	ask := func(title, note string, folder uuid.UUID, due time.Time) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) {
			return domain.RequestDocument(domain.NewDocumentRequest{ID: request1, Customer: s.Customer(cust), Folder: s.Folder(folder),
				Title: title, Note: note, DueAt: due, By: admin}, at(1))
		}
	}
	rivalFolder := evs(domain.FolderCreated{FolderID: n(80), ProviderID: provider, Name: "Other", WorkspaceCustomerID: n(81), CreatedAt: t0})
	run(t, []tc{
		{name: "into the workspace, with a due date", given: world(), when: ask(" Bank statements 2024 ", "All twelve, please", workspace, at(48*time.Hour)),
			then: evs(domain.DocumentRequested{RequestID: request1, ProviderID: provider, CustomerID: cust, FolderID: workspace,
				Title: "Bank statements 2024", Note: "All twelve, please", DueAt: at(48 * time.Hour), RequestedBy: admin, RequestedAt: at(1)})},
		{name: "into a folder below the workspace, no due date, no note", given: world(), when: ask("ID card", "", wsSub, time.Time{}),
			then: evs(domain.DocumentRequested{RequestID: request1, ProviderID: provider, CustomerID: cust, FolderID: wsSub,
				Title: "ID card", RequestedBy: admin, RequestedAt: at(1)})},
		{name: "a folder of the provider's library", given: world(), when: ask("x", "", libRoot, time.Time{}), wantErr: domain.ErrValidation},
		{name: "a folder of another customer's workspace", given: join(world(), rivalFolder), when: ask("x", "", n(80), time.Time{}), wantErr: domain.ErrValidation},
		{name: "a folder that does not exist", given: world(), when: ask("x", "", n(99), time.Time{}), wantErr: domain.ErrValidation},
		{name: "no title", given: world(), when: ask("  ", "", workspace, time.Time{}), wantErr: domain.ErrValidation},
		{name: "a note with control characters", given: world(), when: ask("x", "a\x00b", workspace, time.Time{}), wantErr: domain.ErrValidation},
		{name: "a due date in the past", given: world(), when: ask("x", "", workspace, t0), wantErr: domain.ErrValidation},
		{name: "a due date now", given: world(), when: ask("x", "", workspace, at(1)), wantErr: domain.ErrValidation},
		{name: "a paused customer", given: join(world(), paused()), when: ask("x", "", workspace, time.Time{}), wantErr: domain.ErrConflict},
		{name: "a revoked customer", given: join(world(), revoked()), when: ask("x", "", workspace, time.Time{}), wantErr: domain.ErrCustomerRevoked},
		{name: "a customer that does not exist", given: library(), when: ask("x", "", workspace, time.Time{}), wantErr: domain.ErrNotFound},
	})
}

func TestFulfilDocumentRequest(t *testing.T) {
	t.Parallel()
	fulfil := func(docID uuid.UUID) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) {
			return s.Request(request1).Fulfil(docID, portalU, at(1))
		}
	}
	want := func(docID uuid.UUID) []domain.Event {
		return evs(domain.DocumentRequestFulfilled{RequestID: request1, ProviderID: provider, CustomerID: cust, DocumentID: docID,
			Title: "Bank statements 2024", FulfilledBy: portalU, FulfilledAt: at(1)})
	}
	run(t, []tc{
		{name: "the first file fulfils an open request", given: join(world(), requested(time.Time{})), when: fulfil(upload1), then: want(upload1)},
		{name: "more files may follow", given: join(world(), requested(time.Time{}), fulfilledBy(upload1)), when: fulfil(upload2), then: want(upload2)},
		{name: "the same document twice", given: join(world(), requested(time.Time{}), fulfilledBy(upload1)), when: fulfil(upload1), wantErr: domain.ErrConflict},
		{name: "a cancelled request takes nothing", given: join(world(), requested(time.Time{}), requestCancelled()), when: fulfil(upload1), wantErr: domain.ErrConflict},
		{name: "a request that does not exist", given: world(), when: fulfil(upload1), wantErr: domain.ErrNotFound},
	})
}

func TestFulfilledRequestState(t *testing.T) {
	t.Parallel()
	s := domain.NewState()
	if err := s.Apply(join(world(), requested(time.Time{}), fulfilledBy(upload1), fulfilledBy(upload2))...); err != nil {
		t.Fatal(err)
	}
	r := s.Request(request1)
	if r.Status != domain.RequestFulfilled || len(r.Documents) != 2 {
		t.Fatalf("status %s with %d documents, want fulfilled with 2", r.Status, len(r.Documents))
	}
}

func TestCancelDocumentRequest(t *testing.T) {
	t.Parallel()
	cancel := func(s *domain.State) ([]domain.Event, error) { return s.Request(request1).Cancel(admin, at(1)) }
	want := evs(domain.DocumentRequestCancelled{RequestID: request1, ProviderID: provider, CustomerID: cust, CancelledBy: admin, CancelledAt: at(1)})
	run(t, []tc{
		{name: "cancel an open request", given: join(world(), requested(time.Time{})), when: cancel, then: want},
		{name: "cancel a fulfilled request (no more files)", given: join(world(), requested(time.Time{}), fulfilledBy(upload1)), when: cancel, then: want},
		{name: "cancelling is final: cancel again", given: join(world(), requested(time.Time{}), requestCancelled()), when: cancel, wantErr: domain.ErrConflict},
		{name: "a request that does not exist", given: world(), when: cancel, wantErr: domain.ErrNotFound},
	})
}

func TestRemindDocumentRequest(t *testing.T) {
	t.Parallel()
	due := at(time.Hour)
	remind := func(when time.Time) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) { return s.Request(request1).Remind(when) }
	}
	reminded := evs(domain.DocumentRequestReminded{RequestID: request1, ProviderID: provider, CustomerID: cust, Title: "Bank statements 2024", DueAt: due, RemindedAt: due})
	run(t, []tc{
		{name: "at the due instant", given: join(world(), requested(due)), when: remind(due), then: reminded},
		{name: "once only", given: join(world(), requested(due), reminded), when: remind(at(2 * time.Hour)), wantErr: domain.ErrConflict},
		{name: "not due yet", given: join(world(), requested(due)), when: remind(at(time.Hour - 1)), wantErr: domain.ErrConflict},
		{name: "no due date", given: join(world(), requested(time.Time{})), when: remind(at(time.Hour)), wantErr: domain.ErrConflict},
		{name: "fulfilled", given: join(world(), requested(due), fulfilledBy(upload1)), when: remind(at(2 * time.Hour)), wantErr: domain.ErrConflict},
		{name: "cancelled", given: join(world(), requested(due), requestCancelled()), when: remind(at(2 * time.Hour)), wantErr: domain.ErrConflict},
		{name: "a request that does not exist", given: world(), when: remind(at(2 * time.Hour)), wantErr: domain.ErrNotFound},
	})
}

func TestSetNotificationPreference(t *testing.T) {
	t.Parallel()
	set := func(v string) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) {
			return s.User(admin).SetNotificationPreference(v, at(1))
		}
	}
	run(t, []tc{
		{name: "daily", given: providerRegistered(), when: set(domain.NewContentDaily),
			then: evs(domain.NotificationPreferenceSet{UserID: admin, NewContent: domain.NewContentDaily, SetAt: at(1)})},
		{name: "off", given: providerRegistered(), when: set(domain.NewContentOff),
			then: evs(domain.NotificationPreferenceSet{UserID: admin, NewContent: domain.NewContentOff, SetAt: at(1)})},
		{name: "an unknown value", given: providerRegistered(), when: set("weekly"), wantErr: domain.ErrValidation},
		{name: "a user that does not exist", given: acmeRegistered(), when: set(domain.NewContentOff), wantErr: domain.ErrNotFound},
	})
}
