package httpapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/sharehub/sharehub/httpapi/docs"
	"github.com/sharehub/sharehub/httpapi/problem"
)

// docsPage serves the API reference (package docs): GET /docs and its assets at
// GET /docs/{file}.
func (s *Server) docsPage(w http.ResponseWriter, r *http.Request) {
	if !docs.Serve(w, r, chi.URLParam(r, "file")) {
		problem.Write(w, r, problem.Validation("file", "must be redoc.standalone.js, docs.css or redoc-LICENSE.txt"))
	}
}
