package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/httpapi/web"
)

// customerResponse is a customer, as a write answers it and as reads start it
// (customerDetail): one mapper, newCustomerResponse, for both.
type customerResponse struct {
	ID                uuid.UUID  `json:"id"`
	CompanyID         uuid.UUID  `json:"company_id"`
	CompanyName       string     `json:"company_name"`
	Status            string     `json:"status"`
	GroupID           *uuid.UUID `json:"group_id"`
	WorkspaceFolderID uuid.UUID  `json:"workspace_folder_id"`
	MasterAccess      bool       `json:"master_access"`
	DocumentsEnabled  *bool      `json:"documents_enabled"`
	CreatedAt         time.Time  `json:"created_at"`
	// Once revoked: customer_revoked (by the provider) or customer_left.
	RevokeReason string `json:"revoke_reason,omitempty"`
	// Only in the answer to an invitation: the token is shown once.
	InvitationURL       string     `json:"invitation_url,omitempty"`
	InvitationExpiresAt *time.Time `json:"invitation_expires_at,omitempty"`
}

func newCustomerResponse(c query.Customer) customerResponse {
	return customerResponse{
		ID: c.ID, CompanyID: c.CompanyID, CompanyName: c.CompanyName, Status: c.Status,
		GroupID: c.GroupID, WorkspaceFolderID: c.WorkspaceFolderID, MasterAccess: c.MasterAccess,
		DocumentsEnabled: c.DocumentsEnabled, CreatedAt: c.CreatedAt.UTC(), RevokeReason: stringOrEmpty(c.RevokeReason),
	}
}

type connectCustomerRequest struct {
	CompanyID uuid.UUID  `json:"company_id"`
	GroupID   *uuid.UUID `json:"group_id"`
}

// connectCustomer connects a company already on the platform: POST /api/v1/customers.
func (s *Server) connectCustomer(w http.ResponseWriter, r *http.Request) error {
	var in connectCustomerRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	if err := requiredID("company_id", in.CompanyID); err != nil {
		return err
	}
	res, err := s.app.ConnectCustomer(r.Context(), call(r), app.ConnectCustomer{CompanyID: in.CompanyID, GroupID: idOrNil(in.GroupID)})
	if err != nil {
		return err
	}
	return written(w, http.StatusCreated, res.Appended, newCustomerResponse(res.Customer))
}

type inviteCustomerRequest struct {
	CompanyName string     `json:"company_name"`
	ContactName string     `json:"contact_name"`
	Email       string     `json:"email"`
	GroupID     *uuid.UUID `json:"group_id"`
}

// inviteCustomer invites a company not yet on the platform:
// POST /api/v1/customers/invitations.
func (s *Server) inviteCustomer(w http.ResponseWriter, r *http.Request) error {
	var in inviteCustomerRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	res, err := s.app.InviteCustomer(r.Context(), call(r), app.InviteCustomer{
		CompanyName: in.CompanyName, ContactName: in.ContactName, Email: in.Email, GroupID: idOrNil(in.GroupID)})
	if err != nil {
		return err
	}
	out := newCustomerResponse(*res.Customer)
	out.InvitationURL, out.InvitationExpiresAt = s.invitationURL(res.Token), optionalTime(res.ExpiresAt)
	w.Header().Set("Cache-Control", "no-store") // the answer holds the invitation token
	return written(w, http.StatusCreated, res.Appended, out)
}

// customerCommand answers POST /api/v1/customers/{id}/pause, /resume and /revoke.
// run is the service method, e.g. (*app.Service).PauseCustomer.
func (s *Server) customerCommand(run func(*app.Service, context.Context, app.Call, app.CustomerRef) (app.CustomerResult, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := web.PathUUID(r, "id")
		if err != nil {
			return err
		}
		res, err := run(s.app, r.Context(), call(r), app.CustomerRef{CustomerID: id})
		if err != nil {
			return err
		}
		return written(w, http.StatusOK, res.Appended, newCustomerResponse(res.Customer))
	}
}

type masterAccessRequest struct {
	Enabled *bool `json:"enabled"`
}

// setMasterAccess: PUT /api/v1/customers/{id}/master-access.
func (s *Server) setMasterAccess(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var in masterAccessRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	if err := required("enabled", in.Enabled != nil); err != nil {
		return err
	}
	res, err := s.app.SetMasterAccess(r.Context(), call(r), app.SetMasterAccess{CustomerID: id, Enabled: *in.Enabled})
	if err != nil {
		return err
	}
	return written(w, http.StatusOK, res.Appended, newCustomerResponse(res.Customer))
}

type portalSettingsRequest struct {
	DocumentsEnabled nullable[bool] `json:"documents_enabled"`
}

// setPortalSettings sets or clears a customer's documents-module override:
// PUT /api/v1/customers/{id}/portal-settings.
func (s *Server) setPortalSettings(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var in portalSettingsRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	if err := required("documents_enabled", in.DocumentsEnabled.Set); err != nil {
		return err
	}
	res, err := s.app.SetPortalDocuments(r.Context(), call(r), app.SetPortalDocuments{CustomerID: id, Enabled: in.DocumentsEnabled.Value})
	if err != nil {
		return err
	}
	return written(w, http.StatusOK, res.Appended, newCustomerResponse(res.Customer))
}

type inviteUserRequest struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// userInvitationResponse answers staff and portal-user invitations; the URL holds
// the token, shown once.
type userInvitationResponse struct {
	UserID        uuid.UUID `json:"user_id"`
	InvitationURL string    `json:"invitation_url"`
	ExpiresAt     time.Time `json:"expires_at"`
}

// inviteCustomerUser invites another portal user for a customer:
// POST /api/v1/customers/{id}/users/invitations.
func (s *Server) inviteCustomerUser(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var in inviteUserRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	res, err := s.app.InviteCustomerUser(r.Context(), call(r), app.InviteCustomerUser{CustomerID: id, Name: in.Name, Email: in.Email})
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store") // the answer holds the invitation token
	return written(w, http.StatusCreated, res.Appended, userInvitationResponse{
		UserID: res.UserID, InvitationURL: s.invitationURL(res.Token), ExpiresAt: res.ExpiresAt.UTC()})
}

type assignGroupRequest struct {
	GroupID nullable[uuid.UUID] `json:"group_id"`
}

// assignGroup moves a customer into a group (null: out of any):
// PUT /api/v1/customers/{id}/group.
func (s *Server) assignGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var in assignGroupRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	if err := required("group_id", in.GroupID.Set); err != nil {
		return err
	}
	res, err := s.app.AssignGroup(r.Context(), call(r), app.AssignGroup{CustomerID: id, GroupID: idOrNil(in.GroupID.Value)})
	if err != nil {
		return err
	}
	return written(w, http.StatusOK, res.Appended, newCustomerResponse(res.Customer))
}
