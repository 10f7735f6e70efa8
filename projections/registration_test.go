package projections_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/projections"
)

// everyEvent is p applying h to every event type of the catalogue (a test
// projection that counts or poisons whatever it is given).
func everyEvent(p projections.Projection, h projections.Handler) projections.Projection {
	for _, typ := range domain.EventTypes() {
		p.Handle(typ, h)
	}
	return p
}

// pauses is a projection that registered one event type only: it records the
// position of every SharingPaused.
func pauses() projections.Projection {
	p := projections.Projection{Name: "pauses_" + strings.ReplaceAll(uuid.NewString()[:8], "-", ""),
		DDL: `CREATE TABLE seen (position bigint PRIMARY KEY);`}
	projections.On(&p, func(q *projections.Queue, ev domain.Recorded, e domain.SharingPaused) error {
		q.Exec(`INSERT INTO seen VALUES ($1) ON CONFLICT DO NOTHING`, ev.Position)
		return nil
	})
	return p
}

func TestApplySkipsWhatAProjectionDidNotRegister(t *testing.T) {
	p := pauses()
	customer := uuid.New()
	for _, tc := range []struct {
		name  string
		event domain.Event
		want  int // statements queued
	}{
		{"registered", domain.SharingPaused{CustomerID: customer}, 1},
		{"unregistered", domain.SharingResumed{CustomerID: customer}, 0},
		{"guard", domain.CustomerShareAdded{CustomerID: customer}, 0},
		{"operations", domain.ProjectionEventSkipped{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := projections.NewQueue("rm_test")
			err := p.Apply(q, domain.Recorded{Type: tc.event.EventType(), Event: tc.event, Version: 2})
			if err != nil || q.Len() != tc.want {
				t.Fatalf("Apply(%s) = %v with %d statements, want nil with %d", tc.event.EventType(), err, q.Len(), tc.want)
			}
		})
	}
	if got := p.Types(); !slices.Equal(got, []string{"SharingPaused"}) {
		t.Fatalf("Types() = %v, want exactly the registered SharingPaused", got)
	}
}

// An event registered under its type but decoded as another Go type (a codec
// change) is a poison event, not a silent skip.
func TestApplyRefusesAnEventOfAnotherGoType(t *testing.T) {
	p := pauses()
	ev := domain.Recorded{Type: "SharingPaused", Event: domain.SharingResumed{}, Version: 2}
	if err := p.Apply(projections.NewQueue("rm_test"), ev); err == nil {
		t.Fatal("a SharingPaused decoded as SharingResumed was applied")
	}
}

// Registering on a copy leaves the original alone (Portal is copied by tests
// and tools).
func TestRegistrationsOfACopyDoNotLeak(t *testing.T) {
	before := projections.Portal.Types()
	broken := projections.Portal.Without("SharingPaused")
	broken.Handle("UserRegistered", func(*projections.Queue, domain.Recorded) error { return nil })
	if !slices.Equal(projections.Portal.Types(), before) {
		t.Fatalf("Portal's types changed: %v, were %v", projections.Portal.Types(), before)
	}
	if slices.Contains(broken.Types(), "SharingPaused") || !slices.Contains(broken.Types(), "UserRegistered") {
		t.Fatalf("the copy's types: %v", broken.Types())
	}
}

// Events a projection did not register (every other type in the log, guards
// included) are skipped by the live consumer, not parked as poison; a rebuild
// reads exactly the registered types.
func TestUnregisteredEventsAreSkippedLiveAndNotReadByRebuild(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	p := pauses()
	w.run(p, projections.Portal)
	c, _, _ := w.customer("Cust")
	f := w.folder("Docs", uuid.Nil, uuid.Nil)
	w.share(c, uuid.Nil, f, domain.PermissionView) // guards: CustomerShareAdded
	w.do(w.svc.PauseCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: c}))
	w.do(w.svc.ResumeCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: c}))
	w.do(w.svc.PauseCustomer(w.ctx, as(w.admin), app.CustomerRef{CustomerID: c}))
	w.caughtUp(p.Name)

	var pausedEvents, others, seen int
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FILTER (WHERE event_type = 'SharingPaused'),
		count(*) FILTER (WHERE event_type <> 'SharingPaused') FROM events`).Scan(&pausedEvents, &others); err != nil {
		t.Fatal(err)
	}
	if err := w.pool.QueryRow(w.ctx, `SELECT count(*) FROM `+pgx.Identifier{p.Schema(), "seen"}.Sanitize()).Scan(&seen); err != nil {
		t.Fatal(err)
	}
	if pausedEvents != 2 || others == 0 || seen != pausedEvents {
		t.Fatalf("%d SharingPaused, %d others in the log; the projection saw %d", pausedEvents, others, seen)
	}
	st, err := projections.Status(w.ctx, w.pool, []projections.Projection{p})
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 1 || st[0].State != "running" {
		t.Fatalf("status after unregistered events: %+v", st)
	}

	res, err := projections.Rebuild(w.ctx, w.store, w.pool, p, projections.RebuildOptions{ChunkSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != int64(pausedEvents) || len(res.Differences) != 0 {
		t.Fatalf("rebuild read %d events (differences %v), want the %d registered ones", res.Events, res.Differences, pausedEvents)
	}
}
