package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

func TestGrantShares(t *testing.T) {
	t.Parallel()
	otherCustomer := connectedEvents(cust2, ws2, newCo, "Newco", false, t0)
	bulk := func(customers, docs, folders []uuid.UUID, p domain.Permission, ends time.Time) func(s *domain.State) ([]domain.Change, error) {
		return func(s *domain.State) ([]domain.Change, error) {
			in := domain.NewShares{Permission: p, ExpiresAt: ends, By: admin, ShareID: func(i int) uuid.UUID { return n(uint32(500 + i)) }}
			for _, id := range customers {
				in.Customers = append(in.Customers, s.Customer(id))
			}
			for _, id := range docs {
				in.Documents = append(in.Documents, s.Document(id))
			}
			for _, id := range folders {
				in.Folders = append(in.Folders, s.Folder(id))
			}
			return domain.GrantShares(in, at(1))
		}
	}
	granted := func(share, customer, docID, folderID uuid.UUID, p domain.Permission, ends time.Time) domain.PortalShareGranted {
		return domain.PortalShareGranted{ShareID: share, ProviderID: provider, CustomerID: customer, DocumentID: docID, FolderID: folderID,
			Permission: p, GrantedBy: admin, GrantedAt: at(1), ExpiresAt: ends}
	}
	ends := at(time.Hour)
	two := join(world(), otherCustomer)
	run(t, []tc{
		{name: "two customers, a document and a folder: every pair, one change per stream", given: two,
			do: bulk([]uuid.UUID{cust, cust2}, []uuid.UUID{doc}, []uuid.UUID{libRoot}, domain.PermissionView, ends),
			then: evs(
				// Streams in the order first touched: share 500, cust, doc, share 501, share 502, cust2, share 503.
				granted(n(500), cust, doc, uuid.Nil, domain.PermissionView, ends),
				domain.CustomerShareAdded{CustomerID: cust, ShareID: n(500), DocumentID: doc},
				domain.CustomerShareAdded{CustomerID: cust, ShareID: n(501), FolderID: libRoot},
				domain.DocumentShareAdded{DocumentID: doc, ShareID: n(500), CustomerID: cust},
				domain.DocumentShareAdded{DocumentID: doc, ShareID: n(502), CustomerID: cust2},
				granted(n(501), cust, uuid.Nil, libRoot, domain.PermissionView, ends),
				granted(n(502), cust2, doc, uuid.Nil, domain.PermissionView, ends),
				domain.CustomerShareAdded{CustomerID: cust2, ShareID: n(502), DocumentID: doc},
				domain.CustomerShareAdded{CustomerID: cust2, ShareID: n(503), FolderID: libRoot},
				granted(n(503), cust2, uuid.Nil, libRoot, domain.PermissionView, ends),
			)},
		{name: "a revoked customer refuses the whole batch", given: join(two, revoked()),
			do: bulk([]uuid.UUID{cust2, cust}, []uuid.UUID{doc}, nil, domain.PermissionView, time.Time{}), wantErr: domain.ErrCustomerRevoked},
		{name: "a pair already shared refuses the whole batch", given: join(two, docShare(share1, doc, domain.PermissionView)),
			do: bulk([]uuid.UUID{cust2, cust}, []uuid.UUID{doc}, nil, domain.PermissionEdit, time.Time{}), wantErr: domain.ErrConflict},
		{name: "an unknown customer refuses the whole batch", given: two,
			do: bulk([]uuid.UUID{cust, n(99)}, []uuid.UUID{doc}, nil, domain.PermissionView, time.Time{}), wantErr: domain.ErrNotFound},
		{name: "an unknown document refuses the whole batch", given: two,
			do: bulk([]uuid.UUID{cust}, []uuid.UUID{doc, n(99)}, nil, domain.PermissionView, time.Time{}), wantErr: domain.ErrNotFound},
		{name: "another provider's document refuses the whole batch", given: join(two, rivalRegistered()),
			do: bulk([]uuid.UUID{cust}, []uuid.UUID{rivalDoc}, nil, domain.PermissionView, time.Time{}), wantErr: domain.ErrNotFound},
		{name: "a document of one customer's workspace cannot go to another", given: two,
			do: bulk([]uuid.UUID{cust, cust2}, []uuid.UUID{wsDoc}, nil, domain.PermissionView, time.Time{}), wantErr: domain.ErrValidation},
		{name: "an expiry in the past", given: two,
			do: bulk([]uuid.UUID{cust}, []uuid.UUID{doc}, nil, domain.PermissionView, t0), wantErr: domain.ErrValidation},
		{name: "a bad permission", given: two,
			do: bulk([]uuid.UUID{cust}, []uuid.UUID{doc}, nil, "owner", time.Time{}), wantErr: domain.ErrValidation},
	})
}

func TestBulkPairs(t *testing.T) {
	t.Parallel()
	many := func(k int) []uuid.UUID {
		out := make([]uuid.UUID, k)
		for i := range out {
			out[i] = n(uint32(1000 + i))
		}
		return out
	}
	c, d, f, err := domain.BulkPairs([]uuid.UUID{cust, cust, cust2}, []uuid.UUID{doc, doc}, nil)
	if err != nil || len(c) != 2 || len(d) != 1 || len(f) != 0 {
		t.Fatalf("repeated ids: %v %v %v %v, want them once each", c, d, f, err)
	}
	if _, _, _, err := domain.BulkPairs(many(50), many(20), nil); err != nil {
		t.Fatalf("50 × 20 refused: %v", err)
	}
	for _, tt := range []struct {
		name                string
		customers, docs, fs []uuid.UUID
		field               string
	}{
		{"no customer", nil, many(1), nil, "customer_ids"},
		{"nothing to share", many(1), nil, nil, "document_ids"},
		{"above the bound", many(51), many(20), nil, "customer_ids"},
		{"the nil id", []uuid.UUID{uuid.Nil}, many(1), nil, "customer_ids"},
	} {
		_, _, _, err := domain.BulkPairs(tt.customers, tt.docs, tt.fs)
		var ve *domain.ValidationError
		if !errors.As(err, &ve) || ve.Field != tt.field {
			t.Errorf("%s: %v, want a validation error of %s", tt.name, err, tt.field)
		}
	}
}
