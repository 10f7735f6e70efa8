package httpapi

import (
	"net/http"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

type updateGroupRequest struct {
	Name             *string `json:"name"`
	SelfRegistration *bool   `json:"self_registration"`
}

// updateGroup renames a group (its code stays) and turns registering with its code
// on or off (admins only): PATCH /api/v1/groups/{id}.
func (s *Server) updateGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	var in updateGroupRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	if in.Name == nil && in.SelfRegistration == nil {
		return problem.Validation("body", "give at least one of name, self_registration")
	}
	res, err := s.app.UpdateGroup(r.Context(), call(r), app.UpdateGroup{GroupID: id, Name: in.Name, SelfRegistration: in.SelfRegistration})
	if err != nil {
		return err
	}
	return written(w, http.StatusOK, res.Appended, groupAnswer(res))
}

// rotateGroupCode gives a group a new code; the old one answers 404 from then on
// (admins only): POST /api/v1/groups/{id}/code.
func (s *Server) rotateGroupCode(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	res, err := s.app.RotateGroupCode(r.Context(), call(r), app.GroupRef{GroupID: id})
	if err != nil {
		return err
	}
	return written(w, http.StatusOK, res.Appended, groupAnswer(res))
}

func groupAnswer(res app.GroupResult) groupResponse {
	return groupResponse{ID: res.GroupID, Name: res.Name, Code: res.Code, SelfRegistration: res.SelfRegistration}
}
