package console

import (
	"context"

	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"github.com/go-chi/chi/v5"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/obs"
)

// reqState is who is asking, resolved once per request by session.
type reqState struct {
	token     string // the session cookie's value, when it is a live session
	principal auth.Principal
	viewer    query.Viewer
	me        query.Me
	pre       string // the pre-session cookie's value ("" when absent)
	csrf      string // the token forms of this answer carry
}

func (s *reqState) signedIn() bool { return s != nil && s.token != "" }

type stateKey struct{}

func stateOf(r *http.Request) *reqState {
	if st, ok := r.Context().Value(stateKey{}).(*reqState); ok {
		return st
	}
	return &reqState{}
}

// sessionCookie and preCookie name the cookies; on https they carry the __Host-
// prefix (Secure, Path=/, no Domain: a sibling subdomain cannot set them).
func (c *Console) sessionCookie() string {
	if c.secure {
		return "__Host-sharehub_session"
	}
	return "sharehub_session"
}

func (c *Console) preCookie() string {
	if c.secure {
		return "__Host-sharehub_pre"
	}
	return "sharehub_pre"
}

func (c *Console) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode})
}

// startSession hands the browser a new session token (sign-in, signup, accepted
// invitation).
func (c *Console) startSession(w http.ResponseWriter, token string) {
	c.setCookie(w, c.sessionCookie(), token, 0)
}

func (c *Console) endSession(w http.ResponseWriter) { c.setCookie(w, c.sessionCookie(), "", -1) }

// session resolves the cookie into the request's state. A dead or invalid
// session is dropped (cookie cleared): the request continues signed out. Every
// request gets a pre-session secret, so that forms shown before sign-in carry a
// CSRF token too.
func (c *Console) session(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &reqState{}
		if ck, err := r.Cookie(c.preCookie()); err == nil && len(ck.Value) == 43 {
			st.pre = ck.Value
		}
		if st.pre == "" && !strings.HasPrefix(r.URL.Path, "/app/static/") {
			st.pre = randomToken()
			c.setCookie(w, c.preCookie(), st.pre, 0)
		}
		if ck, err := r.Cookie(c.sessionCookie()); err == nil && ck.Value != "" {
			if err := c.resolve(r.Context(), st, ck.Value); err != nil {
				if !errors.Is(err, auth.ErrInvalidSession) {
					c.log.Warn("console: session not resolved", "err", err, "request_id", obs.CorrelationID(r.Context()))
				}
				c.endSession(w)
				*st = reqState{pre: st.pre}
			}
		}
		if st.token != "" {
			st.csrf = csrfToken(st.token)
		} else {
			st.csrf = csrfToken(st.pre)
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stateKey{}, st)))
	})
}

// resolve authenticates token and reads its viewer, as the API's auth.Require
// and withViewer do.
func (c *Console) resolve(ctx context.Context, st *reqState, token string) error {
	p, err := c.b.Authenticate(ctx, token)
	if err != nil {
		return err
	}
	v, err := c.q.Viewers.Viewer(ctx, p.UserID, p.CompanyID)
	if errors.Is(err, query.ErrOtherCompany) {
		return auth.ErrInvalidSession
	}
	if err != nil {
		return err
	}
	me, err := c.q.GetMe.Handle(ctx, query.GetMe{UserID: p.UserID, CompanyID: p.CompanyID})
	if err != nil {
		// The read model lags a fresh signup by a moment: a name is all we miss.
		me = query.Me{UserID: p.UserID, CompanyID: p.CompanyID}
	}
	st.token, st.principal, st.viewer, st.me = token, p, v, me
	return nil
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrfToken binds a form to a secret only the cookie holder has: HMAC-SHA256
// keyed with the session token (or the pre-session secret). The token reveals
// nothing of its key, and dies with the session.
func csrfToken(secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("sharehub console csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrfOK checks a submitted token against the request's secrets.
func csrfOK(st *reqState, got string) bool {
	if got == "" {
		return false
	}
	for _, secret := range []string{st.token, st.pre} {
		if secret != "" && hmac.Equal([]byte(got), []byte(csrfToken(secret))) {
			return true
		}
	}
	return false
}

// csrfField is the form field (and the X-CSRF-Token header) carrying the token.
const csrfField = "csrf"

type uploadKey struct{}

// csrf refuses a state-changing request without a valid token. URL-encoded forms
// carry it as a field; multipart uploads in the header, or as their first field
// (checkUploadCSRF, called by the upload pages before any byte of the file is
// stored). Safe methods pass.
func (c *Console) csrf(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		st := stateOf(r)
		if csrfOK(st, r.Header.Get("X-CSRF-Token")) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), uploadKey{}, true)))
			return
		}
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch mt {
		case "multipart/form-data":
			// Only upload pages accept multipart; they check the first field.
			if !isUpload(r) {
				c.csrfRefused(w, r)
				return
			}
			next.ServeHTTP(w, r)
		case "application/x-www-form-urlencoded":
			r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
			if err := r.ParseForm(); err != nil || !csrfOK(st, r.PostForm.Get(csrfField)) {
				c.csrfRefused(w, r)
				return
			}
			next.ServeHTTP(w, r)
		default:
			c.csrfRefused(w, r)
		}
	})
}

// uploadRoutes are the route patterns whose handlers check the CSRF token of a
// multipart body themselves (checkUploadCSRF).
var uploadRoutes = []string{"/app/library/documents", "/app/library/documents/{id}/versions", "/app/portal/{provider_id}/documents"}

// isUpload reports whether the matched route is an upload page (the CSRF
// middleware runs after routing: it is a Group's).
func isUpload(r *http.Request) bool {
	rc := chi.RouteContext(r.Context())
	if rc == nil {
		return false
	}
	pattern := rc.RoutePattern()
	for _, u := range uploadRoutes {
		if strings.HasSuffix(pattern, u) {
			return true
		}
	}
	return false
}

func (c *Console) csrfRefused(w http.ResponseWriter, r *http.Request) {
	c.fail(w, r, http.StatusForbidden, "This form has expired or did not come from this site. Reload the page and try again.")
}

// checkUploadCSRF is the CSRF check of a multipart upload: the header already
// passed, or the first text field is the token.
func checkUploadCSRF(r *http.Request, fields map[string]string) error {
	if ok, _ := r.Context().Value(uploadKey{}).(bool); ok {
		return nil
	}
	if csrfOK(stateOf(r), fields[csrfField]) {
		return nil
	}
	return errCSRF
}

var errCSRF = errors.New("console: CSRF token missing or wrong")

// call is the command's caller, as the API's call(r) builds it.
func call(r *http.Request) app.Call {
	return app.Call{ActorID: stateOf(r).principal.UserID, CorrelationID: obs.CorrelationID(r.Context()),
		ClientRequestID: obs.ClientRequestID(r.Context())}
}

// nextPath keeps a post-sign-in destination only when it is a console path
// (no open redirect).
func nextPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/app/") || strings.HasPrefix(raw, "//") || strings.Contains(raw, "\\") {
		return "/app/"
	}
	return u.RequestURI()
}
