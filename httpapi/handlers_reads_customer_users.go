package httpapi

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/httpapi/web"
)

// customerUserItem is a portal user of a customer. Status is invited, active,
// deactivated, or expired (invited, the invitation past its expiry at the
// request's clock); invitation_expires_at is shown while it is pending.
type customerUserItem struct {
	UserID              uuid.UUID  `json:"user_id"`
	Name                string     `json:"name"`
	Email               string     `json:"email"`
	Status              string     `json:"status"`
	InvitedAt           *time.Time `json:"invited_at"`
	ActivatedAt         *time.Time `json:"activated_at"`
	InvitationExpiresAt *time.Time `json:"invitation_expires_at,omitempty"`
}

// listCustomerUsers lists a customer's portal users to whoever may read that
// customer (404 otherwise, as GET /customers/{id}): GET /api/v1/customers/{id}/users.
func (s *Server) listCustomerUsers(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	page, after, err := openPage[query.NameKey](s, r)
	if err != nil {
		return err
	}
	v, err := viewer(r)
	if err != nil {
		return err
	}
	rows, err := s.queries.ListCustomerUsers.Handle(r.Context(), query.ListCustomerUsers{Viewer: v, CustomerID: id,
		Now: s.now(), After: after, Limit: page.Limit + 1})
	if err != nil {
		return err
	}
	list, err := listOf(s, r, rows, page,
		func(u query.CustomerUser) any { return query.NameKey{Name: u.Name, ID: u.UserID} },
		func(u query.CustomerUser) customerUserItem {
			return customerUserItem{UserID: u.UserID, Name: u.Name, Email: u.Email, Status: u.Status,
				InvitedAt: utcPtr(u.InvitedAt), ActivatedAt: utcPtr(u.ActivatedAt),
				InvitationExpiresAt: utcPtr(u.InvitationExpiresAt)}
		})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, list)
}
