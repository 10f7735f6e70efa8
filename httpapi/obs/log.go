package obs

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
)

// AccessLog writes one line per request to log when it ends: method, route pattern,
// status, duration, response bytes, request id, correlation id (what the request's
// events record) and, for problems, their code (and
// for 5xx the cause noted by NoteProblem, at error level). It must sit inside
// RequestID and outside the router, so that every answer, 404s and panics included,
// is logged.
func AccessLog(log *slog.Logger, clock func() time.Time) func(http.Handler) http.Handler {
	if clock == nil {
		clock = time.Now
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := clock()
			e := &entry{}
			rw := wrap(w)
			r = r.WithContext(context.WithValue(r.Context(), entryKey, e))
			defer func() {
				status := rw.status
				if status == 0 {
					status = http.StatusOK // nothing written: net/http answers 200
				}
				attrs := []slog.Attr{
					slog.String("method", r.Method),
					slog.String("route", routeLabel(chi.RouteContext(r.Context()).RoutePattern())),
					slog.Int("status", status),
					slog.Duration("duration", clock().Sub(start)),
					slog.Int64("bytes", rw.bytes),
					slog.String("request_id", RequestIDFrom(r.Context())),
				}
				if c := CorrelationID(r.Context()); c != uuid.Nil {
					attrs = append(attrs, slog.String("correlation_id", c.String()))
				}
				if e.code != "" {
					attrs = append(attrs, slog.String("code", e.code))
				}
				level := slog.LevelInfo
				if status >= 500 {
					level = slog.LevelError
					if e.err != nil {
						attrs = append(attrs, slog.String("err", e.err.Error()))
					}
				}
				log.LogAttrs(r.Context(), level, "http request", attrs...)
			}()
			next.ServeHTTP(rw, r)
		})
	}
}

// responseWriter remembers the status and counts the bytes written. It unwraps for
// http.ResponseController (flush, deadlines).
type responseWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func wrap(w http.ResponseWriter) *responseWriter {
	if rw, ok := w.(*responseWriter); ok {
		return rw
	}
	return &responseWriter{ResponseWriter: w}
}

func (w *responseWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom keeps the underlying writer's io.ReaderFrom (sendfile for
// http.ServeContent) reachable through the wrapper.
func (w *responseWriter) ReadFrom(r io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := io.Copy(w.ResponseWriter, r)
	w.bytes += n
	return n, err
}

func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Status is the status written so far (0 before the header).
func (w *responseWriter) Status() int { return w.status }
