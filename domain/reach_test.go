package domain_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// Reaches: which customers a change to a library item would show to.
func TestReaches(t *testing.T) {
	t.Parallel()
	chain := func(s *domain.State, ids ...uuid.UUID) map[uuid.UUID]*domain.Folder {
		out := map[uuid.UUID]*domain.Folder{}
		for _, id := range ids {
			out[id] = s.Folder(id)
		}
		return out
	}
	cases := []struct {
		name  string
		given []domain.Event
		doc   uuid.UUID
		chain []uuid.UUID
		reach bool
	}{
		{"a document no share covers", world(), doc, []uuid.UUID{libSub, libRoot}, false},
		{"a document shared itself", join(world(), docShare(share1, doc, domain.PermissionView)), doc, []uuid.UUID{libSub, libRoot}, true},
		{"a document below a shared folder", join(world(), folderShare(share1, libRoot, domain.PermissionView)), doc, []uuid.UUID{libSub, libRoot}, true},
		{"a new document (or folder) in a shared folder", join(world(), folderShare(share1, libSub, domain.PermissionView)), uuid.Nil, []uuid.UUID{libSub, libRoot}, true},
		{"a new document beside a shared document", join(world(), docShare(share1, doc, domain.PermissionView)), uuid.Nil, []uuid.UUID{libSub, libRoot}, false},
		{"a share of the document, cancelled", join(world(), docShare(share1, doc, domain.PermissionView), cancelled(share1, doc, uuid.Nil, domain.ReasonCancelled)), doc, []uuid.UUID{libSub, libRoot}, false},
		{"a paused customer's share (it shows again on resume)", join(world(), folderShare(share1, libRoot, domain.PermissionView), paused()), doc, []uuid.UUID{libSub, libRoot}, true},
		{"a revoked customer", join(world(), folderShare(share1, libRoot, domain.PermissionView), revoked()), doc, []uuid.UUID{libSub, libRoot}, false},
		{"in the customer's workspace", world(), wsDoc, []uuid.UUID{workspace}, true},
	}
	for _, c := range cases {
		s := domain.NewState()
		if err := s.Apply(c.given...); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := domain.Reaches(s.Customer(cust), c.doc, chain(s, c.chain...)); got != c.reach {
			t.Errorf("%s: Reaches = %v, want %v", c.name, got, c.reach)
		}
	}
}
