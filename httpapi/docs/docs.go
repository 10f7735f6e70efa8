// Package docs serves the API reference at /docs: httpapi/openapi.yaml (served
// by the API at /api/v1/openapi.yaml) rendered by Redoc's standalone bundle
// (npm redoc 2.5.4, MIT: assets/redoc-LICENSE.txt), vendored and embedded so
// that it works offline.
//
// It owns its assets and its Content-Security-Policy, and imports only the
// standard library (no domain, no handlers).
package docs

import (
	"bytes"
	"embed"
	"net/http"
	"path"
	"time"
)

//go:embed assets
var assets embed.FS

// CSP is the policy of /docs and its assets. It is the strict one (no inline
// script, nothing from another origin) but for what Redoc needs and only here:
// style-src 'unsafe-inline', because Redoc (styled-components) adds <style>
// elements at run time; worker-src blob:, because its search index runs in a
// worker built from a blob URL; img-src data:, for its inline icons;
// connect-src 'self', to fetch the spec.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self' data:; connect-src 'self'; worker-src blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// files are the names served below /docs/ ("" is the page itself).
var files = map[string]string{
	"":                    "assets/index.html",
	"redoc.standalone.js": "assets/redoc.standalone.js",
	"docs.css":            "assets/docs.css",
	"redoc-LICENSE.txt":   "assets/redoc-LICENSE.txt",
}

// started stands for the assets' modification time (If-Modified-Since works
// within one process; the content never changes without a new binary).
var started = time.Now()

// Serve answers GET /docs (name "") and GET /docs/{name}; an unknown name is
// reported as false so that the caller answers its own 404.
func Serve(w http.ResponseWriter, r *http.Request, name string) bool {
	file, ok := files[name]
	if !ok {
		return false
	}
	b, err := assets.ReadFile(file)
	if err != nil {
		return false
	}
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	switch path.Ext(file) {
	case ".html":
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
	case ".js":
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		h.Set("Cache-Control", "public, max-age=3600")
	case ".css":
		h.Set("Content-Type", "text/css; charset=utf-8")
		h.Set("Cache-Control", "public, max-age=3600")
	default:
		h.Set("Content-Type", "text/plain; charset=utf-8")
	}
	http.ServeContent(w, r, "", started, bytes.NewReader(b))
	return true
}
