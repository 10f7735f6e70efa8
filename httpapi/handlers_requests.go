package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

// Document requests (issue 17): the provider asks a customer for a file, the
// customer answers by uploading. Who may do what is the application's and the
// query layer's business; a request of a customer the caller may not see
// answers 404, like one that does not exist.

type requestResponse struct {
	ID          uuid.UUID   `json:"id"`
	CustomerID  uuid.UUID   `json:"customer_id"`
	FolderID    uuid.UUID   `json:"folder_id"`
	Title       string      `json:"title"`
	Note        string      `json:"note"`
	DueAt       *time.Time  `json:"due_at"`
	Status      string      `json:"status"`
	Overdue     bool        `json:"overdue"`
	RequestedBy uuid.UUID   `json:"requested_by"`
	RequestedAt time.Time   `json:"requested_at"`
	FulfilledAt *time.Time  `json:"fulfilled_at"`
	CancelledAt *time.Time  `json:"cancelled_at"`
	DocumentIDs []uuid.UUID `json:"document_ids"`
}

func newRequestResponse(r query.Request, now time.Time) requestResponse {
	utc := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		u := t.UTC()
		return &u
	}
	docs := r.Documents
	if docs == nil {
		docs = []uuid.UUID{}
	}
	return requestResponse{ID: r.ID, CustomerID: r.CustomerID, FolderID: r.FolderID, Title: r.Title, Note: r.Note,
		DueAt: utc(r.DueAt), Status: string(r.Status), Overdue: r.Status == domain.RequestOpen && r.DueAt != nil && !now.Before(*r.DueAt),
		RequestedBy: r.RequestedBy, RequestedAt: r.RequestedAt.UTC(), FulfilledAt: utc(r.FulfilledAt), CancelledAt: utc(r.CancelledAt),
		DocumentIDs: docs}
}

type requestList struct {
	Items []requestResponse `json:"items"`
}

func (s *Server) newRequestList(rows []query.Request) requestList {
	out := requestList{Items: make([]requestResponse, len(rows))}
	now := s.now()
	for i, r := range rows {
		out.Items[i] = newRequestResponse(r, now)
	}
	return out
}

type createRequestRequest struct {
	Title    string     `json:"title"`
	Note     string     `json:"note"`
	DueAt    *time.Time `json:"due_at"`
	FolderID *uuid.UUID `json:"folder_id"`
}

// createRequest asks a customer for a file: POST /api/v1/customers/{id}/requests.
func (s *Server) createRequest(w http.ResponseWriter, r *http.Request) error {
	customerID, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var in createRequestRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	var due time.Time
	if in.DueAt != nil {
		if !in.DueAt.After(s.now()) {
			return problem.Validation("due_at", "must be in the future")
		}
		due = in.DueAt.UTC()
	}
	res, err := s.app.RequestDocument(r.Context(), call(r), app.RequestDocument{CustomerID: customerID, Title: in.Title,
		Note: in.Note, DueAt: due, FolderID: idOrNil(in.FolderID)})
	if err != nil {
		return err
	}
	return written(w, http.StatusCreated, res.Appended, newRequestResponse(res.Request, s.now()))
}

// cancelRequest withdraws a request for good: POST /api/v1/requests/{id}/cancel.
func (s *Server) cancelRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	res, err := s.app.CancelDocumentRequest(r.Context(), call(r), id)
	if err != nil {
		return err
	}
	return written(w, http.StatusOK, res.Appended, newRequestResponse(res.Request, s.now()))
}

var requestStatuses = []string{string(domain.RequestOpen), string(domain.RequestFulfilled), string(domain.RequestCancelled)}

// listRequests lists the requests of the customers the caller sees:
// GET /api/v1/requests?customer_id=&status=.
func (s *Server) listRequests(w http.ResponseWriter, r *http.Request) error {
	customerID, err := queryID(r, "customer_id")
	if err != nil {
		return err
	}
	status, err := web.QueryEnum(r, "status", requestStatuses...)
	if err != nil {
		return err
	}
	v, err := viewer(r)
	if err != nil {
		return err
	}
	rows, err := s.queries.ListRequests.Handle(r.Context(), query.ListRequests{Viewer: v, CustomerID: customerID, Status: domain.RequestStatus(status)})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, s.newRequestList(rows))
}

// portalRequests lists a provider's requests of the caller's customer
// (default: the open ones): GET /api/v1/portal/providers/{provider_id}/requests.
func (s *Server) portalRequests(w http.ResponseWriter, r *http.Request) error {
	provider, err := web.PathUUID(r, "provider_id")
	if err != nil {
		return err
	}
	status, err := web.QueryEnum(r, "status", requestStatuses...)
	if err != nil {
		return err
	}
	v, err := viewer(r)
	if err != nil {
		return err
	}
	rows, err := s.queries.PortalRequests.Handle(r.Context(), query.PortalRequests{Viewer: v, ProviderID: provider, Status: domain.RequestStatus(status)})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, s.newRequestList(rows))
}

type fulfilResponse struct {
	Request  requestResponse  `json:"request"`
	Document documentResponse `json:"document"`
}

// fulfilRequest uploads a document for a request as a user of its customer
// (multipart: file, name?), with the portal uploads' guards: authorized before
// the body is stored, then the provider's quota:
// POST /api/v1/portal/requests/{id}/documents.
func (s *Server) fulfilRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var provider uuid.UUID
	up, err := web.ReadUpload(w, r, s.blobs, web.UploadSpec{MaxFileBytes: s.maxUploadBytes, Fields: []string{"name"},
		Authorize: func(ctx context.Context, _ map[string]string) error {
			var err error
			if provider, err = s.app.AuthorizeRequestUpload(ctx, call(r), id); err != nil {
				return err
			}
			return s.checkQuota(ctx, provider, 0)
		}})
	if err != nil {
		return err
	}
	name, err := uploadName(up)
	if err != nil {
		return err
	}
	if err := s.checkQuota(r.Context(), provider, up.File.Size); err != nil {
		return err
	}
	res, err := s.app.FulfilDocumentRequest(r.Context(), call(r), app.FulfilDocumentRequest{RequestID: id, Name: name, File: uploadedFile(up)})
	if err != nil {
		return err
	}
	return written(w, http.StatusCreated, res.Appended, fulfilResponse{
		Request: newRequestResponse(res.Request, s.now()), Document: newDocumentResponse(res.Document.Document, res.Document.Changed)})
}
