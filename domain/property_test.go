package domain_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/scenario"
)

// propertySink is the scenario's domain-state sink for the property test: it
// records every batch (scenario.Log), applies it to one State of every tenant, and
// checks the properties every 50 batches.
type propertySink struct {
	t       *testing.T
	log     scenario.Log
	s       *domain.State
	batches int
}

func (p *propertySink) Record(b scenario.Batch) error {
	if err := p.log.Record(b); err != nil {
		return err
	}
	for _, ch := range b.Changes {
		if err := p.s.Apply(ch.Events...); err != nil {
			return fmt.Errorf("%s: %w", ch.Stream, err)
		}
	}
	if p.batches++; p.batches%50 == 0 {
		p.check(fmt.Sprintf("after batch %d", p.batches))
	}
	return nil
}

func (p *propertySink) check(when string) {
	p.t.Helper()
	if err := domain.CheckLog(p.log.Events); err != nil {
		p.t.Fatalf("%s: %v", when, err)
	}
	for _, c := range p.s.Customers() {
		if v := p.s.PortalView(c.ID); c.Status != domain.StatusActive && (v.Open || len(v.Documents)+len(v.Folders) > 0) {
			p.t.Fatalf("%s: customer %s is %s but sees %+v", when, c.ID, c.Status, v)
		}
	}
}

// TestPropertyRandomCommands drives the deciders with seeded scenarios (the one
// generator, domain/scenario, strict: a command that fails with anything but a
// rejection, or is rejected yet decides events, fails the test) and checks the
// log's invariants (domain.CheckLog) along the way: nothing follows
// ShareCancelled, LinkCancelled, SharingRevoked or DocumentRemoved in its stream;
// a revoked customer's shares are all cancelled; versions are contiguous; share
// tracking agrees with the shares. It also checks the portal view never shows
// anything to a customer that is not active.
func TestPropertyRandomCommands(t *testing.T) {
	t.Parallel()
	for seed := range int64(16) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			t.Parallel()
			p := &propertySink{t: t, s: domain.NewState()}
			if err := scenario.New(p, 2000, seed).Strict().Run(context.Background()); err != nil {
				t.Fatal(err)
			}
			p.check("at the end")
			if got := len(p.log.Events); got != 2000 {
				t.Fatalf("%d events, want 2000", got)
			}
		})
	}
}

// TestCheckLogCatchesViolations makes sure the invariant checker can fail.
func TestCheckLogCatchesViolations(t *testing.T) {
	t.Parallel()
	rec := func(events ...domain.Event) []domain.Recorded {
		versions := map[string]int64{}
		var out []domain.Recorded
		for i, e := range events {
			s := domain.StreamOf(e)
			versions[s]++
			out = append(out, domain.Recorded{Position: int64(i + 1), StreamID: s, Version: versions[s], Type: e.EventType(), Event: e})
		}
		return out
	}
	base := join(world(), docShare(share1, doc, domain.PermissionView))
	if err := domain.CheckLog(rec(base...)); err != nil {
		t.Fatalf("a valid log: %v", err)
	}
	for name, log := range map[string][]domain.Recorded{
		"an event after ShareCancelled": rec(join(base, cancelled(share1, doc, uuid.Nil, domain.ReasonCancelled), evs(
			domain.SharePermissionChanged{ShareID: share1, ProviderID: provider, CustomerID: cust, Permission: domain.PermissionEdit, ChangedAt: t0}))...),
		"an active share on a revoked customer": rec(join(base, revoked())...),
		"an active share on a removed document": rec(join(base, evs(domain.DocumentRemoved{DocumentID: doc, ProviderID: provider, RemovedAt: t0}))...),
		"a live link on a removed document":     rec(join(world(), linkCreated(link1, "", time.Time{}), evs(domain.DocumentRemoved{DocumentID: doc, ProviderID: provider, RemovedAt: t0}))...),
		"an untracked share": rec(join(world(), evs(
			domain.PortalShareGranted{ShareID: share1, ProviderID: provider, CustomerID: cust, DocumentID: doc, Permission: domain.PermissionView, GrantedAt: t0}))...),
		"a gap in versions": func() []domain.Recorded { l := rec(base...); l[len(l)-1].Version += 2; return l }(),
		"an event in the wrong stream": func() []domain.Recorded {
			l := rec(base...)
			l[len(l)-1].StreamID = domain.CustomerStream(cust)
			return l
		}(),
	} {
		if err := domain.CheckLog(log); err == nil {
			t.Errorf("%s: not detected", name)
		}
	}
}
