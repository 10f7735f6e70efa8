package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

// Links of v1.1 (API.md "v1.1 additions: Links"): a link's URL copied again,
// changing a live link, folder links and inline display.

// Why GET /links/{id} shows no url (url_unavailable).
const (
	urlNotStored = "not_stored" // created before links kept their token
	urlForgotten = "forgotten"  // the company was forgotten: its key is gone
	urlLinkGone  = "link_gone"  // cancelled or expired: a dead URL is not handed out
)

func newLinkViewResponse(v app.LinkView) linkResponse {
	out := linkResponse{ID: v.LinkID, DocumentID: v.DocumentID, FolderID: v.FolderID, Status: "active",
		ExpiresAt: optionalTime(v.ExpiresAt), PasswordRequired: v.PasswordRequired, CreatedAt: v.CreatedAt.UTC(),
		CancelledAt: optionalTime(v.CancelledAt)}
	switch {
	case v.Cancelled:
		out.Status = "cancelled"
	case v.Expired:
		out.Status = "expired"
	}
	return out
}

// getLink shows a link to a user allowed to share what it opens, with its url
// again (the copy is recorded as LinkUrlRevealed, so the answer carries
// X-Position); when the url cannot be shown, url_unavailable says why:
// GET /api/v1/links/{id}.
func (s *Server) getLink(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.app.RevealLink(r.Context(), call(r), app.LinkRef{LinkID: id})
	if err != nil {
		return err
	}
	out := newLinkViewResponse(v)
	switch {
	case v.Token != "":
		out.URL = s.linkURL(v.Token)
	case errors.Is(v.TokenUnavailable, domain.ErrTokenNotStored):
		out.URLUnavailable = urlNotStored
	case errors.Is(v.TokenUnavailable, domain.ErrTokenForgotten):
		out.URLUnavailable = urlForgotten
	default:
		out.URLUnavailable = urlLinkGone
	}
	w.Header().Set("Cache-Control", "no-store") // the answer may hold the link token
	return written(w, http.StatusOK, v.Appended, out)
}

// changeLinkRequest: each field absent leaves it as it is; null removes it.
type changeLinkRequest struct {
	ExpiresAt json.RawMessage `json:"expires_at"`
	Password  json.RawMessage `json:"password"`
}

// changeLink changes the expiry or the password of a live link; cancelled or
// expired: 409 link_gone, nothing appended: PATCH /api/v1/links/{id}.
func (s *Server) changeLink(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var in changeLinkRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	cmd, err := in.command(id, s.now())
	if err != nil {
		return err
	}
	v, err := s.app.ChangeLink(r.Context(), call(r), cmd)
	if errors.Is(err, domain.ErrLinkGone) {
		p := problem.From(err)
		p.Status = http.StatusConflict // as cancelling again: the request contradicts the state
		return p
	}
	if err != nil {
		return err
	}
	return written(w, http.StatusOK, v.Appended, newLinkViewResponse(v))
}

func (in changeLinkRequest) command(id uuid.UUID, now time.Time) (app.ChangeLink, error) {
	cmd := app.ChangeLink{LinkID: id}
	if in.ExpiresAt == nil && in.Password == nil {
		return cmd, problem.Validation("body", "give at least one of expires_at, password")
	}
	if in.ExpiresAt != nil {
		cmd.SetExpiry = true
		if string(in.ExpiresAt) != "null" {
			var t time.Time
			if err := json.Unmarshal(in.ExpiresAt, &t); err != nil {
				return cmd, problem.Validation("expires_at", "must be an RFC 3339 time or null")
			}
			if !t.After(now) {
				return cmd, problem.Validation("expires_at", "must be in the future")
			}
			cmd.ExpiresAt = t.UTC()
		}
	}
	if in.Password != nil {
		cmd.SetPassword = true
		if string(in.Password) != "null" {
			if err := json.Unmarshal(in.Password, &cmd.Password); err != nil {
				return cmd, problem.Validation("password", "must be a string or null")
			}
			if cmd.Password == "" {
				return cmd, problem.Validation("password", "must not be empty (null removes the password)")
			}
		}
	}
	return cmd, nil
}

// createFolderLink creates a link to a folder; the token is in this answer (and
// can be copied again through GET /links/{id}): POST /api/v1/folders/{id}/links.
func (s *Server) createFolderLink(w http.ResponseWriter, r *http.Request) error {
	id, in, err := s.decodeCreateLink(w, r)
	if err != nil {
		return err
	}
	res, err := s.app.CreateFolderLink(r.Context(), call(r), app.CreateFolderLink{FolderID: id, Password: in.Password, ExpiresAt: in.expires})
	if err != nil {
		return err
	}
	return s.linkCreated(w, res)
}

type folderLinkItem struct {
	ID        uuid.UUID `json:"id"`
	Name      string    `json:"name"`
	Size      int64     `json:"size"`
	MediaType string    `json:"media_type"`
}

type folderLinkListing struct {
	Name             string           `json:"name"`
	FolderID         uuid.UUID        `json:"folder_id"`
	ExpiresAt        *time.Time       `json:"expires_at"`
	PasswordRequired bool             `json:"password_required"`
	Folders          []folderRef      `json:"folders"`
	Documents        []folderLinkItem `json:"documents"`
}

// folderLinkMetadata answers GET /l/{token} for a folder link: the folder
// (?folder_id= one below it) with its subfolders and the documents it serves.
// accessLink has throttled the request already.
func (s *Server) folderLinkMetadata(w http.ResponseWriter, r *http.Request) error {
	var folder uuid.UUID
	if raw := r.URL.Query().Get("folder_id"); raw != "" {
		var err error
		if folder, err = uuid.Parse(raw); err != nil {
			return problem.Validation("folder_id", "must be a UUID")
		}
	}
	acc, err := s.app.InspectFolderLink(r.Context(), call(r), app.OpenFolderLink{Token: chi.URLParam(r, "token"),
		Password: r.Header.Get(LinkPasswordHeader), FolderID: folder})
	if err != nil {
		return err
	}
	folders, docs, err := s.queries.FolderLinkContents.Handle(r.Context(), query.FolderLinkContents{ProviderID: acc.ProviderID, FolderID: acc.FolderID})
	if err != nil {
		return err
	}
	out := folderLinkListing{Name: acc.Name, FolderID: acc.FolderID, ExpiresAt: optionalTime(acc.ExpiresAt),
		PasswordRequired: acc.PasswordRequired, Folders: []folderRef{}, Documents: []folderLinkItem{}}
	for _, f := range folders {
		out.Folders = append(out.Folders, folderRef{ID: f.ID, Name: f.Name})
	}
	for _, d := range docs {
		out.Documents = append(out.Documents, folderLinkItem{ID: d.ID, Name: d.Name, Size: d.Size, MediaType: d.MediaType})
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

// folderLinkContent streams one document below a folder link's folder, under
// the same throttles, expiry and password as a document link, recorded as
// LinkOpened (of that document) when served:
// GET /l/{token}/documents/{document_id}/content.
func (s *Server) folderLinkContent(w http.ResponseWriter, r *http.Request) error {
	docID, err := web.PathUUID(r, "document_id")
	if err != nil {
		return err
	}
	inline, err := wantsInline(r)
	if err != nil {
		return err
	}
	token := chi.URLParam(r, "token")
	if err := s.throttleVisitor(r, token); err != nil {
		return err
	}
	acc, err := s.app.InspectFolderDocument(r.Context(), call(r), app.OpenFolderLink{Token: token,
		Password: r.Header.Get(LinkPasswordHeader), DocumentID: docID})
	if err != nil {
		return err
	}
	return s.serveLinkAccess(w, r, acc, inline)
}

// throttleVisitor applies accessLink's throttles: every request per link and
// client address, and password attempts again.
func (s *Server) throttleVisitor(r *http.Request, token string) error {
	tokenHash := app.TokenHash(token)
	if err := s.throttleLinkOpen(r, tokenHash); err != nil {
		return err
	}
	if r.Header.Get(LinkPasswordHeader) != "" {
		return s.throttleLink(r, tokenHash)
	}
	return nil
}

// serveLinkAccess streams what a link check granted, recording the open just
// before the first byte of a GET (see linkContent).
func (s *Server) serveLinkAccess(w http.ResponseWriter, r *http.Request, acc app.LinkAccess, inline bool) error {
	f, err := s.blobs.Open(acc.File.SHA256)
	if err != nil {
		return err
	}
	defer f.Close()
	if r.Method == http.MethodGet {
		w = &openOnSuccess{ResponseWriter: w, r: r, record: func() (app.AppendResult, error) {
			return s.app.RecordLinkOpen(r.Context(), call(r), acc)
		}}
	}
	web.ServeFile(w, r, f, web.Download{Name: acc.Name, MediaType: acc.File.MediaType, SHA256: acc.File.SHA256,
		Inline: inline && inlineMediaType(acc.File.MediaType)})
	return nil
}

// wantsInline reads ?disposition= (attachment, the default, or inline).
func wantsInline(r *http.Request) (bool, error) {
	switch r.URL.Query().Get("disposition") {
	case "", "attachment":
		return false, nil
	case "inline":
		return true, nil
	}
	return false, problem.Validation("disposition", "must be inline or attachment")
}

// inlineMediaType: the types a browser may display in place. Everything else
// (HTML, SVG, scripts, office files...) stays an attachment; the sandbox CSP
// covers both.
func inlineMediaType(mediaType string) bool {
	mt, _, err := mime.ParseMediaType(mediaType)
	if err != nil {
		return false
	}
	switch mt {
	case "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp":
		return true
	}
	return false
}

// folderLinkGone turns InspectLink's app.ErrFolderLink into 404 on routes that
// serve one document's link only.
func folderLinkGone(err error) error {
	if errors.Is(err, app.ErrFolderLink) {
		return fmt.Errorf("%w: %w", err, domain.ErrNotFound)
	}
	return err
}
