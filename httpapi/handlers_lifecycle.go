package httpapi

import (
	"net/http"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/web"
)

// leaveProvider: an admin of the customer company ends its connection with a
// provider: POST /api/v1/portal/providers/{provider_id}/leave. 200 with the
// connection (the shape of GET /api/v1/portal/providers' items), now revoked.
// Anyone else, or a provider the company is not a customer of: 404.
func (s *Server) leaveProvider(w http.ResponseWriter, r *http.Request) error {
	provider, err := web.PathUUID(r, "provider_id")
	if err != nil {
		return err
	}
	res, err := s.app.LeaveProvider(r.Context(), call(r), app.LeaveProvider{ProviderID: provider})
	if err != nil {
		return err
	}
	return written(w, http.StatusOK, res.Appended, newPortalProviderItem(res.Provider))
}

// stringOrEmpty reads an optional text column.
func stringOrEmpty(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
