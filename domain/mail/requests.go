package mail

import "text/template"

// Mails of document requests and of new content (issue 17).
const (
	DocumentRequested        = "document-requested"
	DocumentRequestFulfilled = "document-request-fulfilled"
	DocumentRequestReminder  = "document-request-reminder"
	NewContent               = "new-content"
	NewContentDigest         = "new-content-digest"
)

// Request is the data of DocumentRequested, DocumentRequestFulfilled and
// DocumentRequestReminder. Due is "" without a due date; Document is the
// uploaded document's name (DocumentRequestFulfilled).
type Request struct {
	Provider string
	Customer string
	Title    string
	Note     string
	Due      string // e.g. "2025-03-31 17:00 UTC"
	Document string
}

// Content is the data of NewContent and NewContentDigest: what newly became
// visible in a customer's portal (one item for NewContent).
type Content struct {
	Provider string
	Customer string
	Items    []ContentItem
}

// ContentItem is one thing a customer's users newly see.
type ContentItem struct {
	Kind string // "document", "folder", "version", "workspace"
	Name string
}

func init() {
	for _, name := range []string{DocumentRequested, DocumentRequestFulfilled, DocumentRequestReminder, NewContent, NewContentDigest} {
		templates[name] = template.Must(template.New(name).Option("missingkey=error").ParseFS(files, "templates/"+name+".tmpl"))
	}
}
