package httpapi

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/projections/mailer"
)

// capturingSender keeps what it would have sent.
type capturingSender struct {
	mu     sync.Mutex
	bodies []string
}

func (c *capturingSender) Send(_ context.Context, m mailer.Mail) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bodies = append(c.bodies, m.Body)
	return nil
}

// Finding (issue 11): invitation URLs stayed in plain text in outbox_mail after
// they were sent; anyone who could read that table accepted a pending admin
// invitation. After delivery, no row of outbox_mail holds the token, and the token
// found there before delivery is gone: the invitation can only be accepted by
// whoever received the mail.
func TestDeliveredInvitationMailKeepsNoToken(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, func(c *Config) {
		svc, err := app.New(app.Config{Store: c.Store, Hasher: c.Hasher,
			InvitationURL: func(token string) string { return c.PublicBaseURL + "/invitations/" + token }})
		if err != nil {
			t.Fatal(err)
		}
		c.App = svc
	}, nil)
	provider := ts.signupCompany(t, "Provider Ltd")
	a := ts.send(t, &provider, "POST", "/api/v1/customers/invitations",
		`{"company_name":"Newco","contact_name":"Grace Hopper","email":"grace@newco.test"}`)
	expectWritten(t, "invite customer", a, 201)
	inv := decodeAs[customerResponse](t, a)
	token := inv.InvitationURL[strings.LastIndex(inv.InvitationURL, "/")+1:]
	holding := func() int {
		t.Helper()
		var n int
		if err := ts.pool.QueryRow(ctxFor(t), `SELECT count(*) FROM outbox_mail o WHERE strpos(o::text, $1) > 0`, token).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if holding() != 1 {
		t.Fatal("the invitation mail was not queued with its token (the test would prove nothing)")
	}
	sender := &capturingSender{}
	w := &mailer.Worker{Pool: ts.pool, Sender: sender, Log: slog.New(slog.DiscardHandler)}
	if _, err := w.DeliverOnce(ctxFor(t)); err != nil {
		t.Fatal(err)
	}
	sender.mu.Lock()
	delivered := strings.Join(sender.bodies, "\n")
	sender.mu.Unlock()
	if !strings.Contains(delivered, token) {
		t.Fatal("the mail delivered lacks the invitation token")
	}
	if n := holding(); n != 0 {
		t.Fatalf("%d outbox rows still hold the token after delivery", n)
	}
}
