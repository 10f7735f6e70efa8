package httpapi

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/httpapi/web"
)

// accessItem is one reason someone can see a document now (API.md v1.1
// "Shares"). A link has no customer: whoever holds its URL.
type accessItem struct {
	CustomerID   *uuid.UUID `json:"customer_id"`
	CustomerName *string    `json:"customer_name"`
	Via          string     `json:"via"`
	ShareID      *uuid.UUID `json:"share_id,omitempty"`
	LinkID       *uuid.UUID `json:"link_id,omitempty"`
	FolderID     *uuid.UUID `json:"folder_id,omitempty"`
	Permission   string     `json:"permission"`
	Since        time.Time  `json:"since"`
}

// documentAudience answers who can see a document now and why: GET
// /api/v1/documents/{id}/access. Staff who may not see the document: 404;
// customers outside the caller's groups are not listed.
func (s *Server) documentAudience(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	v, err := viewer(r)
	if err != nil {
		return err
	}
	rows, err := s.queries.DocumentAudience.Handle(r.Context(), query.DocumentAudience{Viewer: v, DocumentID: id})
	if err != nil {
		return err
	}
	out := struct {
		Items []accessItem `json:"items"`
	}{Items: make([]accessItem, len(rows))}
	for i, a := range rows {
		out.Items[i] = accessItem{CustomerID: a.CustomerID, CustomerName: a.CustomerName, Via: a.Via, ShareID: a.ShareID,
			LinkID: a.LinkID, FolderID: a.FolderID, Permission: a.Permission, Since: a.Since.UTC()}
	}
	return web.WriteJSON(w, http.StatusOK, out)
}
