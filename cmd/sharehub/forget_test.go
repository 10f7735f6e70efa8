package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/apptest"
	"github.com/sharehub/sharehub/eventstore/pgtest"
	"github.com/sharehub/sharehub/projections"
)

// occurrences counts the rows of every table of every schema (events, read
// models, logins, outbox, ...) whose text holds needle.
func occurrences(t *testing.T, ctx context.Context, pool interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
	QueryRow(context.Context, string, ...any) pgx.Row
}, needle string) map[string]int {
	t.Helper()
	rows, err := pool.Query(ctx, `SELECT table_schema, table_name FROM information_schema.tables
		WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var s [2]string
		return s, r.Scan(&s[0], &s[1])
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, tb := range tables {
		name := pgx.Identifier{tb[0], tb[1]}.Sanitize()
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM `+name+` x WHERE position($1 in lower(x::text)) > 0`, needle).Scan(&n); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n > 0 {
			out[name] = n
		}
	}
	return out
}

// After `company forget`, no plain email address of that company's people is
// left anywhere in the database, the log still verifies, and projections rebuild.
func TestCompanyForgetLeavesNoPlainEmailAnywhere(t *testing.T) {
	pool, url := pgtest.NewDatabase(t)
	ctx := context.Background()
	store := testStore(t, pool)
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	svc, err := app.New(app.Config{Store: store, Hasher: apptest.Hasher{}, Clock: func() time.Time { return now },
		InvitationURL: func(token string) string { return "http://127.0.0.1/invitations/" + token }})
	if err != nil {
		t.Fatal(err)
	}
	forgotten, err := svc.RegisterCompany(ctx, app.Call{}, app.RegisterCompany{CompanyName: "Forgettable", Name: "Fran Forget",
		Email: "fran@forgettable.example", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := svc.RegisterCompany(ctx, app.Call{}, app.RegisterCompany{CompanyName: "Keeper", Name: "Kim Keep",
		Email: "kim@keeper.example", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	// A colleague invited (a queued mail), and the company as a customer of another.
	if _, err := svc.InviteStaff(ctx, app.Call{ActorID: forgotten.UserID}, app.InviteStaff{Name: "Colin Colleague", Email: "colin@forgettable.example"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ConnectCustomer(ctx, app.Call{ActorID: kept.UserID}, app.ConnectCustomer{CompanyID: forgotten.CompanyID}); err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		return map[string]string{"KEY_ENCRYPTION_KEY": testKEK, "DATABASE_URL": url, "LOG_LEVEL": "error"}[k]
	}
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, args, env, &out, io.Discard)
		return out.String(), err
	}
	// A rebuild reads only below the oldest transaction running on the server
	// (other tests' too): rebuild until the read models hold the users.
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if out, err := cli("projections", "rebuild", "--all"); err != nil {
			t.Fatalf("rebuild: %v\n%s", err, out)
		}
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM rm_accounts.users`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("read models hold %d users after rebuilding", n)
		}
	}
	// The notifier (run by serve, never rebuilt) keeps its own copy of addresses.
	if err := projections.Ensure(ctx, store, pool, projections.Notifications.Consumer(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	evs, err := store.ReadAll(ctx, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return projections.ApplyTo(ctx, tx, projections.Notifications.Consumer(), evs...)
	}); err != nil {
		t.Fatal(err)
	}
	// The search finds what is there: both companies' addresses, before.
	if got := occurrences(t, ctx, pool, "forgettable.example"); got[`"rm_accounts"."users"`] != 2 || got[`"public"."outbox_mail"`] != 1 ||
		got[`"rm_notifications"."users"`] != 2 {
		t.Fatalf("before forgetting, the copies expected are not found: %v", got)
	}

	out, err := cli("company", "forget", forgotten.CompanyID.String())
	if err != nil {
		t.Fatalf("forget: %v\n%s", err, out)
	}
	for _, needle := range []string{"forgettable.example", "fran forget", "colin colleague"} {
		if got := occurrences(t, ctx, pool, needle); len(got) > 0 {
			t.Errorf("%q is still stored in plain after forget: %v", needle, got)
		}
	}
	if got := occurrences(t, ctx, pool, "keeper.example"); len(got) == 0 {
		t.Fatal("the other company's data vanished too")
	}
	if out, err := cli("audit", "verify"); err != nil {
		t.Fatalf("verify after forget: %v\n%s", err, out)
	}
	if out, err := cli("projections", "rebuild", "--all"); err != nil || !strings.Contains(out, "identical to the live tables") {
		t.Fatalf("rebuild after forget: %v\n%s", err, out)
	}
	var name string
	if err := pool.QueryRow(ctx, `SELECT name FROM rm_accounts.users WHERE id = $1`, forgotten.UserID).Scan(&name); err != nil || name != "[forgotten]" {
		t.Fatalf("forgotten user's name reads %q (%v)", name, err)
	}
}
