package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

// Accounts (issue 16): passwords, sessions, deactivation. The commands are the
// application's (app/accounts_lifecycle.go); what they do to logins and sessions
// commits with their events, so these handlers only decode, check the current
// password where one is asked for, and answer.

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword sets a new password given the current one; every other session
// of the user ends: POST /api/v1/me/password.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	p, _ := auth.PrincipalFrom(r.Context())
	var in changePasswordRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	if in.CurrentPassword == "" {
		return problem.Validation("current_password", "must not be empty")
	}
	if err := auth.ValidatePassword("new_password", in.NewPassword); err != nil {
		return err
	}
	// A stolen session must not turn into a password by guessing: the current
	// password is throttled like a sign-in to the same account.
	if err := s.throttleCredential(r, s.accounts, "password:"+p.UserID.String()); err != nil {
		return err
	}
	login, err := s.credentials.LookupUser(r.Context(), p.UserID)
	if err != nil {
		return err
	}
	ok, err := s.hasher.VerifyNow(login.PasswordHash, in.CurrentPassword)
	if err != nil {
		return err
	}
	if !ok {
		return problem.Validation("current_password", "is not the current password")
	}
	res, err := s.app.ChangePassword(r.Context(), call(r), app.ChangePassword{NewPassword: in.NewPassword, KeepSession: p.SessionID})
	if err != nil {
		return err
	}
	return writtenEmpty(w, res)
}

// signOutEverywhere ends every session of the user, this one too:
// DELETE /api/v1/me/sessions.
func (s *Server) signOutEverywhere(w http.ResponseWriter, r *http.Request) error {
	res, err := s.app.EndMySessions(r.Context(), call(r), app.EndMySessions{})
	if err != nil {
		return err
	}
	return writtenEmpty(w, res)
}

// revokeMySession ends one session of the user; another user's session or an
// ended one answers 404: DELETE /api/v1/me/sessions/{id}.
func (s *Server) revokeMySession(w http.ResponseWriter, r *http.Request) error {
	p, _ := auth.PrincipalFrom(r.Context())
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	owns, err := s.sessions.Owns(r.Context(), p.UserID, id)
	if err != nil {
		return err
	}
	if !owns {
		return problem.New(http.StatusNotFound, problem.CodeNotFound, "no live session of yours has this id")
	}
	res, err := s.app.EndMySessions(r.Context(), call(r), app.EndMySessions{Session: id})
	if err != nil {
		return err
	}
	return writtenEmpty(w, res)
}

type sessionItem struct {
	ID         uuid.UUID `json:"id"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	ClientAddr string    `json:"client_addr"`
	UserAgent  string    `json:"user_agent"`
	Current    bool      `json:"current"`
}

type sessionList struct {
	Items      []sessionItem `json:"items"`
	NextCursor *string       `json:"next_cursor"`
}

// mySessions lists the user's live sessions, newest first: GET /api/v1/me/sessions.
func (s *Server) mySessions(w http.ResponseWriter, r *http.Request) error {
	p, _ := auth.PrincipalFrom(r.Context())
	list, err := s.sessions.List(r.Context(), p.UserID)
	if err != nil {
		return err
	}
	out := sessionList{Items: make([]sessionItem, 0, len(list))}
	for _, si := range list {
		out.Items = append(out.Items, sessionItem{ID: si.ID, CreatedAt: si.CreatedAt.UTC(), LastUsedAt: si.LastUsedAt.UTC(),
			ExpiresAt: si.ExpiresAt.UTC(), ClientAddr: si.ClientAddr, UserAgent: si.UserAgent, Current: si.ID == p.SessionID})
	}
	w.Header().Set("Cache-Control", "no-store")
	return web.WriteJSON(w, http.StatusOK, out)
}

type userActiveResponse struct {
	UserID uuid.UUID `json:"user_id"`
	Status string    `json:"status"`
}

func activeStatus(active bool) string {
	if active {
		return "active"
	}
	return "deactivated"
}

// setStaffActive deactivates or reactivates a staff user (admins only):
// POST /api/v1/staff/{user_id}/deactivate · /reactivate.
func (s *Server) setStaffActive(active bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		userID, err := web.PathUUID(r, "user_id")
		if err != nil {
			return err
		}
		res, err := s.app.SetStaffActive(r.Context(), call(r), app.SetStaffActive{UserID: userID, Active: active})
		if err != nil {
			return err
		}
		return written(w, http.StatusOK, res.Appended, userActiveResponse{UserID: res.UserID, Status: activeStatus(active)})
	}
}

// setPortalUserActive deactivates or reactivates a portal user of a customer:
// POST /api/v1/customers/{id}/users/{user_id}/deactivate · /reactivate.
func (s *Server) setPortalUserActive(active bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		customerID, err := web.PathUUID(r, "id")
		if err != nil {
			return err
		}
		userID, err := web.PathUUID(r, "user_id")
		if err != nil {
			return err
		}
		res, err := s.app.SetPortalUserActive(r.Context(), call(r), app.SetPortalUserActive{CustomerID: customerID, UserID: userID, Active: active})
		if err != nil {
			return err
		}
		return written(w, http.StatusOK, res.Appended, userActiveResponse{UserID: res.UserID, Status: activeStatus(active)})
	}
}

type passwordResetRequest struct {
	Email string `json:"email"`
}

// requestPasswordReset answers 202 whatever the address: POST /api/v1/password-resets.
//
// Threat model: an anonymous client probes which addresses have accounts, or
// floods an address with mails. The answer is the same for every valid address,
// and it is given after the same work whatever the address: decode, validate,
// count one attempt per address and per client address, hand the address to the
// reset queue. Looking the address up and recording the reset happen after the
// answer, in the queue (resetQueue), so neither the status, the body nor the time
// of the answer depends on whether the address has an account.
func (s *Server) requestPasswordReset(w http.ResponseWriter, r *http.Request) error {
	var in passwordResetRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	email, err := domain.NormalizeEmail(in.Email)
	if err != nil {
		return err
	}
	if err := s.throttleCredential(r, s.accounts, "reset:"+email); err != nil {
		return err
	}
	c := call(r)
	c.Idempotency = nil // the answer is the same anyway; a repeat mails again, within the throttle
	s.resets.enqueue(r.Context(), func(ctx context.Context) { s.sendPasswordReset(ctx, c, email) })
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// sendPasswordReset looks the address up and, for a user who may sign in,
// records the reset and queues its mail. Every other outcome is silent (logged
// without the address).
func (s *Server) sendPasswordReset(ctx context.Context, c app.Call, email string) {
	login, err := s.credentials.Lookup(ctx, email)
	if errors.Is(err, auth.ErrNoLogin) {
		return
	}
	if err == nil && !login.Disabled {
		// Counted per account too (an account's address could change); over it,
		// silently nothing, as for an unknown address.
		if s.accounts.Allow("reset-user:"+login.UserID.String()) != nil {
			return
		}
		_, err = s.app.RequestPasswordReset(ctx, c, app.RequestPasswordReset{UserID: login.UserID,
			URLPrefix: strings.TrimRight(s.publicBaseURL, "/") + "/password-resets/"})
	}
	if err != nil && !domain.IsRejection(err) {
		s.log.Warn("password reset failed", "correlation_id", c.CorrelationID, "err", err)
	}
}

type resetPasswordRequest struct {
	Password string `json:"password"`
}

// resetPassword sets a new password with a reset token; every session of the
// user ends: POST /api/v1/password-resets/{token}. Used, replaced or expired: 410
// reset_gone; unknown: 404.
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) error {
	var in resetPasswordRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	if err := auth.ValidatePassword("password", in.Password); err != nil {
		return err
	}
	token := chi.URLParam(r, "token")
	if err := s.throttleCredential(r, s.accounts, "reset-token:"+invitationKey(token)); err != nil {
		return err
	}
	res, err := s.app.ResetPassword(r.Context(), call(r), app.ResetPassword{Token: token, Password: in.Password})
	if errors.Is(err, domain.ErrResetGone) {
		return problem.New(http.StatusGone, "reset_gone", "this password reset was used, replaced by a newer one or has expired")
	}
	if err != nil {
		return err
	}
	return writtenEmpty(w, res.Appended)
}

// resetQueue runs the work of password reset requests after their answer, a
// bounded number at once (each a lookup and at most one append); over the bound
// a request is dropped and logged: the per-address throttle already caps what
// one client may ask, so only a flood from many addresses gets here.
type resetQueue struct {
	slots   chan struct{}
	log     func(msg string, args ...any)
	timeout time.Duration
	wg      sync.WaitGroup
	// hold, when set, runs before each piece of work (tests hold the work back to
	// show that the answer never waited for it).
	hold func()
}

func newResetQueue(n int, log func(string, ...any)) *resetQueue {
	return &resetQueue{slots: make(chan struct{}, n), log: log, timeout: 30 * time.Second}
}

func (q *resetQueue) enqueue(ctx context.Context, work func(context.Context)) {
	select {
	case q.slots <- struct{}{}:
	default:
		q.log("password reset dropped: too many at once")
		return
	}
	q.wg.Add(1)
	go func() {
		defer q.wg.Done()
		defer func() { <-q.slots }()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), q.timeout)
		defer cancel()
		if q.hold != nil {
			q.hold()
		}
		work(ctx)
	}()
}

// wait blocks until the queued work is done (tests; a graceful shutdown).
func (q *resetQueue) wait() { q.wg.Wait() }

type resendResponse struct {
	InvitationURL string    `json:"invitation_url"`
	ExpiresAt     time.Time `json:"expires_at"`
}

// resendCustomerInvitation issues a fresh invitation for an invited customer;
// the old token answers 410 from then on: POST /api/v1/customers/{id}/invitation/resend.
func (s *Server) resendCustomerInvitation(w http.ResponseWriter, r *http.Request) error {
	customerID, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	res, err := s.app.ResendCustomerInvitation(r.Context(), call(r), customerID)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store") // the answer holds the invitation token
	return written(w, http.StatusOK, res.Appended, resendResponse{InvitationURL: s.invitationURL(res.Token), ExpiresAt: res.ExpiresAt.UTC()})
}

// resendPortalUserInvitation is the same for an invited portal user:
// POST /api/v1/customers/{id}/users/{user_id}/invitation/resend.
func (s *Server) resendPortalUserInvitation(w http.ResponseWriter, r *http.Request) error {
	customerID, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	userID, err := web.PathUUID(r, "user_id")
	if err != nil {
		return err
	}
	res, err := s.app.ResendPortalUserInvitation(r.Context(), call(r), app.ResendPortalUserInvitation{CustomerID: customerID, UserID: userID})
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return written(w, http.StatusOK, res.Appended, resendResponse{InvitationURL: s.invitationURL(res.Token), ExpiresAt: res.ExpiresAt.UTC()})
}
