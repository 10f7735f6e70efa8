package httpapi

import (
	"math"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/httpapi/web"
)

// documentItem is a document in lists: its newest version (hidden or not).
type documentItem struct {
	documentResponse
	UpdatedAt time.Time `json:"updated_at"` // when the newest version was added
	// UploadedByCustomer marks a customer's upload (issue 17).
	UploadedByCustomer bool `json:"uploaded_by_customer"`
}

func newDocumentItem(d query.Document) documentItem {
	return documentItem{
		documentResponse:   newDocumentResponse(d, d.Newest),
		UpdatedAt:          d.Newest.AddedAt.UTC(),
		UploadedByCustomer: d.UploadedByCustomerID != nil,
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
	page, after, err := openPage[query.ViewKey](s, r)
	if err != nil {
		return err
	}
	v, err := viewer(r)
	if err != nil {
		return err
	}
	fp, err := s.queries.GetFolder.Handle(r.Context(), query.GetFolder{Viewer: v, ID: id, After: after, Limit: page.Limit})
	if err != nil {
		return err
	}
	next, err := s.sealView(r, fp.Next)
	if err != nil {
		return err
	}
	out := folderDetail{folderResponse: newFolderResponse(fp.Folder), Folders: make([]folderResponse, len(fp.Subfolders)),
		Documents: make([]documentItem, len(fp.Documents)), NextCursor: next}
	for i, sub := range fp.Subfolders {
		out.Folders[i] = newFolderResponse(sub)
	}
	for i, d := range fp.Documents {
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
	var byCustomer *bool
	if b, ok, err := web.QueryBool(r, "uploaded_by_customer"); err != nil {
		return err
	} else if ok {
		byCustomer = &b
	}
	page, after, err := openPage[query.NameKey](s, r)
	if err != nil {
		return err
	}
	v, err := viewer(r)
	if err != nil {
		return err
	}
	rows, err := s.queries.ListDocuments.Handle(r.Context(), query.ListDocuments{Viewer: v, FolderID: folderID,
		CustomerID: customerID, Search: q, UploadedByCustomer: byCustomer, After: after, Limit: page.Limit + 1})
	if err != nil {
		return err
	}
	list, err := listOf(s, r, rows, page,
		func(d query.Document) any { return query.NameKey{Name: d.Name, ID: d.ID} },
		newDocumentItem)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, list)
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
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	v, err := viewer(r)
	if err != nil {
		return err
	}
	d, versions, err := s.queries.DocumentVersions.Handle(r.Context(), query.DocumentVersions{Viewer: v, ID: id})
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
	n, _, err := web.QueryInt64(r, "version", 1, math.MaxInt32)
	if err != nil {
		return err
	}
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	v, err := viewer(r)
	if err != nil {
		return err
	}
	d, ver, err := s.queries.DocumentVersion.Handle(r.Context(), query.DocumentVersion{Viewer: v, ID: id, Number: int(n)})
	if err != nil {
		return err
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
	status, err := web.QueryEnum(r, "status", "active", "expired", "cancelled")
	if err != nil {
		return err
	}
	now := s.now()
	page, after, err := openPage[query.TimeKey](s, r)
	if err != nil {
		return err
	}
	v, err := viewer(r)
	if err != nil {
		return err
	}
	rows, err := s.queries.ListShares.Handle(r.Context(), query.ListShares{Viewer: v, CustomerID: customerID,
		DocumentID: documentID, Status: status, Now: now, After: after, Limit: page.Limit + 1})
	if err != nil {
		return err
	}
	list, err := listOf(s, r, rows, page,
		func(sh query.Share) any { return query.TimeKey{At: sh.GrantedAt, ID: sh.ID} },
		func(sh query.Share) shareItem {
			return shareItem{CustomerName: sh.CustomerName, shareResponse: newShareResponse(sh, now)}
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
	ExpiredAt        *time.Time `json:"expired_at,omitempty"` // when status is expired: the instant it ended
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
func newHistoryItem(h query.HistoryEntry, now time.Time) historyItem {
	out := historyItem{
		ID: h.ID, Type: h.Type, CustomerID: h.CustomerID, CustomerName: h.CustomerName, Permission: h.Permission,
		SharedBy: personRef{ID: h.SharedByID, Name: h.SharedByName}, SharedAt: h.SharedAt.UTC(),
		ExpiresAt: utcPtr(h.ExpiresAt), PasswordRequired: h.PasswordRequired,
		CancelledAt: utcPtr(h.CancelledAt), CancelReason: h.CancelReason, OpenedCount: h.OpenedCount,
		LastOpenedAt: utcPtr(h.LastOpenedAt),
	}
	var expires time.Time
	if h.ExpiresAt != nil {
		expires = *h.ExpiresAt
	}
	out.Status = string(domain.AccessStatusAt(h.Cancelled, expires, now))
	if out.Status == string(domain.AccessExpired) {
		out.ExpiredAt = utcPtr(h.ExpiresAt)
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
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	page, after, err := openPage[query.TimeKey](s, r)
	if err != nil {
		return err
	}
	v, err := viewer(r)
	if err != nil {
		return err
	}
	rows, err := s.queries.ShareHistory.Handle(r.Context(), query.ShareHistory{Viewer: v, DocumentID: id, After: after, Limit: page.Limit + 1})
	if err != nil {
		return err
	}
	now := s.now()
	list, err := listOf(s, r, rows, page,
		func(h query.HistoryEntry) any { return query.TimeKey{At: h.SharedAt, ID: h.ID} },
		func(h query.HistoryEntry) historyItem { return newHistoryItem(h, now) })
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, list)
}
