package problem

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
)

// Recoverer turns a panic into a 500 problem (no internals in the body) and notes
// the panic value and stack for the access log, which logs it with the request id.
// It must sit inside AccessLog and the metrics middleware so that the 500 is
// counted and logged. http.ErrAbortHandler keeps its meaning: the connection is
// dropped.
func Recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &headerTracker{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			err := fmt.Errorf("panic: %v\n%s", v, debug.Stack())
			if rec.wrote {
				// Too late for a problem body; drop the connection so the client sees
				// a broken answer rather than a truncated one that looks whole.
				Write(discard{rec.ResponseWriter.Header()}, r, err)
				panic(http.ErrAbortHandler)
			}
			Write(w, r, Internal(err))
		}()
		next.ServeHTTP(rec, r)
	})
}

type headerTracker struct {
	http.ResponseWriter
	wrote bool
}

func (h *headerTracker) WriteHeader(code int) {
	if code >= 200 {
		h.wrote = true
	}
	h.ResponseWriter.WriteHeader(code)
}

func (h *headerTracker) Write(p []byte) (int, error) {
	h.wrote = true
	return h.ResponseWriter.Write(p)
}

func (h *headerTracker) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// discard lets Write note a failure for the log without writing anything.
type discard struct{ h http.Header }

func (d discard) Header() http.Header         { return d.h.Clone() }
func (d discard) Write(p []byte) (int, error) { return len(p), nil }
func (d discard) WriteHeader(int)             {}

// NotFoundHandler answers routes that do not exist. The path is not echoed: it may
// hold a token.
func NotFoundHandler(w http.ResponseWriter, r *http.Request) {
	Write(w, r, NotFound("no such resource"))
}

// MethodNotAllowed answers 405 with the Allow header listing what the route takes.
func MethodNotAllowed(allowed []string) *Problem {
	p := New(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "this resource does not support the method")
	p.Header = http.Header{}
	for _, m := range allowed {
		p.Header.Add("Allow", m)
	}
	return p
}
