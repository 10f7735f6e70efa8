package httpapi

import (
	"context"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

type createFolderRequest struct {
	Name       string     `json:"name"`
	ParentID   *uuid.UUID `json:"parent_id"`
	CustomerID *uuid.UUID `json:"customer_id"`
}

// folderResponse is a folder, as its creation answers it and as reads list it:
// one mapper, newFolderResponse, for both.
type folderResponse struct {
	ID         uuid.UUID  `json:"id"`
	Name       string     `json:"name"`
	ParentID   *uuid.UUID `json:"parent_id"`
	CustomerID *uuid.UUID `json:"customer_id"` // the workspace it lies in, if any
	CreatedAt  time.Time  `json:"created_at"`
}

func newFolderResponse(f query.Folder) folderResponse {
	return folderResponse{ID: f.ID, Name: f.Name, ParentID: f.ParentID, CustomerID: f.WorkspaceCustomerID, CreatedAt: f.CreatedAt.UTC()}
}

// createFolder: POST /api/v1/folders.
func (s *Server) createFolder(w http.ResponseWriter, r *http.Request) error {
	var in createFolderRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	res, err := s.app.CreateFolder(r.Context(), call(r), app.CreateFolder{Name: in.Name, ParentID: idOrNil(in.ParentID), CustomerID: idOrNil(in.CustomerID)})
	if err != nil {
		return err
	}
	return written(w, http.StatusCreated, res.Appended, newFolderResponse(res.Folder))
}

// documentResponse is a document with one version: the one a write added or
// changed, or the newest in reads (documentItem). One mapper for both.
type documentResponse struct {
	ID         uuid.UUID  `json:"id"`
	Name       string     `json:"name"`
	FolderID   uuid.UUID  `json:"folder_id"`
	CustomerID *uuid.UUID `json:"customer_id"` // the workspace it lies in, if any
	Version    int        `json:"version"`
	Size       int64      `json:"size"`
	SHA256     string     `json:"sha256"`
	MediaType  string     `json:"media_type"`
	Hidden     bool       `json:"hidden"`
	CreatedAt  time.Time  `json:"created_at"`
}

func newDocumentResponse(d query.Document, v query.Version) documentResponse {
	return documentResponse{ID: d.ID, Name: d.Name, FolderID: d.FolderID, CustomerID: d.WorkspaceCustomerID,
		Version: v.Number, Size: v.Size, SHA256: v.SHA256, MediaType: v.MediaType, Hidden: v.Hidden, CreatedAt: d.AddedAt.UTC()}
}

// uploadedFile turns an upload into the domain's file description.
func uploadedFile(up web.Upload) domain.FileInfo {
	return domain.FileInfo{SHA256: up.File.SHA256, Size: up.File.Size, MediaType: compactMediaType(up.File.MediaType)}
}

// compactMediaType writes a media type without the optional space before its
// parameters ("text/plain;charset=utf-8"): the domain keeps media types free of
// white space, while the blob store's sniffer answers "text/plain; charset=utf-8".
func compactMediaType(mt string) string {
	base, params, err := mime.ParseMediaType(mt)
	if err != nil {
		return mt // the domain names it
	}
	if cs, ok := params["charset"]; ok {
		return base + ";charset=" + strings.ToLower(cs)
	}
	return base
}

// uploadName is the "name" field, else the file's own name.
func uploadName(up web.Upload) (string, error) {
	if name, ok := up.Fields["name"]; ok {
		return name, nil
	}
	if up.FileName == "" {
		return "", problem.Validation("name", "is required when the file part has no file name")
	}
	return up.FileName, nil
}

// uploadID parses an optional UUID field of an upload.
func uploadID(up web.Upload, field string) (uuid.UUID, error) {
	v, ok := up.Fields[field]
	if !ok || v == "" {
		return uuid.Nil, nil
	}
	id, err := uuid.Parse(v)
	if err != nil || len(v) != 36 {
		return uuid.Nil, problem.Validation(field, "must be a UUID")
	}
	return id, nil
}

// uploadBool parses an optional "true"/"false" field of an upload.
func uploadBool(up web.Upload, field string) (bool, error) {
	switch up.Fields[field] {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, problem.Validation(field, "must be true or false")
}

// addDocument adds a document with its first version; the file streams into blob
// storage as it arrives: POST /api/v1/documents (multipart).
// folder_id must come before the file part: the upload is authorized (and the
// quota checked) as soon as the folder is known, before the file is stored.
func (s *Server) addDocument(w http.ResponseWriter, r *http.Request) error {
	var folderID, provider uuid.UUID
	up, err := web.ReadUpload(w, r, s.blobs, web.UploadSpec{MaxFileBytes: s.maxUploadBytes, Fields: []string{"folder_id", "name", "hidden"},
		TargetFields: []string{"folder_id"},
		Authorize: func(ctx context.Context, fields map[string]string) error {
			var err error
			if folderID, err = fieldID(fields, "folder_id"); err != nil {
				return err
			}
			if folderID == uuid.Nil {
				return problem.Validation("folder_id", "is required before the file part")
			}
			if provider, err = s.app.AuthorizeAddDocument(ctx, call(r), folderID); err != nil {
				return err
			}
			return s.checkQuota(ctx, provider, 0)
		}})
	if err != nil {
		return err
	}
	if err := s.checkQuota(r.Context(), provider, up.File.Size); err != nil {
		return err
	}
	name, err := uploadName(up)
	if err != nil {
		return err
	}
	hidden, err := uploadBool(up, "hidden")
	if err != nil {
		return err
	}
	res, err := s.app.AddDocument(r.Context(), call(r), app.AddDocument{FolderID: folderID, Name: name, File: uploadedFile(up), Hidden: hidden,
		HiddenUnsaid: up.Fields["hidden"] == ""})
	if err != nil {
		return err
	}
	return written(w, http.StatusCreated, res.Appended, newDocumentResponse(res.Document, res.Changed))
}

// addVersion adds the next version of a document:
// POST /api/v1/documents/{id}/versions (multipart).
func (s *Server) addVersion(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	// Authorized before a byte of the body is read.
	provider, err := s.app.AuthorizeAddVersion(r.Context(), call(r), id)
	if err != nil {
		return err
	}
	if err := s.checkQuota(r.Context(), provider, 0); err != nil {
		return err
	}
	up, err := web.ReadUpload(w, r, s.blobs, web.UploadSpec{MaxFileBytes: s.maxUploadBytes, Fields: []string{"hidden"}})
	if err != nil {
		return err
	}
	if err := s.checkQuota(r.Context(), provider, up.File.Size); err != nil {
		return err
	}
	hidden, err := uploadBool(up, "hidden")
	if err != nil {
		return err
	}
	res, err := s.app.AddVersion(r.Context(), call(r), app.AddVersion{DocumentID: id, File: uploadedFile(up), Hidden: hidden,
		HiddenUnsaid: up.Fields["hidden"] == ""})
	if err != nil {
		return err
	}
	return written(w, http.StatusCreated, res.Appended, newDocumentResponse(res.Document, res.Changed))
}

type versionVisibilityRequest struct {
	Visible *bool `json:"visible"`
}

type versionVisibilityResponse struct {
	DocumentID uuid.UUID `json:"document_id"`
	Version    int       `json:"version"`
	Visible    bool      `json:"visible"`
}

// setVersionVisibility publishes or hides a version:
// PUT /api/v1/documents/{id}/versions/{n}/visibility.
func (s *Server) setVersionVisibility(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(chi.URLParam(r, "n"))
	if err != nil || n < 1 {
		return problem.Validation("n", "must be a version number (1, 2, ...)")
	}
	var in versionVisibilityRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	if err := required("visible", in.Visible != nil); err != nil {
		return err
	}
	res, err := s.app.SetVersionVisibility(r.Context(), call(r), app.SetVersionVisibility{DocumentID: id, Version: n, Visible: *in.Visible})
	if err != nil {
		return err
	}
	return written(w, http.StatusOK, res.Appended, versionVisibilityResponse{DocumentID: id, Version: n, Visible: *in.Visible})
}

// removeDocument removes a document and cancels its shares and links:
// DELETE /api/v1/documents/{id}.
func (s *Server) removeDocument(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	res, err := s.app.RemoveDocument(r.Context(), call(r), app.DocumentRef{DocumentID: id})
	if err != nil {
		return err
	}
	return writtenEmpty(w, res.Appended)
}

// listFolders lists the folders at the top of the library, or directly inside
// parent_id, that the caller sees, by name: GET /api/v1/folders?parent_id=.
func (s *Server) listFolders(w http.ResponseWriter, r *http.Request) error {
	parentID, err := queryID(r, "parent_id")
	if err != nil {
		return err
	}
	page, after, err := openPage[query.NameKey](s, r)
	if err != nil {
		return err
	}
	v, err := viewer(r)
	if err != nil {
		return err
	}
	rows, err := s.queries.ListFolders.Handle(r.Context(), query.ListFolders{Viewer: v, ParentID: parentID, After: after, Limit: page.Limit + 1})
	if err != nil {
		return err
	}
	list, err := listOf(s, r, rows, page,
		func(f query.Folder) any { return query.NameKey{Name: f.Name, ID: f.ID} },
		newFolderResponse)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, list)
}
