package domain_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

func TestGrantShare(t *testing.T) {
	t.Parallel()
	grant := func(customerID, docID, folderID uuid.UUID, p domain.Permission) func(s *domain.State) ([]domain.Change, error) {
		return func(s *domain.State) ([]domain.Change, error) {
			in := domain.NewShare{ShareID: share2, Customer: s.Customer(customerID), Permission: p, By: admin}
			if docID != uuid.Nil {
				in.Document = s.Document(docID)
			}
			if folderID != uuid.Nil {
				in.Folder = s.Folder(folderID)
			}
			return domain.GrantShare(in, at(1))
		}
	}
	grantedDoc := evs(
		domain.PortalShareGranted{ShareID: share2, ProviderID: provider, CustomerID: cust, DocumentID: doc, Permission: domain.PermissionView, GrantedBy: admin, GrantedAt: at(1)},
		domain.CustomerShareAdded{CustomerID: cust, ShareID: share2, DocumentID: doc},
		domain.DocumentShareAdded{DocumentID: doc, ShareID: share2, CustomerID: cust},
	)
	otherCustomer := connectedEvents(cust2, ws2, newCo, "Newco", false, t0)
	run(t, []tc{
		{name: "share a document for viewing", given: world(), do: grant(cust, doc, uuid.Nil, domain.PermissionView), then: grantedDoc},
		{name: "share a folder with edit (deposit) permission", given: world(), do: grant(cust, uuid.Nil, libRoot, domain.PermissionEdit),
			then: evs(
				domain.PortalShareGranted{ShareID: share2, ProviderID: provider, CustomerID: cust, FolderID: libRoot, Permission: domain.PermissionEdit, GrantedBy: admin, GrantedAt: at(1)},
				domain.CustomerShareAdded{CustomerID: cust, ShareID: share2, FolderID: libRoot},
			)},
		{name: "share with a paused customer", given: join(world(), paused()), do: grant(cust, doc, uuid.Nil, domain.PermissionView), then: grantedDoc},
		{name: "share again after the first share was cancelled", given: join(world(), docShare(share1, doc, domain.PermissionEdit), cancelled(share1, doc, uuid.Nil, domain.ReasonCancelled)),
			do: grant(cust, doc, uuid.Nil, domain.PermissionView), then: grantedDoc},
		{name: "share what is already shared with the customer", given: join(world(), docShare(share1, doc, domain.PermissionView)),
			do: grant(cust, doc, uuid.Nil, domain.PermissionEdit), wantErr: domain.ErrConflict},
		{name: "share with a revoked customer", given: join(world(), revoked()), do: grant(cust, doc, uuid.Nil, domain.PermissionView), wantErr: domain.ErrCustomerRevoked},
		{name: "share with a missing customer", given: join(providerRegistered(), library()), do: grant(cust, doc, uuid.Nil, domain.PermissionView), wantErr: domain.ErrNotFound},
		{name: "share with a bad permission", given: world(), do: grant(cust, doc, uuid.Nil, "admin"), wantErr: domain.ErrValidation},
		{name: "share nothing", given: world(), do: grant(cust, uuid.Nil, uuid.Nil, domain.PermissionView), wantErr: domain.ErrValidation},
		{name: "share a document and a folder at once", given: world(), do: grant(cust, doc, libRoot, domain.PermissionView), wantErr: domain.ErrValidation},
		{name: "share a removed document", given: join(world(), evs(domain.DocumentRemoved{DocumentID: doc, ProviderID: provider, RemovedAt: t0})),
			do: grant(cust, doc, uuid.Nil, domain.PermissionView), wantErr: domain.ErrNotFound},
		{name: "share a missing folder", given: world(), do: grant(cust, uuid.Nil, n(99), domain.PermissionView), wantErr: domain.ErrNotFound},
		{name: "share another provider's document", given: join(world(), rivalRegistered()), do: grant(cust, rivalDoc, uuid.Nil, domain.PermissionView), wantErr: domain.ErrNotFound},
		{name: "share a document from another customer's workspace", given: join(world(), otherCustomer), do: grant(cust2, wsDoc, uuid.Nil, domain.PermissionView), wantErr: domain.ErrValidation},
		{name: "share a folder from another customer's workspace", given: join(world(), otherCustomer), do: grant(cust2, uuid.Nil, workspace, domain.PermissionView), wantErr: domain.ErrValidation},
	})
}

func TestChangeAndCancelShare(t *testing.T) {
	t.Parallel()
	change := func(p domain.Permission) func(s *domain.State) ([]domain.Event, error) {
		return func(s *domain.State) ([]domain.Event, error) {
			return s.Share(share1).ChangePermission(p, admin, at(1))
		}
	}
	cancel := func(s *domain.State) ([]domain.Change, error) {
		sh := s.Share(share1)
		return domain.CancelShare(sh, s.Customer(sh.CustomerID), admin, at(1))
	}
	shared := join(world(), docShare(share1, doc, domain.PermissionView))
	cancelledShare := cancelled(share1, doc, uuid.Nil, domain.ReasonCancelled)
	run(t, []tc{
		{name: "view becomes edit", given: shared, when: change(domain.PermissionEdit),
			then: evs(domain.SharePermissionChanged{ShareID: share1, ProviderID: provider, CustomerID: cust, Permission: domain.PermissionEdit, ChangedBy: admin, ChangedAt: at(1)})},
		{name: "same permission records nothing", given: shared, when: change(domain.PermissionView)},
		{name: "a bad permission", given: shared, when: change("owner"), wantErr: domain.ErrValidation},
		{name: "change a cancelled share", given: join(shared, cancelledShare), when: change(domain.PermissionEdit), wantErr: domain.ErrShareCancelled},
		{name: "change a share cancelled by revoke", given: join(shared, evs(domain.ShareCancelled{ShareID: share1, ProviderID: provider, CustomerID: cust, DocumentID: doc, Reason: domain.ReasonCustomerRevoked, CancelledAt: t0}), revoked()),
			when: change(domain.PermissionEdit), wantErr: domain.ErrShareCancelled},
		{name: "change a missing share", given: world(), when: change(domain.PermissionEdit), wantErr: domain.ErrNotFound},
		{name: "cancel", given: shared, do: cancel,
			then: evs(
				domain.ShareCancelled{ShareID: share1, ProviderID: provider, CustomerID: cust, DocumentID: doc, Reason: domain.ReasonCancelled, CancelledBy: admin, CancelledAt: at(1)},
				domain.CustomerShareRemoved{CustomerID: cust, ShareID: share1},
			)},
		{name: "cancel is final: cancel again", given: join(shared, cancelledShare), do: cancel, wantErr: domain.ErrShareCancelled},
		{name: "cancel a missing share", given: world(), do: cancel, wantErr: domain.ErrNotFound},
	})
}
