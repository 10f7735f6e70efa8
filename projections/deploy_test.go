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
// new definition run side by side, each applying events to and reading the
// schema of its own definition. Two new processes start at once (neither
// exits; the new schema is built from the log while the old process serves);
// the old one never touches the new tables, a restarted old one and its
// `projections rebuild` rebuild only the old schema; the newest definition
// cannot be retired, the old one can, which drops its schema and checkpoint,
// and no process of it starts again.
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
	hasStream := func(schema string) bool {
		t.Helper()
		var ok bool
		if err := w.pool.QueryRow(w.ctx, `SELECT EXISTS (SELECT 1 FROM information_schema.columns
			WHERE table_schema = $1 AND table_name = 'seen' AND column_name = 'stream')`, schema).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	// missing counts the events absent from schema's seen table.
	missing := func(schema string) int {
		t.Helper()
		var n int
		if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM events e WHERE NOT EXISTS (
			SELECT 1 FROM `+pgx.Identifier{schema, "seen"}.Sanitize()+` s WHERE s.position = e.position)`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	old, stopOld := start(v1)
	w.customer("Before")
	w.caughtUp(v1.Name)
	b1 := must[projections.Projection](t)(projections.Resolve(w.ctx, w.pool, v1))
	if b1.Schema() != v1.Schema() || b1.Group() != v1.Name {
		t.Fatalf("the first definition is %s/%s, want the plain names %s/%s", b1.Schema(), b1.Group(), v1.Schema(), v1.Name)
	}

	// Two processes of the new version start at once: both come up, and the
	// new definition's schema is built from the log beside the old one.
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
	b2 := must[projections.Projection](t)(projections.Resolve(w.ctx, w.pool, v2))
	if b2.Schema() == b1.Schema() || b2.Group() == b1.Group() {
		t.Fatalf("the new definition shares the old one's schema or consumer: %s/%s", b2.Schema(), b2.Group())
	}
	if !hasStream(b2.Schema()) || hasStream(b1.Schema()) {
		t.Fatal("each schema should have the tables of its own definition")
	}
	if n := missing(b2.Schema()); n > 0 {
		t.Fatalf("the new schema was not built from the log: %d events missing", n)
	}
	_, stopNew := start(v2)

	// Events flow: both processes apply them, each to its own tables.
	w.customer("During")
	w.customer("During2")
	w.caughtUp(b1.Group())
	w.caughtUp(b2.Group())
	if f := old.Failed(); len(f) > 0 {
		t.Fatalf("the old process failed: %v", f)
	}
	if m1, m2 := missing(b1.Schema()), missing(b2.Schema()); m1 > 0 || m2 > 0 {
		t.Fatalf("events missing: %d from the old schema, %d from the new one", m1, m2)
	}

	// A restarted old process, and its rebuild command, keep to the old schema.
	if err := stopOld(); err != nil {
		t.Fatal(err)
	}
	restarted, stopRestarted := start(v1)
	w.customer("AfterRestart")
	w.caughtUp(b1.Group())
	w.caughtUp(b2.Group())
	res, err := projections.Rebuild(w.ctx, w.store, w.pool, v1, projections.RebuildOptions{})
	if err != nil || len(res.Differences) > 0 || res.DefinitionChanged {
		t.Fatalf("an old version's rebuild of its own schema: %+v %v", res, err)
	}
	if !hasStream(b2.Schema()) || hasStream(b1.Schema()) || missing(b1.Schema()) > 0 || missing(b2.Schema()) > 0 {
		t.Fatal("the old version's restart or rebuild touched the new schema")
	}
	if f := restarted.Failed(); len(f) > 0 {
		t.Fatalf("restarted old process failed: %v", f)
	}

	// Retiring: not the newest definition; the old one, once no process runs
	// it, loses its schema and checkpoint, and no process of it starts again.
	if err := stopRestarted(); err != nil {
		t.Fatal(err)
	}
	if err := projections.Retire(w.ctx, w.pool, v2.Name, v2.DDLHash()); err == nil {
		t.Fatal("the newest definition was retired")
	}
	if err := projections.Retire(w.ctx, w.pool, v1.Name, v1.DDLHash()); err != nil {
		t.Fatal(err)
	}
	var schemaLeft, checkpointLeft bool
	if err := w.pool.QueryRow(w.ctx, `SELECT to_regnamespace($1) IS NOT NULL,
			EXISTS (SELECT 1 FROM event_offsets WHERE consumer_group = $2)`, b1.Schema(), b1.Group()).
		Scan(&schemaLeft, &checkpointLeft); err != nil {
		t.Fatal(err)
	}
	if schemaLeft || checkpointLeft {
		t.Fatalf("retired definition: schema left %v, checkpoint left %v", schemaLeft, checkpointLeft)
	}
	if err := projections.Ensure(w.ctx, w.store, w.pool, v1, testLog(t)); !errors.Is(err, projections.ErrDefinitionRetired) {
		t.Fatalf("a process of a retired definition starts: %v", err)
	}
	if _, err := projections.Rebuild(w.ctx, w.store, w.pool, v1, projections.RebuildOptions{Force: true}); err == nil {
		t.Fatal("a retired definition was rebuilt")
	}
	defs, err := projections.Definitions(w.ctx, w.pool, []string{v1.Name})
	if err != nil || len(defs) != 2 || defs[0].Hash != v1.DDLHash() || defs[0].Retired == nil || defs[0].Live ||
		!defs[1].Live || defs[1].Schema != b2.Schema() {
		t.Fatalf("definitions: %+v %v", defs, err)
	}
	w.customer("AfterRetire")
	w.caughtUp(b2.Group())
	if n := missing(b2.Schema()); n > 0 {
		t.Fatalf("the new process stopped applying: %d events missing", n)
	}
	if err := stopNew(); err != nil {
		t.Fatal(err)
	}
}

// TestTwoPortalDefinitionsServeTheirOwnTables runs the real portal read model in
// two definitions side by side (the second's DDL differs by a comment, which is
// enough for a definition of its own): each runner applies to its schema, and
// the API's queries, given the Schemas of one definition in their context, read
// that definition's tables. Once the old one is retired its schema is gone and
// the new one's reads and read-your-writes go on.
func TestTwoPortalDefinitionsServeTheirOwnTables(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	v1 := projections.Portal
	v2 := projections.Portal
	v2.DDL += "\n-- a later definition\n"
	stopAccounts := w.run(projections.Accounts)
	defer stopAccounts()
	stopOld := w.run(v1)
	c1, _, _ := w.customer("Alpha")
	w.caughtUp("portal")
	if err := projections.Ensure(w.ctx, w.store, w.pool, v2, testLog(t)); err != nil {
		t.Fatal(err)
	}
	stopNew := w.run(v2)
	defer stopNew()
	b2 := must[projections.Projection](t)(projections.Resolve(w.ctx, w.pool, v2))
	oldS := projections.DefaultSchemas()
	newS := projections.Schemas{Portal: b2.Schema(), Accounts: oldS.Accounts, PortalGroup: b2.Group(), AccountsGroup: oldS.AccountsGroup}
	if newS.Portal == oldS.Portal || newS.Group("portal") == "portal" {
		t.Fatalf("the later definition has the plain names: %+v", newS)
	}
	folder := w.folder("Reports", uuid.Nil, uuid.Nil)
	doc := w.document("Q1.pdf", folder, false)
	w.share(c1, doc, uuid.Nil, domain.PermissionView)
	c2, _, _ := w.customer("Beta")

	// The old definition's schema is written behind its reader's back: a read
	// through the new Schemas that saw it would be reading the wrong tables.
	w.caughtUp(oldS.Group("portal"))
	w.caughtUp(newS.Group("portal"))
	if _, err := w.pool.Exec(w.ctx, `UPDATE rm_portal.customers SET company_name = 'OLD TABLES' WHERE id = $1`, c2); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		s    projections.Schemas
		want string
	}{{"old", oldS, "OLD TABLES"}, {"new", newS, "Beta"}} {
		ctx := projections.WithSchemas(w.ctx, tc.s)
		row, err := projections.Customer(ctx, w.pool, c2)
		if err != nil || row.CompanyName != tc.want {
			t.Fatalf("%s definition reads customer %q, %v; want %q", tc.name, row.CompanyName, err, tc.want)
		}
		view, err := projections.PortalView(ctx, w.pool, c1)
		if err != nil || len(view.Documents) != 1 || view.Documents[0].Name != "Q1.pdf" {
			t.Fatalf("%s definition's portal view: %+v %v", tc.name, view, err)
		}
	}

	stopOld()
	if err := projections.Retire(w.ctx, w.pool, v1.Name, v1.DDLHash()); err != nil {
		t.Fatal(err)
	}
	if _, err := projections.Customer(projections.WithSchemas(w.ctx, oldS), w.pool, c2); err == nil {
		t.Fatal("the retired definition's tables are still there")
	}
	c3, _, _ := w.customer("Gamma")
	w.caughtUp(newS.Group("portal"))
	row, err := projections.Customer(projections.WithSchemas(w.ctx, newS), w.pool, c3)
	if err != nil || row.CompanyName != "Gamma" {
		t.Fatalf("after the old definition retired, the new one reads %q, %v", row.CompanyName, err)
	}
}
