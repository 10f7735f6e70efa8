package query

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// Document requests (issue 17): a provider's staff see the requests of the
// customers they see (group rules); a customer's users see their own customer's
// requests, and nothing while the portal is closed (paused, documents off).

// Request is a document request as both sides see it.
type Request struct {
	ID          uuid.UUID
	ProviderID  uuid.UUID
	CustomerID  uuid.UUID
	FolderID    uuid.UUID
	Title       string
	Note        string
	DueAt       *time.Time
	Status      domain.RequestStatus
	RequestedBy uuid.UUID
	RequestedAt time.Time
	FulfilledAt *time.Time
	CancelledAt *time.Time
	Documents   []uuid.UUID // in upload order
}

// RequestReadModel answers about document requests.
type RequestReadModel interface {
	// Request reads one request; domain.ErrNotFound when there is none.
	Request(ctx context.Context, id uuid.UUID) (Request, error)
	// Requests lists a provider's requests, newest first: of the customers
	// visible sees, of one customer when customer is set, of one status when
	// status is not "".
	Requests(ctx context.Context, f RequestFilter, limit int) ([]Request, error)
}

// RequestFilter selects requests of a provider.
type RequestFilter struct {
	Provider uuid.UUID
	Visible  GroupFilter
	Customer *uuid.UUID
	Status   domain.RequestStatus
}

// maxRequests bounds one answer (a customer has a handful of requests open).
const maxRequests = 500

// ListRequests asks for the requests of the viewer's company, filtered.
type ListRequests struct {
	Viewer     Viewer
	CustomerID *uuid.UUID
	Status     domain.RequestStatus // "" any
}

// ListRequestsHandler answers ListRequests.
type ListRequestsHandler struct {
	rm       RequestReadModel
	customer GetCustomerHandler
}

// Handle lists what the viewer may see: a customer it may not see answers
// domain.ErrNotFound; without a customer, the customers of its groups (all for
// an admin).
func (h ListRequestsHandler) Handle(ctx context.Context, q ListRequests) ([]Request, error) {
	if q.Status != "" && !q.Status.Valid() {
		return nil, &domain.ValidationError{Field: "status", Message: "must be open, fulfilled or cancelled"}
	}
	v := q.Viewer
	if err := domain.Authorize(v.Principal, domain.ActionViewCustomer, domain.CustomerScope(v.CompanyID, domain.AccessRead)); err != nil {
		return nil, err
	}
	f := RequestFilter{Provider: v.CompanyID, Visible: v.Customers(), Customer: q.CustomerID, Status: q.Status}
	if q.CustomerID != nil {
		if _, err := h.customer.Handle(ctx, GetCustomer{Viewer: v, ID: *q.CustomerID}); err != nil {
			return nil, err
		}
		f.Visible = GroupFilter{All: true}
	}
	return h.rm.Requests(ctx, f, maxRequests)
}

// PortalRequests asks for the requests a provider made of the viewer's
// customer, of one status (default open).
type PortalRequests struct {
	Viewer     Viewer
	ProviderID uuid.UUID
	Status     domain.RequestStatus
}

// PortalRequestsHandler answers PortalRequests.
type PortalRequestsHandler struct {
	rm   RequestReadModel
	view PortalViewHandler
}

// Handle answers domain.ErrNotFound unless the viewer may use the provider's
// portal; a closed portal (paused, documents off) lists nothing.
func (h PortalRequestsHandler) Handle(ctx context.Context, q PortalRequests) ([]Request, error) {
	if q.Status == "" {
		q.Status = domain.RequestOpen
	}
	if !q.Status.Valid() {
		return nil, &domain.ValidationError{Field: "status", Message: "must be open, fulfilled or cancelled"}
	}
	view, err := h.view.Handle(ctx, PortalView{Viewer: q.Viewer, ProviderID: q.ProviderID})
	if err != nil {
		return nil, err
	}
	if !view.Open {
		return []Request{}, nil
	}
	customer := view.CustomerID
	return h.rm.Requests(ctx, RequestFilter{Provider: q.ProviderID, Visible: GroupFilter{All: true}, Customer: &customer, Status: q.Status}, maxRequests)
}

// RequestOf is a request as the events of its stream leave it (the answer of a
// command, before the read model caught up).
func RequestOf(r domain.DocumentRequest) Request {
	out := Request{ID: r.ID, ProviderID: r.ProviderID, CustomerID: r.CustomerID, FolderID: r.FolderID, Title: r.Title, Note: r.Note,
		Status: r.Status, RequestedBy: r.RequestedBy, RequestedAt: r.RequestedAt, Documents: append([]uuid.UUID{}, r.Documents...)}
	at := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	out.DueAt, out.FulfilledAt, out.CancelledAt = at(r.DueAt), at(r.FulfilledAt), at(r.CancelledAt)
	return out
}
