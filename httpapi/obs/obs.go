// Package obs is the HTTP layer's operations plumbing: request ids, the structured
// access log and Prometheus request metrics.
//
// It owns what is recorded about a request, never what a request does: it must not
// import domain, eventstore, projections or any other httpapi package (they import it
// to note errors and read the request id). Access log lines carry the method, the
// route pattern, status, duration, bytes and request id; never a body, a header value,
// a query string or a concrete path, which may hold link or invitation tokens.
package obs

import (
	"context"
	"net/http"
	"strings"

	"github.com/google/uuid"
)

// RequestIDHeader carries the request id in both directions.
const RequestIDHeader = "X-Request-Id"

type ctxKey int

const (
	requestIDKey ctxKey = iota
	entryKey
)

// RequestID takes the caller's X-Request-Id when it is well formed (so a client or a
// proxy can correlate), otherwise generates one (a UUIDv7), stores it in the context
// and echoes it in the response.
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !ValidRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// ValidRequestID accepts 1 to 128 characters of [A-Za-z0-9._:-]: enough for UUIDs and
// the ids proxies generate, and nothing that could forge a log line or a header.
func ValidRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// RequestIDFrom returns the request id ("" outside the RequestID middleware).
func RequestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// correlationSpace derives correlation ids from request ids that are not UUIDs.
var correlationSpace = uuid.MustParse("6f7a3c1e-7f2b-4b61-9f57-3d6f2a0c9e11")

// CorrelationID is the request id as the UUID that events record as their
// correlation id (app.Call.CorrelationID): the id itself when it is a UUID, else a
// name-based UUID derived from it, so the same request id always maps to the same
// correlation id. uuid.Nil outside the RequestID middleware.
func CorrelationID(ctx context.Context) uuid.UUID {
	id := RequestIDFrom(ctx)
	if id == "" {
		return uuid.Nil
	}
	if u, err := uuid.Parse(id); err == nil && len(id) == 36 {
		return u
	}
	return uuid.NewSHA1(correlationSpace, []byte(id))
}

// entry is what the access log learns about a request while it runs.
type entry struct {
	code string // problem code of the answer, if it was a problem
	err  error  // the cause of a server-side failure, logged once
}

// NoteProblem records the problem code an answer carries and, for server-side
// failures, its cause, so that the request's one access log line says why it failed.
// Callers pass err only for 5xx answers: client errors may quote client input.
func NoteProblem(ctx context.Context, code string, err error) {
	if e, ok := ctx.Value(entryKey).(*entry); ok {
		e.code = code
		if err != nil {
			e.err = err
		}
	}
}

// routeLabel is the chi route pattern or "unmatched": a bounded label for logs and
// metrics that never contains a concrete id or token.
func routeLabel(pattern string) string {
	if pattern == "" {
		return "unmatched"
	}
	return strings.TrimSuffix(pattern, "/*")
}
