package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/query"
	"github.com/sharehub/sharehub/httpapi/problem"
)

// AuditFilter narrows the audit pages' event log.
type AuditFilter struct {
	Types        []string
	Stream       string
	Since, Until time.Time
	Cursor       string // the page after this commit-order cursor
	Limit        int
}

// AuditEvent is one event of the log as the audit page lists it (secrets are
// redacted by the export, as in the API's).
type AuditEvent struct {
	Position   int64
	Stream     string
	Type       string
	RecordedAt time.Time
	Actor      string
	Payload    string
}

// VerifyResult is the outcome of a hash-chain verification.
type VerifyResult struct {
	OK            bool
	EventsChecked int64
	Broken        string
}

// AuditBackend is the audit part of Backend: the log as the audit routes read it.
type AuditBackend interface {
	AuditEvents(ctx context.Context, tenant uuid.UUID, f AuditFilter) ([]AuditEvent, string, error)
	AuditExport(w http.ResponseWriter, r *http.Request, tenant uuid.UUID, format string, f AuditFilter) error
	AuditVerify(ctx context.Context, tenant uuid.UUID) (VerifyResult, error)
}

func (c *Console) accountRoutes(r chi.Router) {
	r.Get("/app/groups", c.groupsPage)
	r.Post("/app/groups", c.createGroup)
	r.Post("/app/groups/{id}/self-registration", c.setSelfRegistration)
	r.Post("/app/groups/{id}/code", c.rotateCode)
	r.Post("/app/groups/{id}/members", c.setMember)
	r.Post("/app/staff/invite", c.inviteStaff)
	r.Post("/app/staff/{user_id}/flags", c.changeStaff)
	r.Post("/app/staff/{user_id}/deactivate", c.setStaffActive(false))
	r.Post("/app/staff/{user_id}/reactivate", c.setStaffActive(true))
	r.Get("/app/audit", c.auditPage)
	r.Get("/app/audit/export", c.auditExport)
	r.Post("/app/audit/verify", c.auditVerify)
	r.Get("/app/audit/as-of", c.asOfPage)
}

type groupsData struct {
	Groups []query.Group
	Staff  []query.Staff
}

func (c *Console) groupsPage(w http.ResponseWriter, r *http.Request) { c.renderGroups(w, r, nil, "") }

func (c *Console) renderGroups(w http.ResponseWriter, r *http.Request, formErr error, formName string) {
	v := stateOf(r).viewer
	d := &groupsData{}
	var err error
	if d.Groups, err = c.q.ListGroups.Handle(r.Context(), query.ListGroups{Viewer: v, Limit: 500}); err != nil {
		c.failErr(w, r, err)
		return
	}
	if d.Staff, err = c.q.ListStaff.Handle(r.Context(), query.ListStaff{Viewer: v, Limit: 500, Now: c.now()}); err != nil {
		c.failErr(w, r, err)
		return
	}
	p := c.newPage(r, "Groups & staff", "groups")
	p.Data = d
	c.show(w, r, p, "groups", formErr, formName)
}

func (c *Console) createGroup(w http.ResponseWriter, r *http.Request) {
	res, err := c.app.CreateGroup(r.Context(), call(r), app.CreateGroup{Name: r.PostForm.Get("name")})
	if err != nil {
		c.renderGroups(w, r, err, "group")
		return
	}
	c.done(w, r, res.Appended.LastPosition, "/app/groups", "group")
}

func (c *Console) setSelfRegistration(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	on := r.PostForm.Get("enabled") == "true"
	res, err := c.app.UpdateGroup(r.Context(), call(r), app.UpdateGroup{GroupID: id, SelfRegistration: &on})
	if err != nil {
		c.renderGroups(w, r, err, "groups")
		return
	}
	c.done(w, r, res.Appended.LastPosition, "/app/groups", "saved")
}

func (c *Console) rotateCode(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	res, err := c.app.RotateGroupCode(r.Context(), call(r), app.GroupRef{GroupID: id})
	if err != nil {
		c.renderGroups(w, r, err, "groups")
		return
	}
	c.done(w, r, res.Appended.LastPosition, "/app/groups", "saved")
}

// setMember gives a staff user read or write access to a group, or takes it away.
func (c *Console) setMember(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		c.notFound(w, r)
		return
	}
	user := formID(r, "user_id")
	var res app.GroupResult
	var err error
	switch access := r.PostForm.Get("access"); access {
	case "none":
		res, err = c.app.RevokeGroupAccess(r.Context(), call(r), app.RevokeGroupAccess{GroupID: id, UserID: user})
	case string(domain.AccessRead), string(domain.AccessWrite):
		res, err = c.app.GrantGroupAccess(r.Context(), call(r), app.GrantGroupAccess{GroupID: id, UserID: user, Access: domain.AccessLevel(access)})
	default:
		err = problem.Validation("access", "choose read, write or none")
	}
	if err != nil {
		c.renderGroups(w, r, err, "member-"+id.String())
		return
	}
	c.done(w, r, res.Appended.LastPosition, "/app/groups", "access")
}

func (c *Console) inviteStaff(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	inv, err := c.app.InviteStaff(r.Context(), call(r), app.InviteStaff{Name: f.Get("name"), Email: f.Get("email"),
		Admin: f.Get("admin") == "true", CanShare: f.Get("can_share") == "true", Auditor: f.Get("auditor") == "true"})
	if err != nil {
		c.renderGroups(w, r, err, "staff")
		return
	}
	c.invited(w, r, inv, "/app/groups", f.Get("name"))
}

func (c *Console) changeStaff(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "user_id")
	if !ok {
		c.notFound(w, r)
		return
	}
	f := r.PostForm
	admin, share, auditor := f.Get("admin") == "true", f.Get("can_share") == "true", f.Get("auditor") == "true"
	res, err := c.app.ChangeRole(r.Context(), call(r), app.ChangeRole{UserID: id, Admin: &admin, CanShare: &share, Auditor: &auditor})
	if err != nil {
		c.renderGroups(w, r, err, "flags-"+id.String())
		return
	}
	c.done(w, r, res.Appended.LastPosition, "/app/groups", "saved")
}

func (c *Console) setStaffActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := pathID(r, "user_id")
		if !ok {
			c.notFound(w, r)
			return
		}
		res, err := c.app.SetStaffActive(r.Context(), call(r), app.SetStaffActive{UserID: id, Active: active})
		if err != nil {
			c.renderGroups(w, r, err, "staff-"+id.String())
			return
		}
		c.done(w, r, res.Appended.LastPosition, "/app/groups", "saved")
	}
}

// auditTenant is the company whose trail the caller may read (admins and
// auditors), as the audit routes decide it.
func (c *Console) auditTenant(r *http.Request) (uuid.UUID, error) {
	return query.AuditTenant(stateOf(r).viewer)
}

type auditData struct {
	Events  []AuditEvent
	Next    string
	Type    string
	Stream  string
	Since   string
	Until   string
	Query   string // the filter as a query string, for the export links
	Verify  *VerifyResult
	Choices []query.Customer
}

func (c *Console) auditFilter(r *http.Request) (AuditFilter, *auditData, error) {
	q := r.URL.Query()
	d := &auditData{Type: strings.TrimSpace(q.Get("type")), Stream: strings.TrimSpace(q.Get("stream")), Since: q.Get("since"), Until: q.Get("until")}
	f := AuditFilter{Stream: d.Stream, Cursor: q.Get("cursor"), Limit: 50}
	for _, t := range strings.Split(d.Type, ",") {
		if t = strings.TrimSpace(t); t != "" {
			f.Types = append(f.Types, t)
		}
	}
	var err error
	if f.Since, err = parseLocal("since", d.Since); err != nil {
		return f, d, err
	}
	if f.Until, err = parseLocal("until", d.Until); err != nil {
		return f, d, err
	}
	keep := url.Values{}
	for _, k := range []string{"type", "stream", "since", "until"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	d.Query = keep.Encode()
	return f, d, nil
}

// auditPage lists the provider's log in commit order, filtered and paged.
func (c *Console) auditPage(w http.ResponseWriter, r *http.Request) {
	c.renderAudit(w, r, nil)
}

func (c *Console) renderAudit(w http.ResponseWriter, r *http.Request, verify *VerifyResult) {
	tenant, err := c.auditTenant(r)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	f, d, err := c.auditFilter(r)
	p := c.newPage(r, "Audit", "audit")
	p.Data = d
	d.Verify = verify
	if err == nil {
		d.Events, d.Next, err = c.b.AuditEvents(r.Context(), tenant, f)
	}
	if err == nil {
		d.Choices, err = c.q.ListCustomers.Handle(r.Context(), query.ListCustomers{Viewer: stateOf(r).viewer, Limit: 500, Now: c.now()})
	}
	if err != nil {
		pr := problem.From(err)
		if pr.Status >= 500 {
			c.failErr(w, r, err)
			return
		}
		p.Form = &form{Name: "filter", Values: r.URL.Query(), Errors: map[string]string{}}
		if pr.Field != "" {
			p.Form.Errors[pr.Field] = message(pr)
		} else {
			p.Error = message(pr)
		}
		c.render(w, r, http.StatusBadRequest, "audit", p)
		return
	}
	c.render(w, r, http.StatusOK, "audit", p)
}

func (c *Console) auditExport(w http.ResponseWriter, r *http.Request) {
	tenant, err := c.auditTenant(r)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	f, _, err := c.auditFilter(r)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format != "csv" {
		format = "ndjson"
	}
	if err := c.b.AuditExport(w, r, tenant, format, AuditFilter{Types: f.Types, Stream: f.Stream, Since: f.Since, Until: f.Until}); err != nil {
		c.failErr(w, r, err)
	}
}

func (c *Console) auditVerify(w http.ResponseWriter, r *http.Request) {
	tenant, err := c.auditTenant(r)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	res, err := c.b.AuditVerify(r.Context(), tenant)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.renderAudit(w, r, &res)
}

type asOfData struct {
	Customers []query.Customer
	Customer  string
	At        string
	View      *domain.PortalView
}

// asOfPage answers "what could this customer see at …" by replaying the log.
func (c *Console) asOfPage(w http.ResponseWriter, r *http.Request) {
	if _, err := c.auditTenant(r); err != nil {
		c.failErr(w, r, err)
		return
	}
	v := stateOf(r).viewer
	q := r.URL.Query()
	d := &asOfData{Customer: q.Get("customer_id"), At: q.Get("at")}
	var err error
	if d.Customers, err = c.q.ListCustomers.Handle(r.Context(), query.ListCustomers{Viewer: v, Limit: 500, Now: c.now()}); err != nil {
		c.failErr(w, r, err)
		return
	}
	p := c.newPage(r, "What could a customer see?", "audit")
	p.Data = d
	if d.Customer == "" && d.At == "" {
		c.render(w, r, http.StatusOK, "as-of", p)
		return
	}
	id, err := uuid.Parse(d.Customer)
	if err != nil {
		err = problem.Validation("customer_id", "choose a customer")
	}
	var at time.Time
	if err == nil {
		if at, err = parseLocal("at", d.At); err == nil && at.IsZero() {
			err = problem.Validation("at", "choose a date and time")
		}
	}
	if err == nil {
		var view domain.PortalView
		if view, err = c.q.PortalViewAsOf.Handle(r.Context(), query.PortalViewAsOf{Viewer: v, CustomerID: id, At: at}); err == nil {
			d.View = &view
		}
	}
	if err != nil {
		pr := problem.From(err)
		if pr.Status == http.StatusNotFound {
			c.notFound(w, r)
			return
		}
		if pr.Status >= 500 {
			c.failErr(w, r, err)
			return
		}
		p.Form = &form{Name: "asof", Values: q, Errors: map[string]string{}}
		if pr.Field != "" {
			p.Form.Errors[pr.Field] = message(pr)
		} else {
			p.Error = message(pr)
		}
		c.render(w, r, http.StatusBadRequest, "as-of", p)
		return
	}
	c.render(w, r, http.StatusOK, "as-of", p)
}
