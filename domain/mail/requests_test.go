package mail_test

import (
	"strings"
	"testing"

	"github.com/sharehub/sharehub/domain/mail"
)

func TestRequestAndContentMails(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		data any
		want []string
	}{
		{mail.DocumentRequested, mail.Request{Provider: "CA Desk", Customer: "Acme", Title: "Bank statements", Note: "All twelve", Due: "2025-03-31 17:00 UTC"},
			[]string{`CA Desk asks you for "Bank statements"`, "All twelve", "by 2025-03-31 17:00 UTC"}},
		{mail.DocumentRequested, mail.Request{Customer: "Acme", Title: "ID"}, []string{"Your provider asks Acme", "upload it"}},
		{mail.DocumentRequestFulfilled, mail.Request{Customer: "Acme", Title: "Bank statements", Document: "jan.pdf"}, []string{`Acme sent "jan.pdf"`}},
		{mail.DocumentRequestReminder, mail.Request{Provider: "CA Desk", Customer: "Acme", Title: "ID", Due: "2025-03-31 17:00 UTC"}, []string{"Reminder", "by 2025-03-31"}},
		{mail.NewContent, mail.Content{Provider: "QUBE", Customer: "Acme", Items: []mail.ContentItem{{Kind: "version", Name: "Manual"}}},
			[]string{"New in your portal: Manual", `a new version of "Manual"`}},
		{mail.NewContentDigest, mail.Content{Provider: "QUBE", Customer: "Acme", Items: []mail.ContentItem{{Kind: "document", Name: "a.pdf"}, {Kind: "folder", Name: "Tax"}}},
			[]string{"2 new in your portal", `the document "a.pdf"`, `the folder "Tax"`}},
	} {
		m, err := mail.Render(c.name, c.data)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for _, w := range c.want {
			if !strings.Contains(m.Subject+"\n"+m.Body, w) {
				t.Errorf("%s: %q not in\n%s\n%s", c.name, w, m.Subject, m.Body)
			}
		}
		if strings.Contains(m.Subject, "\n") {
			t.Errorf("%s: subject on several lines", c.name)
		}
	}
}
