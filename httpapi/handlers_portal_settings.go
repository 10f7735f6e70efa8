package httpapi

import (
	"net/http"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/problem"
	"github.com/sharehub/sharehub/httpapi/web"
)

type portalDefaultRequest struct {
	DocumentsEnabledDefault nullable[bool] `json:"documents_enabled_default"`
	NewVersionsHidden       nullable[bool] `json:"new_versions_hidden"`
}

type portalDefaultResponse struct {
	DocumentsEnabledDefault bool `json:"documents_enabled_default"`
	NewVersionsHidden       bool `json:"new_versions_hidden"`
}

// setPortalDefault sets the provider's portal settings: PUT /api/v1/settings/portal.
// Each field is optional and only the fields sent change; the answer is all of
// them as they now are.
func (s *Server) setPortalDefault(w http.ResponseWriter, r *http.Request) error {
	var in portalDefaultRequest
	if err := web.DecodeJSON(w, r, &in, s.maxJSONBytes); err != nil {
		return err
	}
	var cmd app.UpdatePortalSettings
	for _, f := range []struct {
		name string
		in   nullable[bool]
		out  **bool
	}{
		{"documents_enabled_default", in.DocumentsEnabledDefault, &cmd.DocumentsEnabledDefault},
		{"new_versions_hidden", in.NewVersionsHidden, &cmd.NewVersionsHidden},
	} {
		if !f.in.Set {
			continue
		}
		if f.in.Value == nil {
			return problem.Validation(f.name, "must be true or false")
		}
		*f.out = f.in.Value
	}
	if cmd.DocumentsEnabledDefault == nil && cmd.NewVersionsHidden == nil {
		return problem.Validation("documents_enabled_default", "send documents_enabled_default or new_versions_hidden")
	}
	res, err := s.app.UpdatePortalSettings(r.Context(), call(r), cmd)
	if err != nil {
		return err
	}
	return written(w, http.StatusOK, res.Appended, portalDefaultResponse{
		DocumentsEnabledDefault: res.DocumentsEnabledDefault, NewVersionsHidden: res.NewVersionsHidden})
}
