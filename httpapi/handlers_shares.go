package httpapi

import (
	"encoding/json"
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
	ExpiresAt    *time.Time `json:"expires_at"` // null: never
	ExpiredAt    *time.Time `json:"expired_at"` // set once status is expired
}

// newShareResponse judges expiry at now (domain.AccessStatusAt).
func newShareResponse(sh query.Share, now time.Time) shareResponse {
	var ends time.Time
	if sh.ExpiresAt != nil {
		ends = *sh.ExpiresAt
	}
	out := shareResponse{
		ID: sh.ID, Type: "portal", Status: string(domain.AccessStatusAt(sh.Cancelled, ends, now)),
		CustomerID: sh.CustomerID, DocumentID: sh.DocumentID, FolderID: sh.FolderID, Permission: sh.Permission,
		SharedBy: sh.GrantedBy, SharedAt: sh.GrantedAt.UTC(), ExpiresAt: utcPtr(sh.ExpiresAt),
	}
	if out.Status == string(domain.AccessExpired) {
		out.ExpiredAt = utcPtr(sh.ExpiresAt)
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
	ExpiresAt  *time.Time `json:"expires_at"`
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
	now := s.now()
	expires, err := futureExpiry(in.ExpiresAt, now)
	if err != nil {
		return err
	}
	res, err := s.app.GrantShare(r.Context(), call(r), app.GrantShare{CustomerID: in.CustomerID, DocumentID: documentID, FolderID: folderID,
		Permission: perm, ExpiresAt: expires})
	if err != nil {
		return err
	}
	return written(w, http.StatusCreated, res.Appended, newShareResponse(res.Share, now))
}

// futureExpiry checks an optional expires_at: absent or null is never (zero).
// It keeps microseconds, as PostgreSQL does, so that the log, the read models
// and an as-of replay compare the same instant.
func futureExpiry(t *time.Time, now time.Time) (time.Time, error) {
	if t == nil {
		return time.Time{}, nil
	}
	ends := t.UTC().Truncate(time.Microsecond)
	if !ends.After(now) {
		return time.Time{}, problem.Validation("expires_at", "must be in the future")
	}
	return ends, nil
}

// changeShareRequest: each field absent leaves it as it is; expires_at null
// removes the expiry.
type changeShareRequest struct {
	Permission *string         `json:"permission"`
	ExpiresAt  json.RawMessage `json:"expires_at"`
}

// changeShare switches a share between view and edit and/or changes its expiry:
// PATCH /api/v1/shares/{id}.
func (s *Server) changeShare(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var in changeShareRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	now := s.now()
	cmd := app.ChangeShare{ShareRef: app.ShareRef{ShareID: id}}
	if in.Permission == nil && in.ExpiresAt == nil {
		return problem.Validation("body", "give at least one of permission, expires_at")
	}
	if in.Permission != nil {
		if cmd.Permission, err = validPermission(*in.Permission); err != nil {
			return err
		}
	}
	if in.ExpiresAt != nil {
		cmd.SetExpiry = true
		if string(in.ExpiresAt) != "null" {
			var t time.Time
			if err := json.Unmarshal(in.ExpiresAt, &t); err != nil {
				return problem.Validation("expires_at", "must be an RFC 3339 time or null")
			}
			if cmd.ExpiresAt, err = futureExpiry(&t, now); err != nil {
				return err
			}
		}
	}
	res, err := s.app.ChangeShare(r.Context(), call(r), cmd)
	if err != nil {
		return err
	}
	return written(w, http.StatusOK, res.Appended, newShareResponse(res.Share, now))
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
	return written(w, http.StatusOK, res.Appended, newShareResponse(res.Share, s.now()))
}
