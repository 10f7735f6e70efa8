package console

import (
	"context"
	"errors"
	"net/http"
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

// portalRoutes: the customer side, for portal users and for staff of a company
// that is itself a customer of other providers.
func (c *Console) portalRoutes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(c.requireUser)
		r.Get("/app/portal", c.providersPage)
		r.Get("/app/portal/documents/{id}/content", c.portalContent)
		r.Post("/app/portal/documents/{id}/remove", c.portalRemove)
		r.Get("/app/portal/{provider_id}", c.portalPage)
		r.Post("/app/portal/{provider_id}/folders", c.portalCreateFolder)
		r.Post("/app/portal/{provider_id}/documents", c.portalUpload)
	})
}

func (c *Console) providersPage(w http.ResponseWriter, r *http.Request) {
	provs, err := c.q.ListPortalProviders.Handle(r.Context(), query.ListPortalProviders{Viewer: stateOf(r).viewer, Limit: 500})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	if len(provs) == 1 && stateOf(r).viewer.Portal() {
		http.Redirect(w, r, "/app/portal/"+provs[0].ProviderID.String(), http.StatusSeeOther)
		return
	}
	p := c.newPage(r, "Your providers", "portal")
	p.Data = provs
	c.render(w, r, http.StatusOK, "providers", p)
}

type portalData struct {
	ProviderID uuid.UUID
	Provider   string
	View       domain.PortalView
	Folder     *domain.PortalFolder // nil: the top
	Folders    []domain.PortalFolder
	Documents  []domain.PortalDocument
	MayUpload  bool
	Q          string
}

func (c *Console) portalPage(w http.ResponseWriter, r *http.Request) {
	c.renderPortal(w, r, nil, "")
}

// renderPortal shows the top of a provider's portal or one of its folders
// (?folder_id=), or the documents whose name matches ?q= at any depth.
func (c *Console) renderPortal(w http.ResponseWriter, r *http.Request, formErr error, formName string) {
	provider, ok := pathID(r, "provider_id")
	if !ok {
		c.notFound(w, r)
		return
	}
	v := stateOf(r).viewer
	view, err := c.q.PortalView.Handle(r.Context(), query.PortalView{Viewer: v, ProviderID: provider})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	d := &portalData{ProviderID: provider, View: view, Q: strings.TrimSpace(r.URL.Query().Get("q"))}
	if provs, err := c.q.ListPortalProviders.Handle(r.Context(), query.ListPortalProviders{Viewer: v, Limit: 500}); err == nil {
		for _, p := range provs {
			if p.ProviderID == provider {
				d.Provider = p.Name
			}
		}
	}
	folderID := uuid.Nil
	if s := r.URL.Query().Get("folder_id"); s != "" {
		id, err := uuid.Parse(s)
		f, ok := view.Folder(id)
		if err != nil || !ok {
			c.notFound(w, r)
			return
		}
		folderID, d.Folder = id, &f
	}
	switch {
	case d.Q != "":
		for _, doc := range view.Documents {
			if strings.Contains(strings.ToLower(doc.Name), strings.ToLower(d.Q)) {
				d.Documents = append(d.Documents, doc)
			}
		}
	default:
		d.Folders, d.Documents = view.Children(folderID)
	}
	if folderID != uuid.Nil {
		d.MayUpload = view.MayUpload(folderID) == nil
	} else {
		d.MayUpload = view.Open && view.Root != uuid.Nil && view.MayUpload(view.Root) == nil
	}
	title := d.Provider
	if title == "" {
		title = "Portal"
	}
	if d.Folder != nil {
		title = d.Folder.Name
	}
	p := c.newPage(r, title, "portal")
	p.Data = d
	c.show(w, r, p, "portal", formErr, formName)
}

// portalContent downloads (or shows inline) the newest visible version of a
// document the portal shows, recorded as a download as the API records it.
func (c *Console) portalContent(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	dl, err := c.app.RecordDownload(r.Context(), call(r), app.DocumentRef{DocumentID: id})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.serveFile(w, r, dl.Name, dl.File.SHA256, dl.File.MediaType, time.Time{})
}

func (c *Console) portalBack(r *http.Request, provider uuid.UUID, folder string) string {
	to := "/app/portal/" + provider.String()
	if id, err := uuid.Parse(folder); err == nil {
		to += "?folder_id=" + id.String()
	}
	return to
}

func (c *Console) portalCreateFolder(w http.ResponseWriter, r *http.Request) {
	provider, ok := pathID(r, "provider_id")
	if !ok {
		c.notFound(w, r)
		return
	}
	parent := formID(r, "parent_id")
	res, err := c.app.PortalCreateFolder(r.Context(), call(r), app.PortalCreateFolder{ProviderID: provider, ParentID: parent, Name: r.PostForm.Get("name")})
	if err != nil {
		c.portalFormError(w, r, err, "folder", r.PostForm.Get("parent_id"))
		return
	}
	c.done(w, r, res.Appended.LastPosition, c.portalBack(r, provider, r.PostForm.Get("parent_id")), "folder")
}

// portalFormError re-renders the portal folder the form was sent from.
func (c *Console) portalFormError(w http.ResponseWriter, r *http.Request, err error, formName, folder string) {
	q := r.URL.Query()
	if _, perr := uuid.Parse(folder); perr == nil {
		q.Set("folder_id", folder)
	}
	r.URL.RawQuery = q.Encode()
	c.renderPortal(w, r, err, formName)
}

func (c *Console) portalUpload(w http.ResponseWriter, r *http.Request) {
	provider, ok := pathID(r, "provider_id")
	if !ok {
		c.notFound(w, r)
		return
	}
	var folderID uuid.UUID
	up, err := web.ReadUpload(w, r, c.blobs, web.UploadSpec{MaxFileBytes: c.maxUp, Fields: uploadFields,
		TargetFields: []string{csrfField, "folder_id"},
		Authorize: func(ctx context.Context, fields map[string]string) error {
			if err := checkUploadCSRF(r, fields); err != nil {
				return err
			}
			if s := fields["folder_id"]; s != "" {
				id, err := uuid.Parse(s)
				if err != nil {
					return problem.Validation("folder_id", "choose a folder")
				}
				folderID = id
			}
			if err := c.app.AuthorizePortalUpload(ctx, call(r), provider, folderID); err != nil {
				return err
			}
			return c.b.CheckQuota(ctx, provider, 0)
		}})
	if err == nil {
		name := strings.TrimSpace(up.Fields["name"])
		if name == "" {
			name = up.FileName
		}
		var res app.DocumentResult
		res, err = c.app.PortalUpload(r.Context(), call(r), app.PortalUpload{ProviderID: provider, FolderID: folderID, Name: name, File: c.fileInfo(up)})
		if err == nil {
			c.done(w, r, res.Appended.LastPosition, c.portalBack(r, provider, idOrEmpty(folderID)), "uploaded")
			return
		}
	}
	if errors.Is(err, errCSRF) {
		c.csrfRefused(w, r)
		return
	}
	r.PostForm = nil
	c.portalFormError(w, r, err, "upload", idOrEmpty(folderID))
}

func idOrEmpty(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

// portalRemove removes a document the customer uploaded itself; what the
// provider shared answers a refusal and stays.
func (c *Console) portalRemove(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	res, err := c.app.PortalRemoveDocument(r.Context(), call(r), app.DocumentRef{DocumentID: id})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.done(w, r, res.Appended.LastPosition, c.backTo(r), "removed")
}
