package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/httpapi/problem"
)

// staffRoutes: the provider side. Every page needs a signed-in staff user; a
// portal user gets the 404 page, as the API's portal boundary answers 404.
func (c *Console) staffRoutes(r chi.Router) {
	r.Group(func(r chi.Router) {
		r.Use(c.requireStaff)
		r.Get("/app/customers", c.customersPage)
		r.Post("/app/customers/connect", c.connectCustomer)
		r.Post("/app/customers/invite", c.inviteCustomer)
		r.Get("/app/customers/{id}", c.customerPage)
		r.Get("/app/customers/{id}/view", c.customerViewPage)
		r.Post("/app/customers/{id}/pause", c.customerCommand((*app.Service).PauseCustomer, "paused"))
		r.Post("/app/customers/{id}/resume", c.customerCommand((*app.Service).ResumeCustomer, "resumed"))
		r.Post("/app/customers/{id}/revoke", c.revokeCustomer)
		r.Post("/app/customers/{id}/master-access", c.setMasterAccess)
		r.Post("/app/customers/{id}/documents", c.setDocuments)
		r.Post("/app/customers/{id}/group", c.assignGroup)
		r.Post("/app/customers/{id}/resend", c.resendCustomer)
		r.Post("/app/customers/{id}/users/invite", c.inviteUser)
		r.Post("/app/customers/{id}/users/{user_id}/resend", c.resendUser)
		r.Post("/app/customers/{id}/users/{user_id}/deactivate", c.setUserActive(false))
		r.Post("/app/customers/{id}/users/{user_id}/reactivate", c.setUserActive(true))
		c.libraryRoutes(r)
		c.accountRoutes(r)
	})
}

// contextT shortens the signatures of the customer commands.
type contextT = context.Context

// requireStaff sends strangers to sign in and answers portal users 404.
func (c *Console) requireStaff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := stateOf(r)
		switch {
		case !st.signedIn():
			c.toSignIn(w, r)
		case st.viewer.Portal() || !st.viewer.Active:
			c.notFound(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// requireUser sends strangers to sign in.
func (c *Console) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !stateOf(r).signedIn() {
			c.toSignIn(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (c *Console) toSignIn(w http.ResponseWriter, r *http.Request) {
	next := "/app/"
	if r.Method == http.MethodGet {
		next = r.URL.RequestURI()
	}
	http.Redirect(w, r, "/app/signin?next="+url.QueryEscape(next), http.StatusSeeOther)
}

type customersData struct {
	Customers []query.Customer
	Groups    []query.Group
	Status    string
	GroupID   string
	Q         string
	Choices   []query.DirectoryEntry // companies of the typed name, when several
	Invited   *invitedData
}

type invitedData struct {
	Name, URL string
}

func (c *Console) customersData(r *http.Request) (*customersData, error) {
	v := stateOf(r).viewer
	d := &customersData{Status: r.URL.Query().Get("status"), GroupID: r.URL.Query().Get("group_id"), Q: r.URL.Query().Get("q")}
	switch d.Status {
	case "", "invited", "active", "paused", "revoked", "expired":
	default:
		d.Status = ""
	}
	var gid *uuid.UUID
	if id, err := uuid.Parse(d.GroupID); err == nil {
		gid = &id
	}
	var err error
	if d.Customers, err = c.q.ListCustomers.Handle(r.Context(), query.ListCustomers{Viewer: v, Status: d.Status, GroupID: gid,
		Search: d.Q, Limit: 500, Now: c.now()}); err != nil {
		return nil, err
	}
	if d.Groups, err = c.q.ListGroups.Handle(r.Context(), query.ListGroups{Viewer: v, Limit: 500}); err != nil {
		return nil, err
	}
	return d, nil
}

func (c *Console) customersPage(w http.ResponseWriter, r *http.Request) {
	d, err := c.customersData(r)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	p := c.newPage(r, "Customers", "customers")
	p.Data = d
	c.render(w, r, http.StatusOK, "customers", p)
}

// customersForm re-renders the customers page after a refused command.
func (c *Console) customersForm(w http.ResponseWriter, r *http.Request, err error, formName string, choices []query.DirectoryEntry) {
	d, derr := c.customersData(r)
	if derr != nil {
		c.failErr(w, r, derr)
		return
	}
	d.Choices = choices
	p := c.newPage(r, "Customers", "customers")
	p.Data = d
	c.formError(w, r, err, p, formName, "customers")
}

func formID(r *http.Request, field string) uuid.UUID {
	id, err := uuid.Parse(strings.TrimSpace(r.PostForm.Get(field)))
	if err != nil {
		return uuid.Nil
	}
	return id
}

// connectCustomer connects a company already on the platform, found by the
// name typed: one company of exactly that name (case aside) is connected; several
// are offered to choose from; none is an error next to the field.
func (c *Console) connectCustomer(w http.ResponseWriter, r *http.Request) {
	companyID := formID(r, "company_id")
	if companyID == uuid.Nil {
		name := strings.TrimSpace(r.PostForm.Get("company_name"))
		if name == "" {
			c.customersForm(w, r, problem.Validation("company_name", "type the company's name"), "connect", nil)
			return
		}
		found, err := c.q.Directory.Handle(r.Context(), query.Directory{Viewer: stateOf(r).viewer, Search: name, Limit: 50})
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		var exact []query.DirectoryEntry
		for _, e := range found {
			if strings.EqualFold(strings.TrimSpace(e.Name), name) {
				exact = append(exact, e)
			}
		}
		switch len(exact) {
		case 0:
			c.customersForm(w, r, problem.Validation("company_name", "no company of this name is on sharehub: check the spelling, or invite it below"), "connect", nil)
			return
		case 1:
			companyID = exact[0].CompanyID
		default:
			c.customersForm(w, r, problem.Validation("company_name", "several companies have this name: choose one"), "connect", exact)
			return
		}
	}
	res, err := c.app.ConnectCustomer(r.Context(), call(r), app.ConnectCustomer{CompanyID: companyID, GroupID: formID(r, "group_id")})
	if err != nil {
		c.customersForm(w, r, err, "connect", nil)
		return
	}
	c.done(w, r, res.Appended.LastPosition, "/app/customers/"+res.CustomerID.String(), "connected")
}

func (c *Console) inviteCustomer(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	res, err := c.app.InviteCustomer(r.Context(), call(r), app.InviteCustomer{CompanyName: f.Get("company_name"),
		ContactName: f.Get("contact_name"), Email: f.Get("email"), GroupID: formID(r, "group_id")})
	if err != nil {
		c.customersForm(w, r, err, "invite", nil)
		return
	}
	c.invited(w, r, res, "/app/customers/"+res.CustomerID.String(), f.Get("company_name"))
}

// invited shows an invitation's URL once (it is also mailed), with a copy button.
func (c *Console) invited(w http.ResponseWriter, r *http.Request, inv app.Invitation, back, name string) {
	_ = c.b.Wait(r.Context(), inv.Appended.LastPosition)
	p := c.newPage(r, "Invitation sent", "customers")
	p.Flash = flashes["invited"]
	p.Data = struct {
		Invited invitedData
		Back    string
	}{invitedData{Name: name, URL: c.b.PublicURL() + "/invitations/" + inv.Token}, back}
	c.render(w, r, http.StatusOK, "invited", p)
}

type customerData struct {
	Customer query.Customer
	Users    []query.CustomerUser
	Groups   []query.Group
	View     *domain.PortalView
}

func (c *Console) customerData(r *http.Request) (*customerData, error) {
	id, ok := pathID(r, "id")
	if !ok {
		return nil, domain.ErrNotFound
	}
	v := stateOf(r).viewer
	cu, err := c.q.GetCustomer.Handle(r.Context(), query.GetCustomer{Viewer: v, ID: id, Now: c.now()})
	if err != nil {
		return nil, err
	}
	d := &customerData{Customer: cu}
	if d.Users, err = c.q.ListCustomerUsers.Handle(r.Context(), query.ListCustomerUsers{Viewer: v, CustomerID: id, Limit: 500, Now: c.now()}); err != nil {
		return nil, err
	}
	if d.Groups, err = c.q.ListGroups.Handle(r.Context(), query.ListGroups{Viewer: v, Limit: 500}); err != nil {
		return nil, err
	}
	return d, nil
}

func (c *Console) customerPage(w http.ResponseWriter, r *http.Request) {
	d, err := c.customerData(r)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	p := c.newPage(r, d.Customer.CompanyName, "customers")
	p.Data = d
	c.render(w, r, http.StatusOK, "customer", p)
}

// customerForm re-renders the customer page after a refused command.
func (c *Console) customerForm(w http.ResponseWriter, r *http.Request, err error, formName string) {
	d, derr := c.customerData(r)
	if derr != nil {
		c.failErr(w, r, derr)
		return
	}
	p := c.newPage(r, d.Customer.CompanyName, "customers")
	p.Data = d
	c.formError(w, r, err, p, formName, "customer")
}

// customerViewPage is "view as customer": exactly what the customer's portal
// shows now (the query the API's /customers/{id}/portal-view answers).
func (c *Console) customerViewPage(w http.ResponseWriter, r *http.Request) {
	d, err := c.customerData(r)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	view, err := c.q.CustomerPortalView.Handle(r.Context(), query.CustomerPortalView{Viewer: stateOf(r).viewer, CustomerID: d.Customer.ID})
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	d.View = &view
	p := c.newPage(r, "What "+d.Customer.CompanyName+" sees", "customers")
	p.Data = d
	c.render(w, r, http.StatusOK, "customer-view", p)
}

func (c *Console) customerCommand(cmd func(*app.Service, contextT, app.Call, app.CustomerRef) (app.CustomerResult, error), flash string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(r, "id")
		if !ok {
			c.notFound(w, r)
			return
		}
		res, err := cmd(c.app, r.Context(), call(r), app.CustomerRef{CustomerID: id})
		if err != nil {
			c.customerForm(w, r, err, "status")
			return
		}
		c.done(w, r, res.Appended.LastPosition, "/app/customers/"+id.String(), flash)
	}
}

// revokeCustomer needs the box ticked that says revoking is final.
func (c *Console) revokeCustomer(w http.ResponseWriter, r *http.Request) {
	if r.PostForm.Get("confirm") != "final" {
		c.customerForm(w, r, problem.Validation("confirm", "tick the box to confirm: revoking is final"), "revoke")
		return
	}
	c.customerCommand((*app.Service).RevokeCustomer, "revoked")(w, r)
}

func (c *Console) setMasterAccess(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	res, err := c.app.SetMasterAccess(r.Context(), call(r), app.SetMasterAccess{CustomerID: id, Enabled: r.PostForm.Get("enabled") == "true"})
	if err != nil {
		c.customerForm(w, r, err, "master")
		return
	}
	c.done(w, r, res.Appended.LastPosition, "/app/customers/"+id.String(), "saved")
}

func (c *Console) setDocuments(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	var enabled *bool
	switch r.PostForm.Get("documents") {
	case "on":
		t := true
		enabled = &t
	case "off":
		f := false
		enabled = &f
	case "default":
	default:
		c.customerForm(w, r, problem.Validation("documents", "choose on, off or the default"), "documents")
		return
	}
	res, err := c.app.SetPortalDocuments(r.Context(), call(r), app.SetPortalDocuments{CustomerID: id, Enabled: enabled})
	if err != nil {
		c.customerForm(w, r, err, "documents")
		return
	}
	c.done(w, r, res.Appended.LastPosition, "/app/customers/"+id.String(), "saved")
}

func (c *Console) assignGroup(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	res, err := c.app.AssignGroup(r.Context(), call(r), app.AssignGroup{CustomerID: id, GroupID: formID(r, "group_id")})
	if err != nil {
		c.customerForm(w, r, err, "group")
		return
	}
	c.done(w, r, res.Appended.LastPosition, "/app/customers/"+id.String(), "saved")
}

func (c *Console) resendCustomer(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	inv, err := c.app.ResendCustomerInvitation(r.Context(), call(r), id)
	if err != nil {
		c.customerForm(w, r, err, "resend")
		return
	}
	c.invited(w, r, inv, "/app/customers/"+id.String(), "")
}

func (c *Console) inviteUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	inv, err := c.app.InviteCustomerUser(r.Context(), call(r), app.InviteCustomerUser{CustomerID: id, Name: r.PostForm.Get("name"), Email: r.PostForm.Get("email")})
	if err != nil {
		c.customerForm(w, r, err, "user")
		return
	}
	c.invited(w, r, inv, "/app/customers/"+id.String(), r.PostForm.Get("name"))
}

func (c *Console) resendUser(w http.ResponseWriter, r *http.Request) {
	id, ok1 := pathID(r, "id")
	uid, ok2 := pathID(r, "user_id")
	if !ok1 || !ok2 {
		c.notFound(w, r)
		return
	}
	inv, err := c.app.ResendPortalUserInvitation(r.Context(), call(r), app.ResendPortalUserInvitation{CustomerID: id, UserID: uid})
	if err != nil {
		c.customerForm(w, r, err, "users")
		return
	}
	c.invited(w, r, inv, "/app/customers/"+id.String(), "")
}

func (c *Console) setUserActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok1 := pathID(r, "id")
		uid, ok2 := pathID(r, "user_id")
		if !ok1 || !ok2 {
			c.notFound(w, r)
			return
		}
		res, err := c.app.SetPortalUserActive(r.Context(), call(r), app.SetPortalUserActive{CustomerID: id, UserID: uid, Active: active})
		if err != nil {
			c.customerForm(w, r, err, "users")
			return
		}
		c.done(w, r, res.Appended.LastPosition, "/app/customers/"+id.String(), "saved")
	}
}
