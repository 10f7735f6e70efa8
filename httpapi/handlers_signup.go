package httpapi

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

type signupRequest struct {
	CompanyName string `json:"company_name"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	Password    string `json:"password"`
}

type signupResponse struct {
	CompanyID uuid.UUID `json:"company_id"`
	UserID    uuid.UUID `json:"user_id"`
	Token     string    `json:"token"`
}

// signup creates a company with its first admin and signs them in:
// POST /api/v1/signup.
func (s *Server) signup(w http.ResponseWriter, r *http.Request) error {
	if s.signupClosed {
		return problem.Forbidden("signup is closed on this installation")
	}
	var in signupRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	if err := auth.ValidatePassword("password", in.Password); err != nil {
		return err
	}
	email, err := domain.NormalizeEmail(in.Email)
	if err != nil {
		return err
	}
	if err := s.throttleCredential(r, s.accounts, "signup:"+email); err != nil {
		return err
	}
	if err := s.emailFree(r, email); err != nil {
		return err
	}
	reg, err := s.app.RegisterCompany(r.Context(), call(r), app.RegisterCompany{
		CompanyName: in.CompanyName, Name: in.Name, Email: in.Email, Password: in.Password,
		VerifyURLPrefix: s.verifyURLPrefix()})
	if err != nil {
		return err
	}
	token, _, err := s.sessions.CreateFor(r.Context(), reg.UserID, reg.CompanyID, clientOf(r))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store") // the answer holds a credential
	return written(w, http.StatusCreated, reg.Appended, signupResponse{CompanyID: reg.CompanyID, UserID: reg.UserID, Token: token})
}
