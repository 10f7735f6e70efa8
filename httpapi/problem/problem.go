// Package problem is the one place where errors become HTTP answers: RFC 9457
// application/problem+json bodies {"type","title","status","detail","code"} (plus
// "field" for validation failures), chosen with errors.As / errors.Is from the
// domain's sentinels, the application port's errors and this layer's own *Problem.
//
// It owns the mapping from error to status and stable machine code. It may import
// domain, domain/app, eventstore/blobs and httpapi/obs; it must not import chi
// routes, handlers, projections or pgx: handlers call Write, nothing else writes an
// error body.
package problem

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore/blobs"
	"github.com/sharehub/sharehub/eventstore/dberr"
	"github.com/sharehub/sharehub/httpapi/obs"
)

// ContentType is the media type of every error answer.
const ContentType = "application/problem+json"

// TypeBase prefixes the code to form the problem's "type" URI. A URN: it names the
// problem type without promising a page to dereference.
const TypeBase = "urn:sharehub:problem:"

// Stable machine codes. Clients branch on these, never on titles or details.
const (
	CodeValidation           = "validation_failed"
	CodeNotFound             = "not_found"
	CodeConflict             = "conflict"
	CodeForbidden            = "forbidden"
	CodeUnauthenticated      = "unauthenticated"
	CodePayloadTooLarge      = "payload_too_large"
	CodeUnsupportedMediaType = "unsupported_media_type"
	CodeTooManyAttempts      = "too_many_attempts"
	CodeProjectionLagging    = "projection_lagging"
	CodeInsufficientStorage  = "insufficient_storage"
	CodeShareCancelled       = "share_cancelled"
	CodeCustomerRevoked      = "customer_revoked"
	CodeLinkGone             = "link_gone"
	CodeInvitationGone       = "invitation_gone"
	CodePasswordRequired     = "password_required"
	CodePasswordRejected     = "password_rejected"
	CodeIdempotencyReused    = "idempotency_key_reused"
	CodeIdempotencyInFlight  = "idempotency_key_in_flight"
	CodeMethodNotAllowed     = "method_not_allowed"
	CodeRangeNotSatisfiable  = "range_not_satisfiable"
	CodePreconditionFailed   = "precondition_failed"
	CodeUnavailable          = "unavailable"
	CodeDatabaseUnavailable  = "database_unavailable"
	CodeNotReady             = "not_ready"
	CodeInternal             = "internal"
)

// Problem is an error that knows its HTTP answer. Handlers and middleware return or
// write one when they decide the status themselves; everything else is mapped by
// From.
type Problem struct {
	Status int
	Code   string
	Title  string // short, per code; StatusText when empty
	Detail string // for this occurrence; never internals
	Field  string // the input field at fault (validation), API spelling
	// RetryAfter, when positive, is sent as Retry-After (whole seconds, rounded up).
	RetryAfter time.Duration
	// Header holds further headers of the answer (WWW-Authenticate, Allow, ...).
	Header http.Header
	// Err is the cause, logged for 5xx answers and never sent.
	Err error
}

func (p *Problem) Error() string {
	msg := p.Code
	if p.Field != "" {
		msg += " (" + p.Field + ")"
	}
	if p.Detail != "" {
		msg += ": " + p.Detail
	}
	if p.Err != nil {
		msg += ": " + p.Err.Error()
	}
	return msg
}

func (p *Problem) Unwrap() error { return p.Err }

// body is the wire form.
type body struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Field  string `json:"field,omitempty"`
}

// New returns a problem with the given status and code.
func New(status int, code, detail string) *Problem {
	return &Problem{Status: status, Code: code, Detail: detail}
}

// Validation is 400 validation_failed naming the field ("body" for the request as a
// whole, a header or parameter name for those).
func Validation(field, message string) *Problem {
	detail := message
	if field != "" {
		detail = field + ": " + message
	}
	return &Problem{Status: http.StatusBadRequest, Code: CodeValidation, Field: field, Detail: detail}
}

// NotFound is 404 not_found. What a caller may not see answers the same way.
func NotFound(detail string) *Problem { return New(http.StatusNotFound, CodeNotFound, detail) }

// Conflict is 409 with the given code ("conflict" when empty).
func Conflict(code, detail string) *Problem {
	if code == "" {
		code = CodeConflict
	}
	return New(http.StatusConflict, code, detail)
}

// Forbidden is 403 forbidden.
func Forbidden(detail string) *Problem { return New(http.StatusForbidden, CodeForbidden, detail) }

// Unauthenticated is 401 unauthenticated with a Bearer challenge (RFC 6750); invalid
// marks that a token was presented but is not (or no longer) valid.
func Unauthenticated(detail string, invalid bool) *Problem {
	challenge := `Bearer realm="sharehub"`
	if invalid {
		challenge += `, error="invalid_token"`
	}
	p := New(http.StatusUnauthorized, CodeUnauthenticated, detail)
	p.Header = http.Header{"Www-Authenticate": {challenge}}
	return p
}

// PayloadTooLarge is 413 payload_too_large.
func PayloadTooLarge(limit int64) *Problem {
	return New(http.StatusRequestEntityTooLarge, CodePayloadTooLarge,
		fmt.Sprintf("the request body exceeds the limit of %d bytes", limit))
}

// UnsupportedMediaType is 415: the body is not of the media type the call takes.
func UnsupportedMediaType(want string) *Problem {
	return New(http.StatusUnsupportedMediaType, CodeUnsupportedMediaType, "the request body must be "+want)
}

// TooManyAttempts is 429 too_many_attempts with Retry-After.
func TooManyAttempts(retryAfter time.Duration) *Problem {
	p := New(http.StatusTooManyRequests, CodeTooManyAttempts, "too many attempts; try again later")
	p.RetryAfter = max(retryAfter, time.Second)
	return p
}

// ProjectionLagging is 503: the read model has not yet applied the position asked
// for with X-Min-Position.
func ProjectionLagging(position int64) *Problem {
	p := New(http.StatusServiceUnavailable, CodeProjectionLagging,
		fmt.Sprintf("the read model has not yet applied position %d", position))
	p.RetryAfter = time.Second
	return p
}

// InsufficientStorage is 507: the server cannot store the upload right now.
func InsufficientStorage() *Problem {
	return New(http.StatusInsufficientStorage, CodeInsufficientStorage, "the server has no room to store the file")
}

// Internal is 500 with the cause kept for the log only.
func Internal(err error) *Problem {
	return &Problem{Status: http.StatusInternalServerError, Code: CodeInternal,
		Detail: "an internal error occurred; quote the X-Request-Id header when reporting it", Err: err}
}

// From maps any error to the problem it answers as. The first match wins, so a
// *Problem anywhere in the chain decides; unknown errors are 500 internal.
func From(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var ve *domain.ValidationError
	if errors.As(err, &ve) {
		q := Validation(ve.Field, ve.Message)
		q.Err = err
		return q
	}
	var claim *app.ClaimTakenError
	if errors.As(err, &claim) {
		// The value is not repeated: it may be someone's e-mail address.
		q := Conflict(CodeConflict, "already taken")
		if claim.Scope == app.EmailClaimScope {
			q.Field, q.Detail = "email", "email: this address is already registered"
		}
		q.Err = err
		return q
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return wrapped(PayloadTooLarge(tooBig.Limit), err)
	}
	for _, m := range sentinels {
		if errors.Is(err, m.err) {
			return wrapped(New(m.status, m.code, m.detail), err)
		}
	}
	if dberr.Unavailable(err) {
		p := New(http.StatusServiceUnavailable, CodeDatabaseUnavailable, "the database cannot be reached; try again shortly")
		p.RetryAfter = time.Second
		return wrapped(p, err)
	}
	return Internal(err)
}

func wrapped(p *Problem, err error) *Problem {
	p.Err = err
	return p
}

// sentinels map the errors other layers define to answers. Order matters where an
// error wraps several (a wrapped context error inside a store error, say).
var sentinels = []struct {
	err    error
	status int
	code   string
	detail string
}{
	{domain.ErrNotFound, http.StatusNotFound, CodeNotFound, "not found"},
	{domain.ErrForbidden, http.StatusForbidden, CodeForbidden, "you may not do this"},
	{domain.ErrShareCancelled, http.StatusConflict, CodeShareCancelled, "the share was cancelled"},
	{domain.ErrCustomerRevoked, http.StatusConflict, CodeCustomerRevoked, "the customer was revoked"},
	// Opening a cancelled or expired link answers 410; cancelling one again is a
	// 409 that the handler sets (p := From(err); p.Status = 409).
	{domain.ErrLinkGone, http.StatusGone, CodeLinkGone, "the link was cancelled or has expired"},
	{domain.ErrInvitationGone, http.StatusGone, CodeInvitationGone, "the invitation was used, withdrawn or has expired"},
	{domain.ErrPasswordRequired, http.StatusUnauthorized, CodePasswordRequired, "this link needs a password (X-Link-Password)"},
	{domain.ErrPasswordRejected, http.StatusUnauthorized, CodePasswordRejected, "wrong password"},
	{domain.ErrConflict, http.StatusConflict, CodeConflict, "this contradicts the current state"},
	{domain.ErrConcurrencyConflict, http.StatusConflict, CodeConflict, "changed concurrently; try again"},
	{domain.ErrValidation, http.StatusBadRequest, CodeValidation, "invalid input"},
	{app.ErrDuplicateRequest, http.StatusConflict, CodeIdempotencyInFlight, "a request with this Idempotency-Key is being processed"},
	{blobs.ErrTooLarge, http.StatusRequestEntityTooLarge, CodePayloadTooLarge, "the file exceeds the upload limit"},
	{blobs.ErrNoSpace, http.StatusInsufficientStorage, CodeInsufficientStorage, "the server has no room to store the file"},
	{blobs.ErrNotFound, http.StatusNotFound, CodeNotFound, "not found"},
	// The request's own deadline (or the client leaving): nothing the caller did wrong.
	{context.DeadlineExceeded, http.StatusServiceUnavailable, CodeUnavailable, "the request took too long; try again"},
	{context.Canceled, http.StatusServiceUnavailable, CodeUnavailable, "the request was cancelled"},
}

// Write answers err as problem+json. It is the only writer of error bodies. 5xx
// causes are noted for the access log line (which carries the request id); their
// text never reaches the client.
func Write(w http.ResponseWriter, r *http.Request, err error) {
	p := From(err)
	status := p.Status
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	var cause error
	if status >= 500 {
		cause = p
	}
	obs.NoteProblem(r.Context(), p.Code, cause)
	h := w.Header()
	for k, vs := range p.Header {
		h[http.CanonicalHeaderKey(k)] = vs
	}
	if p.RetryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64(math.Ceil(p.RetryAfter.Seconds())), 10))
	}
	// Headers describing a body that is not sent (a file's) must not survive.
	for _, k := range []string{"Content-Length", "Content-Disposition", "Content-Encoding", "Etag", "Last-Modified"} {
		h.Del(k)
	}
	h.Set("Content-Type", ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	title := p.Title
	if title == "" {
		title = http.StatusText(status)
	}
	detail := p.Detail
	if detail == "" {
		detail = title
	}
	b, mErr := json.Marshal(body{Type: TypeBase + p.Code, Title: title, Status: status, Detail: detail, Code: p.Code, Field: p.Field})
	if mErr != nil { // cannot happen with these field types; never leave the client without an answer
		b = []byte(`{"type":"` + TypeBase + CodeInternal + `","title":"Internal Server Error","status":500,"detail":"internal error","code":"internal"}`)
		status = http.StatusInternalServerError
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

// Handler adapts a handler that returns an error: a non-nil error is written with
// Write. Handlers stay linear: decode, call, encode, return err.
func Handler(fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			Write(w, r, err)
		}
	}
}
