package mailer_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/eventstore/pgtest"
	"github.com/sharehub/sharehub/projections/mailer"
)

// inbox is a tiny SMTP server on 127.0.0.1 that keeps what it receives and can be
// told to refuse the next messages.
type inbox struct {
	mu      sync.Mutex
	msgs    []string
	refuse  int
	code    int // of a refusal: 451 when 0
	addr    string
	closeFn func()
}

type session struct{ in *inbox }

func (s *session) Reset()                                    {}
func (s *session) Logout() error                             { return nil }
func (s *session) Mail(string, *smtp.MailOptions) error      { return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error { return nil }
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.in.mu.Lock()
	defer s.in.mu.Unlock()
	if s.in.refuse > 0 {
		s.in.refuse--
		if s.in.code != 0 {
			return &smtp.SMTPError{Code: s.in.code, Message: "refused"}
		}
		return &smtp.SMTPError{Code: 451, Message: "try again later"}
	}
	s.in.msgs = append(s.in.msgs, string(b))
	return nil
}

func newInbox(t *testing.T) *inbox {
	in := &inbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{in: in}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	in.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return in
}

func TestOutboxDeliversOnceAndRetriesFailures(t *testing.T) {
	pool, _ := pgtest.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	in := newInbox(t)
	in.refuse = 1
	sender, err := mailer.NewSMTPSender("smtp+insecure://" + in.addr + "?from=noreply@sharehub.test")
	if err != nil {
		t.Fatal(err)
	}
	ids := []uuid.UUID{uuid.New(), uuid.New()}
	for i, id := range ids {
		if _, err := pool.Exec(ctx, `INSERT INTO outbox_mail (id, recipient, subject, body, template)
			VALUES ($1, $2, 'You are invited', 'Open http://127.0.0.1/invitations/tok', 'customer-invitation')`,
			id, []string{"a@customer.test", "b@customer.test"}[i]); err != nil {
			t.Fatal(err)
		}
	}
	// The worker's clock is the test's: a retry falls due when the test moves it
	// past the backoff, not when the wall clock happens to get there.
	clock := time.Now()
	w := &mailer.Worker{Pool: pool, Sender: sender, Log: slog.New(slog.DiscardHandler), Backoff: time.Minute,
		Now: func() time.Time { return clock }}
	// First pass: the server refuses the first mail; the second goes through.
	if n, err := w.DeliverOnce(ctx); err != nil || n != 2 {
		t.Fatalf("first pass: %d %v", n, err)
	}
	clock = clock.Add(59 * time.Second)
	if n, err := w.DeliverOnce(ctx); err != nil || n != 0 {
		t.Fatalf("pass before the backoff ran out: handled %d (%v), want 0", n, err)
	}
	clock = clock.Add(time.Second)
	if n, err := w.DeliverOnce(ctx); err != nil || n != 1 {
		t.Fatalf("retry pass: %d %v", n, err)
	}
	if n, err := w.DeliverOnce(ctx); err != nil || n != 0 {
		t.Fatalf("nothing left to send, handled %d (%v)", n, err)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.msgs) != 2 {
		t.Fatalf("server received %d mails, want 2 (each once)", len(in.msgs))
	}
	for _, m := range in.msgs {
		if !strings.Contains(m, "Subject: You are invited") || !strings.Contains(m, "@sharehub>") {
			t.Errorf("mail lacks subject or stable Message-ID:\n%s", m)
		}
	}
	var attempts int
	var sent bool
	if err := pool.QueryRow(ctx, `SELECT max(attempts), bool_and(sent_at IS NOT NULL) FROM outbox_mail`).Scan(&attempts, &sent); err != nil {
		t.Fatal(err)
	}
	if !sent || attempts != 2 {
		t.Fatalf("outbox rows: all sent %v, max attempts %d (want true, 2)", sent, attempts)
	}
}

func TestSMTPURLValidation(t *testing.T) {
	for _, bad := range []string{"http://x", "smtp://", "smtp://host:notaport"} {
		if _, err := mailer.NewSMTPSender(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := mailer.NewSMTPSender("smtps://user:pw@mail.example:465?from=a@b.c"); err != nil {
		t.Fatal(err)
	}
}

// Several workers (several serve processes) never send the same mail twice.
func TestConcurrentWorkersSendEachMailOnce(t *testing.T) {
	pool, _ := pgtest.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	in := newInbox(t)
	sender, err := mailer.NewSMTPSender("smtp+insecure://" + in.addr)
	if err != nil {
		t.Fatal(err)
	}
	const mails = 30
	for i := 0; i < mails; i++ {
		if _, err := pool.Exec(ctx, `INSERT INTO outbox_mail (id, recipient, subject, body, template)
			VALUES ($1, 'x@customer.test', 'n', 'b', 't')`, uuid.New()); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := &mailer.Worker{Pool: pool, Sender: sender, Log: slog.New(slog.DiscardHandler), Batch: 4}
			for {
				n, err := w.DeliverOnce(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	in.mu.Lock()
	defer in.mu.Unlock()
	if len(in.msgs) != mails {
		t.Fatalf("received %d mails for %d outbox rows", len(in.msgs), mails)
	}
}
