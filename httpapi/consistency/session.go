package consistency

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
)

// Acknowledge returns middleware that hands the position of every successful
// write's answer (X-Position, set by SetPosition) to record before the status
// leaves, so that the caller's session remembers it (issue 15: a session reads its
// own writes without a header, on whichever API process its next read reaches).
//
// record runs when the handler writes the status, after its transaction
// committed and before the client can see the answer. An error of record is
// handed to failed and the answer still goes out: the write happened, and its
// X-Position still lets the client wait.
func Acknowledge(record func(r *http.Request, position int64) error, failed func(r *http.Request, err error)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(&ackWriter{ResponseWriter: w, r: r, record: record, failed: failed}, r)
		})
	}
}

// ackWriter looks at the header once, when the status is written.
type ackWriter struct {
	http.ResponseWriter
	r      *http.Request
	record func(*http.Request, int64) error
	failed func(*http.Request, error)
	done   bool
}

func (a *ackWriter) WriteHeader(code int) {
	if !a.done {
		a.done = true
		if code < 400 {
			if p, err := strconv.ParseInt(a.Header().Get(PositionHeader), 10, 64); err == nil && p > 0 {
				if err := a.record(a.r, p); err != nil && a.failed != nil {
					a.failed(a.r, err)
				}
			}
		}
	}
	a.ResponseWriter.WriteHeader(code)
}

func (a *ackWriter) Write(b []byte) (int, error) {
	if !a.done {
		a.WriteHeader(http.StatusOK)
	}
	return a.ResponseWriter.Write(b)
}

// ReadFrom keeps a download's copy on the connection's fast path (sendfile) when
// the writer beneath offers it.
func (a *ackWriter) ReadFrom(src io.Reader) (int64, error) {
	if !a.done {
		a.WriteHeader(http.StatusOK)
	}
	if rf, ok := a.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{a.ResponseWriter}, src)
}

// writerOnly hides everything but Write (no ReadFrom recursion).
type writerOnly struct{ io.Writer }

// Unwrap lets http.ResponseController reach the connection (flushes, deadlines).
func (a *ackWriter) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// Flush keeps streaming answers streaming.
func (a *ackWriter) Flush() {
	if !a.done {
		a.WriteHeader(http.StatusOK)
	}
	if f, ok := a.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// appliedCache remembers positions each consumer group is known to have applied
// (a checkpoint never moves back within one group name; a rebuild reads under a
// new name, which GroupKey gives). It holds exact positions, not a maximum, for
// the reason Reads gives; it is bounded by forgetting everything of a group when
// that group's set is full, which only costs queries.
type appliedCache struct {
	key func(context.Context, string) string
	mu  sync.RWMutex
	set map[string]map[int64]struct{}
}

// maxKnown bounds the positions remembered per group.
const maxKnown = 1 << 14

func newAppliedCache(key func(context.Context, string) string) *appliedCache {
	return &appliedCache{key: key, set: map[string]map[int64]struct{}{}}
}

func (c *appliedCache) name(ctx context.Context, group string) string {
	if c.key == nil {
		return group
	}
	return c.key(ctx, group)
}

func (c *appliedCache) has(ctx context.Context, group string, position int64) bool {
	g := c.name(ctx, group)
	c.mu.RLock()
	_, ok := c.set[g][position]
	c.mu.RUnlock()
	return ok
}

func (c *appliedCache) add(ctx context.Context, group string, position int64) {
	g := c.name(ctx, group)
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.set[g]
	if m == nil || len(m) >= maxKnown {
		m = make(map[int64]struct{})
		c.set[g] = m
	}
	m[position] = struct{}{}
}
