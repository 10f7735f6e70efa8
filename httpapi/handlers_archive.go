package httpapi

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

// DefaultMaxArchiveBytes bounds a folder ZIP when MAX_ARCHIVE_BYTES is unset.
const DefaultMaxArchiveBytes = 4 << 30

// portalArchive streams a ZIP of the documents the caller's portal shows below
// a folder: GET /api/v1/portal/providers/{provider_id}/folders/{id}/archive.
//
// Threat model: the folder id comes from the caller, so what goes into the
// archive is what the caller's portal view shows (query.PortalArchive over
// PortalViewHandler, the listing's own visibility): another customer's folder,
// a folder this customer cannot see, and any folder while the customer is
// paused or revoked answer 404, as the listing does. Each document is then
// recorded as downloaded through the same command as a single download
// (app.RecordArchiveDownload: the domain checks the portal shows it at that
// moment, and DocumentDownloaded names the route, via "archive") just before
// its bytes are sent, so the log holds what was sent and a document hidden in
// the meantime is left out. Names come from uploaders: query.SanitizeArchiveName
// keeps every path relative and inside the archive's folder, and duplicates get
// " (2)". The total is checked against MAX_ARCHIVE_BYTES before the first byte
// (413); memory does not depend on the size: each blob is copied from disk into
// the compressor and the response, never held whole.
func (s *Server) portalArchive(w http.ResponseWriter, r *http.Request) error {
	provider, err := web.PathUUID(r, "provider_id")
	if err != nil {
		return err
	}
	folder, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	v, err := viewer(r)
	if err != nil {
		return err
	}
	view, err := s.queries.PortalView.Handle(r.Context(), query.PortalView{Viewer: v, ProviderID: provider})
	if err != nil {
		return err
	}
	entries, err := query.PortalArchive(view, folder)
	if err != nil {
		return err
	}
	var total int64
	for _, e := range entries {
		total += e.Document.File.Size
	}
	if total > s.maxArchive {
		return problem.New(http.StatusRequestEntityTooLarge, problem.CodePayloadTooLarge,
			fmt.Sprintf("the folder's documents total %d bytes, over the archive limit of %d bytes (MAX_ARCHIVE_BYTES); download them one by one", total, s.maxArchive))
	}
	name := "archive.zip"
	if len(entries) > 0 {
		name = strings.SplitN(entries[0].Path, "/", 2)[0] + ".zip"
	} else {
		for _, f := range view.Folders {
			if f.ID == folder {
				name = query.SanitizeArchiveName(f.Name) + ".zip"
			}
		}
	}
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", web.ContentDisposition("attachment", name))
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	if r.Method == http.MethodHead {
		return nil
	}
	zw := zip.NewWriter(w)
	started := false // nothing is written before the first entry's header
	for _, e := range entries {
		dl, err := s.app.RecordArchiveDownload(r.Context(), call(r), app.DocumentRef{DocumentID: e.Document.ID})
		if errors.Is(err, domain.ErrNotFound) {
			continue // hidden, moved or removed since the listing: not sent, not recorded
		}
		if err != nil && !started {
			h.Del("Content-Disposition")
			return err // nothing sent yet: still a problem answer
		}
		if err != nil {
			return s.abortArchive(r, err)
		}
		started = true
		if err := s.addToArchive(zw, e.Path, dl); err != nil {
			return s.abortArchive(r, err)
		}
	}
	if err := zw.Close(); err != nil {
		return s.abortArchive(r, err)
	}
	return nil
}

// addToArchive copies one document's blob into the archive.
func (s *Server) addToArchive(zw *zip.Writer, name string, dl app.Download) error {
	f, err := s.blobs.Open(dl.File.SHA256)
	if err != nil {
		return err
	}
	defer f.Close()
	method := zip.Store
	if compressible(dl.File.MediaType) {
		method = zip.Deflate
	}
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: s.now().UTC()})
	if err != nil {
		return err
	}
	_, err = io.Copy(fw, f)
	return err
}

// abortArchive ends an archive whose answer has begun: the status is sent, so
// the error cannot become a problem; the connection is cut instead (the client
// sees a truncated ZIP without its central directory, never a valid one that
// lacks files) and the error is logged.
func (s *Server) abortArchive(r *http.Request, err error) error {
	s.log.ErrorContext(r.Context(), "folder archive aborted", "err", err)
	panic(http.ErrAbortHandler)
}

// compressible says whether Deflate is worth it for a media type: text and
// text-like formats shrink; PDFs, images, video, audio and archives are
// compressed already and are stored as they are.
func compressible(mediaType string) bool {
	mt, _, err := mime.ParseMediaType(mediaType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"), strings.HasSuffix(mt, "+xml"), strings.HasSuffix(mt, "+json"):
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript", "application/x-ndjson", "application/rtf",
		"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint", "application/x-tar", "application/sql":
		return true
	}
	return false
}
