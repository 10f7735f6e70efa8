package httpapi

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/httpapi/linkpage"
	"github.com/sharehub/sharehub/httpapi/problem"
)

// The link page (package linkpage): GET /l/{token} answers a browser (Accept
// prefers text/html) with a page instead of the JSON metadata, and the page's
// password form posts to POST /l/{token}. Both run the same checks as the API:
// every request counts against LINK_OPEN_LIMIT, every password attempt against
// the link's and the address's attempt limits before the hash is checked, and a
// wrong password is recorded (LinkPasswordRejected). The form carries no CSRF
// token: it is anonymous, so a forged post could do nothing its sender could not
// do by posting it directly.

// maxLinkFormBytes bounds the form of POST /l/{token} (a password and two ids).
const maxLinkFormBytes = 4 << 10

// linkEntry: GET /l/{token}, a page for a browser, else the JSON metadata.
func (s *Server) linkEntry(w http.ResponseWriter, r *http.Request) error {
	w.Header().Add("Vary", "Accept")
	if !linkpage.WantsPage(r) {
		return s.linkMetadata(w, r)
	}
	return s.linkPage(w, r, "", false)
}

// linkPageForm: POST /l/{token}, the page's form (password, and the button
// pressed: disposition for a document link, document_id or folder_id for a
// folder link). A right password with a download button streams the file (and
// records the open, as GET .../content does); otherwise the page again.
func (s *Server) linkPageForm(w http.ResponseWriter, r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return problem.Validation("body", "must be a form (application/x-www-form-urlencoded)")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLinkFormBytes)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return problem.PayloadTooLarge(maxLinkFormBytes)
		}
		return problem.Validation("body", "must be a form")
	}
	return s.linkPage(w, r, r.PostForm.Get("password"), true)
}

// linkPage answers the page for the link in r's path, with password (empty on
// a GET). Errors become pages too, with the API's status.
func (s *Server) linkPage(w http.ResponseWriter, r *http.Request, password string, posted bool) error {
	token := chi.URLParam(r, "token")
	action := "/l/" + url.PathEscape(token)
	tokenHash := app.TokenHash(token)
	if err := s.throttleLinkOpen(r, tokenHash); err != nil {
		return s.linkProblemPage(w, err)
	}
	if password != "" {
		if err := s.throttleLink(r, tokenHash); err != nil {
			return s.linkProblemPage(w, err)
		}
	}
	acc, err := s.app.InspectLink(r.Context(), call(r), app.OpenLink{Token: token, Password: password})
	switch {
	case errors.Is(err, app.ErrFolderLink):
		return s.folderLinkPage(w, r, token, action, password, posted)
	case errors.Is(err, domain.ErrPasswordRequired), errors.Is(err, domain.ErrPasswordRejected):
		return protectedPage(w, action, posted, err)
	case err != nil:
		return s.linkProblemPage(w, err)
	}
	inline := inlineMediaType(acc.File.MediaType)
	if posted && r.PostForm.Get("disposition") != "" {
		// The password was right and a download button was pressed.
		return s.serveLinkAccess(w, asGet(r), acc, r.PostForm.Get("disposition") == "inline" && inline)
	}
	doc := &linkpage.Document{Name: acc.Name, Size: acc.File.Size, MediaType: acc.File.MediaType, DownloadURL: action + "/content"}
	if inline {
		doc.ViewURL = action + "/content?disposition=inline"
	}
	page := linkpage.Page{Title: acc.Name, Document: doc, PasswordRequired: acc.PasswordRequired, Action: action}
	if acc.PasswordRequired {
		page.Password = password
	}
	return linkpage.Render(w, http.StatusOK, page)
}

// protectedPage asks for a link's password (401, as the API answers): err is
// domain.ErrPasswordRequired (none sent) or domain.ErrPasswordRejected.
// posted says the visitor sent the form (without a password, then).
func protectedPage(w http.ResponseWriter, action string, posted bool, err error) error {
	page := linkpage.Page{Title: "Protected link", PasswordRequired: true, Action: action}
	switch {
	case errors.Is(err, domain.ErrPasswordRejected):
		page.PasswordError = "Wrong password. Try again."
	case posted:
		page.PasswordError = "Enter the password."
	}
	return linkpage.Render(w, http.StatusUnauthorized, page)
}

// folderLinkPage answers a folder link's page: its listing (?folder_id= or the
// form's folder_id below it), or with the form's document_id that document.
func (s *Server) folderLinkPage(w http.ResponseWriter, r *http.Request, token, action, password string, posted bool) error {
	field := r.URL.Query().Get("folder_id")
	if posted {
		field = r.PostForm.Get("folder_id")
	}
	var folder uuid.UUID
	if field != "" {
		var err error
		if folder, err = uuid.Parse(field); err != nil {
			return s.linkProblemPage(w, problem.Validation("folder_id", "must be a UUID"))
		}
	}
	if posted && r.PostForm.Get("document_id") != "" {
		docID, err := uuid.Parse(r.PostForm.Get("document_id"))
		if err != nil {
			return s.linkProblemPage(w, problem.Validation("document_id", "must be a UUID"))
		}
		acc, err := s.app.InspectFolderDocument(r.Context(), call(r), app.OpenFolderLink{Token: token, Password: password, DocumentID: docID})
		if err != nil {
			return s.linkProblemPage(w, err)
		}
		return s.serveLinkAccess(w, asGet(r), acc, false)
	}
	acc, err := s.app.InspectFolderLink(r.Context(), call(r), app.OpenFolderLink{Token: token, Password: password, FolderID: folder})
	switch {
	case errors.Is(err, domain.ErrPasswordRequired), errors.Is(err, domain.ErrPasswordRejected):
		return protectedPage(w, action, posted, err)
	case err != nil:
		return s.linkProblemPage(w, err)
	}
	folders, docs, err := s.queries.FolderLinkContents.Handle(r.Context(), query.FolderLinkContents{ProviderID: acc.ProviderID, FolderID: acc.FolderID})
	if err != nil {
		return err
	}
	listing := &linkpage.Folder{Name: acc.Name}
	for _, f := range folders {
		listing.Folders = append(listing.Folders, linkpage.Subfolder{ID: f.ID, Name: f.Name, OpenURL: action + "?folder_id=" + f.ID.String()})
	}
	for _, d := range docs {
		doc := linkpage.Document{ID: d.ID, Name: d.Name, Size: d.Size, MediaType: d.MediaType,
			DownloadURL: action + "/documents/" + d.ID.String() + "/content"}
		if inlineMediaType(d.MediaType) {
			doc.ViewURL = doc.DownloadURL + "?disposition=inline"
		}
		listing.Documents = append(listing.Documents, doc)
	}
	page := linkpage.Page{Title: acc.Name, Folder: listing, PasswordRequired: acc.PasswordRequired, Action: action}
	if acc.PasswordRequired {
		page.Password = password
	}
	return linkpage.Render(w, http.StatusOK, page)
}

// linkProblemPage shows an error as a page, with the status (and Retry-After)
// the API gives it.
func (s *Server) linkProblemPage(w http.ResponseWriter, err error) error {
	p := problem.From(err)
	if p.Status >= 500 {
		return err // logged and answered by problem.Write
	}
	page := linkpage.Page{Title: "Link not found", Problem: "There is no link at this address. Check that you copied all of it."}
	switch p.Status {
	case http.StatusGone:
		page = linkpage.Page{Title: "Link no longer available",
			Problem: "This link was cancelled or has expired. Ask whoever sent it for a new one."}
	case http.StatusTooManyRequests:
		page = linkpage.Page{Title: "Too many attempts", Problem: "Too many attempts on this link. Wait a minute, then try again."}
		if p.RetryAfter > 0 {
			w.Header().Set("Retry-After", retryAfterSeconds(p))
		}
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
		page = linkpage.Page{Title: "Bad request", Problem: "The request could not be read (" + p.Field + ")."}
	}
	return linkpage.Render(w, p.Status, page)
}

// retryAfterSeconds is p's Retry-After in whole seconds, rounded up.
func retryAfterSeconds(p *problem.Problem) string {
	return strconv.FormatInt(int64(math.Ceil(p.RetryAfter.Seconds())), 10)
}

// asGet is r as the GET of its content: serveLinkAccess records an open for GETs
// (a HEAD or a refused range opens nothing), and the form's POST is a download.
func asGet(r *http.Request) *http.Request {
	g := r.Clone(r.Context())
	g.Method = http.MethodGet
	return g
}
