package projections_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/projections"
)

// rebuildEqualsLive rebuilds p without force: it fails when the fresh tables
// differ from the live ones.
func rebuildEqualsLive(t *testing.T, w *world, p projections.Projection) projections.RebuildResult {
	t.Helper()
	res, err := projections.Rebuild(w.ctx, w.store, w.pool, p, projections.RebuildOptions{ChunkSize: 97})
	if err != nil {
		t.Fatalf("rebuild %s: %v", p.Name, err)
	}
	if len(res.Differences) > 0 {
		t.Fatalf("rebuild %s differs: %v", p.Name, res.Differences)
	}
	return res
}

func (s *scenario) viewsAgreeWithOracle(t *testing.T) {
	t.Helper()
	s.check(t, "final")
}

func TestRebuildEqualsLiveWhileWritesGoOn(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(projections.All()...)
	s := newScenario(w, 11)
	for i := range 150 {
		s.step(i)
	}
	w.caughtUp("portal")
	w.caughtUp("accounts")
	// Writes continue while the rebuild runs; the swap happens at the live
	// checkpoint whatever it is by then.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 150; i < 190; i++ {
			s.step(i)
		}
	}()
	for _, p := range projections.All() {
		res := rebuildEqualsLive(t, w, p)
		if res.Events == 0 || res.DefinitionChanged {
			t.Fatalf("rebuild %s: %+v", p.Name, res)
		}
	}
	<-done
	s.viewsAgreeWithOracle(t)
	// The swapped-in tables keep being updated by the live consumer.
	c, _, _ := w.customer("AfterSwap")
	w.caughtUp("portal")
	if _, err := projections.PortalView(w.ctx, w.pool, c); err != nil {
		t.Fatalf("customer created after the swap: %v", err)
	}
}

func TestRebuildRefusesToSwapADifferenceUnlessForced(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(projections.Portal)
	s := newScenario(w, 3)
	for i := range 40 {
		s.step(i)
	}
	w.caughtUp("portal")
	c := s.customers[0]
	if _, err := w.pool.Exec(w.ctx, `UPDATE rm_portal.customers SET company_name = 'tampered' WHERE id = $1`, c); err != nil {
		t.Fatal(err)
	}
	_, err := projections.Rebuild(w.ctx, w.store, w.pool, projections.Portal, projections.RebuildOptions{})
	var diff *projections.DiffError
	if !errors.As(err, &diff) || diff.Differences["customers"] != 2 {
		t.Fatalf("rebuild over a tampered table: err = %v, want a DiffError naming customers (2 rows)", err)
	}
	var name string
	if err := w.pool.QueryRow(w.ctx, `SELECT company_name FROM rm_portal.customers WHERE id = $1`, c).Scan(&name); err != nil || name != "tampered" {
		t.Fatalf("a refused rebuild changed the live tables: %q %v", name, err)
	}
	res, err := projections.Rebuild(w.ctx, w.store, w.pool, projections.Portal, projections.RebuildOptions{Force: true})
	if err != nil || res.Differences["customers"] != 2 {
		t.Fatalf("forced rebuild: %+v %v", res, err)
	}
	if err := w.pool.QueryRow(w.ctx, `SELECT company_name FROM rm_portal.customers WHERE id = $1`, c).Scan(&name); err != nil || name == "tampered" {
		t.Fatalf("forced rebuild did not repair the row: %q %v", name, err)
	}
	rebuildEqualsLive(t, w, projections.Portal)
}

// TestApplyingEveryEventTwiceChangesNothing delivers each event twice to the live
// tables and compares them with a rebuild.
func TestApplyingEveryEventTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := newScenario(w, 5)
	for i := range 150 {
		s.step(i)
	}
	for _, p := range projections.All() {
		if err := projections.Ensure(w.ctx, w.store, w.pool, p, testLog(t)); err != nil {
			t.Fatal(err)
		}
		var cursor eventstore.Cursor
		err := pgx.BeginFunc(w.ctx, w.pool, func(tx pgx.Tx) error {
			for {
				evs, next, err := w.store.ReadOrdered(w.ctx, tx, eventstore.OrderedFilter{After: cursor, Limit: 500})
				if err != nil || len(evs) == 0 {
					return err
				}
				for _, ev := range evs {
					for range 2 {
						if err := projections.ApplyTo(w.ctx, tx, p, ev); err != nil {
							return err
						}
					}
				}
				cursor = next
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := (eventstore.Checkpoints{}).Set(w.ctx, w.pool, p.Name, cursor); err != nil {
			t.Fatal(err)
		}
		rebuildEqualsLive(t, w, p)
	}
	w.run(projections.Portal)
	s.viewsAgreeWithOracle(t)
}

// TestStopAndRestartAtRandomPointsEqualsAnUninterruptedRun cancels the runner at
// random moments while commands run, and restarts it.
func TestStopAndRestartAtRandomPointsEqualsAnUninterruptedRun(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := newScenario(w, 7)
	rng := rand.New(rand.NewPCG(7, 7))
	stop := w.run(projections.All()...)
	for i := range 200 {
		s.step(i)
		if rng.IntN(25) == 0 {
			time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
			stop()
			stop = w.run(projections.All()...)
		}
	}
	s.viewsAgreeWithOracle(t)
	w.caughtUp("accounts")
	for _, p := range projections.All() {
		rebuildEqualsLive(t, w, p)
	}
}

// TestKilledProcessResumesExactly kills (SIGKILL) a process applying the
// projections in the middle of its work, twice, then lets a new one finish.
func TestKilledProcessResumesExactly(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := newScenario(w, 9)
	for i := range 250 {
		s.step(i)
	}
	var total int64
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM events`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	for round, fraction := range []int64{4, 2} {
		cmd := childRunner(t, w.url)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			cur, _, err := eventstore.Checkpoints{}.Get(w.ctx, w.pool, "portal", false)
			if err != nil {
				t.Fatal(err)
			}
			if cur.Position >= w.last*int64(round+1)/int64(fraction+1) || time.Now().After(deadline) {
				break
			}
			time.Sleep(time.Millisecond)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	cmd := childRunner(t, w.url)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	w.caughtUp("portal")
	w.caughtUp("accounts")
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	s.viewsAgreeWithOracle(t)
	for _, p := range projections.All() {
		rebuildEqualsLive(t, w, p)
	}
}

// childRunner starts this test binary as a process that only runs the
// projections (see TestChildRunner), slowed down so that a kill lands mid-way.
func childRunner(t *testing.T, url string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildRunner$", "-test.v")
	cmd.Env = append(os.Environ(), "SHAREHUB_CHILD_DATABASE_URL="+url)
	return cmd
}

// TestChildRunner is the body of the process TestKilledProcessResumesExactly kills.
func TestChildRunner(t *testing.T) {
	url := os.Getenv("SHAREHUB_CHILD_DATABASE_URL")
	if url == "" {
		t.Skip("runs only as the child of TestKilledProcessResumesExactly")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	pool, err := pgxpoolNew(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := eventstore.New(pool, testLog(t))
	r := &projections.Runner{Store: store, Pool: pool, BatchSize: 7, PollInterval: 5 * time.Millisecond}
	_ = r.Run(ctx)
}

func TestPoisonEventStopsOnlyItsProjection(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	poisoned := everyEvent(projections.Projection{
		Name: "poisoned_" + strings.ReplaceAll(uuid.NewString()[:8], "-", ""),
		DDL:  `CREATE TABLE seen (position bigint PRIMARY KEY);`}, func(q *projections.Queue, ev domain.Recorded) error {
		if ev.Type == "SharingPaused" {
			return errors.New("this projection cannot apply SharingPaused")
		}
		q.Exec(`INSERT INTO seen VALUES ($1) ON CONFLICT DO NOTHING`, ev.Position)
		return nil
	})
	r := &projections.Runner{Store: w.store, Pool: w.pool, Projections: []projections.Projection{poisoned, projections.Portal}, PollInterval: 5 * time.Millisecond, BatchSize: 1}
	ctx, cancel := context.WithCancel(w.ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() { cancel(); <-done }()

	c, _, _ := w.customer("Cust")
	w.do(w.svc.PauseCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: c}))
	w.do(w.svc.ResumeCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: c}))
	w.caughtUp("portal") // the healthy projection goes on

	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := projections.Status(w.ctx, w.pool, []projections.Projection{poisoned, projections.Portal})
		if err != nil {
			t.Fatal(err)
		}
		if st[0].State == "failed" {
			if !strings.Contains(st[0].Error, "SharingPaused") || st[0].LagEvents < 2 {
				t.Fatalf("failed status does not say why or how far behind: %+v", st[0])
			}
			if st[1].State != "running" || st[1].LagEvents != 0 {
				t.Fatalf("healthy projection: %+v", st[1])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("poisoned projection never reported failed: %+v", st[0])
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, ok := r.Failed()[poisoned.Name]; !ok {
		t.Fatal("runner does not list the failed projection")
	}
	var n int
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM `+pgx.Identifier{poisoned.Schema(), "seen"}.Sanitize()).Scan(&n); err != nil || n == 0 {
		t.Fatalf("events before the poison were not applied: %d %v", n, err)
	}
}

func TestStatusNamesTheTransactionHoldingBackTheHorizon(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(projections.Portal)
	w.caughtUp("portal")
	conn, err := w.pool.Acquire(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	tx, err := conn.Begin(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(w.ctx)) }()
	var (
		pid int
		xid string
	)
	if err := tx.QueryRow(w.ctx, `SELECT pg_backend_pid(), pg_current_xact_id()::text`).Scan(&pid, &xid); err != nil {
		t.Fatal(err)
	}
	w.customer("Behind")
	st, err := projections.Status(w.ctx, w.pool, []projections.Projection{projections.Portal})
	if err != nil {
		t.Fatal(err)
	}
	if st[0].HeldBack == 0 || st[0].LagEvents == 0 {
		t.Fatalf("status does not show held-back events: %+v", st[0])
	}
	found := false
	for _, b := range st[0].Blockers {
		found = found || b.PID == pid
	}
	if !found {
		t.Fatalf("blockers %+v do not name pid %d", st[0].Blockers, pid)
	}
	if err := tx.Rollback(w.ctx); err != nil {
		t.Fatal(err)
	}
	w.caughtUp("portal")
}

// TestPortalViewAsOfMatchesWhatWasSeenLive captures the live view after every step
// of a timeline, then asks the as-of replay for each instant.
func TestPortalViewAsOfMatchesWhatWasSeenLive(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(projections.Portal)
	c, _, ws := w.customer("Cust")
	f := w.folder("Docs", uuid.Nil, uuid.Nil)
	a := w.document("a.pdf", f, false)
	manual := w.document("manual.pdf", f, true)
	w.document("ws.pdf", ws, false)
	type seen struct {
		label string
		at    time.Time
		view  domain.PortalView
	}
	var timeline []seen
	capture := func(label string) {
		timeline = append(timeline, seen{label, w.clock.Now(), w.view(c)})
		w.clock.Advance(time.Second)
	}
	capture("before anything")
	w.share(c, a, uuid.Nil, domain.PermissionView)
	capture("grant")
	w.do(w.svc.PauseCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: c}))
	capture("pause")
	w.do(w.svc.ResumeCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: c}))
	capture("resume")
	w.share(c, uuid.Nil, f, domain.PermissionEdit)
	capture("folder share")
	w.do(w.svc.SetMasterAccess(w.ctx, as(w.admin), app.SetMasterAccess{CustomerID: c, Enabled: true}))
	capture("master access")
	w.do(w.svc.SetVersionVisibility(w.ctx, as(w.admin), app.SetVersionVisibility{DocumentID: manual, Version: 1, Visible: true}))
	capture("hidden version published")
	w.do(w.svc.RevokeCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: c}))
	capture("revoke")

	distinct := map[string]bool{}
	for _, s := range timeline {
		got, err := projections.PortalViewAsOf(w.ctx, w.store, w.pool, c, s.at)
		if err != nil {
			t.Fatalf("%s: %v", s.label, err)
		}
		sameView(t, "as of "+s.label, got, s.view)
		distinct[fmt.Sprint(visible(s.view), s.view.Open)] = true
	}
	if len(distinct) < 5 {
		t.Fatalf("the timeline shows only %d distinct views: it tests too little", len(distinct))
	}
	if _, err := projections.PortalViewAsOf(w.ctx, w.store, w.pool, uuid.New(), time.Now()); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown customer: %v", err)
	}
	// Nothing of the replay stays behind.
	var schemas int
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'asof_%'`).Scan(&schemas); err != nil || schemas != 0 {
		t.Fatalf("as-of schemas left behind: %d %v", schemas, err)
	}
}

// TestOracleComparisonCatchesABrokenProjection proves the differential test can
// fail: a portal projection that forgets pauses disagrees with the oracle.
func TestOracleComparisonCatchesABrokenProjection(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	broken := projections.Portal.Without("SharingPaused")
	w.run(broken)
	c, _, _ := w.customer("Cust")
	f := w.folder("Docs", uuid.Nil, uuid.Nil)
	w.document("a.pdf", f, false)
	w.share(c, uuid.Nil, f, domain.PermissionView)
	w.do(w.svc.PauseCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: c}))
	got := w.view(c)
	if cmp.Equal(got, w.state().PortalView(c)) {
		t.Fatal("a projection that ignores pauses agrees with the oracle: the comparison cannot fail")
	}
}

// TestConnectionsKilledMidStreamResubscribe terminates every other session of the
// database (as a restart would) while events flow: the consumers resubscribe,
// nothing is marked failed, and the result equals a rebuild.
func TestConnectionsKilledMidStreamResubscribe(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.run(projections.All()...)
	s := newScenario(w, 13)
	w.caughtUp("portal")
	conn, err := pgxpoolNew(w.ctx, w.url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for i := range 120 {
		s.step(i)
		if i%30 == 15 {
			if _, err := conn.Exec(w.ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
				t.Fatal(err)
			}
			// The scenario's own next write would meet a dead idle connection and
			// fail as a 503 would: what a server notices and a client retries. Drop
			// the idle ones as pgx advises; the consumers' connections, killed while
			// in use, are what this test is about.
			w.pool.Reset()
		}
	}
	s.viewsAgreeWithOracle(t)
	w.caughtUp("accounts")
	st, err := projections.Status(w.ctx, w.pool, projections.All())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range st {
		if p.State != "running" {
			t.Fatalf("%s is %s after lost connections: %s", p.Name, p.State, p.Error)
		}
	}
	for _, p := range projections.All() {
		rebuildEqualsLive(t, w, p)
	}
}
