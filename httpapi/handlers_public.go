package httpapi

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/web"
)

type acceptInvitationRequest struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

type acceptInvitationResponse struct {
	UserID    uuid.UUID `json:"user_id"`
	CompanyID uuid.UUID `json:"company_id"`
	Token     string    `json:"token"`
}

// acceptInvitation activates an invited user (and an invited customer's company)
// and signs them in; used or expired: 410 invitation_gone:
// POST /api/v1/invitations/{token}/accept.
func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	var in acceptInvitationRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	if err := auth.ValidatePassword("password", in.Password); err != nil {
		return err
	}
	invitation := chi.URLParam(r, "token")
	if err := s.throttleCredential(r, s.accounts, invitationKey(invitation)); err != nil {
		return err
	}
	reg, err := s.app.AcceptInvitation(r.Context(), call(r), app.AcceptInvitation{Token: invitation, Name: in.Name, Password: in.Password})
	if err != nil {
		return err
	}
	token, _, err := s.sessions.CreateFor(r.Context(), reg.UserID, reg.CompanyID, clientOf(r))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store") // the answer holds a credential
	return written(w, http.StatusCreated, reg.Appended, acceptInvitationResponse{UserID: reg.UserID, CompanyID: reg.CompanyID, Token: token})
}

type registerRequest struct {
	GroupCode   string `json:"group_code"`
	CompanyName string `json:"company_name"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	Password    string `json:"password"`
}

type registerResponse struct {
	CompanyID  uuid.UUID `json:"company_id"`
	UserID     uuid.UUID `json:"user_id"`
	CustomerID uuid.UUID `json:"customer_id"`
	Token      string    `json:"token"`
}

// register signs a new company up with a group code: it becomes an active
// customer of the group's provider, in that group: POST /api/v1/register. The code
// is the provider's invitation, so SIGNUP=closed does not apply.
func (s *Server) register(w http.ResponseWriter, r *http.Request) error {
	var in registerRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	if err := required("group_code", in.GroupCode != ""); err != nil {
		return err
	}
	if err := auth.ValidatePassword("password", in.Password); err != nil {
		return err
	}
	if err := s.throttleCredential(r, s.groups, groupNameKey(in.GroupCode)); err != nil {
		return err
	}
	if err := s.emailFree(r, in.Email); err != nil {
		return err
	}
	reg, err := s.app.RegisterWithGroupCode(r.Context(), call(r), app.RegisterWithGroupCode{
		GroupCode: in.GroupCode, CompanyName: in.CompanyName, Name: in.Name, Email: in.Email, Password: in.Password})
	if err != nil {
		return err
	}
	token, _, err := s.sessions.CreateFor(r.Context(), reg.UserID, reg.CompanyID, clientOf(r))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store") // the answer holds a credential
	return written(w, http.StatusCreated, reg.Appended, registerResponse{CompanyID: reg.CompanyID, UserID: reg.UserID, CustomerID: reg.CustomerID, Token: token})
}
