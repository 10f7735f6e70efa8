package console

import (
	"strings"
	"time"

	"github.com/sharehub/sharehub/domain/app/query"
)

// fieldData is one labelled input of a form, with what was typed and what was
// wrong (template "field").
type fieldData struct {
	Form, Name, ID, Label, Type, Autocomplete, Value, Error string
	Required                                                bool
}

// fld builds a required field of form; its id is form-name.
func fld(p *page, form, name, label, typ, autocomplete string) fieldData {
	f := fieldData{Form: form, Name: name, ID: form + "-" + name, Label: label, Type: typ, Autocomplete: autocomplete, Required: true}
	f.Value = p.Form.Get(form, name)
	f.Error = p.Form.Err(form, name)
	return f
}

// opt is fld for an optional field.
func opt(p *page, form, name, label, typ, autocomplete string) fieldData {
	f := fld(p, form, name, label, typ, autocomplete)
	f.Required = false
	return f
}

func init() {
	funcs["fld"] = fld
	funcs["opt"] = opt
}

// groupSelData feeds template "group-select".
type groupSelData struct {
	Form, Value, Error string
	Groups             any
}

func groupSel(p *page, form string, groups any) groupSelData {
	return groupSelData{Form: form, Value: p.Form.Get(form, "group_id"), Error: p.Form.Err(form, "group_id"), Groups: groups}
}

func groupSelV(p *page, form string, groups any, current string) groupSelData {
	d := groupSel(p, form, groups)
	if d.Value == "" {
		d.Value = current
	}
	return d
}

func init() {
	funcs["groupSel"] = groupSel
	funcs["groupSelV"] = groupSelV
	funcs["list"] = func(s ...string) []string { return s }
	funcs["deref_b"] = func(b *bool) bool { return b != nil && *b }
}

// uploadFormData feeds template "upload-form".
type uploadFormData struct {
	ID, Action, FolderID, Label, CSRF, Error string
	Named, Hideable                          bool
}

func uploadForm(p *page, id, action, folderID, label string, named bool) uploadFormData {
	d := uploadFormData{ID: id, Action: action, FolderID: folderID, Label: label, CSRF: p.CSRF, Named: named,
		Hideable: strings.HasPrefix(action, "/app/library/")}
	if p.Form != nil && p.Form.Name == id {
		for _, e := range p.Form.Errors {
			d.Error = e
		}
		if d.Error == "" {
			d.Error = p.Error
		}
	}
	return d
}

// shareFormData feeds template "share-form".
type shareFormData struct {
	Action, CSRF, Error string
	Customers           any
}

func shareForm(p *page, action string, customers any) shareFormData {
	d := shareFormData{Action: action, CSRF: p.CSRF, Customers: customers}
	if p.Form != nil && p.Form.Name == "share" {
		for _, e := range p.Form.Errors {
			d.Error = e
		}
		if d.Error == "" {
			d.Error = p.Error
		}
	}
	return d
}

// histStatus is a history row's status at now: expired when past its expiry.
func histStatus(h query.HistoryEntry, now time.Time) string {
	switch {
	case h.Cancelled:
		return "cancelled"
	case h.ExpiresAt != nil && !now.Before(*h.ExpiresAt):
		return "expired"
	}
	return "active"
}

func init() {
	funcs["uploadForm"] = uploadForm
	funcs["shareForm"] = shareForm
	funcs["histStatus"] = histStatus
}

func init() {
	funcs["inlineType"] = inlineType
	funcs["portalFolder"] = func(d *portalData) string {
		if d.Folder == nil {
			return ""
		}
		return d.Folder.ID.String()
	}
}

// filterField is an optional field of a GET filter form (form "filter"),
// showing the current value.
func filterField(p *page, name, label, typ, value string) fieldData {
	f := opt(p, "filter", name, label, typ, "off")
	f.Value = value
	return f
}

func init() { funcs["filterField"] = filterField }
