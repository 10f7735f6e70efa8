package httpapi

import (
	"net/http"

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
