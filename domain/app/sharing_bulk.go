package app

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
)

// GrantShares shares every document and folder with every customer (POST
// /shares/bulk), all or nothing, in one transaction.
type GrantShares struct {
	CustomerIDs []uuid.UUID
	DocumentIDs []uuid.UUID
	FolderIDs   []uuid.UUID
	Permission  domain.Permission
	ExpiresAt   time.Time // zero: never
}

// SharesResult lists the shares a bulk created, customers outer, then
// documents, then folders, as given (repeated ids once).
type SharesResult struct {
	Shares   []query.Share
	Appended AppendResult
}

// GrantShares checks the batch's size first (domain.BulkPairs), then
// authorizes every customer as GrantShare does (can_share and write access to
// its group: each pair is authorized through its customer) and decides every
// pair with domain.GrantShares. Any refusal refuses the whole batch: an unknown
// id is domain.ErrNotFound, a revoked customer domain.ErrCustomerRevoked, a
// pair already shared domain.ErrConflict; nothing is recorded then.
func (s *Service) GrantShares(ctx context.Context, call Call, cmd GrantShares) (SharesResult, error) {
	customers, documents, folders, err := domain.BulkPairs(cmd.CustomerIDs, cmd.DocumentIDs, cmd.FolderIDs)
	if err != nil {
		return SharesResult{}, err
	}
	var out SharesResult
	out.Appended, err = s.exec(ctx, call, func(u *unit) error {
		out.Shares = nil
		in := domain.NewShares{Permission: cmd.Permission, ExpiresAt: cmd.ExpiresAt}
		for _, id := range customers {
			p, c, err := u.sharedCustomer(id)
			if err != nil {
				return fmt.Errorf("customer %s: %w", id, err)
			}
			in.By = p.UserID
			in.Customers = append(in.Customers, c)
		}
		for _, id := range documents {
			d, err := u.document(id)
			if err != nil {
				return err
			}
			in.Documents = append(in.Documents, d)
		}
		for _, id := range folders {
			f, err := u.folder(id)
			if err != nil {
				return err
			}
			in.Folders = append(in.Folders, f)
		}
		ids := make([]uuid.UUID, len(customers)*(len(documents)+len(folders)))
		for i := range ids {
			if ids[i], err = u.id(); err != nil {
				return err
			}
		}
		in.ShareID = func(i int) uuid.UUID { return ids[i] }
		changes, err := domain.GrantShares(in, u.now)
		if err != nil {
			return err
		}
		for _, id := range ids {
			out.Shares = append(out.Shares, shareView(after(&domain.Share{}, same[domain.Share], eventsOn(domain.ShareStream(id), changes))))
		}
		return u.record(changes...)
	})
	if err != nil {
		return SharesResult{}, err
	}
	return out, nil
}
