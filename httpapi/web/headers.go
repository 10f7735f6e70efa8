package web

import "net/http"

// SecurityHeaders sets what every answer of a JSON API should carry: no MIME
// sniffing, no framing, no active content if a browser ever renders an answer.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

// LinkHeaders marks every answer of a shareable-link route, errors included: the
// link token in the URL must not leak through Referer, links must not be indexed,
// and nothing (neither a file nor its metadata) may be cached, since a cancelled or
// expired link must stop working at once (API.md: GET /l/{token}...).
func LinkHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetLinkHeaders(w)
		next.ServeHTTP(w, r)
	})
}

// SetLinkHeaders sets LinkHeaders' headers on one answer.
func SetLinkHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex")
	h.Set("Cache-Control", "no-store")
}
