package httpapi

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/httpapi/consistency"
	"github.com/sharehub/sharehub/httpapi/web"
)

// portalListingOptions are the parameters of a portal listing.
type portalListingOptions struct {
	FolderID uuid.UUID // uuid.Nil: the top
	Flat     bool
}

func parsePortalListing(r *http.Request) (portalListingOptions, error) {
	var o portalListingOptions
	id, _, err := web.QueryUUID(r, "folder_id")
	if err != nil {
		return o, err
	}
	o.FolderID = id
	if o.Flat, _, err = web.QueryBool(r, "flat"); err != nil {
		return o, err
	}
	return o, nil
}

type portalFolderItem struct {
	ID         uuid.UUID  `json:"id"`
	Name       string     `json:"name"`
	ParentID   *uuid.UUID `json:"parent_id"` // null at the top
	Permission string     `json:"permission"`
	Workspace  bool       `json:"workspace"` // the customer's own workspace folder
}

type portalDocumentItem struct {
	ID         uuid.UUID  `json:"id"`
	Name       string     `json:"name"`
	FolderID   *uuid.UUID `json:"folder_id"` // null when its folder is not visible (a document shared on its own)
	Version    int        `json:"version"`
	Size       int64      `json:"size"`
	MediaType  string     `json:"media_type"`
	SHA256     string     `json:"sha256"`
	Permission string     `json:"permission"`
	Removable  bool       `json:"removable"` // uploaded by the customer itself
}

// portalListing is what a customer's users see of one provider, at one level (or
// flat).
type portalListing struct {
	Folders   []portalFolderItem   `json:"folders"`
	Documents []portalDocumentItem `json:"documents"`
	// NextCursor pages through the listing (pages_views.go), folders first.
	NextCursor *string `json:"next_cursor"`
}

// newPortalListing is the one mapper of a page of a portal listing, for the
// customer's listing and for the provider's look at it.
func newPortalListing(l query.PortalListing, next *string) portalListing {
	out := portalListing{Folders: make([]portalFolderItem, len(l.Folders)), Documents: make([]portalDocumentItem, len(l.Documents)), NextCursor: next}
	for i, f := range l.Folders {
		out.Folders[i] = portalFolderItem{ID: f.ID, Name: f.Name, ParentID: f.ParentID, Permission: string(f.Permission), Workspace: f.Workspace}
	}
	for i, d := range l.Documents {
		out.Documents[i] = portalDocumentItem{ID: d.ID, Name: d.Name, FolderID: d.FolderID, Version: d.Version, Size: d.File.Size,
			MediaType: d.File.MediaType, SHA256: d.File.SHA256, Permission: string(d.Permission), Removable: d.OwnUpload}
	}
	return out
}

// portalListingPage opens the page a portal listing asks for: its size and the
// position after which it starts.
func (s *Server) portalListingPage(r *http.Request) (query.PortalListingFilter, *viewKey, int, error) {
	opts, err := parsePortalListing(r)
	if err != nil {
		return query.PortalListingFilter{}, nil, 0, err
	}
	page, after, err := openPage[viewKey](s, r)
	if err != nil {
		return query.PortalListingFilter{}, nil, 0, err
	}
	return query.PortalListingFilter{FolderID: opts.FolderID, Flat: opts.Flat}, after, page.Limit, nil
}

// writePortalListing seals the page's next position and writes it.
func (s *Server) writePortalListing(w http.ResponseWriter, r *http.Request, l query.PortalListing) error {
	next, err := s.sealView(r, l.Next)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, newPortalListing(l, next))
}

type portalProviderItem struct {
	ProviderID       uuid.UUID `json:"provider_id"`
	Name             string    `json:"name"`
	CustomerID       uuid.UUID `json:"customer_id"`
	Status           string    `json:"status"`
	DocumentsEnabled bool      `json:"documents_enabled"`
	MasterAccess     bool      `json:"master_access"`
	Since            time.Time `json:"since"`
}

// newPortalProviderItem is the one mapper of a provider connection, for the list
// and for the answer to leaving it.
func newPortalProviderItem(p query.PortalProvider) portalProviderItem {
	return portalProviderItem{ProviderID: p.ProviderID, Name: p.Name, CustomerID: p.CustomerID, Status: p.Status,
		DocumentsEnabled: p.DocumentsEnabled, MasterAccess: p.MasterAccess, Since: p.Since.UTC()}
}

// portalProviders lists the providers the caller's company is a customer of, with
// the status of that connection: GET /api/v1/portal/providers.
func (s *Server) portalProviders(w http.ResponseWriter, r *http.Request) error {
	page, after, err := openPage[query.NameKey](s, r)
	if err != nil {
		return err
	}
	v, err := viewer(r)
	if err != nil {
		return err
	}
	rows, err := s.queries.ListPortalProviders.Handle(r.Context(), query.ListPortalProviders{Viewer: v, After: after, Limit: page.Limit + 1})
	if err != nil {
		return err
	}
	list, err := listOf(s, r, rows, page,
		func(p query.PortalProvider) any { return query.NameKey{Name: p.Name, ID: p.ProviderID} },
		newPortalProviderItem)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, list)
}

// portalDocuments lists what the caller's company sees of a provider:
// GET /api/v1/portal/providers/{provider_id}/documents?folder_id=&flat=.
func (s *Server) portalDocuments(w http.ResponseWriter, r *http.Request) error {
	provider, err := web.PathUUID(r, "provider_id")
	if err != nil {
		return err
	}
	lf, after, limit, err := s.portalListingPage(r)
	if err != nil {
		return err
	}
	v, err := viewer(r)
	if err != nil {
		return err
	}
	// One page read from the materialised reach (issue 15), not the whole view.
	l, err := s.queries.ListPortal.Handle(r.Context(), query.ListPortal{Viewer: v, ProviderID: provider,
		FolderID: lf.FolderID, Flat: lf.Flat, After: after, Limit: limit})
	if err != nil {
		return err
	}
	return s.writePortalListing(w, r, l)
}

// portalContent streams the newest visible version of a document the caller's
// portal shows, and records the download (DocumentDownloaded); a HEAD records
// nothing: GET /api/v1/portal/documents/{id}/content.
func (s *Server) portalContent(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var dl app.Download
	if r.Method == http.MethodHead {
		if dl, err = s.portalDocumentNow(r, id); err != nil {
			return err
		}
	} else if dl, err = s.app.RecordDownload(r.Context(), call(r), app.DocumentRef{DocumentID: id}); err != nil {
		return err
	}
	f, err := s.blobs.Open(dl.File.SHA256)
	if err != nil {
		return err
	}
	defer f.Close()
	consistency.SetPosition(w, dl.Appended)
	web.ServeFile(w, r, f, web.Download{Name: dl.Name, MediaType: dl.File.MediaType, SHA256: dl.File.SHA256})
	return nil
}

// portalDocumentNow answers what RecordDownload would, from the read model,
// without recording anything.
func (s *Server) portalDocumentNow(r *http.Request, id uuid.UUID) (app.Download, error) {
	v, err := viewer(r)
	if err != nil {
		return app.Download{}, err
	}
	view, pd, err := s.queries.PortalDocument.Handle(r.Context(), query.PortalDocument{Viewer: v, DocumentID: id})
	if err != nil {
		return app.Download{}, err
	}
	return app.Download{DocumentID: id, CustomerID: view.CustomerID, Name: pd.Name, Version: pd.Version, File: pd.File}, nil
}
