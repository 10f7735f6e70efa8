package query

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// ListCustomers asks for the customers the viewer sees (admins: all; members:
// those of their groups).
type ListCustomers struct {
	Viewer  Viewer
	Status  string
	GroupID *uuid.UUID
	Search  string
	After   *NameKey
	Limit   int
	Now     time.Time // the request's clock: invitations past expiry show as expired
}

// ListCustomersHandler answers ListCustomers.
type ListCustomersHandler struct{ rm CustomerReadModel }

// Handle filters by the viewer's groups.
func (h ListCustomersHandler) Handle(ctx context.Context, q ListCustomers) ([]Customer, error) {
	rows, err := h.rm.Customers(ctx, CustomerFilter{Provider: q.Viewer.CompanyID, Visible: q.Viewer.Customers(),
		Status: q.Status, GroupID: q.GroupID, Search: q.Search, Now: q.Now}, q.After, q.Limit)
	if err != nil {
		return nil, err
	}
	for i, c := range rows {
		rows[i] = shownCustomer(c, q.Now)
	}
	return rows, nil
}

// GetCustomer asks for a customer the viewer may see.
type GetCustomer struct {
	Viewer Viewer
	ID     uuid.UUID
	Now    time.Time // the request's clock (zero: the stored status as is)
}

// GetCustomerHandler answers GetCustomer.
type GetCustomerHandler struct{ rm CustomerReadModel }

// Handle answers ErrNotFound for a customer outside the viewer's groups.
func (h GetCustomerHandler) Handle(ctx context.Context, q GetCustomer) (Customer, error) {
	c, err := h.rm.Customer(ctx, q.ID)
	if err != nil {
		return Customer{}, err
	}
	scope := domain.CustomerScope(c.ProviderID, q.Viewer.GroupAccess(c.GroupID))
	if err := domain.Authorize(q.Viewer.Principal, domain.ActionViewCustomer, scope); err != nil {
		return Customer{}, err
	}
	return shownCustomer(c, q.Now), nil
}

// CustomerPortalView asks, for a provider's staff, what a customer's users see
// now.
type CustomerPortalView struct {
	Viewer     Viewer
	CustomerID uuid.UUID
}

// CustomerPortalViewHandler answers CustomerPortalView.
type CustomerPortalViewHandler struct {
	rm       CustomerReadModel
	customer GetCustomerHandler
}

// Handle needs the viewer to see the customer.
func (h CustomerPortalViewHandler) Handle(ctx context.Context, q CustomerPortalView) (domain.PortalView, error) {
	c, err := h.customer.Handle(ctx, GetCustomer{Viewer: q.Viewer, ID: q.CustomerID})
	if err != nil {
		return domain.PortalView{}, err
	}
	return h.rm.PortalView(ctx, c.ID)
}

// ListPortalProviders asks for the providers the viewer's company is a customer
// of; a portal user sees its own provider only.
type ListPortalProviders struct {
	Viewer Viewer
	After  *NameKey
	Limit  int
}

// ListPortalProvidersHandler answers ListPortalProviders.
type ListPortalProvidersHandler struct{ rm CustomerReadModel }

// Handle lists nothing for an inactive viewer.
func (h ListPortalProvidersHandler) Handle(ctx context.Context, q ListPortalProviders) ([]PortalProvider, error) {
	v := q.Viewer
	switch {
	case !v.Active:
		return nil, nil
	case v.Portal():
		of := v.PortalOf
		return h.rm.PortalProviders(ctx, v.CompanyID, &of, q.After, q.Limit)
	}
	return h.rm.PortalProviders(ctx, v.CompanyID, nil, q.After, q.Limit)
}

// PortalView asks what the viewer's company sees of a provider.
type PortalView struct {
	Viewer     Viewer
	ProviderID uuid.UUID
}

// PortalViewHandler answers PortalView.
type PortalViewHandler struct{ rm CustomerReadModel }

// Handle answers ErrNotFound unless the viewer is an active user of a company
// that is (or was) a customer of the provider, and may use that portal
// (domain.AuthorizePortal).
func (h PortalViewHandler) Handle(ctx context.Context, q PortalView) (domain.PortalView, error) {
	row, err := h.rm.PortalCustomer(ctx, q.Viewer.CompanyID, q.ProviderID)
	if err != nil {
		return domain.PortalView{}, err
	}
	c := &domain.Customer{ID: row.ID, ProviderID: row.ProviderID, CompanyID: row.CompanyID, Status: domain.CustomerStatus(row.Status)}
	c.Restore(1)
	if err := domain.AuthorizePortal(q.Viewer.Principal, c); err != nil {
		return domain.PortalView{}, err
	}
	return h.rm.PortalView(ctx, row.ID)
}

// PortalDocument asks for a document as the viewer's portal shows it now.
type PortalDocument struct {
	Viewer     Viewer
	DocumentID uuid.UUID
}

// PortalDocumentHandler answers PortalDocument.
type PortalDocumentHandler struct {
	library LibraryReadModel
	view    PortalViewHandler
}

// Handle answers the portal view the document is in, and the document in it
// (ErrNotFound when the view does not show it).
func (h PortalDocumentHandler) Handle(ctx context.Context, q PortalDocument) (domain.PortalView, domain.PortalDocument, error) {
	d, err := h.library.Document(ctx, q.DocumentID)
	if err != nil {
		return domain.PortalView{}, domain.PortalDocument{}, err
	}
	view, err := h.view.Handle(ctx, PortalView{Viewer: q.Viewer, ProviderID: d.ProviderID})
	if err != nil {
		return domain.PortalView{}, domain.PortalDocument{}, err
	}
	pd, ok := view.Document(q.DocumentID)
	if !ok {
		return domain.PortalView{}, domain.PortalDocument{}, domain.ErrNotFound
	}
	return view, pd, nil
}
