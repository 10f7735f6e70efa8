package httpapi

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

type createGroupRequest struct {
	Name string `json:"name"`
}

type groupResponse struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
	Code string    `json:"code"`
	// SelfRegistration: the code registers customers (handlers_group_settings.go).
	SelfRegistration bool `json:"self_registration"`
}

// createGroup creates a customer group with code Name-NNNN: POST /api/v1/groups.
func (s *Server) createGroup(w http.ResponseWriter, r *http.Request) error {
	var in createGroupRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	res, err := s.app.CreateGroup(r.Context(), call(r), app.CreateGroup{Name: in.Name})
	if err != nil {
		return err
	}
	return written(w, http.StatusCreated, res.Appended, groupAnswer(res))
}

type groupMemberRequest struct {
	Access string `json:"access"`
}

type groupMemberResponse struct {
	GroupID uuid.UUID `json:"group_id"`
	UserID  uuid.UUID `json:"user_id"`
	Access  string    `json:"access"`
}

// groupMember parses {id} and {user_id} of /api/v1/groups/{id}/members/{user_id}.
func groupMember(r *http.Request) (groupID, userID uuid.UUID, err error) {
	if groupID, err = web.PathUUID(r, "id"); err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	if userID, err = web.PathUUID(r, "user_id"); err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	return groupID, userID, nil
}

// putGroupMember gives a staff user read or write access to a group's customers:
// PUT /api/v1/groups/{id}/members/{user_id}.
func (s *Server) putGroupMember(w http.ResponseWriter, r *http.Request) error {
	groupID, userID, err := groupMember(r)
	if err != nil {
		return err
	}
	var in groupMemberRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	access := domain.AccessLevel(in.Access)
	if access != domain.AccessRead && access != domain.AccessWrite {
		return problem.Validation("access", "must be read or write")
	}
	res, err := s.app.GrantGroupAccess(r.Context(), call(r), app.GrantGroupAccess{GroupID: groupID, UserID: userID, Access: access})
	if err != nil {
		return err
	}
	return written(w, http.StatusOK, res.Appended, groupMemberResponse{GroupID: groupID, UserID: userID, Access: string(access)})
}

// deleteGroupMember removes a staff user's access to a group:
// DELETE /api/v1/groups/{id}/members/{user_id}.
func (s *Server) deleteGroupMember(w http.ResponseWriter, r *http.Request) error {
	groupID, userID, err := groupMember(r)
	if err != nil {
		return err
	}
	res, err := s.app.RevokeGroupAccess(r.Context(), call(r), app.RevokeGroupAccess{GroupID: groupID, UserID: userID})
	if err != nil {
		return err
	}
	return writtenEmpty(w, res.Appended)
}
