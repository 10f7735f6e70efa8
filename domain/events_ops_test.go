package domain_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sharehub/sharehub/domain"
)

func TestProjectionOpsDecisions(t *testing.T) {
	t.Parallel()
	parked := domain.ParkedEvent{Projection: "portal", Position: 42, EventID: n(42), Type: "ShareCancelled", Error: "boom"}
	resolved := parked
	resolved.Resolved = true
	for _, tc := range []struct {
		name    string
		given   []domain.Event
		when    func(*domain.ProjectionOps) ([]domain.Event, error)
		then    []domain.Event
		wantErr error
	}{
		{
			name: "retry a parked event",
			when: func(x *domain.ProjectionOps) ([]domain.Event, error) {
				return x.RetryParkedEvent(parked, "ops@host", t0)
			},
			then: evs(domain.ProjectionEventRetried{Projection: "portal", Position: 42, EventID: n(42), Operator: "ops@host", RetriedAt: t0}),
		},
		{
			name:  "skip a parked event, with its reason",
			given: evs(domain.ProjectionEventRetried{Projection: "portal", Position: 42, EventID: n(42), Operator: "ops@host", RetriedAt: t0}),
			when: func(x *domain.ProjectionOps) ([]domain.Event, error) {
				return x.SkipParkedEvent(parked, "ops@host", " bug 17: fixed by rebuild ", at(1))
			},
			then: evs(domain.ProjectionEventSkipped{Projection: "portal", Position: 42, EventID: n(42), Type: "ShareCancelled",
				Error: "boom", Reason: "bug 17: fixed by rebuild", Operator: "ops@host", SkippedAt: at(1)}),
		},
		{
			name: "skip without a reason",
			when: func(x *domain.ProjectionOps) ([]domain.Event, error) {
				return x.SkipParkedEvent(parked, "ops@host", "  ", t0)
			},
			wantErr: domain.ErrReasonRequired,
		},
		{
			name: "retry what was resolved already",
			when: func(x *domain.ProjectionOps) ([]domain.Event, error) {
				return x.RetryParkedEvent(resolved, "ops@host", t0)
			},
			wantErr: domain.ErrNotParked,
		},
		{
			name: "skip what was resolved already",
			when: func(x *domain.ProjectionOps) ([]domain.Event, error) {
				return x.SkipParkedEvent(resolved, "ops@host", "why", t0)
			},
			wantErr: domain.ErrNotParked,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x := &domain.ProjectionOps{}
			x.Replay(tc.given...)
			got, err := tc.when(x)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if d := cmp.Diff(tc.then, got); d != "" {
				t.Fatalf("events (-want +got):\n%s", d)
			}
			for _, e := range got {
				if domain.StreamOf(e) != domain.ProjectionStream("portal") {
					t.Fatalf("%s on stream %s", e.EventType(), domain.StreamOf(e))
				}
			}
		})
	}
}
