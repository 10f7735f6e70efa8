// Package httpapi is sharehub's HTTP API: the chi router, its middleware chain, the
// route handlers and the machine-readable contract (openapi.yaml, served at
// GET /api/v1/openapi.yaml and checked against the router by a test).
//
// Handlers are thin: decode (web), call an application service, encode (web);
// errors go through problem.Write. The building blocks live in sub-packages:
// problem (errors -> RFC 9457), web (JSON, params, pagination, uploads, downloads),
// auth (passwords, sessions, the Principal), throttle, idempotency, consistency
// (X-Position / X-Min-Position) and obs (request ids, access log, metrics).
//
// Reads go through the query layer (domain/app/query): a handler decodes, calls
// a query with the viewer withViewer resolved once for the request, and encodes.
//
// httpapi may import domain, domain/app (and domain/app/query), eventstore (and
// eventstore/blobs); it must not import projections, whose read models reach it
// only through the query layer's interfaces, wired in cmd (make lint checks it).
// Nothing but cmd imports it.
package httpapi

import (
	"cmp"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/blobs"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/consistency"
	"github.com/sharehub/sharehub/httpapi/console"
	"github.com/sharehub/sharehub/httpapi/idempotency"
	"github.com/sharehub/sharehub/httpapi/obs"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/throttle"
	"github.com/sharehub/sharehub/httpapi/web"
)

//go:embed openapi.yaml
var openapiSpec []byte

// OpenAPISpec returns the embedded OpenAPI document (for tests and tools).
func OpenAPISpec() []byte { return append([]byte(nil), openapiSpec...) }

// ReadyCheck is one condition of readiness (database, read models not failed). Its
// error is logged; the answer names only the check.
type ReadyCheck struct {
	Name  string
	Check func(*http.Request) error
}

// Config is everything the API needs. Pool, Store, Blobs and Hasher are required;
// the rest has defaults.
type Config struct {
	Logger *slog.Logger
	Clock  func() time.Time

	Pool   *pgxpool.Pool
	Store  *eventstore.Store
	Blobs  *blobs.Store
	Hasher *auth.Argon2id
	// App runs the commands (the domain's application services).
	App *app.Service
	// ReadModels answer the queries of the reads (package domain/app/query);
	// package projections implements them (projections.NewReadModels).
	ReadModels query.ReadModels
	// ConsumerGroup names the consumer group of the read model a request reads
	// (each read-model definition has its own: projections.Schemas, which cmd
	// puts in every request's context); nil keeps the name.
	ConsumerGroup func(ctx context.Context, name string) string
	// SignupClosed refuses POST /api/v1/signup (SIGNUP=closed).
	SignupClosed bool
	// SignupVerify makes a company that signs up verify its first admin's address
	// before it may act (SIGNUP_VERIFY=on; handlers_accounts_verify.go).
	SignupVerify bool

	// PrincipalResolver fills role and flags of an authenticated caller from the
	// read models (nil: sessions only).
	PrincipalResolver auth.PrincipalResolver
	// SessionTTL is how long a login lasts (SESSION_MAX, default 30 days);
	// SessionIdle how long it lasts unused (SESSION_IDLE, default 12 hours).
	SessionTTL  time.Duration
	SessionIdle time.Duration
	// PublicBaseURL prefixes invitation and link URLs.
	PublicBaseURL string

	// MaxUploadBytes bounds an uploaded file (default 100 MiB); MaxJSONBytes a JSON
	// body (default 1 MiB).
	MaxUploadBytes int64
	MaxJSONBytes   int64
	// MaxArchiveBytes bounds the documents of one folder ZIP (MAX_ARCHIVE_BYTES,
	// default 4 GiB): over it, 413 before a byte is sent (handlers_archive.go).
	MaxArchiveBytes int64
	// RequestTimeout bounds the work of a JSON call (default 30s). File transfers
	// are bounded by the server's read and write timeouts instead.
	RequestTimeout time.Duration
	// MaxConsistencyWait bounds how long a read waits for X-Min-Position (default 3s).
	MaxConsistencyWait time.Duration
	// BodyIdleTimeout bounds the pause between bytes of an upload's body (default
	// 30s); JSON bodies must arrive whole within RequestTimeout (bodydeadline.go).
	BodyIdleTimeout time.Duration

	// Attempt limits (defaults: 10 then 1 a minute per account and per link; 60
	// then 1 a second per client address, which may be a whole office behind NAT).
	AccountThrottle throttle.Config
	LinkThrottle    throttle.Config
	AddrThrottle    throttle.Config
	// GroupThrottle counts registrations per group name (default 20, then 1 every
	// 30 s: guessing the 10,000 codes of one name takes days).
	GroupThrottle throttle.Config
	// MaxCredentialRequests bounds the public credential routes (sign-in, signup,
	// registration, invitations) served at once, process-wide; over it they answer
	// 503 with Retry-After (default one per CPU).
	MaxCredentialRequests int

	// CursorKey seals pagination cursors; replicas must share it (nil: random per
	// process, so cursors do not survive a restart).
	CursorKey []byte

	// ReadyChecks are consulted by /readyz besides the database ping.
	ReadyChecks []ReadyCheck

	// LinkOpenLimit is how many requests a minute one client address may make to
	// one link, and to all links together (LINK_OPEN_LIMIT; 0: unlimited).
	LinkOpenLimit int
	// QuotaBytes bounds the bytes each company's library holds (QUOTA_BYTES; 0:
	// unlimited). Over it, uploads answer 507 quota_exceeded.
	QuotaBytes int64
	// ExportStore reads audit exports and histories through a pool of its own,
	// so that exports never take the connections interactive requests need
	// (nil: Store). ExportsPerTenant (default 2) and ExportsMax (default 8)
	// bound the NDJSON streams running at once; ExportWriteIdle (default 30s)
	// ends a stream whose client stopped reading. ExportHorizonWait bounds how
	// long an export waits for the transactions running when it starts
	// (eventstore.DefaultHorizonWait when 0).
	ExportStore       *eventstore.Store
	ExportsPerTenant  int
	ExportsMax        int
	ExportWriteIdle   time.Duration
	ExportHorizonWait time.Duration

	// Registerer and Gatherer hold the HTTP metrics (nil: Prometheus' defaults).
	Registerer prometheus.Registerer
	Gatherer   prometheus.Gatherer
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if c.Pool == nil {
		errs = append(errs, errors.New("httpapi: Pool is required"))
	}
	if c.Store == nil {
		errs = append(errs, errors.New("httpapi: Store is required"))
	}
	if c.Blobs == nil {
		errs = append(errs, errors.New("httpapi: Blobs is required"))
	}
	if c.Hasher == nil {
		errs = append(errs, errors.New("httpapi: Hasher is required"))
	}
	if c.App == nil {
		errs = append(errs, errors.New("httpapi: App is required"))
	}
	if c.ReadModels == nil {
		errs = append(errs, errors.New("httpapi: ReadModels is required"))
	}
	for name, v := range map[string]int64{"MaxUploadBytes": c.MaxUploadBytes, "MaxJSONBytes": c.MaxJSONBytes, "MaxArchiveBytes": c.MaxArchiveBytes,
		"SessionTTL": int64(c.SessionTTL), "SessionIdle": int64(c.SessionIdle), "RequestTimeout": int64(c.RequestTimeout), "MaxConsistencyWait": int64(c.MaxConsistencyWait),
		"BodyIdleTimeout": int64(c.BodyIdleTimeout), "MaxCredentialRequests": int64(c.MaxCredentialRequests),
		"ExportsPerTenant": int64(c.ExportsPerTenant), "ExportsMax": int64(c.ExportsMax), "ExportWriteIdle": int64(c.ExportWriteIdle),
		"ExportHorizonWait": int64(c.ExportHorizonWait)} {
		if v < 0 {
			errs = append(errs, fmt.Errorf("httpapi: %s must not be negative", name))
		}
	}
	for _, rc := range c.ReadyChecks {
		if rc.Name == "" || rc.Check == nil {
			errs = append(errs, errors.New("httpapi: every ReadyCheck needs a Name and a Check"))
		}
	}
	if c.QuotaBytes < 0 {
		errs = append(errs, errors.New("httpapi: QuotaBytes must not be negative"))
	}
	if c.LinkOpenLimit < 0 {
		errs = append(errs, errors.New("httpapi: LinkOpenLimit must not be negative"))
	}
	if len(c.CursorKey) > 0 && len(c.CursorKey) < 16 {
		errs = append(errs, errors.New("httpapi: CursorKey must be at least 16 bytes"))
	}
	return errors.Join(errs...)
}

// Server is the HTTP API. Handlers are its methods (routes.go lists them all).
type Server struct {
	log    *slog.Logger
	now    func() time.Time
	pool   *pgxpool.Pool
	store  *eventstore.Store
	blobs  *blobs.Store
	hasher *auth.Argon2id
	app    *app.Service
	// queries answer the reads; handlers never call a read model themselves.
	queries query.Queries

	signupClosed bool
	signupVerify bool
	sessions     *auth.Sessions
	credentials  *auth.Credentials
	resolve      auth.PrincipalResolver
	accounts     *throttle.Limiter
	links        *throttle.Limiter
	addrs        *throttle.Limiter
	linkOpens    *throttle.Limiter // nil: link opens are not throttled
	quotaBytes   int64             // 0: unlimited
	groups       *throttle.Limiter
	idem         *idempotency.Keys
	fresh        *consistency.Waiter
	cursors      *web.Cursors
	metrics      *obs.Metrics
	exports      *eventstore.Store
	exportSlots  *exportSlots
	exportIdle   time.Duration
	horizonWait  time.Duration

	publicBaseURL  string
	maxUploadBytes int64
	maxJSONBytes   int64
	maxArchive     int64
	requestTimeout time.Duration
	readyChecks    []ReadyCheck

	bodyIdleTimeout time.Duration
	credentialSlots chan struct{}
	resets          *resetQueue // password reset work after the answer (handlers_accounts.go)

	router  *chi.Mux
	console *console.Console // the web pages under /app/ (routes.go mounts it)
}

// New builds the server and its router.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		log: cfg.Logger, now: cfg.Clock, pool: cfg.Pool, store: cfg.Store, blobs: cfg.Blobs, hasher: cfg.Hasher,
		app: cfg.App, signupClosed: cfg.SignupClosed, signupVerify: cfg.SignupVerify,
		resolve: resolveOutsideReads(auth.CachePrincipals(cfg.PrincipalResolver, principalTTL, cfg.Clock)), publicBaseURL: cfg.PublicBaseURL, maxUploadBytes: cfg.MaxUploadBytes,
		maxJSONBytes: cfg.MaxJSONBytes, maxArchive: cfg.MaxArchiveBytes, requestTimeout: cfg.RequestTimeout, readyChecks: cfg.ReadyChecks,
		credentials: auth.NewCredentials(cfg.Pool),
		queries:     query.New(cfg.ReadModels),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxUploadBytes == 0 {
		s.maxUploadBytes = 100 << 20
	}
	if s.maxArchive == 0 {
		s.maxArchive = DefaultMaxArchiveBytes
	}
	if s.maxJSONBytes == 0 {
		s.maxJSONBytes = web.DefaultMaxJSONBytes
	}
	if s.requestTimeout == 0 {
		s.requestTimeout = 30 * time.Second
	}
	if s.bodyIdleTimeout = cfg.BodyIdleTimeout; s.bodyIdleTimeout == 0 {
		s.bodyIdleTimeout = 30 * time.Second
	}
	s.credentialSlots = make(chan struct{}, cmp.Or(cfg.MaxCredentialRequests, defaultCredentialConcurrency()))
	s.resets = newResetQueue(64, func(msg string, args ...any) { s.log.Warn(msg, args...) })
	var err error
	if s.sessions, err = auth.NewSessions(auth.SessionsConfig{Pool: cfg.Pool, TTL: cfg.SessionTTL, Idle: cfg.SessionIdle, Clock: s.now}); err != nil {
		return nil, err
	}
	if s.accounts, err = throttle.New(withDefaults(cfg.AccountThrottle, 10, time.Minute, s.now)); err != nil {
		return nil, fmt.Errorf("account throttle: %w", err)
	}
	if s.links, err = throttle.New(withDefaults(cfg.LinkThrottle, 10, time.Minute, s.now)); err != nil {
		return nil, fmt.Errorf("link throttle: %w", err)
	}
	if s.addrs, err = throttle.New(withDefaults(cfg.AddrThrottle, 60, time.Second, s.now)); err != nil {
		return nil, fmt.Errorf("address throttle: %w", err)
	}
	if s.groups, err = throttle.New(withDefaults(cfg.GroupThrottle, 20, 30*time.Second, s.now)); err != nil {
		return nil, fmt.Errorf("group throttle: %w", err)
	}
	if s.idem, err = idempotency.New(idempotency.Config{Pool: cfg.Pool, Logger: s.log,
		MaxBodyBytes: s.maxUploadBytes + 2<<20}); err != nil {
		return nil, err
	}
	if s.fresh, err = consistency.New(consistency.Config{Applied: appliedByDefinition(cfg.Store, cfg.ConsumerGroup), MaxWait: cfg.MaxConsistencyWait,
		Floor: sessionFloor, GroupKey: cfg.ConsumerGroup}); err != nil {
		return nil, err
	}
	s.quotaBytes = cfg.QuotaBytes
	if s.linkOpens, err = newLinkOpenLimiter(cfg.LinkOpenLimit, s.now); err != nil {
		return nil, err
	}
	if s.cursors, err = web.NewCursors(cfg.CursorKey); err != nil {
		return nil, err
	}
	if s.metrics, err = obs.NewMetrics(cfg.Registerer, cfg.Gatherer, s.now); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	s.exports, s.exportIdle, s.horizonWait = cfg.ExportStore, cfg.ExportWriteIdle, cfg.ExportHorizonWait
	if s.exports == nil {
		s.exports = cfg.Store
	}
	if s.exportIdle == 0 {
		s.exportIdle = 30 * time.Second
	}
	s.exportSlots = &exportSlots{perTenant: cfg.ExportsPerTenant, max: cfg.ExportsMax}
	if s.exportSlots.perTenant == 0 {
		s.exportSlots.perTenant = 2
	}
	if s.exportSlots.max == 0 {
		s.exportSlots.max = 8
	}
	if s.console, err = s.newConsole(); err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	s.router = s.newRouter()
	return s, nil
}

func withDefaults(c throttle.Config, burst int, every time.Duration, clock func() time.Time) throttle.Config {
	if c.Burst == 0 && c.Every == 0 {
		c.Burst, c.Every = burst, every
	}
	if c.Clock == nil {
		c.Clock = clock
	}
	return c
}

// Handler is the API as an http.Handler.
func (s *Server) Handler() http.Handler { return s.router }

// Router exposes the chi router (route listing in tests and tools).
func (s *Server) Router() chi.Routes { return s.router }

// HTTPServer returns an http.Server for the API with timeouts that bound slow or
// idle clients: headers must arrive within 10s; whole requests and answers (file
// transfers included) within 15 minutes; idle keep-alive connections close after 2.
// JSON calls have their own, shorter RequestTimeout.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.router,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       15 * time.Minute,
		WriteTimeout:      15 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// newRouter builds the middleware chain every request passes, outermost first:
// request id (so everything after can log it), access log and metrics (so they see
// the final status, panics included), recoverer (panic -> 500 problem), security
// headers, HEAD-as-GET; then the routes of routes.go.
func (s *Server) newRouter() *chi.Mux {
	r := chi.NewRouter()
	r.Use(obs.RequestID, obs.AccessLog(s.log, s.now), s.metrics.Middleware, problem.Recoverer,
		web.SecurityHeaders, middleware.GetHead)
	r.NotFound(problem.NotFoundHandler)
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		problem.Write(w, req, problem.MethodNotAllowed(allowedMethods(r, req.URL.Path)))
	})
	s.routes(r)
	return r
}

// allowedMethods lists what the router serves at path (chi does not pass them to a
// custom 405 handler).
func allowedMethods(r *chi.Mux, path string) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == http.MethodHead {
			if r.Match(chi.NewRouteContext(), http.MethodGet, path) {
				out = append(out, m) // served by GetHead
			}
			continue
		}
		if r.Match(chi.NewRouteContext(), m, path) {
			out = append(out, m)
		}
	}
	return out
}
