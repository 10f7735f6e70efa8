package httpapi

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

type inviteStaffRequest struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Admin    bool   `json:"admin"`
	CanShare bool   `json:"can_share"`
	Auditor  bool   `json:"auditor"`
}

// inviteStaff invites a user into the caller's company: POST /api/v1/staff/invitations.
func (s *Server) inviteStaff(w http.ResponseWriter, r *http.Request) error {
	var in inviteStaffRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	res, err := s.app.InviteStaff(r.Context(), call(r), app.InviteStaff{
		Name: in.Name, Email: in.Email, Admin: in.Admin, CanShare: in.CanShare, Auditor: in.Auditor})
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store") // the answer holds the invitation token
	return written(w, http.StatusCreated, res.Appended, userInvitationResponse{
		UserID: res.UserID, InvitationURL: s.invitationURL(res.Token), ExpiresAt: res.ExpiresAt.UTC()})
}

type changeStaffRequest struct {
	Admin    *bool `json:"admin"`
	CanShare *bool `json:"can_share"`
	Auditor  *bool `json:"auditor"`
}

type staffRoleResponse struct {
	UserID   uuid.UUID `json:"user_id"`
	Role     string    `json:"role"`
	CanShare bool      `json:"can_share"`
	Auditor  bool      `json:"auditor"`
}

// changeStaff changes a staff user's role and flags; absent fields keep their
// value: PATCH /api/v1/staff/{user_id}.
func (s *Server) changeStaff(w http.ResponseWriter, r *http.Request) error {
	userID, err := web.PathUUID(r, "user_id")
	if err != nil {
		return err
	}
	var in changeStaffRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	if in.Admin == nil && in.CanShare == nil && in.Auditor == nil {
		return problem.Validation("body", "give at least one of admin, can_share, auditor")
	}
	res, err := s.app.ChangeRole(r.Context(), call(r), app.ChangeRole{UserID: userID, Admin: in.Admin, CanShare: in.CanShare, Auditor: in.Auditor})
	if err != nil {
		return err
	}
	return written(w, http.StatusOK, res.Appended, staffRoleResponse{UserID: res.UserID, Role: string(res.Role), CanShare: res.CanShare, Auditor: res.Auditor})
}
