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
// Keys are scoped by the caller (company and user): another user who presents the
// same key and the same body, even an administrator's, neither gets the first
// answer (which may hold a link or an invitation URL) nor blocks the key; their
// request runs as their own. The user is part of the key's digest and of the
// request hash.
//
// A row is in flight from the commit of its events until the response is stored.
// A process that dies in between would leave the key answering 409 forever, so
// in-flight rows hold a lease (Config.InFlightLease, 30 s by default): a retry
// after it expired is answered from the log, where the events carry the key's
// digest: 200 {"outcome":"carried_out","position":N} with Idempotent-Replayed,
// X-Position and no-store. That answer is stored in the row, so every later retry
// gets the same one. The first answer itself is lost with the process that held
// it (it may have held a secret shown once: it was never stored in the clear).
//
// Nothing stored lets a database reader (a backup, a replica, an audit export) learn
// a key or an answer, although answers hold secrets shown once (link and invitation
// URLs with their token, session tokens) and requests hold passwords:
//   - the raw key never leaves memory: rows, app.Idempotency records and hence event
//     metadata carry KeyID(tenant, user, key) = hex(sha256("sharehub idempotency
//     key v2" 0x00 tenant 0x00 user 0x00 key));
//   - the response is sealed with AES-256-GCM under sha256("sharehub idempotency
//     body" 0x00 key), a random 12-byte nonce first (response_body = nonce ||
//     ciphertext, seal_version = 2). The plaintext is the answer's security headers
//     (Cache-Control, Referrer-Policy, ...: a replay carries them as the first
//     answer did) followed by the body. The additional data binds it to its row,
//     its seal version and the status, media type and position stored beside it, so
//     a body moved to another row or a changed column is refused (500), never
//     replayed;
//   - the request hash is an HMAC-SHA256 under sha256("sharehub idempotency
//     request" 0x00 key), so a guessable body (an e-mail and a weak password) cannot
//     be confirmed offline.
//
// Only a caller presenting the raw key can thus be answered from a row; the
// protection is as strong as the key is hard to guess (clients should send UUIDs).
// Rows written before sealing (migration 00021) have no sealed body: a retry of
// their key is refused with 422 idempotency_key_reused rather than run again. Rows
// written before keys were scoped by user carry KeyID v1 (without the user): they
// are still found, so their key never runs twice, but never replayed (the row does
// not say whose answer it holds): 422, or 409 while in flight.
//
// It owns the response columns of idempotency_keys (the store inserts the rows). It
// may import domain/app, httpapi/auth, httpapi/problem and pgx; it must not import
// eventstore, projections or handlers.
package idempotency

import (
	"bufio"
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/textproto"
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

// Domain separators of what is derived from a raw key.
const (
	keyIDLabelV1 = "sharehub idempotency key\x00"
	keyIDLabel   = "sharehub idempotency key v2\x00"
	bodyKeyLabel = "sharehub idempotency body\x00"
	reqKeyLabel  = "sharehub idempotency request\x00"
	sealLabelV1  = "sharehub idempotency sealed body v1\x00"
	sealLabel    = "sharehub idempotency sealed body v2\x00"
)

// sealVersion is the seal_version of a body sealed as the package comment says;
// sealVersionV1 bodies (no headers) are still opened.
const (
	sealVersionV1 = 1
	sealVersion   = 2
)

// DefaultInFlightLease is how long a row may stay in flight before a retry is
// answered from the log.
const DefaultInFlightLease = 30 * time.Second

// replayedHeaders are the headers of a first answer that its replays carry too
// (Content-Type and X-Position are columns of their own).
var replayedHeaders = []string{"Cache-Control", "Pragma", "Expires", "Referrer-Policy",
	"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Location"}

// KeyID is what stands for a raw key wherever it is stored or looked up (the
// idempotency_keys row, the app.Idempotency record, event metadata): the raw key
// itself never is. user is uuid.Nil on public routes.
func KeyID(tenant, user uuid.UUID, rawKey string) string {
	sum := sha256.Sum256([]byte(keyIDLabel + tenant.String() + "\x00" + user.String() + "\x00" + rawKey))
	return hex.EncodeToString(sum[:])
}

// keyIDV1 is KeyID before keys were scoped by user (rows of that time are looked up,
// never replayed).
func keyIDV1(tenant uuid.UUID, rawKey string) string {
	sum := sha256.Sum256([]byte(keyIDLabelV1 + tenant.String() + "\x00" + rawKey))
	return hex.EncodeToString(sum[:])
}

// errUnsealable is why a stored body cannot be replayed: it was not sealed for this
// key, or something changed it.
var errUnsealable = errors.New("idempotency: stored response cannot be opened")

// Config configures the middleware.
type Config struct {
	Pool   *pgxpool.Pool
	Logger *slog.Logger
	// MaxBodyBytes bounds how much of a body is hashed when a replay must be
	// compared (the largest body any route accepts: the upload limit plus room).
	MaxBodyBytes int64
	// InFlightLease is how long after its commit a row may wait for its answer
	// before a retry is answered from the log (DefaultInFlightLease when 0). It must
	// exceed the time a handler takes between its append and its answer.
	InFlightLease time.Duration
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
	if c.InFlightLease < 0 {
		errs = append(errs, errors.New("idempotency: InFlightLease must not be negative"))
	}
	return errors.Join(errs...)
}

// Keys is the Idempotency-Key middleware.
type Keys struct {
	pool    *pgxpool.Pool
	log     *slog.Logger
	maxBody int64
	lease   time.Duration
}

// New returns the middleware's owner.
func New(cfg Config) (*Keys, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	k := &Keys{pool: cfg.Pool, log: cfg.Logger, maxBody: cfg.MaxBodyBytes, lease: cfg.InFlightLease}
	if k.lease == 0 {
		k.lease = DefaultInFlightLease
	}
	if k.log == nil {
		k.log = slog.New(slog.DiscardHandler)
	}
	return k, nil
}

type ctxKey struct{}

// state is one keyed request's bookkeeping, shared with the handler via Record.
type state struct {
	tenant  uuid.UUID
	keyID   string   // KeyID of the raw key, which is kept nowhere
	legacy  string   // keyIDV1 of the raw key
	prefix  string   // hex sha256 of method, route, path, query, tenant, user
	bodyKey [32]byte // seals and opens the stored response
	body    *hashingBody
	nonce   string

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
		st.record = &app.Idempotency{TenantID: st.tenant, Key: st.keyID, RequestHash: st.body.finish(st.prefix) + "." + st.nonce}
	})
	return st.record
}

// row is a stored key.
type row struct {
	keyID       string
	expired     bool // in flight longer than the lease
	requestHash string
	status      *int
	contentType *string
	body        []byte // sealed (seal != nil)
	position    *int64
	seal        *int16
}

func (r row) complete() bool { return r.status != nil }

// legacy tells a row stored before keys were scoped by user.
func (r row) legacy(st *state) bool { return r.keyID != st.keyID }

// baseHash is the request part of a stored hash (without the nonce).
func baseHash(stored string) string {
	h, _, _ := strings.Cut(stored, ".")
	return h
}

// Middleware applies to POST, PUT, PATCH and DELETE requests that carry the
// header. It must run after authentication (the caller's company and user scope
// keys; public calls share the uuid.Nil scope) and inside the route (chi Group or With),
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
		var tenant, user uuid.UUID
		if p, ok := auth.PrincipalFrom(r.Context()); ok {
			tenant, user = p.CompanyID, p.UserID
		}
		ctx := r.Context()
		st := &state{tenant: tenant, keyID: KeyID(tenant, user, key), legacy: keyIDV1(tenant, key),
			bodyKey: sha256.Sum256([]byte(bodyKeyLabel + key)),
			prefix:  requestPrefix(r, tenant, user),
			body:    newHashingBody(r.Body, r.Header.Get("Content-Type"), k.maxBody, requestKey(key))}
		prior, found, err := k.lookup(ctx, st)
		if err != nil {
			problem.Write(w, r, err)
			return
		}
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
		after, found, err := k.lookup(bctx, st)
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
		case st.record != nil && after.requestHash == st.record.RequestHash && !after.legacy(st):
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
	notReplayable := func() {
		problem.Write(w, r, problem.New(http.StatusUnprocessableEntity, problem.CodeIdempotencyReused,
			"this Idempotency-Key was already used and its first answer can no longer be replayed"))
	}
	if !prior.complete() && !prior.expired {
		problem.Write(w, r, problem.Conflict(problem.CodeIdempotencyInFlight,
			"a request with this Idempotency-Key is still being processed; retry later"))
		return
	}
	// Stored before answers were sealed, or before keys were scoped by user: carried
	// out, not replayable (the row cannot tell whose answer it was).
	if prior.legacy(st) || (prior.complete() && prior.seal == nil) {
		notReplayable()
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
	if !prior.complete() { // the lease expired: whoever held it is gone
		var err error
		if prior, err = k.answerFromLog(r.Context(), st, prior); err != nil {
			problem.Write(w, r, err)
			return
		}
	}
	headers, body, err := openBody(st, prior)
	if err != nil {
		k.log.Error("idempotency: replay refused", "err", err, "tenant", st.tenant, "key_id", st.keyID)
		problem.Write(w, r, problem.Internal(err))
		return
	}
	hdr := w.Header()
	for _, name := range replayedHeaders {
		if vs := headers.Values(name); len(vs) > 0 {
			hdr[name] = vs
		}
	}
	// A replay is a stored copy of an answer: never to be cached on the way.
	hdr.Set("Cache-Control", "no-store")
	if prior.contentType != nil && *prior.contentType != "" {
		hdr.Set("Content-Type", *prior.contentType)
	}
	if prior.position != nil {
		hdr.Set(PositionHeader, strconv.FormatInt(*prior.position, 10))
	}
	hdr.Set(ReplayedHeader, "true")
	w.WriteHeader(*prior.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// lookup reads the row of the request's key: the current form, else one stored
// before keys were scoped by user. The lease is measured on the database's clock,
// the one created_at was taken on.
func (k *Keys) lookup(ctx context.Context, st *state) (row, bool, error) {
	var rw row
	err := k.pool.QueryRow(ctx, `SELECT key, status_code IS NULL AND created_at < now() - make_interval(secs => $4),
			request_hash, status_code, content_type, response_body, position, seal_version
		FROM idempotency_keys WHERE tenant_id = $1 AND key IN ($2, $3)
		ORDER BY key = $2 DESC LIMIT 1`, st.tenant, st.keyID, st.legacy, k.lease.Seconds()).
		Scan(&rw.keyID, &rw.expired, &rw.requestHash, &rw.status, &rw.contentType, &rw.body, &rw.position, &rw.seal)
	if errors.Is(err, pgx.ErrNoRows) {
		return row{}, false, nil
	}
	if err != nil {
		return row{}, false, fmt.Errorf("idempotency lookup: %w", err)
	}
	return rw, true, nil
}

// carriedOut is the answer to a retry whose first answer was lost.
type carriedOut struct {
	Outcome  string `json:"outcome"` // "carried_out"
	Position *int64 `json:"position"`
	Detail   string `json:"detail"`
}

// answerFromLog completes a row whose lease expired with the answer the log can
// give: the request was carried out (its events, which carry the key's digest,
// committed with the row), at this position. The row is completed only if still in
// flight; when another retry or the late first request completed it meanwhile,
// that answer is the one returned.
func (k *Keys) answerFromLog(ctx context.Context, st *state, rw row) (row, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var pos *int64
	if err := k.pool.QueryRow(ctx, `SELECT max(position) FROM events
		WHERE metadata ? 'idempotency_key' AND metadata->>'idempotency_key' = $1`, st.keyID).Scan(&pos); err != nil {
		return row{}, fmt.Errorf("idempotency: read the log: %w", err)
	}
	body, err := json.Marshal(carriedOut{Outcome: "carried_out", Position: pos,
		Detail: "this request was carried out; its first answer was lost with the process that handled it"})
	if err != nil {
		return row{}, err
	}
	rec := newRecorder()
	rec.header.Set("Content-Type", "application/json")
	rec.header.Set("Cache-Control", "no-store")
	if pos != nil {
		rec.header.Set(PositionHeader, strconv.FormatInt(*pos, 10))
	}
	rec.WriteHeader(http.StatusOK)
	_, _ = rec.Write(body)
	if err := k.store(ctx, st, rw.requestHash, rec); err != nil {
		return row{}, fmt.Errorf("idempotency: complete from the log: %w", err)
	}
	k.log.Warn("idempotency: in-flight record outlived its lease; answered from the log",
		"tenant", st.tenant, "key_id", st.keyID, "position", pos)
	after, found, err := k.lookup(ctx, st)
	switch {
	case err != nil:
		return row{}, err
	case !found || !after.complete():
		return row{}, fmt.Errorf("idempotency: record %s vanished", st.keyID)
	}
	return after, nil
}

// complete stores the response, sealed, in the request's own row (and only there:
// the full hash with its nonce must match, and the row must not be complete yet).
func (k *Keys) complete(ctx context.Context, st *state, rec *recorder) error {
	return k.store(ctx, st, st.record.RequestHash, rec)
}

// store seals rec into the row of (st's key, requestHash) if it has no answer yet.
func (k *Keys) store(ctx context.Context, st *state, requestHash string, rec *recorder) error {
	var pos *int64
	if v := rec.header.Get(PositionHeader); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			pos = &n
		}
	}
	contentType := rec.header.Get("Content-Type")
	sealed, err := sealBody(st.bodyKey, sealData(sealLabel, st.keyID, requestHash, rec.status, contentType, pos),
		plaintext(rec.header, rec.body.Bytes()))
	if err != nil {
		return err
	}
	_, err = k.pool.Exec(ctx, `UPDATE idempotency_keys
		SET status_code = $4, content_type = $5, response_body = $6, position = $7, seal_version = $8
		WHERE tenant_id = $1 AND key = $2 AND request_hash = $3 AND status_code IS NULL`,
		st.tenant, st.keyID, requestHash, rec.status, contentType, sealed, pos, sealVersion)
	return err
}

// plaintext is what a v2 seal holds: the replayed headers of the answer, as a
// length-prefixed MIME header block, then the body.
func plaintext(h http.Header, body []byte) []byte {
	kept := http.Header{}
	for _, name := range replayedHeaders {
		if vs := h.Values(name); len(vs) > 0 {
			kept[name] = vs
		}
	}
	var hb bytes.Buffer
	_ = kept.Write(&hb)
	out := binary.BigEndian.AppendUint32(nil, uint32(hb.Len()))
	out = append(out, hb.Bytes()...)
	return append(out, body...)
}

// splitPlaintext undoes plaintext.
func splitPlaintext(p []byte) (http.Header, []byte, error) {
	if len(p) < 4 {
		return nil, nil, fmt.Errorf("%w: no header block", errUnsealable)
	}
	n := binary.BigEndian.Uint32(p)
	if uint64(n) > uint64(len(p)-4) {
		return nil, nil, fmt.Errorf("%w: header block overruns", errUnsealable)
	}
	h := http.Header{}
	if n > 0 {
		mh, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(p[4:4+n:4+n], '\r', '\n')))).ReadMIMEHeader()
		if err != nil {
			return nil, nil, fmt.Errorf("%w: header block: %v", errUnsealable, err)
		}
		h = http.Header(mh)
	}
	return h, p[4+n:], nil
}

// sealData is the additional data a body is sealed with: the row it belongs to (key
// and request hash, which holds a per-request nonce) and the columns replayed with
// it, each length-prefixed.
func sealData(label, keyID, requestHash string, status int, contentType string, position *int64) []byte {
	var b []byte
	b = append(b, label...)
	for _, part := range []string{keyID, requestHash, contentType} {
		b = binary.BigEndian.AppendUint32(b, uint32(len(part)))
		b = append(b, part...)
	}
	b = binary.BigEndian.AppendUint64(b, uint64(int64(status)))
	if position == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		b = binary.BigEndian.AppendUint64(b, uint64(*position))
	}
	return b
}

func newGCM(key [32]byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// sealBody returns nonce || AES-256-GCM(key, nonce, body, ad).
func sealBody(key [32]byte, ad, body []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(body)+gcm.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("idempotency: nonce: %w", err)
	}
	return gcm.Seal(out, out, body, ad), nil
}

// openBody returns the stored headers and body of a complete, sealed row, or
// errUnsealable when the caller's key does not open it or anything it is bound to
// changed.
func openBody(st *state, rw row) (http.Header, []byte, error) {
	if rw.seal == nil || (*rw.seal != sealVersion && *rw.seal != sealVersionV1) {
		return nil, nil, fmt.Errorf("%w: unknown seal version", errUnsealable)
	}
	label := sealLabel
	if *rw.seal == sealVersionV1 {
		label = sealLabelV1
	}
	gcm, err := newGCM(st.bodyKey)
	if err != nil {
		return nil, nil, err
	}
	if len(rw.body) < gcm.NonceSize()+gcm.Overhead() {
		return nil, nil, fmt.Errorf("%w: %d bytes are too short", errUnsealable, len(rw.body))
	}
	var contentType string
	if rw.contentType != nil {
		contentType = *rw.contentType
	}
	ad := sealData(label, rw.keyID, rw.requestHash, *rw.status, contentType, rw.position)
	n := gcm.NonceSize()
	plain, err := gcm.Open(nil, rw.body[:n], rw.body[n:], ad)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", errUnsealable, err)
	}
	if *rw.seal == sealVersionV1 {
		return http.Header{}, plain, nil
	}
	return splitPlaintext(plain)
}

// requestKey keys the request hash, so that it tells nothing about the request to
// anyone who does not hold the raw key.
func requestKey(rawKey string) []byte {
	sum := sha256.Sum256([]byte(reqKeyLabel + rawKey))
	return sum[:]
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
// pattern, concrete path (the ids in it), query and the caller (company and user).
func requestPrefix(r *http.Request, tenant, user uuid.UUID) string {
	h := sha256.New()
	for _, part := range []string{r.Method, chi.RouteContext(r.Context()).RoutePattern(), r.URL.EscapedPath(), r.URL.RawQuery,
		tenant.String(), user.String()} {
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

func newHashingBody(src io.ReadCloser, contentType string, limit int64, macKey []byte) *hashingBody {
	b := &hashingBody{src: src, h: hmac.New(sha256.New, macKey), limit: limit}
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
