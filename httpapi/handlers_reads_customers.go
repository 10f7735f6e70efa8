package httpapi

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/httpapi/web"
	"github.com/sharehub/sharehub/projections"
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
	page, after, err := openPage[projections.NameKey](s, r)
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	var rows []projections.DirectoryEntry
	if v.Active {
		if rows, err = projections.Directory(r.Context(), s.pool, v.CompanyID, q, after, page.Limit+1); err != nil {
			return err
		}
	}
	list, err := listOf(s, r, rows, page,
		func(e projections.DirectoryEntry) any { return projections.NameKey{Name: e.Name, ID: e.CompanyID} },
		func(e projections.DirectoryEntry) directoryItem { return directoryItem(e) })
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

func newCustomerDetail(c projections.CustomerRow) customerDetail {
	return customerDetail{
		customerResponse: customerResponse{
			ID: c.ID, CompanyID: c.CompanyID, CompanyName: c.CompanyName, Status: c.Status, GroupID: c.GroupID,
			WorkspaceFolderID: c.WorkspaceFolderID, MasterAccess: c.MasterAccess, DocumentsEnabled: c.DocumentsEnabled,
			CreatedAt: c.CreatedAt.UTC(), RevokeReason: stringOrEmpty(c.RevokeReason),
		},
		GroupName: c.GroupName, Via: c.Via, ContactName: c.ContactName, ContactEmail: c.ContactEmail,
		StatusChangedAt: c.StatusChangedAt.UTC(),
	}
}

// listCustomers lists the customers the caller sees (admins: all; members: those
// of their groups): GET /api/v1/customers?status=&group_id=&q=.
func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request) error {
	status, err := web.QueryEnum(r, "status", string(domain.StatusInvited), string(domain.StatusActive),
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
	page, after, err := openPage[projections.NameKey](s, r)
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	rows, err := projections.Customers(r.Context(), s.pool, projections.CustomerFilter{
		Provider: v.CompanyID, Visible: projections.CustomersOf(v), Status: status, GroupID: groupID, Search: q,
	}, after, page.Limit+1)
	if err != nil {
		return err
	}
	list, err := listOf(s, r, rows, page,
		func(c projections.CustomerRow) any { return projections.NameKey{Name: c.CompanyName, ID: c.ID} },
		newCustomerDetail)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, list)
}

// visibleCustomer reads customer {id} when the caller may see it (404 otherwise).
func (s *Server) visibleCustomer(r *http.Request, v projections.Viewer) (projections.CustomerRow, error) {
	id, err := web.PathUUID(r, "id")
	if err != nil {
		return projections.CustomerRow{}, err
	}
	c, err := projections.Customer(r.Context(), s.pool, id)
	if err != nil {
		return projections.CustomerRow{}, err
	}
	scope := domain.CustomerScope(c.ProviderID, v.GroupAccess(c.GroupID))
	if err := domain.Authorize(v.Principal, domain.ActionViewCustomer, scope); err != nil {
		return projections.CustomerRow{}, err
	}
	return c, nil
}

// getCustomer: GET /api/v1/customers/{id}.
func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	c, err := s.visibleCustomer(r, v)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, newCustomerDetail(c))
}

// customerPortalView shows the provider exactly what the customer's users see now,
// in the portal listing's shape (with its folder_id and flat parameters):
// GET /api/v1/customers/{id}/portal-view.
func (s *Server) customerPortalView(w http.ResponseWriter, r *http.Request) error {
	opts, err := parsePortalListing(r)
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	c, err := s.visibleCustomer(r, v)
	if err != nil {
		return err
	}
	view, err := projections.PortalView(r.Context(), s.pool, c.ID)
	if err != nil {
		return err
	}
	out, err := newPortalListing(view, opts)
	if err != nil {
		return err
	}
	if out, out.NextCursor, err = s.pageListing(r, out); err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, out)
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
	page, after, err := openPage[projections.NameKey](s, r)
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	var only []uuid.UUID
	if !v.Admin() {
		only = []uuid.UUID{}
		if v.Active {
			for g := range v.Groups {
				only = append(only, g)
			}
		}
	}
	rows, err := projections.Groups(r.Context(), s.pool, v.CompanyID, only, after, page.Limit+1)
	if err != nil {
		return err
	}
	list, err := listOf(s, r, rows, page,
		func(g projections.GroupRow) any { return projections.NameKey{Name: g.Name, ID: g.ID} },
		func(g projections.GroupRow) groupItem {
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
	page, after, err := openPage[projections.NameKey](s, r)
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	var rows []projections.StaffRow
	if v.Active {
		if rows, err = projections.Staff(r.Context(), s.pool, v.CompanyID, q, after, page.Limit+1); err != nil {
			return err
		}
	}
	list, err := listOf(s, r, rows, page,
		func(u projections.StaffRow) any { return projections.NameKey{Name: u.Name, ID: u.UserID} },
		func(u projections.StaffRow) staffItem {
			out := staffItem{UserID: u.UserID, Name: u.Name, Email: u.Email, Role: string(u.Role), CanShare: u.CanShare,
				Auditor: u.Auditor, Status: u.Status, InvitedAt: utcPtr(u.InvitedAt), ActivatedAt: utcPtr(u.ActivatedAt),
				Groups: make([]staffGroupItem, len(u.Groups))}
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
