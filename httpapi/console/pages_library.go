package console

import (
	"context"
	"errors"
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

func (c *Console) libraryRoutes(r chi.Router) {
	r.Get("/app/library", c.libraryPage)
	r.Post("/app/library/folders", c.createFolder)
	r.Get("/app/library/folders/{id}", c.folderPage)
	r.Post("/app/library/folders/{id}/shares", c.shareFolder)
	r.Post("/app/library/documents", c.uploadDocument)
	r.Get("/app/library/documents/{id}", c.documentPage)
	r.Get("/app/library/documents/{id}/content", c.documentContent)
	r.Post("/app/library/documents/{id}/versions", c.addVersion)
	r.Post("/app/library/documents/{id}/versions/{n}/visibility", c.setVisibility)
	r.Post("/app/library/documents/{id}/shares", c.shareDocument)
	r.Post("/app/library/documents/{id}/links", c.createLink)
	r.Post("/app/library/documents/{id}/remove", c.removeDocument)
	r.Post("/app/shares/{id}/cancel", c.cancelShare)
	r.Post("/app/links/{id}/cancel", c.cancelLink)
	r.Post("/app/links/{id}/copy", c.copyLink)
}

type libraryData struct {
	Q         string
	Documents []query.Document
	Customers []query.Customer
}

// libraryPage is the library's start: a search over the documents the user
// sees, the customers' workspace folders, and a form for a new folder.
func (c *Console) libraryPage(w http.ResponseWriter, r *http.Request) {
	c.renderLibrary(w, r, nil)
}

func (c *Console) renderLibrary(w http.ResponseWriter, r *http.Request, formErr error) {
	v := stateOf(r).viewer
	d := &libraryData{Q: r.URL.Query().Get("q")}
	var err error
	if d.Documents, err = c.q.ListDocuments.Handle(r.Context(), query.ListDocuments{Viewer: v, Search: d.Q, Limit: 200}); err != nil {
		c.failErr(w, r, err)
		return
	}
	if d.Customers, err = c.q.ListCustomers.Handle(r.Context(), query.ListCustomers{Viewer: v, Limit: 500, Now: c.now()}); err != nil {
		c.failErr(w, r, err)
		return
	}
	p := c.newPage(r, "Library", "library")
	p.Data = d
	if formErr != nil {
		c.formError(w, r, formErr, p, "folder", "library")
		return
	}
	c.render(w, r, http.StatusOK, "library", p)
}

func (c *Console) createFolder(w http.ResponseWriter, r *http.Request) {
	parent := formID(r, "parent_id")
	res, err := c.app.CreateFolder(r.Context(), call(r), app.CreateFolder{Name: r.PostForm.Get("name"), ParentID: parent})
	if err != nil {
		if parent == uuid.Nil {
			c.renderLibrary(w, r, err)
		} else {
			c.renderFolder(w, r, parent, err, "folder")
		}
		return
	}
	c.done(w, r, res.Appended.LastPosition, "/app/library/folders/"+res.FolderID.String(), "folder")
}

type folderData struct {
	Page      query.FolderPage
	Parent    *query.Folder
	Customers []query.Customer
}

func (c *Console) folderPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	c.renderFolder(w, r, id, nil, "")
}

// renderFolder shows a folder (formErr: re-rendered after a refused form).
func (c *Console) renderFolder(w http.ResponseWriter, r *http.Request, id uuid.UUID, formErr error, formName string) {
	v := stateOf(r).viewer
	fp, err := c.q.GetFolder.Handle(r.Context(), query.GetFolder{Viewer: v, ID: id, Limit: 500})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	d := &folderData{Page: fp}
	if fp.Folder.ParentID != nil {
		if pp, err := c.q.GetFolder.Handle(r.Context(), query.GetFolder{Viewer: v, ID: *fp.Folder.ParentID, Limit: 1}); err == nil {
			d.Parent = &pp.Folder
		}
	}
	if d.Customers, err = c.q.ListCustomers.Handle(r.Context(), query.ListCustomers{Viewer: v, Limit: 500, Now: c.now()}); err != nil {
		c.failErr(w, r, err)
		return
	}
	p := c.newPage(r, fp.Folder.Name, "library")
	p.Data = d
	c.show(w, r, p, "folder", formErr, formName)
}

// uploadFields are the text fields of the upload forms; csrf comes first.
var uploadFields = []string{csrfField, "folder_id", "name", "hidden"}

// uploadDocument stores a new document: the CSRF token and the folder are
// checked, and the upload authorized, before a byte of the file is stored.
func (c *Console) uploadDocument(w http.ResponseWriter, r *http.Request) {
	var folderID uuid.UUID
	up, err := web.ReadUpload(w, r, c.blobs, web.UploadSpec{MaxFileBytes: c.maxUp, Fields: uploadFields,
		TargetFields: []string{csrfField, "folder_id"},
		Authorize: func(ctx context.Context, fields map[string]string) error {
			if err := checkUploadCSRF(r, fields); err != nil {
				return err
			}
			id, err := uuid.Parse(fields["folder_id"])
			if err != nil {
				return problem.Validation("folder_id", "choose a folder")
			}
			folderID = id
			provider, err := c.app.AuthorizeAddDocument(ctx, call(r), folderID)
			if err != nil {
				return err
			}
			return c.b.CheckQuota(ctx, provider, 0)
		}})
	if c.uploadFailed(w, r, err, folderID, "upload") {
		return
	}
	name := strings.TrimSpace(up.Fields["name"])
	if name == "" {
		name = up.FileName
	}
	res, err := c.app.AddDocument(r.Context(), call(r), app.AddDocument{FolderID: folderID, Name: name,
		File: c.fileInfo(up), Hidden: up.Fields["hidden"] == "true"})
	if c.uploadFailed(w, r, err, folderID, "upload") {
		return
	}
	c.done(w, r, res.Appended.LastPosition, "/app/library/folders/"+folderID.String(), "uploaded")
}

func (c *Console) fileInfo(up web.Upload) domain.FileInfo {
	return domain.FileInfo{SHA256: up.File.SHA256, Size: up.File.Size, MediaType: c.b.CompactMediaType(up.File.MediaType)}
}

// uploadFailed answers a refused upload: 403 for a CSRF failure, else the folder
// page again with the message by the upload form.
func (c *Console) uploadFailed(w http.ResponseWriter, r *http.Request, err error, folderID uuid.UUID, formName string) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, errCSRF) {
		c.csrfRefused(w, r)
		return true
	}
	if folderID == uuid.Nil {
		c.failErr(w, r, err)
		return true
	}
	r.PostForm = nil
	c.renderFolder(w, r, folderID, err, formName)
	return true
}

type documentData struct {
	Document  query.Document
	Versions  []query.Version
	History   []query.HistoryEntry
	Customers []query.Customer
	Tab       string
	Link      *linkShown
}

type linkShown struct {
	URL       string
	ExpiresAt time.Time
	Password  bool
}

func (c *Console) documentPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	c.renderDocument(w, r, id, nil, "", nil)
}

func (c *Console) renderDocument(w http.ResponseWriter, r *http.Request, id uuid.UUID, formErr error, formName string, link *linkShown) {
	v := stateOf(r).viewer
	doc, versions, err := c.q.DocumentVersions.Handle(r.Context(), query.DocumentVersions{Viewer: v, ID: id})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	d := &documentData{Document: doc, Versions: versions, Tab: r.URL.Query().Get("tab"), Link: link}
	if link != nil {
		d.Tab = "history"
	}
	if d.History, err = c.q.ShareHistory.Handle(r.Context(), query.ShareHistory{Viewer: v, DocumentID: id, Limit: 500}); err != nil {
		c.failErr(w, r, err)
		return
	}
	if d.Customers, err = c.q.ListCustomers.Handle(r.Context(), query.ListCustomers{Viewer: v, Status: "active", Limit: 500, Now: c.now()}); err != nil {
		c.failErr(w, r, err)
		return
	}
	p := c.newPage(r, doc.Name, "library")
	p.Data = d
	c.show(w, r, p, "document", formErr, formName)
}

// documentContent downloads a version (staff side), or shows it inline when
// asked and the type is one a browser displays safely (PDF, images).
func (c *Console) documentContent(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	n, err := strconv.Atoi(r.URL.Query().Get("version"))
	if err != nil || n < 1 {
		n = 0
	}
	v := stateOf(r).viewer
	if n == 0 {
		doc, err := c.q.GetDocument.Handle(r.Context(), query.GetDocument{Viewer: v, ID: id})
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		n = doc.Newest.Number
	}
	doc, ver, err := c.q.DocumentVersion.Handle(r.Context(), query.DocumentVersion{Viewer: v, ID: id, Number: n})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.serveFile(w, r, doc.Name, ver.SHA256, ver.MediaType, ver.AddedAt)
}

func (c *Console) serveFile(w http.ResponseWriter, r *http.Request, name, sha, mediaType string, mod time.Time) {
	f, err := c.blobs.Open(sha)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	defer f.Close()
	w.Header().Del("Content-Security-Policy") // web.ServeFile sets the file's own sandbox
	web.ServeFile(w, r, f, web.Download{Name: name, MediaType: mediaType, SHA256: sha, ModTime: mod,
		Inline: r.URL.Query().Get("inline") == "1" && inlineType(mediaType)})
}

// inlineType: what a browser may display in place (as the link pages allow).
func inlineType(mediaType string) bool {
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

func (c *Console) addVersion(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	up, err := web.ReadUpload(w, r, c.blobs, web.UploadSpec{MaxFileBytes: c.maxUp, Fields: []string{csrfField, "hidden"},
		TargetFields: []string{csrfField},
		Authorize: func(ctx context.Context, fields map[string]string) error {
			if err := checkUploadCSRF(r, fields); err != nil {
				return err
			}
			provider, err := c.app.AuthorizeAddVersion(ctx, call(r), id)
			if err != nil {
				return err
			}
			return c.b.CheckQuota(ctx, provider, 0)
		}})
	if err == nil {
		var res app.DocumentResult
		res, err = c.app.AddVersion(r.Context(), call(r), app.AddVersion{DocumentID: id, File: c.fileInfo(up), Hidden: up.Fields["hidden"] == "true"})
		if err == nil {
			c.done(w, r, res.Appended.LastPosition, "/app/library/documents/"+id.String(), "version")
			return
		}
	}
	if errors.Is(err, errCSRF) {
		c.csrfRefused(w, r)
		return
	}
	r.PostForm = nil
	c.renderDocument(w, r, id, err, "version", nil)
}

func (c *Console) setVisibility(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	n, err := strconv.Atoi(chiParam(r, "n"))
	if !ok || err != nil || n < 1 {
		c.notFound(w, r)
		return
	}
	visible := r.PostForm.Get("visible") == "true"
	res, err := c.app.SetVersionVisibility(r.Context(), call(r), app.SetVersionVisibility{DocumentID: id, Version: n, Visible: visible})
	if err != nil {
		c.renderDocument(w, r, id, err, "versions", nil)
		return
	}
	flash := "hidden"
	if visible {
		flash = "published"
	}
	c.done(w, r, res.Appended.LastPosition, "/app/library/documents/"+id.String(), flash)
}

// share grants a portal share of a document or folder to every customer ticked
// ("Visible in portal"), one command each: the first refusal stops and is shown
// (shares granted before it stay, and the history shows them).
func (c *Console) share(r *http.Request, documentID, folderID uuid.UUID) (int64, error) {
	perm := domain.Permission(r.PostForm.Get("permission"))
	if perm != domain.PermissionView && perm != domain.PermissionEdit {
		return 0, problem.Validation("permission", "choose view or edit")
	}
	var ids []uuid.UUID
	for _, s := range r.PostForm["customer_id"] {
		id, err := uuid.Parse(s)
		if err != nil {
			return 0, problem.Validation("customer_id", "choose customers from the list")
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return 0, problem.Validation("customer_id", "tick at least one customer")
	}
	var last int64
	for _, id := range ids {
		res, err := c.app.GrantShare(r.Context(), call(r), app.GrantShare{CustomerID: id, DocumentID: documentID, FolderID: folderID, Permission: perm})
		if err != nil {
			return last, err
		}
		last = max(last, res.Appended.LastPosition)
	}
	return last, nil
}

func (c *Console) shareDocument(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	pos, err := c.share(r, id, uuid.Nil)
	if err != nil {
		_ = c.b.Wait(r.Context(), pos)
		c.renderDocument(w, r, id, err, "share", nil)
		return
	}
	c.done(w, r, pos, "/app/library/documents/"+id.String()+"?tab=history", "shared")
}

func (c *Console) shareFolder(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	pos, err := c.share(r, uuid.Nil, id)
	if err != nil {
		_ = c.b.Wait(r.Context(), pos)
		c.renderFolder(w, r, id, err, "share")
		return
	}
	c.done(w, r, pos, "/app/library/folders/"+id.String(), "shared")
}

// parseLocal reads a datetime-local value, taken as UTC (the label says so).
func parseLocal(field, s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, problem.Validation(field, "must be a date and time")
}

// createLink makes a shareable link and shows its URL on the page, with a copy
// button (copy it again later from Previous shares).
func (c *Console) createLink(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	exp, err := parseLocal("expires_at", r.PostForm.Get("expires_at"))
	if err == nil && !exp.IsZero() && !exp.After(c.now()) {
		err = problem.Validation("expires_at", "must be in the future")
	}
	if err == nil && r.PostForm.Get("password") != "" && len([]rune(r.PostForm.Get("password"))) < 10 {
		err = problem.Validation("password", "must be at least 10 characters")
	}
	var res app.LinkResult
	if err == nil {
		res, err = c.app.CreateLink(r.Context(), call(r), app.CreateLink{DocumentID: id, ExpiresAt: exp, Password: r.PostForm.Get("password")})
	}
	if err != nil {
		c.renderDocument(w, r, id, err, "link", nil)
		return
	}
	_ = c.b.Wait(r.Context(), res.Appended.LastPosition)
	c.renderDocument(w, r, id, nil, "", &linkShown{URL: c.b.PublicURL() + "/l/" + res.Token, ExpiresAt: res.ExpiresAt, Password: res.PasswordRequired})
}

// copyLink shows a live link's URL again (recorded as a copy).
func (c *Console) copyLink(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	lv, err := c.app.RevealLink(r.Context(), call(r), app.LinkRef{LinkID: id})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	if lv.DocumentID == uuid.Nil || lv.Token == "" {
		c.fail(w, r, http.StatusConflict, "This link can no longer be copied: it was cancelled or has expired.")
		return
	}
	c.renderDocument(w, r, lv.DocumentID, nil, "", &linkShown{URL: c.b.PublicURL() + "/l/" + lv.Token, ExpiresAt: lv.ExpiresAt, Password: lv.PasswordRequired})
}

// cancelShare and cancelLink end a share or link for good; the form says so.
func (c *Console) cancelShare(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	res, err := c.app.CancelShare(r.Context(), call(r), app.ShareRef{ShareID: id})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.done(w, r, res.Appended.LastPosition, c.backTo(r), "cancelled")
}

func (c *Console) cancelLink(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	res, err := c.app.CancelLink(r.Context(), call(r), app.LinkRef{LinkID: id})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.done(w, r, res.Appended.LastPosition, c.backTo(r), "cancelled")
}

// backTo is the console page a form asks to return to (its "back" field).
func (c *Console) backTo(r *http.Request) string {
	return nextPath(r.PostForm.Get("back"))
}

func (c *Console) removeDocument(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	if r.PostForm.Get("confirm") != "final" {
		c.renderDocument(w, r, id, problem.Validation("confirm", "tick the box to confirm: removing cancels every share and link of the document"), "remove", nil)
		return
	}
	doc, err := c.q.GetDocument.Handle(r.Context(), query.GetDocument{Viewer: stateOf(r).viewer, ID: id})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	res, err := c.app.RemoveDocument(r.Context(), call(r), app.DocumentRef{DocumentID: id})
	if err != nil {
		c.renderDocument(w, r, id, err, "remove", nil)
		return
	}
	c.done(w, r, res.Appended.LastPosition, "/app/library/folders/"+doc.FolderID.String(), "removed")
}
