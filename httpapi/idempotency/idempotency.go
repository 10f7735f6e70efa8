// Package idempotency implements the Idempotency-Key header of state-changing calls:
// the same key with the same request returns the first response again and appends
// nothing; the same key with another request answers 422 idempotency_key_reused;
// a duplicate while the first is still running answers 409
// idempotency_key_in_flight.
//
// The guarantee rests on the event store, not on this middleware: a handler's
// command appends its events together with the app.Idempotency record that Record
// returns, in one transaction, so a key can never append twice (a second append
// fails with app.ErrDuplicateRequest). The middleware only looks the key up before
// the handler runs and stores the response in the same row afterwards, for replays.
// Requests that appended nothing (validation failures, refused commands) leave no
// row: their answer is not remembered and a retry runs again.
//
// It owns the response columns of idempotency_keys (the store inserts the rows). It
// may import domain/app, httpapi/auth, httpapi/problem and pgx; it must not import
// eventstore, projections or handlers.
package idempotency

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/problem"
)

// Header is the request header carrying the key.
const Header = "Idempotency-Key"

// ReplayedHeader marks an answer that is a replay of the first one.
const ReplayedHeader = "Idempotent-Replayed"

// PositionHeader is read from the handler's answer to store the position it wrote
// (the consistency package sets it).
const PositionHeader = "X-Position"

// MaxKeyLen bounds a key; clients should send a UUID.
const MaxKeyLen = 255

// Config configures the middleware.
type Config struct {
	Pool   *pgxpool.Pool
	Logger *slog.Logger
	// MaxBodyBytes bounds how much of a body is hashed when a replay must be
	// compared (the largest body any route accepts: the upload limit plus room).
	MaxBodyBytes int64
}

// Validate reports what is missing.
func (c Config) Validate() error {
	var errs []error
	if c.Pool == nil {
		errs = append(errs, errors.New("idempotency: Pool is required"))
	}
	if c.MaxBodyBytes <= 0 {
		errs = append(errs, errors.New("idempotency: MaxBodyBytes must be positive"))
	}
	return errors.Join(errs...)
}

// Keys is the Idempotency-Key middleware.
type Keys struct {
	pool    *pgxpool.Pool
	log     *slog.Logger
	maxBody int64
}

// New returns the middleware's owner.
func New(cfg Config) (*Keys, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	k := &Keys{pool: cfg.Pool, log: cfg.Logger, maxBody: cfg.MaxBodyBytes}
	if k.log == nil {
		k.log = slog.New(slog.DiscardHandler)
	}
	return k, nil
}

type ctxKey struct{}

// state is one keyed request's bookkeeping, shared with the handler via Record.
type state struct {
	tenant uuid.UUID
	key    string
	prefix string // hex sha256 of method, route, path, query, tenant
	body   *hashingBody
	nonce  string

	once   sync.Once
	record *app.Idempotency
}

// Record returns the idempotency record the handler's command must append with its
// events (app.Call.Idempotency), or nil when the request carries no key. Call it
// after the body has been read (decoded or uploaded): the record's hash covers the
// whole body, and whatever the handler left unread is read now.
//
// RequestHash is "<sha256 hex of the request>.<random nonce>": the nonce tells the
// middleware whether the row that exists after the handler is this request's own,
// so it never completes another request's row.
func Record(ctx context.Context) *app.Idempotency {
	st, ok := ctx.Value(ctxKey{}).(*state)
	if !ok {
		return nil
	}
	st.once.Do(func() {
		st.record = &app.Idempotency{TenantID: st.tenant, Key: st.key, RequestHash: st.body.finish(st.prefix) + "." + st.nonce}
	})
	return st.record
}

// row is a stored key.
type row struct {
	requestHash string
	status      *int
	contentType *string
	body        []byte
	position    *int64
}

func (r row) complete() bool { return r.status != nil }

// baseHash is the request part of a stored hash (without the nonce).
func baseHash(stored string) string {
	h, _, _ := strings.Cut(stored, ".")
	return h
}

// Middleware applies to POST, PUT, PATCH and DELETE requests that carry the
// header. It must run after authentication (the caller's company scopes keys;
// public calls share the uuid.Nil scope) and inside the route (chi Group or With),
// where the route pattern is known.
func (k *Keys) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(Header)
		if key == "" || !stateChanging(r.Method) {
			next.ServeHTTP(w, r)
			return
		}
		if !validKey(key) {
			problem.Write(w, r, problem.Validation(Header, fmt.Sprintf("must be 1 to %d printable ASCII characters (a UUID is best)", MaxKeyLen)))
			return
		}
		var tenant uuid.UUID
		if p, ok := auth.PrincipalFrom(r.Context()); ok {
			tenant = p.CompanyID
		}
		ctx := r.Context()
		prior, found, err := k.lookup(ctx, tenant, key)
		if err != nil {
			problem.Write(w, r, err)
			return
		}
		st := &state{tenant: tenant, key: key, prefix: requestPrefix(r, tenant),
			body: newHashingBody(r.Body, r.Header.Get("Content-Type"), k.maxBody)}
		if found {
			k.answerFromPrior(w, r, st, prior)
			return
		}
		st.nonce = nonce()
		r.Body = st.body
		rec := newRecorder()
		next.ServeHTTP(rec, r.WithContext(context.WithValue(ctx, ctxKey{}, st)))

		// Whose row is it now? Ours (the command appended with our record), another
		// request's (it appended first), or nobody's (nothing was appended). The
		// bookkeeping finishes even if the client has gone: a replay needs it.
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		after, found, err := k.lookup(bctx, tenant, key)
		switch {
		case err != nil:
			k.log.Error("idempotency: look up after handler", "err", err)
			rec.flush(w) // the handler's answer is still right; only replays suffer
		case !found:
			if st.record == nil && rec.status < 300 {
				k.log.Warn("idempotency: handler ignored the key (app.Call.Idempotency not set)",
					"route", chi.RouteContext(ctx).RoutePattern())
			}
			rec.flush(w)
		case st.record != nil && after.requestHash == st.record.RequestHash:
			if err := k.complete(bctx, st, rec); err != nil {
				k.log.Error("idempotency: store response", "err", err)
			}
			rec.flush(w)
		default:
			k.answerFromPrior(w, r, st, after)
		}
	})
}

// answerFromPrior answers a request whose key another request holds: replay when
// complete and equal, 422 when the request differs, 409 while the first runs.
func (k *Keys) answerFromPrior(w http.ResponseWriter, r *http.Request, st *state, prior row) {
	if !prior.complete() {
		problem.Write(w, r, problem.Conflict(problem.CodeIdempotencyInFlight,
			"a request with this Idempotency-Key is still being processed; retry later"))
		return
	}
	h := st.body.finish(st.prefix)
	if st.body.err != nil {
		problem.Write(w, r, st.body.err)
		return
	}
	if h != baseHash(prior.requestHash) {
		problem.Write(w, r, problem.New(http.StatusUnprocessableEntity, problem.CodeIdempotencyReused,
			"this Idempotency-Key was used for a different request"))
		return
	}
	hdr := w.Header()
	if prior.contentType != nil && *prior.contentType != "" {
		hdr.Set("Content-Type", *prior.contentType)
	}
	if prior.position != nil {
		hdr.Set(PositionHeader, strconv.FormatInt(*prior.position, 10))
	}
	hdr.Set(ReplayedHeader, "true")
	w.WriteHeader(*prior.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(prior.body)
	}
}

func (k *Keys) lookup(ctx context.Context, tenant uuid.UUID, key string) (row, bool, error) {
	var rw row
	err := k.pool.QueryRow(ctx, `SELECT request_hash, status_code, content_type, response_body, position
		FROM idempotency_keys WHERE tenant_id = $1 AND key = $2`, tenant, key).
		Scan(&rw.requestHash, &rw.status, &rw.contentType, &rw.body, &rw.position)
	if errors.Is(err, pgx.ErrNoRows) {
		return row{}, false, nil
	}
	if err != nil {
		return row{}, false, fmt.Errorf("idempotency lookup: %w", err)
	}
	return rw, true, nil
}

// complete stores the response in the request's own row (and only there: the full
// hash with its nonce must match, and the row must not be complete yet).
func (k *Keys) complete(ctx context.Context, st *state, rec *recorder) error {
	var pos *int64
	if v := rec.header.Get(PositionHeader); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			pos = &n
		}
	}
	_, err := k.pool.Exec(ctx, `UPDATE idempotency_keys
		SET status_code = $4, content_type = $5, response_body = $6, position = $7
		WHERE tenant_id = $1 AND key = $2 AND request_hash = $3 AND status_code IS NULL`,
		st.tenant, st.key, st.record.RequestHash, rec.status, rec.header.Get("Content-Type"), rec.body.Bytes(), pos)
	return err
}

func stateChanging(m string) bool {
	switch m {
	case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
}

func validKey(k string) bool {
	if len(k) > MaxKeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return k != ""
}

func nonce() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// requestPrefix hashes what identifies the request besides its body: method, route
// pattern, concrete path (the ids in it), query and the caller's company.
func requestPrefix(r *http.Request, tenant uuid.UUID) string {
	h := sha256.New()
	for _, part := range []string{r.Method, chi.RouteContext(r.Context()).RoutePattern(), r.URL.EscapedPath(), r.URL.RawQuery, tenant.String()} {
		fmt.Fprintf(h, "%d:%s\n", len(part), part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// hashingBody hashes the request body as the handler reads it, so that uploads of
// any size are hashed without being held. A multipart boundary is chosen afresh by
// many clients on every retry, so it is replaced by a fixed token in what is hashed:
// a retried upload of the same parts hashes the same.
type hashingBody struct {
	src     io.ReadCloser
	h       hash.Hash
	w       io.Writer // h, possibly behind the boundary rewriter
	rw      *rewriter
	limit   int64
	n       int64
	err     error // a problem for a body beyond limit
	done    bool
	digest  string
	readErr error
}

func newHashingBody(src io.ReadCloser, contentType string, limit int64) *hashingBody {
	b := &hashingBody{src: src, h: sha256.New(), limit: limit}
	b.w = b.h
	// The media type is part of the request; its parameters (a charset spelling, a
	// boundary) are not.
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = contentType
	}
	if strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
		b.rw = &rewriter{dst: b.h, old: []byte(params["boundary"]), new: []byte("\x00boundary\x00")}
		b.w = b.rw
	}
	fmt.Fprintf(b.h, "%d:%s\n", len(mt), mt)
	return b
}

func (b *hashingBody) Read(p []byte) (int, error) {
	if b.src == nil {
		return 0, io.EOF
	}
	n, err := b.src.Read(p)
	if n > 0 && !b.done {
		_, _ = b.w.Write(p[:n])
		b.n += int64(n)
	}
	if err != nil && err != io.EOF {
		b.readErr = err
	}
	return n, err
}

func (b *hashingBody) Close() error {
	if b.src == nil {
		return nil
	}
	return b.src.Close()
}

// finish reads what is left of the body (up to the limit) and returns the hash of
// the whole request. A body that cannot be read to its end gets a hash no other
// request has, so it can never match a stored one by accident.
func (b *hashingBody) finish(prefix string) string {
	if !b.done {
		if b.src != nil {
			_, err := io.Copy(io.Discard, io.LimitReader(b, b.limit-b.n+1))
			if err != nil {
				b.readErr = err
			}
			if b.n > b.limit {
				b.err = problem.PayloadTooLarge(b.limit)
			}
		}
		if b.rw != nil {
			b.rw.flush()
		}
		b.done = true
		if b.readErr != nil || b.err != nil {
			b.digest = "unreadable-" + nonce()
		} else {
			fmt.Fprintf(b.h, "\n%s", prefix)
			b.digest = hex.EncodeToString(b.h.Sum(nil))
		}
	}
	return b.digest
}

// rewriter writes to dst with every occurrence of old replaced by new, across
// write boundaries (it holds back at most len(old)-1 bytes).
type rewriter struct {
	dst      io.Writer
	old, new []byte
	pending  []byte
}

func (r *rewriter) Write(p []byte) (int, error) {
	r.pending = append(r.pending, p...)
	for {
		i := bytes.Index(r.pending, r.old)
		if i < 0 {
			break
		}
		r.dst.Write(r.pending[:i])
		r.dst.Write(r.new)
		r.pending = r.pending[i+len(r.old):]
	}
	if keep := len(r.old) - 1; len(r.pending) > keep {
		r.dst.Write(r.pending[:len(r.pending)-keep])
		r.pending = append(r.pending[:0], r.pending[len(r.pending)-keep:]...)
	}
	return len(p), nil
}

func (r *rewriter) flush() {
	r.dst.Write(r.pending)
	r.pending = nil
}

// recorder holds the handler's answer until the middleware knows what to send.
// Answers of state-changing calls are small JSON documents.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}

func (r *recorder) flush(w http.ResponseWriter) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	h := w.Header()
	for k, vs := range r.header {
		h[k] = vs
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body.Bytes())
}
