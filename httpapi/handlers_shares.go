package httpapi

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

// shareResponse is a portal share, as a write answers it and as reads list it
// (shareItem): one mapper, newShareResponse, for both.
type shareResponse struct {
	ID           uuid.UUID  `json:"id"`
	Type         string     `json:"type"`
	Status       string     `json:"status"`
	CustomerID   uuid.UUID  `json:"customer_id"`
	DocumentID   *uuid.UUID `json:"document_id"`
	FolderID     *uuid.UUID `json:"folder_id"`
	Permission   string     `json:"permission"`
	SharedBy     uuid.UUID  `json:"shared_by"`
	SharedAt     time.Time  `json:"shared_at"`
	CancelledBy  *uuid.UUID `json:"cancelled_by"`
	CancelledAt  *time.Time `json:"cancelled_at"`
	CancelReason *string    `json:"cancel_reason"`
}

func newShareResponse(sh query.Share) shareResponse {
	// A portal share has no expiry (yet): its status is active or cancelled.
	out := shareResponse{
		ID: sh.ID, Type: "portal", Status: string(domain.AccessStatusAt(sh.Cancelled, time.Time{}, time.Time{})),
		CustomerID: sh.CustomerID, DocumentID: sh.DocumentID, FolderID: sh.FolderID, Permission: sh.Permission,
		SharedBy: sh.GrantedBy, SharedAt: sh.GrantedAt.UTC(),
	}
	if sh.Cancelled {
		out.CancelledBy, out.CancelledAt, out.CancelReason = sh.CancelledBy, utcPtr(sh.CancelledAt), sh.Reason
	}
	return out
}

func validPermission(p string) (domain.Permission, error) {
	perm := domain.Permission(p)
	if perm != domain.PermissionView && perm != domain.PermissionEdit {
		return "", problem.Validation("permission", "must be view or edit")
	}
	return perm, nil
}

type grantShareRequest struct {
	CustomerID uuid.UUID  `json:"customer_id"`
	DocumentID *uuid.UUID `json:"document_id"`
	FolderID   *uuid.UUID `json:"folder_id"`
	Permission string     `json:"permission"`
}

// grantShare shares a document or folder with a customer: POST /api/v1/shares.
func (s *Server) grantShare(w http.ResponseWriter, r *http.Request) error {
	var in grantShareRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	if err := requiredID("customer_id", in.CustomerID); err != nil {
		return err
	}
	documentID, folderID := idOrNil(in.DocumentID), idOrNil(in.FolderID)
	if (documentID == uuid.Nil) == (folderID == uuid.Nil) {
		return problem.Validation("document_id", "give exactly one of document_id and folder_id")
	}
	perm, err := validPermission(in.Permission)
	if err != nil {
		return err
	}
	res, err := s.app.GrantShare(r.Context(), call(r), app.GrantShare{CustomerID: in.CustomerID, DocumentID: documentID, FolderID: folderID, Permission: perm})
	if err != nil {
		return err
	}
	return written(w, http.StatusCreated, res.Appended, newShareResponse(res.Share))
}

type changeShareRequest struct {
	Permission string `json:"permission"`
}

// changeShare switches a share between view and edit: PATCH /api/v1/shares/{id}.
func (s *Server) changeShare(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var in changeShareRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	perm, err := validPermission(in.Permission)
	if err != nil {
		return err
	}
	res, err := s.app.ChangeSharePermission(r.Context(), call(r), app.ChangeSharePermission{ShareID: id, Permission: perm})
	if err != nil {
		return err
	}
	return written(w, http.StatusOK, res.Appended, newShareResponse(res.Share))
}

// cancelShare cancels a share for good; again: 409 share_cancelled:
// POST /api/v1/shares/{id}/cancel.
func (s *Server) cancelShare(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	res, err := s.app.CancelShare(r.Context(), call(r), app.ShareRef{ShareID: id})
	if err != nil {
		return err
	}
	return written(w, http.StatusOK, res.Appended, newShareResponse(res.Share))
}
