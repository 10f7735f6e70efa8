package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

// LinkPasswordHeader carries a link's password (never the URL: it would reach
// logs and Referer headers).
const LinkPasswordHeader = "X-Link-Password"

type createLinkRequest struct {
	ExpiresAt *time.Time `json:"expires_at"`
	Password  string     `json:"password"`
}

// linkResponse is a link as a write leaves it. URL (holding the token) is in the
// answer to its creation and to GET /links/{id} (url_unavailable: why not).
type linkResponse struct {
	ID               uuid.UUID  `json:"id"`
	URL              string     `json:"url,omitempty"`
	URLUnavailable   string     `json:"url_unavailable,omitempty"`
	DocumentID       uuid.UUID  `json:"document_id,omitzero"`
	FolderID         uuid.UUID  `json:"folder_id,omitzero"`
	Status           string     `json:"status"`
	ExpiresAt        *time.Time `json:"expires_at"`
	PasswordRequired bool       `json:"password_required"`
	CreatedAt        time.Time  `json:"created_at"`
	CancelledAt      *time.Time `json:"cancelled_at"`
}

// newLinkResponse answers the link as the write left it (domain.AccessStatusAt,
// the rule history judges by, at the write: a creation never answers an expired
// link, which the domain refuses to create; a cancel answers cancelled).
func newLinkResponse(l app.LinkResult) linkResponse {
	return linkResponse{ID: l.LinkID, DocumentID: l.DocumentID, FolderID: l.FolderID, ExpiresAt: optionalTime(l.ExpiresAt),
		Status:           string(domain.AccessStatusAt(!l.CancelledAt.IsZero(), l.ExpiresAt, l.CreatedAt)),
		PasswordRequired: l.PasswordRequired, CreatedAt: l.CreatedAt.UTC(), CancelledAt: optionalTime(l.CancelledAt)}
}

// createLink creates a shareable link to a document; the token is in this answer
// only: POST /api/v1/documents/{id}/links.
func (s *Server) createLink(w http.ResponseWriter, r *http.Request) error {
	id, in, err := s.decodeCreateLink(w, r)
	if err != nil {
		return err
	}
	res, err := s.app.CreateLink(r.Context(), call(r), app.CreateLink{DocumentID: id, Password: in.Password, ExpiresAt: in.expires})
	if err != nil {
		return err
	}
	return s.linkCreated(w, res)
}

// newLink is a decoded and checked body of a link creation.
type newLink struct {
	Password string
	expires  time.Time // zero: never
}

// decodeCreateLink reads the {id} of the path and the body of a link creation;
// an expiry must lie in the future.
func (s *Server) decodeCreateLink(w http.ResponseWriter, r *http.Request) (uuid.UUID, newLink, error) {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return id, newLink{}, err
	}
	var in createLinkRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return id, newLink{}, err
	}
	out := newLink{Password: in.Password}
	if in.ExpiresAt != nil {
		if !in.ExpiresAt.After(s.now()) {
			return id, newLink{}, problem.Validation("expires_at", "must be in the future")
		}
		out.expires = in.ExpiresAt.UTC()
	}
	return id, out, nil
}

// linkCreated answers a new link with its URL (the answer holds the link token:
// never stored by a cache).
func (s *Server) linkCreated(w http.ResponseWriter, res app.LinkResult) error {
	out := newLinkResponse(res)
	out.URL = s.linkURL(res.Token)
	w.Header().Set("Cache-Control", "no-store")
	return written(w, http.StatusCreated, res.Appended, out)
}

// cancelLink cancels a link for good; again (or once expired): 409 link_gone:
// POST /api/v1/links/{id}/cancel.
func (s *Server) cancelLink(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	res, err := s.app.CancelLink(r.Context(), call(r), app.LinkRef{LinkID: id})
	if errors.Is(err, domain.ErrLinkGone) {
		// Gone is 410 for whoever opens the link; for its owner cancelling it
		// again, the request contradicts the state: 409.
		p := problem.From(err)
		p.Status = http.StatusConflict
		return p
	}
	if err != nil {
		return err
	}
	return written(w, http.StatusOK, res.Appended, newLinkResponse(res))
}

type linkMetadataResponse struct {
	Name             string     `json:"name"`
	Size             int64      `json:"size"`
	MediaType        string     `json:"media_type"`
	ExpiresAt        *time.Time `json:"expires_at"`
	PasswordRequired bool       `json:"password_required"`
}

// accessLink checks a link token (and its password, from X-Link-Password) now,
// without recording an open. Every request to a link is throttled per link and
// client address (LINK_OPEN_LIMIT), and password attempts again per link and per
// client address, before the password hash is checked; the link is keyed by its
// token's hash, never the token.
func (s *Server) accessLink(r *http.Request) (app.LinkAccess, error) {
	token := chi.URLParam(r, "token")
	if err := s.throttleVisitor(r, token); err != nil {
		return app.LinkAccess{}, err
	}
	return s.app.InspectLink(r.Context(), call(r), app.OpenLink{Token: token, Password: r.Header.Get(LinkPasswordHeader)})
}

// linkMetadata: GET /l/{token}. Link answers carry no-store, no-referrer and
// noindex (web.LinkHeaders on the route group).
func (s *Server) linkMetadata(w http.ResponseWriter, r *http.Request) error {
	acc, err := s.accessLink(r)
	if errors.Is(err, app.ErrFolderLink) {
		return s.folderLinkMetadata(w, r)
	}
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, linkMetadataResponse{Name: acc.Name, Size: acc.File.Size, MediaType: acc.File.MediaType,
		ExpiresAt: optionalTime(acc.ExpiresAt), PasswordRequired: acc.PasswordRequired})
}

// linkContent streams the document's newest visible version: GET /l/{token}/content.
// A GET that sends content (200, or 206 for a range) is recorded as LinkOpened
// just before the first byte; a refused range (416), a failed precondition and a
// HEAD open nothing. A cancel that commits between the check and the open wins:
// the answer is 410 and nothing is recorded.
//
// ?disposition=inline shows a PDF or an image in place (other types stay
// attachments); a folder link's token answers 404 here.
func (s *Server) linkContent(w http.ResponseWriter, r *http.Request) error {
	inline, err := wantsInline(r)
	if err != nil {
		return err
	}
	acc, err := s.accessLink(r)
	if err != nil {
		return folderLinkGone(err)
	}
	return s.serveLinkAccess(w, r, acc, inline)
}
