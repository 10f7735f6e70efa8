package query_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
)

// The fake has no requests: these record what the request queries asked.

func (f *fake) Request(context.Context, uuid.UUID) (query.Request, error) {
	f.ask("Request")
	return query.Request{}, domain.ErrNotFound
}

func (f *fake) Requests(_ context.Context, rf query.RequestFilter, _ int) ([]query.Request, error) {
	f.ask("Requests")
	f.filters = append(f.filters, rf.Visible)
	return nil, nil
}

func (f *fake) NewContentPreference(context.Context, uuid.UUID) (string, error) {
	f.ask("NewContentPreference")
	return domain.NewContentImmediate, nil
}

// A portal user refuses before anything is listed; an unknown status is a
// validation error naming the field.
func TestListRequestsRefusesPortalUsersAndBadStatus(t *testing.T) {
	f := newFake()
	q := query.New(f)
	provider := uuid.New()
	portal := query.Viewer{Principal: domain.Principal{UserID: uuid.New(), CompanyID: provider, Active: true, Kind: domain.UserKindPortal}}
	if _, err := q.ListRequests.Handle(context.Background(), query.ListRequests{Viewer: portal}); err == nil {
		t.Fatal("a portal user listed a provider's requests")
	}
	admin := query.Viewer{Principal: domain.Principal{UserID: uuid.New(), CompanyID: provider, Active: true, Role: domain.RoleAdmin}}
	var ve *domain.ValidationError
	_, err := q.ListRequests.Handle(context.Background(), query.ListRequests{Viewer: admin, Status: "done"})
	if !errors.As(err, &ve) || ve.Field != "status" {
		t.Fatalf("status done: %v, want a validation error on status", err)
	}
	for _, a := range f.asked {
		if a == "Requests" {
			t.Fatal("asked the read model before refusing")
		}
	}
}
