package console

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/httpapi/obs"
	"github.com/sharehub/sharehub/httpapi/problem"
)

// form is what the user typed and what was wrong with it: a page re-rendered
// after a refused command shows both, so nothing typed is lost (passwords
// excepted: they are never written back into a page).
type form struct {
	Name   string // which form on the page the values belong to
	Values url.Values
	Errors map[string]string
}

// Get is the value typed into field, when this form was the one sent.
func (f *form) Get(name, field string) string {
	if f == nil || f.Name != name || f.Values == nil || strings.Contains(field, "password") {
		return ""
	}
	return f.Values.Get(field)
}

// Err is the message for field of the named form.
func (f *form) Err(name, field string) string {
	if f == nil || f.Name != name {
		return ""
	}
	return f.Errors[field]
}

// page is what every template receives.
type page struct {
	Title   string
	Nav     string
	St      *reqState
	CSRF    string
	Flash   string
	Error   string // about the page or a form as a whole
	Form    *form
	Data    any
	Now     time.Time
	Signup  bool
	Request *http.Request
}

// Me is the signed-in user, nil when signed out.
func (p page) Me() *reqState {
	if p.St.signedIn() {
		return p.St
	}
	return nil
}

// Staff reports a signed-in staff user (not a portal user).
func (p page) Staff() bool { return p.St.signedIn() && !p.St.viewer.Portal() }

// Admin reports an admin.
func (p page) Admin() bool { return p.St.signedIn() && p.St.viewer.Admin() }

// Auditor reports an admin or auditor (the audit pages).
func (p page) Auditor() bool { return p.Admin() || (p.Staff() && p.St.viewer.Auditor) }

func (c *Console) newPage(r *http.Request, title, nav string) *page {
	st := stateOf(r)
	return &page{Title: title, Nav: nav, St: st, CSRF: st.csrf, Now: c.now(), Signup: c.signup, Request: r,
		Flash: flashOf(r)}
}

// render writes template name with status.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	var buf bytes.Buffer
	if err := c.tmpl.ExecuteTemplate(&buf, name, p); err != nil {
		c.log.Error("console: template", "template", name, "err", err, "request_id", obs.CorrelationID(r.Context()))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail renders the error page.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, status int, message string) {
	p := c.newPage(r, http.StatusText(status), "")
	p.Error = message
	p.Data = status
	c.render(w, r, status, "error", p)
}

func (c *Console) notFound(w http.ResponseWriter, r *http.Request) {
	c.fail(w, r, http.StatusNotFound, "There is nothing here, or nothing you may see.")
}

// failErr renders the error page for an error of a command or query: 404 for
// what the user may not see, a readable message otherwise (5xx are logged, their
// cause never shown).
func (c *Console) failErr(w http.ResponseWriter, r *http.Request, err error) {
	p := problem.From(err)
	if p.Status >= 500 {
		c.log.Error("console: request failed", "err", err, "path", r.URL.Path, "request_id", obs.CorrelationID(r.Context()))
	}
	c.fail(w, r, statusOf(p), message(p))
}

func statusOf(p *problem.Problem) int {
	if p.Status < 400 || p.Status > 599 {
		return http.StatusInternalServerError
	}
	return p.Status
}

// message turns a problem into a sentence for a person.
func message(p *problem.Problem) string {
	if p.Status >= 500 {
		if p.Code == problem.CodeDatabaseUnavailable || p.Code == problem.CodeUnavailable || p.Code == "projection_lagging" {
			return "The server is busy. Please try again in a moment."
		}
		return "Something went wrong on our side. Please try again."
	}
	d := p.Detail
	if p.Field != "" {
		d = strings.TrimPrefix(d, p.Field+": ")
	}
	switch p.Code {
	case problem.CodeNotFound:
		return "Not found, or not yours to see."
	case problem.CodeForbidden:
		return "You may not do this. " + capital(d)
	}
	return capital(d)
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// show renders page p with template tmpl, or, after a failed form (formErr),
// the same page with that form's values and its error next to the field.
func (c *Console) show(w http.ResponseWriter, r *http.Request, p *page, tmpl string, formErr error, formName string) {
	if formErr != nil {
		c.formError(w, r, formErr, p, formName, tmpl)
		return
	}
	c.render(w, r, http.StatusOK, tmpl, p)
}

// formError re-renders a form page after err: a field error goes next to its
// field, anything else above the form; the typed values stay. Errors that mean
// "not yours" are the 404 page instead.
func (c *Console) formError(w http.ResponseWriter, r *http.Request, err error, p *page, formName, tmpl string) {
	pr := problem.From(err)
	if errors.Is(err, domain.ErrNotFound) || pr.Status == http.StatusNotFound {
		c.notFound(w, r)
		return
	}
	if pr.Status >= 500 {
		c.log.Error("console: command failed", "err", err, "path", r.URL.Path, "request_id", obs.CorrelationID(r.Context()))
	}
	f := &form{Name: formName, Values: r.PostForm, Errors: map[string]string{}}
	if pr.Field != "" {
		f.Errors[pr.Field] = message(pr)
	} else {
		p.Error = message(pr)
	}
	p.Form = f
	status := statusOf(pr)
	if status == http.StatusUnauthorized {
		status = http.StatusBadRequest // a wrong password is not a missing page session
	}
	if pr.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(pr.RetryAfter.Seconds()+0.999)))
	}
	c.render(w, r, status, tmpl, p)
}

// done ends a successful command: wait until the read models show it (so the
// next page does), then redirect with a short confirmation.
func (c *Console) done(w http.ResponseWriter, r *http.Request, position int64, to, flash string) {
	if err := c.b.Wait(r.Context(), position); err != nil {
		c.log.Warn("console: read models lag behind a write", "err", err, "request_id", obs.CorrelationID(r.Context()))
	}
	if flash != "" {
		sep := "?"
		if strings.Contains(to, "?") {
			sep = "&"
		}
		to += sep + "done=" + url.QueryEscape(flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// flashes are the confirmations done may show: the query names one of them, so
// a crafted URL cannot put a text of its own in a page.
var flashes = map[string]string{
	"paused": "Sharing is paused.", "resumed": "Sharing is resumed.", "revoked": "The customer was revoked. This is final.",
	"connected": "The customer is connected.", "invited": "The invitation was sent.", "resent": "A new invitation was sent; the previous one no longer works.",
	"saved": "Saved.", "uploaded": "Uploaded.", "shared": "Shared.", "cancelled": "Cancelled. This is final.",
	"folder": "The folder was created.", "removed": "Removed.", "reset-sent": "If the address has an account, a reset link is on its way.",
	"password-set": "Your password was changed. Sign in with the new one.", "signed-out": "You are signed out.",
	"version": "The new version was added.", "published": "The version is published.", "hidden": "The version is hidden.",
	"group": "The group was created.", "staff": "The invitation was sent.", "access": "Access changed.",
}

func flashOf(r *http.Request) string { return flashes[r.URL.Query().Get("done")] }

// pathID parses a path parameter; a malformed id is the 404 page, as an unknown one.
func pathID(r *http.Request, name string) (uuid.UUID, bool) {
	id, err := uuid.Parse(chiParam(r, name))
	return id, err == nil
}

var funcs = template.FuncMap{
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return ""
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		case *time.Time:
			if v == nil || v.IsZero() {
				return ""
			}
			return v.UTC().Format("2006-01-02 15:04 UTC")
		}
		return ""
	},
	"size": func(n int64) string {
		switch {
		case n >= 1<<20:
			return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
		case n >= 1<<10:
			return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
		}
		return fmt.Sprintf("%d bytes", n)
	},
	"deref": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
	"idstr": func(id any) string {
		switch v := id.(type) {
		case uuid.UUID:
			return v.String()
		case *uuid.UUID:
			if v == nil {
				return ""
			}
			return v.String()
		}
		return ""
	},
	"eqid": func(a uuid.UUID, b *uuid.UUID) bool { return b != nil && *b == a },
}

// UserName is the signed-in user's name.
func (p page) UserName() string { return p.St.me.Name }
