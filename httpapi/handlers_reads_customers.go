package httpapi

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/httpapi/web"
)

type directoryItem struct {
	CompanyID uuid.UUID `json:"company_id"`
	Name      string    `json:"name"`
}

// directory lists the companies on the platform by name (the caller's own
// excepted), to connect one as a customer: GET /api/v1/directory?q=.
func (s *Server) directory(w http.ResponseWriter, r *http.Request) error {
	q, err := web.QueryText(r, "q", maxSearchRunes)
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
	rows, err := s.queries.Directory.Handle(r.Context(), query.Directory{Viewer: v, Search: q, After: after, Limit: page.Limit + 1})
	if err != nil {
		return err
	}
	list, err := listOf(s, r, rows, page,
		func(e query.DirectoryEntry) any { return query.NameKey{Name: e.Name, ID: e.CompanyID} },
		func(e query.DirectoryEntry) directoryItem { return directoryItem(e) })
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, list)
}

// customerDetail is a customer as the read model knows it: the write answers'
// shape and more.
type customerDetail struct {
	customerResponse
	GroupName       *string   `json:"group_name"`
	Via             string    `json:"via"`
	ContactName     *string   `json:"contact_name"`
	ContactEmail    *string   `json:"contact_email"`
	StatusChangedAt time.Time `json:"status_changed_at"`
}

func newCustomerDetail(c query.Customer) customerDetail {
	out := customerDetail{
		customerResponse: newCustomerResponse(c),
		GroupName:        c.GroupName, Via: c.Via, ContactName: c.ContactName, ContactEmail: c.ContactEmail,
		StatusChangedAt: c.StatusChangedAt.UTC(),
	}
	// While the invitation is pending (invited, or expired unaccepted).
	out.InvitationExpiresAt = utcPtr(c.InvitationExpiresAt)
	return out
}

// listCustomers lists the customers the caller sees (admins: all; members: those
// of their groups): GET /api/v1/customers?status=&group_id=&q=.
func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request) error {
	status, err := web.QueryEnum(r, "status", string(domain.StatusInvited), query.StatusExpired, string(domain.StatusActive),
		string(domain.StatusPaused), string(domain.StatusRevoked))
	if err != nil {
		return err
	}
	groupID, err := queryID(r, "group_id")
	if err != nil {
		return err
	}
	q, err := web.QueryText(r, "q", maxSearchRunes)
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
	rows, err := s.queries.ListCustomers.Handle(r.Context(), query.ListCustomers{Viewer: v, Status: status, GroupID: groupID,
		Search: q, After: after, Limit: page.Limit + 1, Now: s.now()})
	if err != nil {
		return err
	}
	list, err := listOf(s, r, rows, page,
		func(c query.Customer) any { return query.NameKey{Name: c.CompanyName, ID: c.ID} },
		newCustomerDetail)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, list)
}

// getCustomer: GET /api/v1/customers/{id}.
func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	v, err := viewer(r)
	if err != nil {
		return err
	}
	c, err := s.queries.GetCustomer.Handle(r.Context(), query.GetCustomer{Viewer: v, ID: id, Now: s.now()})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, newCustomerDetail(c))
}

// customerPortalView shows the provider exactly what the customer's users see now,
// in the portal listing's shape (with its folder_id and flat parameters):
// GET /api/v1/customers/{id}/portal-view.
func (s *Server) customerPortalView(w http.ResponseWriter, r *http.Request) error {
	lf, after, limit, err := s.portalListingPage(r)
	if err != nil {
		return err
	}
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return err
	}
	v, err := viewer(r)
	if err != nil {
		return err
	}
	view, err := s.queries.CustomerPortalView.Handle(r.Context(), query.CustomerPortalView{Viewer: v, CustomerID: id})
	if err != nil {
		return err
	}
	// The rule's own view (domain.ComputePortalView), cut as the listing is.
	l, err := query.CutPortalView(view, lf, after, limit)
	if err != nil {
		return err
	}
	return s.writePortalListing(w, r, l)
}

type groupMemberItem struct {
	UserID    uuid.UUID `json:"user_id"`
	Name      string    `json:"name"`
	Access    string    `json:"access"`
	GrantedAt time.Time `json:"granted_at"`
}

type groupItem struct {
	groupResponse
	CreatedAt     time.Time         `json:"created_at"`
	CustomerCount int               `json:"customer_count"`
	Members       []groupMemberItem `json:"members"`
}

// listGroups lists the provider's customer groups with their staff access; admins
// see every group, members the groups they have access to: GET /api/v1/groups.
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request) error {
	page, after, err := openPage[query.NameKey](s, r)
	if err != nil {
		return err
	}
	v, err := viewer(r)
	if err != nil {
		return err
	}
	rows, err := s.queries.ListGroups.Handle(r.Context(), query.ListGroups{Viewer: v, After: after, Limit: page.Limit + 1})
	if err != nil {
		return err
	}
	list, err := listOf(s, r, rows, page,
		func(g query.Group) any { return query.NameKey{Name: g.Name, ID: g.ID} },
		func(g query.Group) groupItem {
			out := groupItem{groupResponse: groupResponse{ID: g.ID, Name: g.Name, Code: g.Code, SelfRegistration: g.SelfRegistration}, CreatedAt: g.CreatedAt.UTC(),
				CustomerCount: g.Customers, Members: make([]groupMemberItem, len(g.Members))}
			for i, m := range g.Members {
				out.Members[i] = groupMemberItem{UserID: m.UserID, Name: m.Name, Access: string(m.Access), GrantedAt: m.GrantedAt.UTC()}
			}
			return out
		})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, list)
}

type staffGroupItem struct {
	GroupID uuid.UUID `json:"group_id"`
	Name    string    `json:"name"`
	Access  string    `json:"access"`
}

type staffItem struct {
	UserID      uuid.UUID        `json:"user_id"`
	Name        string           `json:"name"`
	Email       string           `json:"email"`
	Role        string           `json:"role"`
	CanShare    bool             `json:"can_share"`
	Auditor     bool             `json:"auditor"`
	Status      string           `json:"status"`
	InvitedAt   *time.Time       `json:"invited_at"`
	ActivatedAt *time.Time       `json:"activated_at"`
	Groups      []staffGroupItem `json:"groups"`
	// While the invitation is pending (invited, or expired unaccepted).
	InvitationExpiresAt *time.Time `json:"invitation_expires_at,omitempty"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	return optionalTime(*t)
}

// listStaff lists the users of the caller's company with their roles, flags and
// group access: GET /api/v1/staff?q=.
func (s *Server) listStaff(w http.ResponseWriter, r *http.Request) error {
	q, err := web.QueryText(r, "q", maxSearchRunes)
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
	rows, err := s.queries.ListStaff.Handle(r.Context(), query.ListStaff{Viewer: v, Search: q, After: after, Limit: page.Limit + 1,
		Now: s.now()})
	if err != nil {
		return err
	}
	list, err := listOf(s, r, rows, page,
		func(u query.Staff) any { return query.NameKey{Name: u.Name, ID: u.UserID} },
		func(u query.Staff) staffItem {
			out := staffItem{UserID: u.UserID, Name: u.Name, Email: u.Email, Role: string(u.Role), CanShare: u.CanShare,
				Auditor: u.Auditor, Status: u.Status, InvitedAt: utcPtr(u.InvitedAt), ActivatedAt: utcPtr(u.ActivatedAt),
				Groups: make([]staffGroupItem, len(u.Groups)), InvitationExpiresAt: utcPtr(u.InvitationExpiresAt)}
			for i, g := range u.Groups {
				out.Groups[i] = staffGroupItem{GroupID: g.GroupID, Name: g.Name, Access: string(g.Access)}
			}
			return out
		})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, list)
}
