package httpapi

import (
	"bytes"
	"cmp"
	"net/http"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/projections"
)

// Views that hold two lists (a folder's subfolders and documents, a portal
// listing's folders and documents) are paginated as one sequence: the folders
// first, then the documents, each in its own order, ?limit= items in all per
// page (issue 12: no unbounded answer). The answer keeps its shape and adds
// next_cursor (null on the last page).

// viewKey is the keyset position in such a view: after the folder (Doc false) or
// document named Name with id ID.
type viewKey struct {
	Doc  bool      `json:"d,omitempty"`
	Name string    `json:"n"`
	ID   uuid.UUID `json:"id"`
}

// sealView seals the position after the last item of a page ("" when none).
func (s *Server) sealView(r *http.Request, k *viewKey) (*string, error) {
	if k == nil {
		return nil, nil
	}
	c, err := s.cursors.Seal(listScope(r), k)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// folderPage reads one page of the folder's subfolders, then documents, from the
// read model (keyset queries, so a page costs the same wherever it is).
func (s *Server) folderPage(r *http.Request, f projections.FolderRow, visible projections.GroupFilter) ([]projections.FolderRow, []projections.DocumentRow, *string, error) {
	page, after, err := openPage[viewKey](s, r)
	if err != nil {
		return nil, nil, nil, err
	}
	limit := page.Limit
	var subs []projections.FolderRow
	var next *viewKey
	if after == nil || !after.Doc {
		var fa *projections.NameKey
		if after != nil {
			fa = &projections.NameKey{Name: after.Name, ID: after.ID}
		}
		if subs, err = projections.SubfoldersAfter(r.Context(), s.pool, f.ID, visible, fa, limit+1); err != nil {
			return nil, nil, nil, err
		}
		if len(subs) > limit {
			subs = subs[:limit]
			last := subs[limit-1]
			next = &viewKey{Name: last.Name, ID: last.ID}
		}
		limit -= len(subs)
	}
	var docs []projections.DocumentRow
	if next == nil {
		var da *projections.NameKey
		if after != nil && after.Doc {
			da = &projections.NameKey{Name: after.Name, ID: after.ID}
		}
		// One more than fits tells whether a next page exists (also when the
		// folders filled this one).
		if docs, err = projections.Documents(r.Context(), s.pool, projections.DocumentFilter{
			Provider: f.ProviderID, Visible: visible, FolderID: &f.ID}, da, limit+1); err != nil {
			return nil, nil, nil, err
		}
		if len(docs) > limit {
			docs = docs[:limit]
			if limit > 0 {
				last := docs[limit-1]
				next = &viewKey{Doc: true, Name: last.Name, ID: last.ID}
			} else {
				last := subs[len(subs)-1]
				next = &viewKey{Name: last.Name, ID: last.ID}
			}
		}
	}
	cursor, err := s.sealView(r, next)
	return subs, docs, cursor, err
}

// pageListing cuts an in-memory portal listing (folders, then documents, each
// sorted by name then id as domain.PortalView keeps them) to one page.
func (s *Server) pageListing(r *http.Request, out portalListing) (portalListing, *string, error) {
	page, after, err := openPage[viewKey](s, r)
	if err != nil {
		return out, nil, err
	}
	fStart, dStart := 0, 0
	if after != nil {
		if after.Doc {
			fStart = len(out.Folders)
			dStart = firstAfter(out.Documents, *after, func(d portalDocumentItem) (string, uuid.UUID) { return d.Name, d.ID })
		} else {
			fStart = firstAfter(out.Folders, *after, func(f portalFolderItem) (string, uuid.UUID) { return f.Name, f.ID })
		}
	}
	folders := out.Folders[fStart:]
	docs := out.Documents[dStart:]
	limit := page.Limit
	var next *viewKey
	switch {
	case len(folders) > limit:
		folders, docs = folders[:limit], nil
		next = &viewKey{Name: folders[limit-1].Name, ID: folders[limit-1].ID}
	case len(folders)+len(docs) > limit:
		docs = docs[:limit-len(folders)]
		if len(docs) > 0 {
			next = &viewKey{Doc: true, Name: docs[len(docs)-1].Name, ID: docs[len(docs)-1].ID}
		} else {
			next = &viewKey{Name: folders[len(folders)-1].Name, ID: folders[len(folders)-1].ID}
		}
	}
	cursor, err := s.sealView(r, next)
	return portalListing{Folders: nonNil(folders), Documents: nonNil(docs)}, cursor, err
}

// firstAfter is the index of the first item after k in items sorted by (name, id),
// as domain.PortalView sorts them.
func firstAfter[T any](items []T, k viewKey, key func(T) (string, uuid.UUID)) int {
	for i, it := range items {
		name, id := key(it)
		if cmp.Or(cmp.Compare(name, k.Name), bytes.Compare(id[:], k.ID[:])) > 0 {
			return i
		}
	}
	return len(items)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
