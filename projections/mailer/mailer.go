// Package mailer delivers the mail outbox: mails written to outbox_mail in the same
// transaction as the events that caused them (invitations by the application
// services, notifications by reactors) are sent by a worker over SMTP when SMTP_URL is
// set, else written to the log.
//
// Delivery is retried with backoff. A mail is locked (FOR UPDATE SKIP LOCKED) while it
// is being sent, so two workers never send it at the same time, and it is marked sent
// in the same transaction: it is sent more than once only if the process dies between
// the SMTP server's acceptance and that commit, and then with the same Message-ID, so
// mail clients show one message.
//
// It depends on pgx and the mail library; never on httpapi.
package mailer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/wneessen/go-mail"
)

// Mail is one outbox row to deliver.
type Mail struct {
	ID       uuid.UUID
	To       string
	Subject  string
	Body     string
	Template string
}

// Sender delivers one mail.
type Sender interface {
	Send(ctx context.Context, m Mail) error
}

// LogSender stands in for SMTP when SMTP_URL is unset. A mail body may carry a one-time
// token (an invitation or reset link), and no token may reach a log line: the log gets
// who, what and where; the mail itself is "delivered" to a file of its own in Dir
// (created 0700, files 0600), which is where a developer reads the link. Without Dir
// the body is withheld altogether.
type LogSender struct {
	Log *slog.Logger
	Dir string
}

func (s LogSender) Send(_ context.Context, m Mail) error {
	if s.Dir == "" {
		s.Log.Info("mail (SMTP_URL unset, not sent; body withheld)", "mail_id", m.ID, "to", m.To,
			"subject", m.Subject, "template", m.Template)
		return nil
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("mail folder: %w", err)
	}
	path := filepath.Join(s.Dir, m.ID.String()+".eml")
	text := fmt.Sprintf("To: %s\r\nSubject: %s\r\n\r\n%s", m.To, m.Subject, m.Body)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		return fmt.Errorf("write mail: %w", err)
	}
	s.Log.Info("mail (SMTP_URL unset, not sent)", "mail_id", m.ID, "to", m.To, "subject", m.Subject,
		"template", m.Template, "file", path)
	return nil
}

// SMTPSender sends through an SMTP server given as a URL:
// smtp://user:pass@host:587?from=noreply@example.com (STARTTLS when offered),
// smtps://… (implicit TLS), smtp+insecure://… (no TLS, for local relays and tests).
type SMTPSender struct {
	host     string
	port     int
	from     string
	user     string
	password string
	ssl      bool
	noTLS    bool
}

// NewSMTPSender parses an SMTP_URL.
func NewSMTPSender(raw string) (*SMTPSender, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("SMTP_URL: %w", err)
	}
	s := &SMTPSender{host: u.Hostname(), from: u.Query().Get("from")}
	switch u.Scheme {
	case "smtp":
		s.port = 587
	case "smtps":
		s.port, s.ssl = 465, true
	case "smtp+insecure":
		s.port, s.noTLS = 25, true
	default:
		return nil, fmt.Errorf("SMTP_URL: scheme %q is not smtp, smtps or smtp+insecure", u.Scheme)
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("SMTP_URL port: %w", err)
		}
	}
	if s.host == "" {
		return nil, errors.New("SMTP_URL: host missing")
	}
	if s.from == "" {
		s.from = "sharehub@" + s.host
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.password, _ = u.User.Password()
	}
	return s, nil
}

func (s *SMTPSender) Send(ctx context.Context, m Mail) error {
	msg := mail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.ID.String() + "@sharehub")
	msg.SetBodyString(mail.TypeTextPlain, m.Body)
	opts := []mail.Option{mail.WithPort(s.port), mail.WithTimeout(30 * time.Second)}
	switch {
	case s.ssl:
		opts = append(opts, mail.WithSSL())
	case s.noTLS:
		opts = append(opts, mail.WithTLSPortPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPortPolicy(mail.TLSOpportunistic))
	}
	if s.user != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(s.user), mail.WithPassword(s.password))
	}
	c, err := mail.NewClient(s.host, opts...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, msg)
}

// Worker delivers pending outbox mails.
type Worker struct {
	Pool   *pgxpool.Pool
	Sender Sender
	Log    *slog.Logger
	// Poll is the pause between looks at an empty outbox (default 1s).
	Poll time.Duration
	// Backoff is the first retry delay; it doubles per attempt up to an hour.
	Backoff time.Duration
	// Batch is how many mails one transaction sends at most (default 20).
	Batch int
	// MaxAttempts abandons a mail after so many failed attempts (default 30: with
	// the backoff capped at an hour, about a day of trying).
	MaxAttempts int
	// MaxAge abandons a mail not delivered within it (default 7 days, how long an
	// invitation stays valid).
	MaxAge time.Duration
	// Now is the clock that decides which mails are due and when a retry falls due
	// (default time.Now); tests inject one instead of sleeping through a backoff.
	Now func() time.Time
}

// DefaultMaxAge is Worker.MaxAge when unset.
const DefaultMaxAge = 7 * 24 * time.Hour

// permanent tells a refusal that no retry can overcome: a 5xx reply of the SMTP
// server, or a Sender's error that says so (Permanent() bool).
func permanent(err error) bool {
	var se *mail.SendError
	if errors.As(err, &se) {
		if c := se.ErrorCode(); c >= 500 && c < 600 {
			return true
		}
	}
	var p interface{ Permanent() bool }
	return errors.As(err, &p) && p.Permanent()
}

// Run delivers until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	poll := w.Poll
	if poll <= 0 {
		poll = time.Second
	}
	for {
		n, err := w.DeliverOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			w.Log.Error("outbox delivery failed", "err", err)
		}
		if n == 0 || err != nil {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(poll):
			}
		}
	}
}

// DeliverOnce sends up to Batch due mails and returns how many it handled (sent or
// scheduled for retry).
func (w *Worker) DeliverOnce(ctx context.Context) (int, error) {
	batch := w.Batch
	if batch <= 0 {
		batch = 20
	}
	backoff := w.Backoff
	if backoff <= 0 {
		backoff = 10 * time.Second
	}
	maxAttempts := w.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = 30
	}
	maxAge := w.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	at := now()
	tx, err := w.Pool.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	// Mails too old to be of use are abandoned, not sent: their bodies go.
	expired, err := tx.Exec(ctx, `UPDATE outbox_mail SET body = '', abandoned_at = $3,
		last_error = coalesce(last_error || '; ', '') || 'abandoned: not delivered within ' || $1::text
		WHERE sent_at IS NULL AND abandoned_at IS NULL AND created_at < $3::timestamptz - $2::interval`,
		maxAge.String(), fmt.Sprintf("%d milliseconds", maxAge.Milliseconds()), at)
	if err != nil {
		return 0, err
	}
	if n := expired.RowsAffected(); n > 0 {
		w.Log.Warn("mails abandoned undelivered: too old", "mails", n, "max_age", maxAge)
	}
	rows, err := tx.Query(ctx, `SELECT id, recipient, subject, body, template, attempts FROM outbox_mail
		WHERE sent_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= $2
		ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED`, batch, at)
	if err != nil {
		return 0, err
	}
	type due struct {
		Mail
		attempts int
	}
	mails, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (due, error) {
		var d due
		return d, r.Scan(&d.ID, &d.To, &d.Subject, &d.Body, &d.Template, &d.attempts)
	})
	if err != nil {
		return 0, err
	}
	for _, m := range mails {
		sendErr := w.Sender.Send(ctx, m.Mail)
		switch {
		case sendErr == nil:
			_, err = tx.Exec(ctx, `UPDATE outbox_mail SET sent_at = $2, body = '', attempts = attempts + 1, last_error = NULL WHERE id = $1`, m.ID, at)
		case permanent(sendErr) || m.attempts+1 >= maxAttempts:
			w.Log.Error("mail abandoned undelivered", "mail_id", m.ID, "attempt", m.attempts+1, "err", sendErr)
			_, err = tx.Exec(ctx, `UPDATE outbox_mail SET body = '', abandoned_at = $3, attempts = attempts + 1,
				last_error = $2 WHERE id = $1`, m.ID, "abandoned: "+sendErr.Error(), at)
		default:
			delay := backoff << min(m.attempts, 20)
			delay = min(delay, time.Hour)
			w.Log.Warn("mail not delivered, will retry", "mail_id", m.ID, "attempt", m.attempts+1, "retry_in", delay, "err", sendErr)
			_, err = tx.Exec(ctx, `UPDATE outbox_mail SET attempts = attempts + 1, last_error = $2,
				next_attempt_at = $4::timestamptz + $3::interval WHERE id = $1`, m.ID, sendErr.Error(), fmt.Sprintf("%d milliseconds", delay.Milliseconds()), at)
		}
		if err != nil {
			return 0, err
		}
	}
	return len(mails), tx.Commit(ctx)
}
