package domain

import (
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Operations on the read models that change what a projection applied are
// recorded in the log like every other decision: who resolved a parked event, how,
// and why. Their stream, projection-<uuid>, is named after the projection (the
// uuid is derived from its name), not after an aggregate; read models ignore them.

// ActorOperator is the actor kind of a command run by an operator on the command
// line (no signed-in user; the payload names the operator).
const ActorOperator = "operator"

// projectionNamespace derives the stream id of a projection from its name.
var projectionNamespace = uuid.NewSHA1(uuid.NameSpaceOID, []byte("sharehub projection"))

// ProjectionStream names the stream of operations on projection name.
func ProjectionStream(name string) string {
	return KindProjection + "-" + uuid.NewSHA1(projectionNamespace, []byte(name)).String()
}

// ProjectionOps is the stream of operator decisions about one projection.
type ProjectionOps struct {
	base
	Name string
}

// Replay applies the aggregate's stored events in order.
func (x *ProjectionOps) Replay(events ...Event) { x.replay(x.apply, events) }

func (x *ProjectionOps) apply(e Event) {
	switch e := e.(type) {
	case ProjectionEventRetried:
		x.Name = e.Projection
	case ProjectionEventSkipped:
		x.Name = e.Projection
	}
}

// ParkedEvent is an event a projection stopped at (a dead letter), as the
// operator commands see it.
type ParkedEvent struct {
	Projection string
	Position   int64
	EventID    uuid.UUID
	Type       string
	Error      string
	Resolved   bool
}

// ErrNotParked refuses to retry or skip an event that is not parked, or whose
// parking was resolved already.
var ErrNotParked = errors.New("no unresolved parked event at that position")

// ErrReasonRequired refuses a skip without a reason: moving a read model past an
// event is a decision an auditor will ask about.
var ErrReasonRequired = errors.New("a reason is required to skip an event")

// RetryParkedEvent decides to try a parked event again.
func (x *ProjectionOps) RetryParkedEvent(p ParkedEvent, operator string, now time.Time) ([]Event, error) {
	if p.Resolved || p.Position <= 0 {
		return nil, ErrNotParked
	}
	return []Event{ProjectionEventRetried{Projection: p.Projection, Position: p.Position, EventID: p.EventID,
		Operator: operator, RetriedAt: now.UTC()}}, nil
}

// SkipParkedEvent decides to move the projection past a parked event for good.
func (x *ProjectionOps) SkipParkedEvent(p ParkedEvent, operator, reason string, now time.Time) ([]Event, error) {
	if p.Resolved || p.Position <= 0 {
		return nil, ErrNotParked
	}
	if strings.TrimSpace(reason) == "" {
		return nil, ErrReasonRequired
	}
	return []Event{ProjectionEventSkipped{Projection: p.Projection, Position: p.Position, EventID: p.EventID,
		Type: p.Type, Error: p.Error, Reason: strings.TrimSpace(reason), Operator: operator, SkippedAt: now.UTC()}}, nil
}

// ProjectionEventRetried: an operator asked a projection stopped at an event it
// could not apply to try that event again (typically after deploying a fix).
type ProjectionEventRetried struct {
	Projection string    `json:"projection"`
	Position   int64     `json:"position"`
	EventID    uuid.UUID `json:"event_id"`
	Operator   string    `json:"operator"`
	RetriedAt  time.Time `json:"retried_at"`
}

// ProjectionEventSkipped: an operator moved a projection past an event it could
// not apply; the event stays in the log, the read model never applied it.
type ProjectionEventSkipped struct {
	Projection string    `json:"projection"`
	Position   int64     `json:"position"`
	EventID    uuid.UUID `json:"event_id"`
	Type       string    `json:"event_type"`
	Error      string    `json:"error"`
	Reason     string    `json:"reason"`
	Operator   string    `json:"operator"`
	SkippedAt  time.Time `json:"skipped_at"`
}

func (ProjectionEventRetried) EventType() string { return "ProjectionEventRetried" }
func (ProjectionEventSkipped) EventType() string { return "ProjectionEventSkipped" }
func (e ProjectionEventRetried) Stream() string  { return ProjectionStream(e.Projection) }
func (e ProjectionEventSkipped) Stream() string  { return ProjectionStream(e.Projection) }

func init() {
	RegisterEvent(ProjectionEventRetried{}, 1)
	RegisterEvent(ProjectionEventSkipped{}, 1)
}
