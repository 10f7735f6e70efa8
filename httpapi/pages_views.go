package httpapi

import (
	"bytes"
	"cmp"
	"net/http"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain/app/query"
)

// Views that hold two lists (a folder's subfolders and documents, a portal
// listing's folders and documents) are paginated as one sequence: the folders
// first, then the documents, each in its own order, ?limit= items in all per
// page (issue 12: no unbounded answer). The answer keeps its shape and adds
// next_cursor (null on the last page).

// viewKey is the keyset position in such a view (query.ViewKey: the folder
// query pages the same way).
type viewKey = query.ViewKey

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
