package web

import (
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/sharehub/sharehub/httpapi/problem"
)

// Download describes a file answer.
type Download struct {
	Name      string // shown to the user; sanitised again here
	MediaType string // "" sends application/octet-stream
	SHA256    string // the content digest: the strong ETag
	ModTime   time.Time
	// Inline asks the browser to display rather than save. Attachment is the default:
	// with a sandboxing CSP either way, an uploaded HTML file cannot run as our origin.
	Inline bool
	// CacheControl, when empty, is "private, no-cache" (a cache may keep the file but
	// must revalidate, so a revoked share stops serving it), unless a middleware
	// (LinkHeaders) already set one.
	CacheControl string
}

// ServeFile answers content with the headers a download needs and lets
// http.ServeContent handle Range, If-Range, If-None-Match (ETag "sha256") and HEAD,
// and set Content-Length. ServeContent's own error answers (416 with Content-Range,
// 412) come out as problems.
func ServeFile(w http.ResponseWriter, r *http.Request, content io.ReadSeeker, d Download) {
	h := w.Header()
	mt := d.MediaType
	if mt == "" {
		mt = "application/octet-stream"
	}
	h.Set("Content-Type", mt)
	kind := "attachment"
	if d.Inline {
		kind = "inline"
	}
	h.Set("Content-Disposition", ContentDisposition(kind, d.Name))
	if d.SHA256 != "" {
		h.Set("ETag", `"`+d.SHA256+`"`)
	}
	switch {
	case d.CacheControl != "":
		h.Set("Cache-Control", d.CacheControl)
	case h.Get("Cache-Control") == "":
		h.Set("Cache-Control", "private, no-cache")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	// An empty name stops ServeContent from guessing a type from an extension.
	// ServeContent deletes Cache-Control before an error answer; the problem that
	// replaces it keeps the file's (a link's no-store above all).
	http.ServeContent(&problemOnError{ResponseWriter: w, r: r, cacheControl: h.Get("Cache-Control")}, r, "", d.ModTime, content)
}

// problemOnError replaces the plain-text error bodies http.ServeContent writes with
// problems; success answers pass through untouched.
type problemOnError struct {
	http.ResponseWriter
	r            *http.Request
	cacheControl string
	failed       bool
}

func (p *problemOnError) WriteHeader(code int) {
	if code < 400 {
		p.ResponseWriter.WriteHeader(code)
		return
	}
	p.failed = true
	if p.cacheControl != "" {
		p.Header().Set("Cache-Control", p.cacheControl)
	}
	prob := problem.New(code, problem.CodeInternal, "")
	switch code {
	case http.StatusRequestedRangeNotSatisfiable:
		prob.Code, prob.Detail = problem.CodeRangeNotSatisfiable, "the requested range is outside the file"
	case http.StatusPreconditionFailed:
		prob.Code, prob.Detail = problem.CodePreconditionFailed, "the file has changed"
	}
	problem.Write(p.ResponseWriter, p.r, prob)
}

func (p *problemOnError) Write(b []byte) (int, error) {
	if p.failed {
		return len(b), nil // the plain-text body ServeContent wanted to send
	}
	return p.ResponseWriter.Write(b)
}

// ReadFrom keeps sendfile available to ServeContent through the wrapper.
func (p *problemOnError) ReadFrom(src io.Reader) (int64, error) {
	if p.failed {
		return io.Copy(io.Discard, src)
	}
	return io.Copy(p.ResponseWriter, src)
}

func (p *problemOnError) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// ContentDisposition builds an RFC 6266 header value: kind ("attachment" or
// "inline"), an ASCII fallback filename for old clients and filename* with the
// UTF-8 name percent-encoded (RFC 8187). The name is sanitised first, and nothing of
// it can end the header or add a parameter: the fallback keeps only printable ASCII
// without quote or backslash, and filename* only RFC 8187 attr-chars.
func ContentDisposition(kind, name string) string {
	if kind != "inline" {
		kind = "attachment"
	}
	name = SanitizeFileName(name)
	if name == "" {
		name = "download"
	}
	var fallback, encoded strings.Builder
	for _, r := range name {
		if r >= 0x20 && r < 0x7f && r != '"' && r != '\\' && r != '%' {
			fallback.WriteRune(r)
		} else {
			fallback.WriteByte('_')
		}
	}
	for _, b := range []byte(name) {
		if isAttrChar(b) {
			encoded.WriteByte(b)
		} else {
			encoded.WriteByte('%')
			encoded.WriteByte("0123456789ABCDEF"[b>>4])
			encoded.WriteByte("0123456789ABCDEF"[b&15])
		}
	}
	return kind + `; filename="` + fallback.String() + `"; filename*=UTF-8''` + encoded.String()
}

// isAttrChar: RFC 8187 attr-char = ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-"
// / "." / "^" / "_" / "`" / "|" / "~".
func isAttrChar(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}
