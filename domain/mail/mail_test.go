package mail_test

import (
	"testing"

	"github.com/sharehub/sharehub/domain/mail"
)

// Given data, when rendered, then the exact wording (the one the invitations and
// the notifier's SQL produced before the templates).
func TestRender(t *testing.T) {
	const url = "https://portal.example/accept#t=abc"
	for _, tc := range []struct {
		name, template string
		data           any
		subject, body  string
	}{
		{"staff invitation", mail.StaffInvitation, mail.Invitation{URL: url},
			"You are invited to sharehub",
			"You are invited to sharehub\n\nAccept the invitation here: " + url + "\n"},
		{"customer invitation", mail.CustomerInvitation, mail.Invitation{Provider: "Acme", URL: url},
			"Acme shares documents with you on sharehub",
			"Acme shares documents with you on sharehub\n\nAccept the invitation here: " + url + "\n"},
		{"customer user invitation", mail.CustomerUserInvitation, mail.Invitation{URL: url},
			"You are invited to a customer portal on sharehub",
			"You are invited to a customer portal on sharehub\n\nAccept the invitation here: " + url + "\n"},
		{"document shared", mail.ShareGranted, mail.Share{Provider: "Acme", Item: "a.pdf", Document: true, Customer: "Cust", Permission: "view"},
			"Acme shared a.pdf with you",
			"Acme shared the document \"a.pdf\" with Cust (view access). Open your customer portal to see it.\n"},
		{"folder shared", mail.ShareGranted, mail.Share{Provider: "Acme", Item: "Docs", Customer: "Cust", Permission: "download"},
			"Acme shared Docs with you",
			"Acme shared the folder \"Docs\" and everything in it with Cust (download access). Open your customer portal to see it.\n"},
		{"share of unknown names", mail.ShareGranted, mail.Share{Customer: "Cust", Permission: "view"},
			"Your provider shared documents with you",
			"Your provider shared the folder \"\" and everything in it with Cust (view access). Open your customer portal to see it.\n"},
		{"deposit", mail.CustomerDeposit, mail.Deposit{Customer: "Cust", Document: "signed.pdf", Folder: "Inbox"},
			"Cust deposited \"signed.pdf\"",
			"Cust deposited the document \"signed.pdf\" in the folder \"Inbox\" of its portal.\n"},
		{"a line break in a name stays out of the subject header", mail.CustomerDeposit, mail.Deposit{Customer: "Cust\r\nBcc: x@evil.example", Document: "a\nb", Folder: "F"},
			"Cust Bcc: x@evil.example deposited \"a b\"",
			"Cust\r\nBcc: x@evil.example deposited the document \"a\nb\" in the folder \"F\" of its portal.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := mail.Render(tc.template, tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tc.subject || m.Body != tc.body || m.Template != tc.template {
				t.Fatalf("got %q / %q / %q,\nwant %q / %q", m.Template, m.Subject, m.Body, tc.subject, tc.body)
			}
		})
	}
}

func TestRenderRefusesUnknownTemplatesAndWrongData(t *testing.T) {
	if _, err := mail.Render("no-such-mail", mail.Invitation{}); err == nil {
		t.Error("an unknown template rendered")
	}
	if _, err := mail.Render(mail.CustomerDeposit, mail.Invitation{URL: "x"}); err == nil {
		t.Error("a deposit rendered from an invitation's data")
	}
}
