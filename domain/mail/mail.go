// Package mail words every mail sharehub sends: one text/template per kind of
// mail (templates/NAME.tmpl, each defining "subject" and "body"), rendered from
// a typed value. The application services render invitations with it, the
// notifications reactor (projections) the news it mails; the mailer
// (projections/mailer) only delivers what they put in the outbox.
//
// It owns the wording only. It must not import anything of this module: it is
// plain text in, plain text out, testable without a database.
package mail

import (
	"embed"
	"fmt"
	"strings"
	"text/template"
)

// Names of the templates; an outbox row records the one it was rendered from.
const (
	StaffInvitation        = "staff-invitation"
	CustomerInvitation     = "customer-invitation"
	CustomerUserInvitation = "customer-user-invitation"
	ShareGranted           = "share-granted"
	CustomerDeposit        = "customer-deposit"
	PasswordReset          = "password-reset"
	EmailVerification      = "email-verification"
)

// Invitation is the data of the three invitation mails. Provider is used by
// CustomerInvitation only; URL carries the one-time token.
type Invitation struct {
	Provider string
	URL      string
}

// Link is the data of PasswordReset and EmailVerification: a one-time URL and
// how long it is valid ("1h0m0s").
type Link struct {
	URL   string
	Valid string
}

// Share is the data of ShareGranted: what a provider shared with a customer.
// Provider and Item may be empty (unknown): the mail then says "Your provider"
// and "documents".
type Share struct {
	Provider   string
	Item       string // the document's or the folder's name
	Document   bool   // a document, else a folder and everything in it
	Customer   string // the customer company's name
	Permission string
}

// Deposit is the data of CustomerDeposit: a customer put a document in its
// portal.
type Deposit struct {
	Customer string
	Document string
	Folder   string
}

// Message is a rendered mail.
type Message struct {
	Template string
	Subject  string
	Body     string
}

//go:embed templates/*.tmpl
var files embed.FS

var templates = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range []string{StaffInvitation, CustomerInvitation, CustomerUserInvitation, ShareGranted, CustomerDeposit,
		PasswordReset, EmailVerification} {
		out[name] = template.Must(template.New(name).Option("missingkey=error").ParseFS(files, "templates/"+name+".tmpl"))
	}
	return out
}()

// oneLine keeps a subject on one header line.
var oneLine = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ")

// Render words the mail of template name from data (the type its template
// expects: Invitation, Link, Share or Deposit). A subject is one line: line breaks
// from the data become spaces.
func Render(name string, data any) (Message, error) {
	t, ok := templates[name]
	if !ok {
		return Message{}, fmt.Errorf("mail: no template %q", name)
	}
	var subject, body strings.Builder
	if err := t.ExecuteTemplate(&subject, "subject", data); err != nil {
		return Message{}, fmt.Errorf("mail %s: %w", name, err)
	}
	if err := t.ExecuteTemplate(&body, "body", data); err != nil {
		return Message{}, fmt.Errorf("mail %s: %w", name, err)
	}
	return Message{Template: name, Subject: oneLine.Replace(subject.String()), Body: body.String()}, nil
}
