package domain

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// MaxBulkSharePairs bounds one bulk share (customers × documents and folders):
// 50 customers × 20 documents fit; a larger batch is refused before anything is
// loaded, so that one request cannot hold a transaction over thousands of
// streams.
const MaxBulkSharePairs = 1000

// NewShares is the input of GrantShares: every customer gets every document and
// every folder. The lists hold no duplicates (BulkPairs removes them). ShareID
// gives the id of each pair's share, in the order GrantShares visits them:
// customers outer, then documents, then folders.
type NewShares struct {
	Customers  []*Customer
	Documents  []*Document
	Folders    []*Folder
	Permission Permission
	ExpiresAt  time.Time // zero: never
	By         uuid.UUID
	ShareID    func(i int) uuid.UUID
}

// BulkPairs checks the size of a bulk share and removes repeated ids (keeping
// the first). Nothing to share, or more than MaxBulkSharePairs pairs:
// ErrValidation naming the list.
func BulkPairs(customers, documents, folders []uuid.UUID) (c, d, f []uuid.UUID, err error) {
	c, d, f = uniqueIDs(customers), uniqueIDs(documents), uniqueIDs(folders)
	switch {
	case len(c) == 0:
		return nil, nil, nil, invalid("customer_ids", "give at least one customer")
	case len(d)+len(f) == 0:
		return nil, nil, nil, invalid("document_ids", "give at least one document or folder")
	case len(c)*(len(d)+len(f)) > MaxBulkSharePairs:
		return nil, nil, nil, invalid("customer_ids", fmt.Sprintf("at most %d pairs (customers × documents and folders) in one call", MaxBulkSharePairs))
	}
	for _, id := range append(append(append([]uuid.UUID(nil), c...), d...), f...) {
		if id == uuid.Nil {
			return nil, nil, nil, invalid("customer_ids", "ids must not be the nil uuid")
		}
	}
	return c, d, f, nil
}

func uniqueIDs(ids []uuid.UUID) []uuid.UUID {
	seen := make(map[uuid.UUID]bool, len(ids))
	var out []uuid.UUID
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// GrantShares grants every (customer, item) pair by the rule of GrantShare, all
// or nothing: the first pair the rule refuses refuses the whole batch, with its
// error (a revoked customer: ErrCustomerRevoked; a pair already shared:
// ErrConflict; ...). The events of each stream are gathered into one change at
// the version the stream was read, so the batch appends once per stream.
func GrantShares(in NewShares, now time.Time) ([]Change, error) {
	if len(in.Customers)*(len(in.Documents)+len(in.Folders)) > MaxBulkSharePairs {
		return nil, invalid("customer_ids", fmt.Sprintf("at most %d pairs in one call", MaxBulkSharePairs))
	}
	var out []Change
	index := map[string]int{}
	add := func(changes []Change) {
		for _, ch := range changes {
			if i, ok := index[ch.Stream]; ok {
				out[i].Events = append(out[i].Events, ch.Events...)
				continue
			}
			index[ch.Stream] = len(out)
			out = append(out, Change{Stream: ch.Stream, Version: ch.Version, Events: append([]Event(nil), ch.Events...)})
		}
	}
	i := 0
	grant := func(c *Customer, d *Document, f *Folder) error {
		changes, err := GrantShare(NewShare{ShareID: in.ShareID(i), Customer: c, Document: d, Folder: f,
			Permission: in.Permission, ExpiresAt: in.ExpiresAt, By: in.By}, now)
		i++
		if err != nil {
			return err
		}
		add(changes)
		return nil
	}
	for _, c := range in.Customers {
		for _, d := range in.Documents {
			if err := grant(c, d, nil); err != nil {
				return nil, fmt.Errorf("customer %s, document %s: %w", c.ID, d.ID, err)
			}
		}
		for _, f := range in.Folders {
			if err := grant(c, nil, f); err != nil {
				return nil, fmt.Errorf("customer %s, folder %s: %w", c.ID, f.ID, err)
			}
		}
	}
	return out, nil
}
