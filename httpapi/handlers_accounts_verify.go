package httpapi

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/problem"
)

// Signup e-mail verification (SIGNUP_VERIFY=on). Off by default: the v1
// contract answers a signup with a token that acts at once, and clients rely on
// it. On, the company signs in at once but may only read its account and verify
// until the mailed link is followed; every command is refused (404, as for a deactivated user) before that.

// verifyURLPrefix is {PUBLIC_BASE_URL}/email-verifications/ when verification is
// on, else "" (none asked).
func (s *Server) verifyURLPrefix() string {
	if !s.signupVerify {
		return ""
	}
	return strings.TrimRight(s.publicBaseURL, "/") + "/email-verifications/"
}

// verifyEmail follows the verification link: POST /api/v1/email-verifications/{token}.
// Used or expired: 410; unknown or replaced: 404.
func (s *Server) verifyEmail(w http.ResponseWriter, r *http.Request) error {
	token := chi.URLParam(r, "token")
	if err := s.throttleCredential(r, s.accounts, "verify:"+invitationKey(token)); err != nil {
		return err
	}
	res, err := s.app.VerifyEmail(r.Context(), call(r), token)
	if err != nil {
		return err
	}
	return writtenEmpty(w, res)
}

// resendEmailVerification mails a new verification link; a verified address:
// 409: POST /api/v1/me/email-verification.
func (s *Server) resendEmailVerification(w http.ResponseWriter, r *http.Request) error {
	if !s.signupVerify {
		return problem.New(http.StatusConflict, problem.CodeConflict, "e-mail verification is off on this installation")
	}
	p, _ := auth.PrincipalFrom(r.Context())
	if err := s.throttleCredential(r, s.accounts, "verify-mail:"+p.UserID.String()); err != nil {
		return err
	}
	res, err := s.app.ResendEmailVerification(r.Context(), call(r), s.verifyURLPrefix())
	if err != nil {
		return err
	}
	return writtenEmpty(w, res)
}
