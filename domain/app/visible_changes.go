package app

import (
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// Changing what a customer sees needs write access to that customer (DESIGN.md
// v1.1): a member who may edit the provider's library may still not add a
// document or folder to, add or publish or hide a version of, or remove, an item
// that some customer is given (domain.Reaches), unless the member has write
// access to every such customer's group. Admins may always.
//
// The check reads the provider's live customers (their streams hold their active
// shares); it runs for non-admins only, so its cost (one stream per customer of
// the provider) is paid by the members' library writes alone.

// folderChain loads folder id and every folder above it.
func (u *unit) folderChain(id uuid.UUID) (map[uuid.UUID]*domain.Folder, error) {
	chain := map[uuid.UUID]*domain.Folder{}
	for id != uuid.Nil {
		if _, seen := chain[id]; seen {
			break
		}
		f, err := u.folder(id)
		if err != nil {
			return nil, err
		}
		if !f.Exists() {
			break
		}
		chain[id] = f
		id = f.ParentID
	}
	return chain, nil
}

// authorizeVisibleChange checks that p may change the item of provider that is
// documentID (uuid.Nil: a folder, or a document being added) in folder.
func (u *unit) authorizeVisibleChange(p domain.Principal, providerID, documentID, folder uuid.UUID) error {
	if p.Active && !p.Portal() && p.Role == domain.RoleAdmin {
		return nil
	}
	chain, err := u.folderChain(folder)
	if err != nil {
		return err
	}
	provider, err := u.company(providerID)
	if err != nil {
		return err
	}
	ids := make([]uuid.UUID, 0, len(provider.Customers))
	for _, id := range provider.Customers {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	for _, id := range ids {
		c, err := u.customer(id)
		if err != nil {
			return err
		}
		if !domain.Reaches(c, documentID, chain) {
			continue
		}
		scope, err := u.customerScope(p, c)
		if err != nil {
			return err
		}
		if err := domain.Authorize(p, domain.ActionEditLibrary, scope); err != nil {
			return fmt.Errorf("a customer you have no write access to is given this item: %w", domain.ErrForbidden)
		}
	}
	return nil
}
