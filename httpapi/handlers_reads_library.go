package httpapi

import (
	"math"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/httpapi/web"
	"github.com/sharehub/sharehub/projections"
)

// libraryScope is where a folder or document lies: a customer's workspace (then
// the customer's group decides for members) or the provider's own library.
func libraryScope(v projections.Viewer, provider uuid.UUID, workspaceCustomer, group *uuid.UUID) domain.Scope {
	if workspaceCustomer != nil {
		return domain.CustomerScope(provider, v.GroupAccess(group))
	}
	return domain.LibraryScope(provider)
}

func folderItem(f projections.FolderRow) folderResponse {
	return folderResponse{ID: f.ID, Name: f.Name, ParentID: f.ParentID, CustomerID: f.WorkspaceCustomerID, CreatedAt: f.CreatedAt.UTC()}
}

// documentItem is a document in lists: its newest version (hidden or not).
type documentItem struct {
	documentResponse
	UpdatedAt time.Time `json:"updated_at"` // when the newest version was added
}

func newDocumentItem(d projections.DocumentRow) documentItem {
	return documentItem{
		documentResponse: documentResponse{
			ID: d.ID, Name: d.Name, FolderID: d.FolderID, CustomerID: d.WorkspaceCustomerID, Version: d.Newest.Number,
			Size: d.Newest.Size, SHA256: d.Newest.SHA256, MediaType: d.Newest.MediaType, Hidden: d.Newest.Hidden,
			CreatedAt: d.AddedAt.UTC(),
		},
		UpdatedAt: d.Newest.AddedAt.UTC(),
	}
}

type folderDetail struct {
	folderResponse
	Folders    []folderResponse `json:"folders"`
	Documents  []documentItem   `json:"documents"`
	NextCursor *string          `json:"next_cursor"` // pages_views.go: folders first, then documents
}

// getFolder answers a folder with the folders and documents directly inside it
// (those the caller may see): GET /api/v1/folders/{id}.
func (s *Server) getFolder(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	f, err := projections.Folder(r.Context(), s.pool, id)
	if err != nil {
		return err
	}
	scope := libraryScope(v, f.ProviderID, f.WorkspaceCustomerID, f.CustomerGroupID)
	if err := domain.Authorize(v.Principal, domain.ActionViewLibrary, scope); err != nil {
		return err
	}
	subs, docs, next, err := s.folderPage(r, f, projections.CustomersOf(v))
	if err != nil {
		return err
	}
	out := folderDetail{folderResponse: folderItem(f), Folders: make([]folderResponse, len(subs)), Documents: make([]documentItem, len(docs)), NextCursor: next}
	for i, sub := range subs {
		out.Folders[i] = folderItem(sub)
	}
	for i, d := range docs {
		out.Documents[i] = newDocumentItem(d)
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

// listDocuments lists the library's documents the caller sees:
// GET /api/v1/documents?folder_id=&customer_id=&q=.
func (s *Server) listDocuments(w http.ResponseWriter, r *http.Request) error {
	folderID, err := queryID(r, "folder_id")
	if err != nil {
		return err
	}
	customerID, err := queryID(r, "customer_id")
	if err != nil {
		return err
	}
	q, err := web.QueryText(r, "q", maxSearchRunes)
	if err != nil {
		return err
	}
	page, after, err := openPage[projections.NameKey](s, r)
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	var rows []projections.DocumentRow
	if v.Active {
		rows, err = projections.Documents(r.Context(), s.pool, projections.DocumentFilter{
			Provider: v.CompanyID, Visible: projections.CustomersOf(v), FolderID: folderID, CustomerID: customerID, Search: q,
		}, after, page.Limit+1)
		if err != nil {
			return err
		}
	}
	list, err := listOf(s, r, rows, page,
		func(d projections.DocumentRow) any { return projections.NameKey{Name: d.Name, ID: d.ID} },
		newDocumentItem)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, list)
}

// visibleDocument reads document {id} when the caller may see it; removed
// documents answer 404 unless withRemoved.
func (s *Server) visibleDocument(r *http.Request, v projections.Viewer, withRemoved bool) (projections.DocumentRow, error) {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return projections.DocumentRow{}, err
	}
	d, err := projections.Document(r.Context(), s.pool, id)
	if err != nil {
		return projections.DocumentRow{}, err
	}
	owner := d.WorkspaceCustomerID
	if owner == nil {
		owner = d.UploadedByCustomerID // a customer's deposit is that customer's
	}
	scope := libraryScope(v, d.ProviderID, owner, d.CustomerGroupID)
	if err := domain.Authorize(v.Principal, domain.ActionViewLibrary, scope); err != nil {
		return projections.DocumentRow{}, err
	}
	if d.Removed && !withRemoved {
		return projections.DocumentRow{}, domain.ErrNotFound
	}
	return d, nil
}

type versionItem struct {
	Version              int        `json:"version"`
	Size                 int64      `json:"size"`
	SHA256               string     `json:"sha256"`
	MediaType            string     `json:"media_type"`
	Hidden               bool       `json:"hidden"`
	UploadedByCustomerID *uuid.UUID `json:"uploaded_by_customer_id"`
	AddedAt              time.Time  `json:"added_at"`
}

type documentDetail struct {
	documentItem
	UploadedByCustomerID *uuid.UUID    `json:"uploaded_by_customer_id"`
	Versions             []versionItem `json:"versions"` // newest first
}

// getDocument answers a document with all its versions: GET /api/v1/documents/{id}.
func (s *Server) getDocument(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	d, err := s.visibleDocument(r, v, false)
	if err != nil {
		return err
	}
	versions, err := projections.DocumentVersions(r.Context(), s.pool, d.ID)
	if err != nil {
		return err
	}
	out := documentDetail{documentItem: newDocumentItem(d), UploadedByCustomerID: d.UploadedByCustomerID,
		Versions: make([]versionItem, len(versions))}
	for i, ver := range versions {
		out.Versions[i] = versionItem{Version: ver.Number, Size: ver.Size, SHA256: ver.SHA256, MediaType: ver.MediaType,
			Hidden: ver.Hidden, UploadedByCustomerID: ver.UploadedByCustomerID, AddedAt: ver.AddedAt.UTC()}
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

// documentContent streams a version of a document to the provider (default the
// newest, hidden or not): GET /api/v1/documents/{id}/content?version=.
func (s *Server) documentContent(w http.ResponseWriter, r *http.Request) error {
	n, byNumber, err := web.QueryInt64(r, "version", 1, math.MaxInt32)
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	d, err := s.visibleDocument(r, v, false)
	if err != nil {
		return err
	}
	ver := d.Newest
	if byNumber && int(n) != ver.Number {
		versions, err := projections.DocumentVersions(r.Context(), s.pool, d.ID)
		if err != nil {
			return err
		}
		found := false
		for _, candidate := range versions {
			if candidate.Number == int(n) {
				ver, found = candidate, true
			}
		}
		if !found {
			return domain.ErrNotFound
		}
	}
	f, err := s.blobs.Open(ver.SHA256)
	if err != nil {
		return err
	}
	defer f.Close()
	web.ServeFile(w, r, f, web.Download{Name: d.Name, MediaType: ver.MediaType, SHA256: ver.SHA256, ModTime: ver.AddedAt})
	return nil
}

// shareItem is a portal share in lists.
type shareItem struct {
	shareResponse
	CustomerName string `json:"customer_name"`
}

// listShares lists the portal shares of customers the caller sees, newest first:
// GET /api/v1/shares?customer_id=&document_id=&status=.
func (s *Server) listShares(w http.ResponseWriter, r *http.Request) error {
	customerID, err := queryID(r, "customer_id")
	if err != nil {
		return err
	}
	documentID, err := queryID(r, "document_id")
	if err != nil {
		return err
	}
	status, err := web.QueryEnum(r, "status", "active", "cancelled")
	if err != nil {
		return err
	}
	page, after, err := openPage[projections.TimeKey](s, r)
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	var rows []projections.ShareRow
	if v.Active {
		rows, err = projections.Shares(r.Context(), s.pool, projections.ShareFilter{
			Provider: v.CompanyID, Visible: projections.CustomersOf(v), CustomerID: customerID, DocumentID: documentID, Status: status,
		}, after, page.Limit+1)
		if err != nil {
			return err
		}
	}
	list, err := listOf(s, r, rows, page,
		func(sh projections.ShareRow) any { return projections.TimeKey{At: sh.GrantedAt, ID: sh.ID} },
		func(sh projections.ShareRow) shareItem {
			out := shareItem{CustomerName: sh.CustomerName, shareResponse: shareResponse{
				ID: sh.ID, Type: "portal", Status: "active", CustomerID: sh.CustomerID, DocumentID: sh.DocumentID,
				FolderID: sh.FolderID, Permission: sh.Permission, SharedBy: sh.GrantedBy, SharedAt: sh.GrantedAt.UTC(),
			}}
			if sh.Cancelled {
				out.Status, out.CancelledBy, out.CancelledAt, out.CancelReason = "cancelled", sh.CancelledBy, utcPtr(sh.CancelledAt), sh.Reason
			}
			return out
		})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, list)
}

// personRef names a user.
type personRef struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
}

type folderRef struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
}

// historyItem is one "previous share" (API.md's item shape, plus the folder a
// share came through). Neither a password nor a link token is ever part of it.
type historyItem struct {
	ID               uuid.UUID  `json:"id"`
	Type             string     `json:"type"`
	CustomerID       *uuid.UUID `json:"customer_id"`
	CustomerName     *string    `json:"customer_name"`
	Permission       string     `json:"permission"`
	SharedBy         personRef  `json:"shared_by"`
	SharedAt         time.Time  `json:"shared_at"`
	ExpiresAt        *time.Time `json:"expires_at"`
	PasswordRequired bool       `json:"password_required"`
	Status           string     `json:"status"`
	CancelledBy      *personRef `json:"cancelled_by"`
	CancelledAt      *time.Time `json:"cancelled_at"`
	CancelReason     *string    `json:"cancel_reason"`
	OpenedCount      int        `json:"opened_count"`
	LastOpenedAt     *time.Time `json:"last_opened_at"`
	// Folder is set for a portal share or a link of a folder above the document:
	// it reached the document through it (Via "folder"; else "document").
	Folder *folderRef `json:"folder"`
	Via    string     `json:"via"`
	// For a link: its last change of expiry or password, and the copies of its URL.
	ChangedBy       *personRef `json:"changed_by,omitempty"`
	ChangedAt       *time.Time `json:"changed_at,omitempty"`
	URLCopiedCount  *int       `json:"url_copied_count,omitempty"`
	LastURLCopiedAt *time.Time `json:"last_url_copied_at,omitempty"`
	LastURLCopiedBy *personRef `json:"last_url_copied_by,omitempty"`
}

func personOf(id *uuid.UUID, name *string) *personRef {
	if id == nil {
		return nil
	}
	p := personRef{ID: *id}
	if name != nil {
		p.Name = *name
	}
	return &p
}

// newHistoryItem judges expiry at now.
func newHistoryItem(h projections.HistoryEntry, now time.Time) historyItem {
	out := historyItem{
		ID: h.ID, Type: h.Type, CustomerID: h.CustomerID, CustomerName: h.CustomerName, Permission: h.Permission,
		SharedBy: personRef{ID: h.SharedByID, Name: h.SharedByName}, SharedAt: h.SharedAt.UTC(),
		ExpiresAt: utcPtr(h.ExpiresAt), PasswordRequired: h.PasswordRequired, Status: "active",
		CancelledAt: utcPtr(h.CancelledAt), CancelReason: h.CancelReason, OpenedCount: h.OpenedCount,
		LastOpenedAt: utcPtr(h.LastOpenedAt),
	}
	switch {
	case h.Cancelled:
		out.Status = "cancelled"
	case h.ExpiresAt != nil && !h.ExpiresAt.After(now):
		out.Status = "expired"
	}
	if h.CancelledByID != nil {
		name := ""
		if h.CancelledByName != nil {
			name = *h.CancelledByName
		}
		out.CancelledBy = &personRef{ID: *h.CancelledByID, Name: name}
	}
	out.Via = "document"
	if h.FolderID != nil {
		name := ""
		if h.FolderName != nil {
			name = *h.FolderName
		}
		out.Folder = &folderRef{ID: *h.FolderID, Name: name}
		out.Via = "folder"
	}
	if h.Type == "link" {
		copied := h.CopiedCount
		out.ChangedBy, out.ChangedAt = personOf(h.ChangedByID, h.ChangedByName), utcPtr(h.ChangedAt)
		out.URLCopiedCount, out.LastURLCopiedAt = &copied, utcPtr(h.LastCopiedAt)
		out.LastURLCopiedBy = personOf(h.LastCopiedByID, h.LastCopiedByName)
	}
	return out
}

// shareHistory lists every portal share and link that gave access to a document,
// newest first (a removed document keeps its history):
// GET /api/v1/documents/{id}/share-history.
func (s *Server) shareHistory(w http.ResponseWriter, r *http.Request) error {
	page, after, err := openPage[projections.TimeKey](s, r)
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	d, err := s.visibleDocument(r, v, true)
	if err != nil {
		return err
	}
	rows, err := projections.ShareHistory(r.Context(), s.pool, d.ProviderID, d.ID, projections.CustomersOf(v), after, page.Limit+1)
	if err != nil {
		return err
	}
	now := s.now()
	list, err := listOf(s, r, rows, page,
		func(h projections.HistoryEntry) any { return projections.TimeKey{At: h.SharedAt, ID: h.ID} },
		func(h projections.HistoryEntry) historyItem { return newHistoryItem(h, now) })
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, list)
}
