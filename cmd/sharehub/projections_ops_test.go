package main

import (
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/apptest"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/pgtest"
)

// The operator's commands of issue 13, end to end: restore-check on an intact and
// on a "restored" log, and a parked event shown, refused a skip without its
// position, retried and recorded.
func TestRestoreCheckAndParkedEventCommands(t *testing.T) {
	pool, url := pgtest.NewDatabase(t)
	ctx := context.Background()
	env := func(k string) string {
		return map[string]string{"KEY_ENCRYPTION_KEY": testKEK, "DATABASE_URL": url, "LOG_LEVEL": "error"}[k]
	}
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, args, env, &out, io.Discard)
		return out.String(), err
	}
	store := eventstore.New(pool, nil)
	svc, err := app.New(app.Config{Store: store, Hasher: apptest.Hasher{}})
	if err != nil {
		t.Fatal(err)
	}
	// The old cluster counted far ahead; then the log is "restored" into one
	// whose counter is low.
	if err := eventstore.SetTransactionIDShift(ctx, pool, 500000000); err != nil {
		t.Fatal(err)
	}
	reg, err := svc.RegisterCompany(ctx, app.Call{}, app.RegisterCompany{CompanyName: "Provider", Name: "Admin",
		Email: "admin@provider.test", Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := cli("restore-check"); err != nil || !strings.HasPrefix(out, "ok:") {
		t.Fatalf("restore-check on an intact log: %v\n%s", err, out)
	}
	if err := eventstore.SetTransactionIDShift(ctx, pool, 0); err != nil {
		t.Fatal(err)
	}
	if out, err := cli("restore-check"); err != nil || !strings.Contains(out, "restored log detected") {
		t.Fatalf("restore-check on a restored log: %v\n%s", err, out)
	}

	// A parked event of the portal projection.
	pos := reg.Appended.LastPosition
	if _, err := pool.Exec(ctx, `INSERT INTO projection_state (name, ddl_hash, state, error) VALUES ('portal', 'x', 'failed', 'boom');
		INSERT INTO projection_dead_letters (projection, position, transaction_id, event_id, stream_id, event_type, error)
		SELECT 'portal', position, transaction_id, event_id, stream_id, event_type, 'boom' FROM events WHERE position = `+
		itoa(pos)); err != nil {
		t.Fatal(err)
	}
	out, err := cli("projections", "status")
	if err != nil || !strings.Contains(out, "portal parked event "+itoa(pos)) {
		t.Fatalf("status does not show the parked event: %v\n%s", err, out)
	}
	if out, err := cli("projections", "skip", "portal"); err == nil {
		t.Fatalf("skip without --position succeeded:\n%s", out)
	}
	if out, err := cli("projections", "retry", "portal", "--operator", "ops"); err != nil || !strings.Contains(out, "retrying event "+itoa(pos)) {
		t.Fatalf("retry: %v\n%s", err, out)
	}
	recs, err := store.ReadStream(ctx, domain.ProjectionStream("portal"))
	if err != nil || len(recs) != 1 || recs[0].Type != "ProjectionEventRetried" || recs[0].Meta.ActorKind != domain.ActorOperator {
		t.Fatalf("retry recorded as %+v (%v)", recs, err)
	}
	if r := recs[0].Event.(domain.ProjectionEventRetried); r.Position != pos || r.Operator != "ops" {
		t.Fatalf("retry recorded as %+v", r)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
