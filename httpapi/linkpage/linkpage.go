// Package linkpage renders a shareable link (/l/{token}) as a page for people
// with a browser: the document's name and size with download and view buttons,
// a folder's listing, a password form when the link has one, and a readable page
// for a link that is gone, expired or unknown. The JSON answers of the same
// route stay the API's; WantsPage decides by the Accept header.
//
// It owns its template and stylesheet (embedded; the style is inline, allowed
// by its hash in the page's Content-Security-Policy, and no script at all) and
// imports only the standard library and google/uuid: handlers pass plain data
// in, nothing here reads the domain, the store or a request's secrets.
package linkpage

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

//go:embed page.css
var css string

//go:embed page.html
var pageHTML string

var tmpl = template.Must(template.New("").Funcs(template.FuncMap{"size": HumanSize}).Parse(pageHTML))

// CSP allows the one inline stylesheet (by hash), images from the origin, forms
// posting to the origin, and nothing else: no script runs on a link page.
var CSP = func() string {
	sum := sha256.Sum256([]byte(css))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; img-src 'self'; " +
		"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
}()

// Document is a document the page offers.
type Document struct {
	ID          uuid.UUID
	Name        string
	Size        int64
	MediaType   string
	DownloadURL string // GET that downloads it (a link without password)
	ViewURL     string // GET that shows it inline; "" when it cannot be shown
}

// Folder is a folder link's listing.
type Folder struct {
	Name      string
	Folders   []Subfolder
	Documents []Document
}

// Subfolder is a folder below the listed one.
type Subfolder struct {
	ID      uuid.UUID
	Name    string
	OpenURL string
}

// Page is what one answer shows: a problem, a document or a folder, with the
// password form when PasswordRequired.
type Page struct {
	Title            string
	Problem          string // set: the page only says this (gone, unknown, throttled)
	Document         *Document
	Folder           *Folder
	PasswordRequired bool
	PasswordError    string // the password just sent was wrong
	// Password, for a protected folder's listing only, is the password the
	// visitor has just typed (and that was accepted), put back into the form so
	// that its Download and Open buttons send it again; the answer is no-store.
	Password string
	Action   string // where the password form posts
}

// Render writes the page with status and the page's headers. The caller has
// set the link headers (no-store, no-referrer, noindex).
func Render(w http.ResponseWriter, status int, p Page) error {
	var b bytes.Buffer
	if err := tmpl.ExecuteTemplate(&b, "page", struct {
		Page
		CSS template.CSS
	}{p, template.CSS(css)}); err != nil {
		return fmt.Errorf("render link page: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, err := w.Write(b.Bytes())
	return err
}

// WantsPage reports whether a request prefers HTML to JSON: its Accept header
// names text/html (or application/xhtml+xml) with a higher quality than
// application/json. Browsers send that; API clients send application/json, */*
// or nothing, and keep getting JSON.
func WantsPage(r *http.Request) bool {
	var html, json float64
	for _, part := range strings.Split(strings.Join(r.Header.Values("Accept"), ","), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
				q = f
			} else {
				q = 0
			}
		}
		switch mt {
		case "text/html", "application/xhtml+xml":
			html = max(html, q)
		case "application/json", "application/problem+json":
			json = max(json, q)
		}
	}
	return html > 0 && html > json
}

// HumanSize shows a byte count for people (1 KB = 1024 bytes).
func HumanSize(n int64) string {
	const unit = 1024
	if n < unit {
		if n == 1 {
			return "1 byte"
		}
		return strconv.FormatInt(n, 10) + " bytes"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "KMGTPE"[exp])
}
