package httpapi

import (
	"io"
	"net/http"
	"time"
)

// Request bodies are read under a deadline on the connection, not only under the
// request's context: a handler blocked reading a body does not see its context
// expire, so a client trickling bytes held the connection (and the request's
// goroutine and buffers) until the server's 15-minute ReadTimeout (issue 12: one
// was still open at 37 s, past the 30 s request timeout).
//
//   - JSON calls (timeout): the whole body must arrive within RequestTimeout.
//   - Uploads (uploadBody): the deadline is BodyIdleTimeout from the last bytes
//     received, extended while bytes flow, so a large file on a slow but live
//     link still arrives, and a stalled one is cut off.
//
// A body that misses its deadline fails its read; the handler answers (or not)
// and the server closes the connection. Network deadlines are wall-clock time
// (time.Now), not the injected clock.

// setBodyDeadline sets the connection's read deadline; a connection that cannot
// take one (HTTP/2 streams are bounded by the server instead) is left as is.
func setBodyDeadline(w http.ResponseWriter, d time.Duration) {
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(d))
}

// uploadBody is the middleware of upload routes: a read deadline BodyIdleTimeout
// ahead, moved ahead again after every read that brought bytes.
func (s *Server) uploadBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setBodyDeadline(w, s.bodyIdleTimeout)
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &flowingBody{ReadCloser: r.Body, extend: func() { setBodyDeadline(w, s.bodyIdleTimeout) }}
		}
		next.ServeHTTP(w, r)
	})
}

type flowingBody struct {
	io.ReadCloser
	extend func()
}

func (b *flowingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.extend()
	}
	return n, err
}
