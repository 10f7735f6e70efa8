package projections_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/projections"
)

// twoVersions is one projection in two definitions: v2 adds a NOT NULL column
// that v1's statements do not fill (so v1 applied to v2's tables fails).
func twoVersions() (v1, v2 projections.Projection) {
	name := "deployed_" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	v1 = everyEvent(projections.Projection{Name: name, DDL: `CREATE TABLE seen (position bigint PRIMARY KEY);`}, func(q *projections.Queue, ev domain.Recorded) error {
		q.Exec(`INSERT INTO seen (position) VALUES ($1) ON CONFLICT DO NOTHING`, ev.Position)
		return nil
	})
	v2 = everyEvent(projections.Projection{Name: name, DDL: `CREATE TABLE seen (position bigint PRIMARY KEY, stream text NOT NULL);`}, func(q *projections.Queue, ev domain.Recorded) error {
		q.Exec(`INSERT INTO seen (position, stream) VALUES ($1, $2) ON CONFLICT DO NOTHING`, ev.Position, ev.StreamID)
		return nil
	})
	return v1, v2
}

// TestRollingDeployWithTwoDefinitionsInOneDatabase: processes of the old and the
// new definition run side by side. Two new processes start at once (neither
// exits); the old one never poisons itself on the new tables, a restarted old
// one does not rebuild them back (nor does its `projections rebuild`), and once
// the old definition is retired no process of it starts.
func TestRollingDeployWithTwoDefinitionsInOneDatabase(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	v1, v2 := twoVersions()
	start := func(p projections.Projection) (*projections.Runner, func() error) {
		r := &projections.Runner{Store: w.store, Pool: w.pool, Projections: []projections.Projection{p}, PollInterval: 5 * time.Millisecond,
			Log: testLog(t)}
		ctx, cancel := context.WithCancel(w.ctx)
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		var once sync.Once
		var err error
		stop := func() error { once.Do(func() { cancel(); err = <-done }); return err }
		t.Cleanup(func() { _ = stop() })
		return r, stop
	}
	live := func() string {
		t.Helper()
		var h string
		if err := w.pool.QueryRow(w.ctx, `SELECT ddl_hash FROM projection_state WHERE name = $1`, v1.Name).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	hasStream := func() bool {
		t.Helper()
		var ok bool
		if err := w.pool.QueryRow(w.ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.columns
			WHERE table_schema = $1 AND table_name = 'seen' AND column_name = 'stream')`, v1.Schema()).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}

	old, _ := start(v1)
	w.customer("Before")
	w.caughtUp(v1.Name)

	// Two processes of the new version start at once: both come up.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = projections.Ensure(w.ctx, w.store, w.pool, v2, testLog(t))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("new process %d at start: %v", i, err)
		}
	}
	if live() != v2.DDLHash() || !hasStream() {
		t.Fatal("the new definition is not live after the new processes started")
	}
	_, stopNew := start(v2)
	w.customer("During")
	w.caughtUp(v1.Name)
	// Give the old process's consumer polls over the new tables: it must wait,
	// not fail. (Its polls are observed, not timed: the checkpoint is past every
	// event, so each of its polls found the guard false.)
	w.customer("During2")
	w.caughtUp(v1.Name)
	if f := old.Failed(); len(f) > 0 {
		t.Fatalf("the old process poisoned itself on the new tables: %v", f)
	}

	// A restarted old process does not rebuild the tables back, nor does its rebuild command.
	restarted, stopRestarted := start(v1)
	w.customer("AfterRestart")
	w.caughtUp(v1.Name)
	if live() != v2.DDLHash() || !hasStream() {
		t.Fatal("a restarted old process rebuilt the tables back to its definition")
	}
	if _, err := projections.Rebuild(w.ctx, w.store, w.pool, v1, projections.RebuildOptions{Force: true}); !errors.Is(err, projections.ErrNewerDefinitionLive) {
		t.Fatalf("an old version's rebuild: %v, want ErrNewerDefinitionLive", err)
	}
	if f := restarted.Failed(); len(f) > 0 {
		t.Fatalf("restarted old process failed: %v", f)
	}
	var missing int
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM events e WHERE NOT EXISTS (
		SELECT 1 FROM `+pgx.Identifier{v1.Schema(), "seen"}.Sanitize()+` s WHERE s.position = e.position)`).Scan(&missing); err != nil {
		t.Fatal(err)
	}
	if missing > 0 {
		t.Fatalf("%d events missing from the live tables", missing)
	}

	// The old definition is retired: no process of it starts any more.
	if err := stopRestarted(); err != nil {
		t.Fatal(err)
	}
	if err := projections.Retire(w.ctx, w.pool, v2.Name, v2.DDLHash()); err == nil {
		t.Fatal("the live definition was retired")
	}
	if err := projections.Retire(w.ctx, w.pool, v1.Name, v1.DDLHash()); err != nil {
		t.Fatal(err)
	}
	if err := projections.Ensure(w.ctx, w.store, w.pool, v1, testLog(t)); !errors.Is(err, projections.ErrDefinitionRetired) {
		t.Fatalf("a process of a retired definition starts: %v", err)
	}
	defs, err := projections.Definitions(w.ctx, w.pool, []string{v1.Name})
	if err != nil || len(defs) != 2 || defs[0].Hash != v1.DDLHash() || defs[0].Retired == nil || !defs[1].Live {
		t.Fatalf("definitions: %+v %v", defs, err)
	}
	if err := stopNew(); err != nil {
		t.Fatal(err)
	}
}
