package mailer_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/eventstore/pgtest"
	"github.com/sharehub/sharehub/projections/mailer"
)

const secretURL = "http://127.0.0.1/invitations/tok-5ecre7-5ecre7-5ecre7"

func queue(t *testing.T, ctx context.Context, pool *pgxpool.Pool, createdAgo time.Duration) uuid.UUID {
	t.Helper()
	id := uuid.New()
	if _, err := pool.Exec(ctx, `INSERT INTO outbox_mail (id, recipient, subject, body, template, created_at)
		VALUES ($1, 'a@customer.test', 'You are invited', $2, 'customer-invitation', now() - $3::interval)`,
		id, "Open "+secretURL, createdAgo.String()); err != nil {
		t.Fatal(err)
	}
	return id
}

type outboxRow struct {
	body                string
	sent, abandoned     bool
	attempts            int
	lastError           string
	holdsTheSecretToken bool
}

func readRow(t *testing.T, ctx context.Context, pool *pgxpool.Pool, id uuid.UUID) outboxRow {
	t.Helper()
	var r outboxRow
	if err := pool.QueryRow(ctx, `SELECT body, sent_at IS NOT NULL, abandoned_at IS NOT NULL, attempts, coalesce(last_error, ''),
		o::text LIKE '%tok-5ecre7%' FROM outbox_mail o WHERE id = $1`, id).
		Scan(&r.body, &r.sent, &r.abandoned, &r.attempts, &r.lastError, &r.holdsTheSecretToken); err != nil {
		t.Fatal(err)
	}
	return r
}

// Finding (issue 11): invitation URLs stayed readable in outbox_mail after delivery.
// A delivered mail keeps no body; one whose delivery is abandoned (a permanent
// refusal, or too old to be of use) neither; a pending one keeps it until then.
func TestOutboxKeepsNoBodyBeyondDelivery(t *testing.T) {
	pool, _ := pgtest.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	in := newInbox(t)
	sender, err := mailer.NewSMTPSender("smtp+insecure://" + in.addr)
	if err != nil {
		t.Fatal(err)
	}
	w := &mailer.Worker{Pool: pool, Sender: sender, Log: slog.New(slog.DiscardHandler), Backoff: time.Hour}

	delivered := queue(t, ctx, pool, 0)
	if n, err := w.DeliverOnce(ctx); err != nil || n != 1 {
		t.Fatalf("deliver: %d %v", n, err)
	}
	if r := readRow(t, ctx, pool, delivered); !r.sent || r.body != "" || r.holdsTheSecretToken {
		t.Fatalf("delivered mail: %+v", r)
	}
	in.mu.Lock()
	got := strings.Join(in.msgs, "")
	in.mu.Unlock()
	if !strings.Contains(got, "tok-5ecre7") {
		t.Fatal("the recipient did not get the token")
	}

	// A temporary refusal keeps the body for the retry; a permanent one drops it.
	in.mu.Lock()
	in.refuse, in.code = 1, 451
	in.mu.Unlock()
	retried := queue(t, ctx, pool, 0)
	if _, err := w.DeliverOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if r := readRow(t, ctx, pool, retried); r.sent || r.abandoned || !r.holdsTheSecretToken || r.attempts != 1 {
		t.Fatalf("temporarily refused: %+v", r)
	}
	in.mu.Lock()
	in.refuse, in.code = 1, 550
	in.mu.Unlock()
	refused := queue(t, ctx, pool, 0)
	if _, err := w.DeliverOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if r := readRow(t, ctx, pool, refused); r.sent || !r.abandoned || r.body != "" || r.holdsTheSecretToken || !strings.Contains(r.lastError, "abandoned") {
		t.Fatalf("permanently refused: %+v", r)
	}

	// Older than what it announces stays valid: abandoned without an attempt, and the
	// one waiting for its retry too once it is that old.
	old := queue(t, ctx, pool, mailer.DefaultMaxAge+time.Minute)
	if _, err := pool.Exec(ctx, `UPDATE outbox_mail SET created_at = created_at - interval '8 days' WHERE id = $1`, retried); err != nil {
		t.Fatal(err)
	}
	if _, err := w.DeliverOnce(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []uuid.UUID{old, retried} {
		if r := readRow(t, ctx, pool, id); r.sent || !r.abandoned || r.body != "" || r.holdsTheSecretToken {
			t.Fatalf("expired mail: %+v", r)
		}
	}
	var left int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM outbox_mail o WHERE o::text LIKE '%tok-5ecre7%'`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d rows still hold the token (%v)", left, err)
	}

	// The database refuses a body on a delivered mail, and rewriting a pending one.
	if _, err := pool.Exec(ctx, `UPDATE outbox_mail SET body = 'again' WHERE id = $1`, delivered); err == nil {
		t.Fatal("a delivered mail took a body")
	}
	pending := queue(t, ctx, pool, 0)
	if _, err := pool.Exec(ctx, `UPDATE outbox_mail SET body = 'Open http://evil.example/' WHERE id = $1`, pending); err == nil {
		t.Fatal("a pending mail's body was rewritten")
	}
}
