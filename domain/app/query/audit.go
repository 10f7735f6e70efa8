package query

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// AuditTenant is the company whose audit trail the viewer may read: its own,
// when domain.Authorize lets it read audit data (admins and auditors).
func AuditTenant(v Viewer) (uuid.UUID, error) {
	if err := domain.Authorize(v.Principal, domain.ActionReadAudit, domain.LibraryScope(v.CompanyID)); err != nil {
		return uuid.Nil, err
	}
	return v.CompanyID, nil
}

// PortalViewAsOf asks what a customer could see at an instant, by replaying the
// log up to it.
type PortalViewAsOf struct {
	Viewer     Viewer
	CustomerID uuid.UUID
	At         time.Time
}

// PortalViewAsOfHandler answers PortalViewAsOf.
type PortalViewAsOfHandler struct{ rm AuditReadModel }

// Handle checks whose customer it is before any replay: another provider's
// customer answers exactly like an id nobody has, and costs no more.
func (h PortalViewAsOfHandler) Handle(ctx context.Context, q PortalViewAsOf) (domain.PortalView, error) {
	tenant, err := AuditTenant(q.Viewer)
	if err != nil {
		return domain.PortalView{}, err
	}
	if owner, err := h.rm.CustomerTenant(ctx, q.CustomerID); err != nil || owner != tenant {
		return domain.PortalView{}, fmt.Errorf("customer: %w", domain.ErrNotFound)
	}
	return h.rm.PortalViewAsOf(ctx, q.CustomerID, q.At)
}

// DocumentAccess asks which streams hold a document's access history.
type DocumentAccess struct {
	Viewer     Viewer
	DocumentID uuid.UUID
}

// DocumentAccessHandler answers DocumentAccess.
type DocumentAccessHandler struct{ rm AuditReadModel }

// Handle answers the viewer's company (the tenant to read the log of) and the
// streams; a document of another provider is not found.
func (h DocumentAccessHandler) Handle(ctx context.Context, q DocumentAccess) (uuid.UUID, []string, error) {
	tenant, err := AuditTenant(q.Viewer)
	if err != nil {
		return uuid.Nil, nil, err
	}
	streams, err := h.rm.DocumentAccessStreams(ctx, tenant, q.DocumentID)
	if err != nil {
		return uuid.Nil, nil, err
	}
	return tenant, streams, nil
}

// ErrReplayBusy: the process's as-of replays are all taken and none came free in
// time; the caller may try again in a few seconds.
var ErrReplayBusy = errors.New("another as-of replay is running; try again in a few seconds")
