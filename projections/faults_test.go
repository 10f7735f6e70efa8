package projections_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/projections"
)

// flakyProjection fails its first `failures` statements with transient SQLSTATEs
// (serialization failure, deadlock, statement timeout, disk full, in turn),
// counted by a sequence, which no rollback undoes.
func flakyProjection(failures int) projections.Projection {
	name := "flaky_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	return everyEvent(projections.Projection{
		Name: name,
		DDL: fmt.Sprintf(`CREATE TABLE seen (position bigint PRIMARY KEY);
CREATE SEQUENCE tries;
CREATE FUNCTION flaky() RETURNS void LANGUAGE plpgsql AS $f$
DECLARE n bigint := nextval('%[1]s.tries');
BEGIN
    IF n <= %[2]d THEN
        RAISE EXCEPTION 'simulated transient failure %%', n
            USING ERRCODE = (ARRAY['40001', '40P01', '57014', '53100'])[1 + n %% 4];
    END IF;
END $f$;`, pgx.Identifier{"rm_" + name}.Sanitize(), failures)}, func(q *projections.Queue, ev domain.Recorded) error {
		q.Exec(`SELECT flaky()`)
		q.Exec(`INSERT INTO seen VALUES ($1) ON CONFLICT DO NOTHING`, ev.Position)
		return nil
	})
}

// TestTransientErrorsAreRetriedInANewTransactionNeverPoisoned: more transient
// failures in a row than the poison limit (5) only delay the projection; it
// applies every event, stays running and parks nothing.
func TestTransientErrorsAreRetriedInANewTransactionNeverPoisoned(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := flakyProjection(9)
	r := &projections.Runner{Store: w.store, Pool: w.pool, Projections: []projections.Projection{p}, PollInterval: 5 * time.Millisecond,
		MinPause: 5 * time.Millisecond, Log: testLog(t)}
	ctx, cancel := context.WithCancel(w.ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() { cancel(); <-done }()
	w.customer("Cust")
	w.caughtUp(p.Name)

	var tries, seen, events int64
	if err := w.pool.QueryRow(w.ctx, `SELECT last_value FROM `+pgx.Identifier{p.Schema(), "tries"}.Sanitize()).Scan(&tries); err != nil {
		t.Fatal(err)
	}
	if tries <= 9 {
		t.Fatalf("only %d statements ran: the failures were not exercised", tries)
	}
	if err := w.pool.QueryRow(w.ctx, `SELECT (SELECT count(*) FROM `+pgx.Identifier{p.Schema(), "seen"}.Sanitize()+`),
		(SELECT count(*) FROM events)`).Scan(&seen, &events); err != nil {
		t.Fatal(err)
	}
	if seen != events {
		t.Fatalf("applied %d of %d events", seen, events)
	}
	st, err := projections.Status(w.ctx, w.pool, []projections.Projection{p})
	if err != nil {
		t.Fatal(err)
	}
	if st[0].State != "running" {
		t.Fatalf("a transient failure ended as %s: %s", st[0].State, st[0].Error)
	}
	if parked, err := projections.DeadLetters(w.ctx, w.pool, []string{p.Name}); err != nil || len(parked) > 0 {
		t.Fatalf("transient failures parked %v (%v)", parked, err)
	}
	if len(r.Failed()) > 0 {
		t.Fatalf("runner reports failures: %v", r.Failed())
	}
}

// fixableProjection cannot apply SharingPaused until its table fixed holds a row
// (standing for a fix being deployed): division by zero, a deterministic error.
func fixableProjection(name string) projections.Projection {
	return everyEvent(projections.Projection{
		Name: name,
		DDL:  `CREATE TABLE seen (position bigint PRIMARY KEY); CREATE TABLE fixed (ok boolean);`}, func(q *projections.Queue, ev domain.Recorded) error {
		if ev.Type == "SharingPaused" {
			q.Exec(`SELECT 1 / (SELECT count(*) FROM fixed)`)
		}
		q.Exec(`INSERT INTO seen VALUES ($1) ON CONFLICT DO NOTHING`, ev.Position)
		return nil
	})
}

// TestPoisonEventIsParkedStopsOnlyItsProjectionAndOperatorsResolveIt runs three
// processes applying the projections. An event one projection cannot apply is
// parked and stops that projection in every process, while the portal goes on
// and stays ready; `retry` (after the fix) and `skip` resume it, each recorded as
// an event in the log.
func TestPoisonEventIsParkedStopsOnlyItsProjectionAndOperatorsResolveIt(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	name := "fixable_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	p := fixableProjection(name)
	var procs []*exec.Cmd
	for range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestChildRunnerOfFixable$")
		cmd.Env = append(os.Environ(), "SHAREHUB_CHILD_DATABASE_URL="+w.url, "SHAREHUB_CHILD_PROJECTION="+name)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, cmd)
	}
	exited := make(chan int, len(procs))
	for i, cmd := range procs {
		go func() { _ = cmd.Wait(); exited <- i }()
	}
	t.Cleanup(func() {
		for _, cmd := range procs {
			_ = cmd.Process.Kill()
		}
	})
	alive := func() {
		t.Helper()
		select {
		case i := <-exited:
			t.Fatalf("process %d exited", i)
		default:
		}
	}
	parkedAt := func(want int64) projections.DeadLetter {
		t.Helper()
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			parked, err := projections.DeadLetters(w.ctx, w.pool, []string{name})
			if err != nil {
				t.Fatal(err)
			}
			var state string
			_ = w.pool.QueryRow(w.ctx, `SELECT state FROM projection_state WHERE name = $1`, name).Scan(&state)
			if len(parked) == 1 && parked[0].At.Position == want && state == "failed" {
				return parked[0]
			}
			if time.Now().After(deadline) {
				t.Fatalf("event %d never parked: %+v, state %q", want, parked, state)
			}
		}
	}
	reads := []string{"portal", "accounts"}

	c, _, _ := w.customer("Cust")
	w.do(w.svc.PauseCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: c}))
	pause := w.last
	w.do(w.svc.ResumeCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: c}))
	d := parkedAt(pause)
	if d.Type != "SharingPaused" || !strings.Contains(d.Error, "division by zero") {
		t.Fatalf("parked %+v", d)
	}
	w.caughtUp("portal") // the other projections go on in the same processes
	w.caughtUp("accounts")
	if err := projections.Ready(w.ctx, w.pool, reads); err != nil {
		t.Fatalf("a projection the API does not read took it out of service: %v", err)
	}
	if err := projections.Ready(w.ctx, w.pool, []string{name}); err == nil {
		t.Fatal("a process reading the stopped projection reports ready")
	}
	if ok, _ := w.store.Applied(w.ctx, name, w.last); ok {
		t.Fatal("the projection went past its parked event")
	}
	alive()

	// Retry before the fix: nothing changes but the record of the attempt.
	op := projections.Resolution{Operator: "ops@test"}
	if _, err := projections.SkipParked(w.ctx, w.store, w.pool, p, op); !errors.Is(err, domain.ErrNotParked) {
		t.Fatalf("skip without a position: %v", err)
	}
	op.Position = pause
	if _, err := projections.SkipParked(w.ctx, w.store, w.pool, p, op); !errors.Is(err, domain.ErrReasonRequired) {
		t.Fatalf("skip without a reason: %v", err)
	}
	// The fix is deployed, then retried: every process resumes.
	if _, err := w.pool.Exec(w.ctx, `INSERT INTO `+pgx.Identifier{p.Schema(), "fixed"}.Sanitize()+` VALUES (true)`); err != nil {
		t.Fatal(err)
	}
	if _, err := projections.RetryParked(w.ctx, w.store, w.pool, p, projections.Resolution{Operator: "ops@test"}); err != nil {
		t.Fatal(err)
	}
	w.caughtUp(name)
	if err := projections.Ready(w.ctx, w.pool, []string{name}); err != nil {
		t.Fatalf("retried projection not ready: %v", err)
	}
	if _, err := projections.RetryParked(w.ctx, w.store, w.pool, p, projections.Resolution{Operator: "ops@test", Position: pause}); !errors.Is(err, domain.ErrNotParked) {
		t.Fatalf("retrying a resolved event: %v", err)
	}

	// A second poison, skipped with a reason: the projection goes on after it.
	if _, err := w.pool.Exec(w.ctx, `DELETE FROM `+pgx.Identifier{p.Schema(), "fixed"}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	w.do(w.svc.PauseCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: c}))
	second := w.last
	w.do(w.svc.ResumeCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: c}))
	resume := w.last
	parkedAt(second)
	if _, err := projections.SkipParked(w.ctx, w.store, w.pool, p, projections.Resolution{Operator: "ops@test", Position: second,
		Reason: "known bug 17"}); err != nil {
		t.Fatal(err)
	}
	w.caughtUp(name)
	var skipped, applied bool
	if err := w.pool.QueryRow(w.ctx, `SELECT EXISTS (SELECT 1 FROM `+pgx.Identifier{p.Schema(), "seen"}.Sanitize()+` WHERE position = $1),
		EXISTS (SELECT 1 FROM `+pgx.Identifier{p.Schema(), "seen"}.Sanitize()+` WHERE position = $2)`, second, resume).Scan(&skipped, &applied); err != nil {
		t.Fatal(err)
	}
	if skipped || !applied {
		t.Fatalf("after the skip: skipped event applied %v, the next one applied %v", skipped, applied)
	}
	alive()

	// Both decisions are in the log, in order, on the projection's stream.
	recs, err := w.store.ReadStream(w.ctx, domain.ProjectionStream(name))
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, r := range recs {
		types = append(types, r.Type)
	}
	if strings.Join(types, ",") != "ProjectionEventRetried,ProjectionEventSkipped" {
		t.Fatalf("operator decisions in the log: %v", types)
	}
	if s := recs[1].Event.(domain.ProjectionEventSkipped); s.Position != second || s.Reason != "known bug 17" || s.Operator != "ops@test" {
		t.Fatalf("skip recorded as %+v", s)
	}
	// The read models ignore these events (they would be poison otherwise).
	w.caughtUp("portal")
	w.caughtUp("accounts")
	if err := projections.Ready(w.ctx, w.pool, append(reads, name)); err != nil {
		t.Fatal(err)
	}
}

// TestChildRunnerOfFixable is the body of the processes of
// TestPoisonEventIsParkedStopsOnlyItsProjectionAndOperatorsResolveIt.
func TestChildRunnerOfFixable(t *testing.T) {
	url, name := os.Getenv("SHAREHUB_CHILD_DATABASE_URL"), os.Getenv("SHAREHUB_CHILD_PROJECTION")
	if url == "" || name == "" {
		t.Skip("runs only as a child process")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pool, err := pgxpoolNew(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := eventstore.New(pool, nil)
	r := &projections.Runner{Store: store, Pool: pool, Projections: []projections.Projection{fixableProjection(name), projections.Portal, projections.Accounts},
		PollInterval: 5 * time.Millisecond, BatchSize: 3, ResumeInterval: 50 * time.Millisecond}
	_ = r.Run(ctx)
}
