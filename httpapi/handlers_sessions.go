package httpapi

import (
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

type createSessionRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type sessionResponse struct {
	Token     string    `json:"token"`
	UserID    uuid.UUID `json:"user_id"`
	CompanyID uuid.UUID `json:"company_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

// createSession signs in: POST /api/v1/sessions.
func (s *Server) createSession(w http.ResponseWriter, r *http.Request) error {
	var in createSessionRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	email, err := domain.NormalizeEmail(in.Email)
	if err != nil {
		return err
	}
	if in.Password == "" {
		return problem.Validation("password", "must not be empty")
	}
	// Counted before the hash is checked, whatever the outcome.
	if err := s.throttleLogin(r, email); err != nil {
		return err
	}
	login, err := auth.CheckLogin(r.Context(), s.credentials, s.hasher, email, in.Password)
	if errors.Is(err, auth.ErrBadCredentials) {
		return problem.Unauthenticated("wrong e-mail address or password", false)
	}
	if err != nil {
		return err
	}
	token, sess, err := s.sessions.CreateFor(r.Context(), login.UserID, login.CompanyID, clientOf(r))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store") // the answer holds a credential
	return web.WriteJSON(w, http.StatusCreated, sessionResponse{Token: token, UserID: sess.UserID,
		CompanyID: sess.CompanyID, ExpiresAt: sess.ExpiresAt})
}

// deleteSession signs out: DELETE /api/v1/sessions/current.
func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) error {
	p, _ := auth.PrincipalFrom(r.Context())
	if err := s.sessions.Revoke(r.Context(), p.SessionID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// clientOf is what a new session remembers of the client (its owner's session
// list shows it): the peer's address (as the throttles see it: no forwarding
// header is trusted) and the User-Agent.
func clientOf(r *http.Request) auth.Client {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return auth.Client{Addr: host, UserAgent: r.UserAgent()}
}
