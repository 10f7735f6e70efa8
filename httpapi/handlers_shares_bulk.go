package httpapi

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/web"
)

type grantSharesRequest struct {
	CustomerIDs []uuid.UUID `json:"customer_ids"`
	DocumentIDs []uuid.UUID `json:"document_ids"`
	FolderIDs   []uuid.UUID `json:"folder_ids"`
	Permission  string      `json:"permission"`
	ExpiresAt   *time.Time  `json:"expires_at"`
}

type sharesResponse struct {
	Items []shareResponse `json:"items"`
}

// grantShares shares every document and folder with every customer, all or
// nothing, in one transaction: POST /api/v1/shares/bulk. At most
// domain.MaxBulkSharePairs pairs (400 above); an unknown id: 404 and nothing
// created; a revoked customer: 409 customer_revoked; a pair already shared:
// 409 conflict. The Idempotency-Key covers the whole batch.
func (s *Server) grantShares(w http.ResponseWriter, r *http.Request) error {
	var in grantSharesRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	perm, err := validPermission(in.Permission)
	if err != nil {
		return err
	}
	now := s.now()
	expires, err := futureExpiry(in.ExpiresAt, now)
	if err != nil {
		return err
	}
	res, err := s.app.GrantShares(r.Context(), call(r), app.GrantShares{CustomerIDs: in.CustomerIDs, DocumentIDs: in.DocumentIDs,
		FolderIDs: in.FolderIDs, Permission: perm, ExpiresAt: expires})
	if err != nil {
		return err
	}
	out := sharesResponse{Items: make([]shareResponse, len(res.Shares))}
	for i, sh := range res.Shares {
		out.Items[i] = newShareResponse(sh, now)
	}
	return written(w, http.StatusCreated, res.Appended, out)
}
