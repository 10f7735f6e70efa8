package httpapi

import (
	"context"
	"net/http"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/web"
)

type portalCreateFolderRequest struct {
	Name     string     `json:"name"`
	ParentID *uuid.UUID `json:"parent_id"`
}

// portalCreateFolder creates a folder as a customer user, inside a folder the
// portal lets it edit (default: its workspace):
// POST /api/v1/portal/providers/{provider_id}/folders.
func (s *Server) portalCreateFolder(w http.ResponseWriter, r *http.Request) error {
	providerID, err := web.PathUUID(r, "provider_id")
	if err != nil {
		return err
	}
	var in portalCreateFolderRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	res, err := s.app.PortalCreateFolder(r.Context(), call(r), app.PortalCreateFolder{ProviderID: providerID, ParentID: idOrNil(in.ParentID), Name: in.Name})
	if err != nil {
		return err
	}
	return written(w, http.StatusCreated, res.Appended, newFolderResponse(res.Folder))
}

// portalUpload uploads a document as a customer user:
// POST /api/v1/portal/providers/{provider_id}/documents (multipart: file,
// folder_id?, name?).
func (s *Server) portalUpload(w http.ResponseWriter, r *http.Request) error {
	providerID, err := web.PathUUID(r, "provider_id")
	if err != nil {
		return err
	}
	// Authorized (portal view, then the provider's quota) once the target is known:
	// folder_id, when given, must come before the file part.
	var folderID uuid.UUID
	up, err := web.ReadUpload(w, r, s.blobs, web.UploadSpec{MaxFileBytes: s.maxUploadBytes, Fields: []string{"folder_id", "name"},
		TargetFields: []string{"folder_id"},
		Authorize: func(ctx context.Context, fields map[string]string) error {
			var err error
			if folderID, err = fieldID(fields, "folder_id"); err != nil {
				return err
			}
			if err := s.app.AuthorizePortalUpload(ctx, call(r), providerID, folderID); err != nil {
				return err
			}
			return s.checkQuota(ctx, providerID, 0)
		}})
	if err != nil {
		return err
	}
	if err := s.checkQuota(r.Context(), providerID, up.File.Size); err != nil {
		return err
	}
	name, err := uploadName(up)
	if err != nil {
		return err
	}
	res, err := s.app.PortalUpload(r.Context(), call(r), app.PortalUpload{ProviderID: providerID, FolderID: folderID, Name: name, File: uploadedFile(up)})
	if err != nil {
		return err
	}
	return written(w, http.StatusCreated, res.Appended, newDocumentResponse(res.Document, res.Changed))
}

// portalRemoveDocument removes a document the customer uploaded itself (403 for
// what the provider shared): DELETE /api/v1/portal/documents/{id}.
func (s *Server) portalRemoveDocument(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	res, err := s.app.PortalRemoveDocument(r.Context(), call(r), app.DocumentRef{DocumentID: id})
	if err != nil {
		return err
	}
	return writtenEmpty(w, res.Appended)
}
