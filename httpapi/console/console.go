// Package console is sharehub's web face: the staff console and the customer
// portal, server-rendered HTML pages under /app/ (issue 18).
//
// It owns the pages, their templates and assets (embedded: it works offline),
// the browser session cookie, CSRF protection and the Content-Security-Policy of
// its pages. It decides nothing about access: every page calls the same
// application commands (domain/app) and queries (domain/app/query) as the JSON
// API, with the same viewer, so a page shows and does exactly what the API would
// for that user, and anything the user may not see is the 404 page. The
// credential steps (sign-in, signup, invitations, password resets) come from the
// API server through Backend, so the throttles and rules are the API's own.
//
// Threat model, stated up front (a page is a target a JSON API is not):
//   - Session: the session token of package auth (stored hashed) travels in a
//     cookie: HttpOnly, SameSite=Lax, Secure and __Host- prefixed when the public
//     base URL is https. The console never puts it in a page or a URL.
//   - CSRF: every state-changing request carries a token bound to the session
//     (HMAC of the session token), or before sign-in to a random pre-session
//     cookie (double submit), checked in one middleware (uploads: in the first
//     multipart field, before a byte of the file is stored). Go's
//     http.CrossOriginProtection (Sec-Fetch-Site / Origin) is a second layer.
//   - Script injection: html/template escapes everything; the CSP allows scripts
//     and styles from 'self' only, no inline script or style, no framing.
//   - Existence: another company's ids answer the 404 page, as the API's 404.
//
// It must not import projections, eventstore (beyond blobs for file contents) or
// package httpapi (which mounts it).
//
// Assets: static/app.css and static/app.js are hand-written for this package (no
// build step, no third-party code).
package console

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/eventstore/blobs"
	"github.com/sharehub/sharehub/httpapi/auth"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// SignUp is the signup form.
type SignUp struct{ CompanyName, Name, Email, Password string }

// Register is the self-registration form (a group code).
type Register struct{ GroupCode, CompanyName, Name, Email, Password string }

// Backend is what the console needs of the API server: its credential steps,
// with the same throttles, load shedding and rules as the JSON routes. Errors are
// the API's (problem.From maps them). Tokens returned are session tokens.
type Backend interface {
	// Authenticate resolves a session token to its principal (auth.ErrInvalidSession
	// when it is not a live session).
	Authenticate(ctx context.Context, token string) (auth.Principal, error)
	SignIn(r *http.Request, email, password string) (string, error)
	SignUp(r *http.Request, in SignUp) (string, app.AppendResult, error)
	Register(r *http.Request, in Register) (string, app.AppendResult, error)
	AcceptInvitation(r *http.Request, invitation, name, password string) (string, app.AppendResult, error)
	// RequestPasswordReset answers the same whether or not the address exists.
	RequestPasswordReset(r *http.Request, email string) error
	ResetPassword(r *http.Request, token, password string) error
	SignOut(ctx context.Context, sessionID uuid.UUID) error
	// Wait returns once the read models have applied position (bounded).
	Wait(ctx context.Context, position int64) error
	CheckQuota(ctx context.Context, provider uuid.UUID, incoming int64) error
	// Empty reports a database without any login: the console offers signup.
	Empty(ctx context.Context) (bool, error)
	CompactMediaType(mt string) string
	PublicURL() string
	AuditBackend
}

// Config is what New needs. Backend, App and Blobs are required.
type Config struct {
	Backend        Backend
	App            *app.Service
	Queries        query.Queries
	Blobs          *blobs.Store
	Logger         *slog.Logger
	Clock          func() time.Time
	PublicBaseURL  string
	MaxUploadBytes int64
	SignupClosed   bool
}

// Validate reports what is missing.
func (c Config) Validate() error {
	var errs []error
	if c.Backend == nil {
		errs = append(errs, errors.New("console: Backend is required"))
	}
	if c.App == nil {
		errs = append(errs, errors.New("console: App is required"))
	}
	if c.Blobs == nil {
		errs = append(errs, errors.New("console: Blobs is required"))
	}
	return errors.Join(errs...)
}

// Console serves the pages.
type Console struct {
	b       Backend
	app     *app.Service
	q       query.Queries
	blobs   *blobs.Store
	log     *slog.Logger
	now     func() time.Time
	secure  bool
	maxUp   int64
	signup  bool
	tmpl    *template.Template
	router  chi.Routes
	handler http.Handler
}

// Routes lists the pages (tests check that each is covered by the isolation
// probes).
func (c *Console) Routes() chi.Routes { return c.router }

// New builds the console.
func New(cfg Config) (*Console, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Console{b: cfg.Backend, app: cfg.App, q: cfg.Queries, blobs: cfg.Blobs, log: cfg.Logger, now: cfg.Clock,
		secure: strings.HasPrefix(strings.ToLower(cfg.PublicBaseURL), "https://"), maxUp: cfg.MaxUploadBytes, signup: !cfg.SignupClosed}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.maxUp <= 0 {
		c.maxUp = 100 << 20
	}
	t, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	c.tmpl = t
	c.handler, c.router = c.routes()
	return c, nil
}

// ServeHTTP serves every path under /app/ (the caller mounts it there).
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.handler.ServeHTTP(w, r) }

// routes lists every page. Paths are absolute (/app/...): the console is its own
// router behind the API's /app/* route.
func (c *Console) routes() (http.Handler, chi.Routes) {
	r := chi.NewRouter()
	r.Use(pageHeaders, c.session)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { c.notFound(w, r) })
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, http.StatusMethodNotAllowed, "This address does not take this kind of request.")
	})
	static, _ := fs.Sub(staticFS, "static")
	r.Get("/app/static/*", http.StripPrefix("/app/static/", staticFiles(http.FileServerFS(static))).ServeHTTP)

	r.Get("/app/", c.home)
	r.Get("/app", http.RedirectHandler("/app/", http.StatusSeeOther).ServeHTTP)

	// Forms: every POST passes the CSRF check (uploads check their first field).
	r.Group(func(r chi.Router) {
		r.Use(c.csrf)
		c.publicRoutes(r)
		c.staffRoutes(r)
		c.portalRoutes(r)
	})
	// CrossOriginProtection refuses cross-site state changes by Sec-Fetch-Site /
	// Origin before any of the above runs (a second layer beside the tokens).
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.fail(w, r, http.StatusForbidden, "This form was sent from another site and was refused.")
	}))
	return cop.Handler(r), r
}

// pageHeaders: the CSP of every console answer (files served inline keep the
// sandboxing CSP web.ServeFile sets), no caching of personal pages, no referrer
// beyond this origin.
func pageHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// CSP is the Content-Security-Policy of the pages: nothing inline, nothing from
// elsewhere, never framed.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// staticFiles lets the assets be cached (they are embedded: they change only
// with the binary, and their URLs carry no secret).
func staticFiles(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

// home sends each user where they work: staff to the customers, portal users to
// the portal, strangers to sign in (or signup on an empty installation).
func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	switch {
	case st.signedIn() && st.viewer.Portal():
		http.Redirect(w, r, "/app/portal", http.StatusSeeOther)
	case st.signedIn():
		http.Redirect(w, r, "/app/customers", http.StatusSeeOther)
	default:
		if c.signup {
			if empty, err := c.b.Empty(r.Context()); err == nil && empty {
				http.Redirect(w, r, "/app/signup", http.StatusSeeOther)
				return
			}
		}
		http.Redirect(w, r, "/app/signin", http.StatusSeeOther)
	}
}
