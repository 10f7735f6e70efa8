package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/console"
	"github.com/sharehub/sharehub/httpapi/problem"
)

// consoleBackend gives the web console (package console) the server's own
// credential steps: the same throttles, load shedding, session store and
// password rules as the JSON routes of handlers_sessions.go, handlers_signup.go,
// handlers_public.go and handlers_accounts.go, so that a browser is held to
// exactly what an API client is. Everything else the console does goes through
// the application services and the query layer directly.
type consoleBackend struct{ s *Server }

var _ console.Backend = consoleBackend{}

// newConsole builds the web console served under /app/.
func (s *Server) newConsole() (*console.Console, error) {
	return console.New(console.Config{
		Backend: consoleBackend{s}, App: s.app, Queries: s.queries, Blobs: s.blobs, Logger: s.log, Clock: s.now,
		PublicBaseURL: s.publicBaseURL, MaxUploadBytes: s.maxUploadBytes, SignupClosed: s.signupClosed,
	})
}

// slot takes one of the credential slots (credentialGate's), or answers 503.
func (b consoleBackend) slot() (func(), error) {
	select {
	case b.s.credentialSlots <- struct{}{}:
		return func() { <-b.s.credentialSlots }, nil
	default:
		p := problem.New(http.StatusServiceUnavailable, problem.CodeUnavailable,
			"the server is handling too many sign-ins at once; try again shortly")
		p.RetryAfter = time.Second
		return nil, p
	}
}

func (b consoleBackend) Authenticate(ctx context.Context, token string) (auth.Principal, error) {
	p, err := b.s.sessions.Authenticate(ctx, token)
	if err != nil {
		return p, err
	}
	if b.s.resolve == nil {
		return p, nil
	}
	// The full resolver (not resolveOutsideReads): the console resolves its caller
	// once per request, whatever the method.
	return resolveAlways(ctx, b.s, p)
}

// resolveAlways runs the principal resolver without the GET shortcut of
// resolveOutsideReads (which reads the route context).
func resolveAlways(ctx context.Context, s *Server, p auth.Principal) (auth.Principal, error) {
	return s.resolve(withoutRoute(ctx), p)
}

func (b consoleBackend) SignIn(r *http.Request, email, password string) (string, error) {
	release, err := b.slot()
	if err != nil {
		return "", err
	}
	defer release()
	norm, err := domain.NormalizeEmail(email)
	if err != nil {
		return "", err
	}
	if password == "" {
		return "", problem.Validation("password", "must not be empty")
	}
	if err := b.s.throttleLogin(r, norm); err != nil {
		return "", err
	}
	login, err := auth.CheckLogin(r.Context(), b.s.credentials, b.s.hasher, norm, password)
	if errors.Is(err, auth.ErrBadCredentials) {
		return "", problem.Unauthenticated("wrong e-mail address or password", false)
	}
	if err != nil {
		return "", err
	}
	token, _, err := b.s.sessions.CreateFor(r.Context(), login.UserID, login.CompanyID, clientOf(r))
	return token, err
}

func (b consoleBackend) SignUp(r *http.Request, in console.SignUp) (string, app.AppendResult, error) {
	if b.s.signupClosed {
		return "", app.AppendResult{}, problem.Forbidden("signup is closed on this installation")
	}
	release, err := b.slot()
	if err != nil {
		return "", app.AppendResult{}, err
	}
	defer release()
	if err := auth.ValidatePassword("password", in.Password); err != nil {
		return "", app.AppendResult{}, err
	}
	email, err := domain.NormalizeEmail(in.Email)
	if err != nil {
		return "", app.AppendResult{}, err
	}
	if err := b.s.throttleCredential(r, b.s.accounts, "signup:"+email); err != nil {
		return "", app.AppendResult{}, err
	}
	if err := b.s.emailFree(r, email); err != nil {
		return "", app.AppendResult{}, err
	}
	reg, err := b.s.app.RegisterCompany(r.Context(), call(r), app.RegisterCompany{
		CompanyName: in.CompanyName, Name: in.Name, Email: in.Email, Password: in.Password,
		VerifyURLPrefix: b.s.verifyURLPrefix()})
	if err != nil {
		return "", app.AppendResult{}, err
	}
	token, _, err := b.s.sessions.CreateFor(r.Context(), reg.UserID, reg.CompanyID, clientOf(r))
	return token, reg.Appended, err
}

func (b consoleBackend) Register(r *http.Request, in console.Register) (string, app.AppendResult, error) {
	release, err := b.slot()
	if err != nil {
		return "", app.AppendResult{}, err
	}
	defer release()
	if err := required("group_code", in.GroupCode != ""); err != nil {
		return "", app.AppendResult{}, err
	}
	if err := auth.ValidatePassword("password", in.Password); err != nil {
		return "", app.AppendResult{}, err
	}
	if err := b.s.throttleCredential(r, b.s.groups, groupNameKey(in.GroupCode)); err != nil {
		return "", app.AppendResult{}, err
	}
	if err := b.s.emailFree(r, in.Email); err != nil {
		return "", app.AppendResult{}, err
	}
	reg, err := b.s.app.RegisterWithGroupCode(r.Context(), call(r), app.RegisterWithGroupCode{
		GroupCode: in.GroupCode, CompanyName: in.CompanyName, Name: in.Name, Email: in.Email, Password: in.Password})
	if err != nil {
		return "", app.AppendResult{}, err
	}
	token, _, err := b.s.sessions.CreateFor(r.Context(), reg.UserID, reg.CompanyID, clientOf(r))
	return token, reg.Appended, err
}

func (b consoleBackend) AcceptInvitation(r *http.Request, invitation, name, password string) (string, app.AppendResult, error) {
	release, err := b.slot()
	if err != nil {
		return "", app.AppendResult{}, err
	}
	defer release()
	if err := auth.ValidatePassword("password", password); err != nil {
		return "", app.AppendResult{}, err
	}
	if err := b.s.throttleCredential(r, b.s.accounts, invitationKey(invitation)); err != nil {
		return "", app.AppendResult{}, err
	}
	reg, err := b.s.app.AcceptInvitation(r.Context(), call(r), app.AcceptInvitation{Token: invitation, Name: name, Password: password})
	if err != nil {
		return "", app.AppendResult{}, err
	}
	token, _, err := b.s.sessions.CreateFor(r.Context(), reg.UserID, reg.CompanyID, clientOf(r))
	return token, reg.Appended, err
}

func (b consoleBackend) RequestPasswordReset(r *http.Request, email string) error {
	norm, err := domain.NormalizeEmail(email)
	if err != nil {
		return err
	}
	if err := b.s.throttleCredential(r, b.s.accounts, "reset:"+norm); err != nil {
		return err
	}
	c := call(r)
	c.Idempotency = nil
	b.s.resets.enqueue(r.Context(), func(ctx context.Context) { b.s.sendPasswordReset(ctx, c, norm) })
	return nil
}

func (b consoleBackend) ResetPassword(r *http.Request, token, password string) error {
	if err := auth.ValidatePassword("password", password); err != nil {
		return err
	}
	if err := b.s.throttleCredential(r, b.s.accounts, "reset-token:"+invitationKey(token)); err != nil {
		return err
	}
	_, err := b.s.app.ResetPassword(r.Context(), call(r), app.ResetPassword{Token: token, Password: password})
	if errors.Is(err, domain.ErrResetGone) {
		return problem.New(http.StatusGone, "reset_gone", "this password reset was used, replaced by a newer one or has expired")
	}
	return err
}

func (b consoleBackend) SignOut(ctx context.Context, sessionID uuid.UUID) error {
	return b.s.sessions.Revoke(ctx, sessionID)
}

func (b consoleBackend) Wait(ctx context.Context, position int64) error {
	if position <= 0 {
		return nil
	}
	return b.s.fresh.Wait(ctx, position, readGroups...)
}

func (b consoleBackend) CheckQuota(ctx context.Context, provider uuid.UUID, incoming int64) error {
	return b.s.checkQuota(ctx, provider, incoming)
}

func (b consoleBackend) Empty(ctx context.Context) (bool, error) {
	any, err := b.s.credentials.Any(ctx)
	return !any, err
}

func (b consoleBackend) CompactMediaType(mt string) string { return compactMediaType(mt) }

// PublicURL is the public base URL without its trailing slash.
func (b consoleBackend) PublicURL() string { return strings.TrimRight(b.s.publicBaseURL, "/") }

// withoutRoute hides the chi route context from the resolver, so that
// resolveOutsideReads resolves a console GET too.
func withoutRoute(ctx context.Context) context.Context {
	return context.WithValue(ctx, chi.RouteCtxKey, (*chi.Context)(nil))
}

// toConsole redirects a mailed link (GET /invitations/{token}, GET
// /password-resets/{token}; routed as /invitations/* so that only a single
// path segment, the token, is taken: anything else is the console's 404 page)
// to the console page with its form. The token stays
// in the path, as in the mail; the console's pages carry Referrer-Policy
// same-origin, so it does not leave the site.
func (s *Server) toConsole(prefix string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-store")
		token := chi.URLParam(r, "*")
		if token == "" || strings.Contains(token, "/") {
			s.console.ServeHTTP(w, r) // the console's 404 page
			return
		}
		http.Redirect(w, r, prefix+url.PathEscape(token), http.StatusSeeOther)
	}
}
