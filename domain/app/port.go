// Package app holds sharehub's application services: each command loads the
// aggregates it needs from an EventStore, lets the domain decide, and appends the
// resulting events (with any side records) in one atomic batch, retrying a bounded
// number of times on a concurrency conflict.
//
// It depends on domain, app/query (whose data shapes its results use, views.go)
// and the standard library only; the PostgreSQL adapter lives in package
// eventstore and an in-memory one in app/memstore. It must not import pgx,
// watermill, chi, eventstore, projections or httpapi. Reads are app/query's.
package app

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// EventStore is the port the application services write and read through.
//
// Implementations must satisfy the conformance suite in app/storetest.
type EventStore interface {
	// ReadStream returns every event of a stream in version order (empty, not an
	// error, for a stream that does not exist).
	ReadStream(ctx context.Context, streamID string) ([]domain.Recorded, error)
	// Append commits the whole batch atomically or nothing of it. A stream whose
	// current version differs from its ExpectedVersion makes the whole batch fail
	// with domain.ErrConcurrencyConflict. A Claim already held fails with a
	// *ClaimTakenError; an Idempotency record whose key exists fails with
	// ErrDuplicateRequest.
	Append(ctx context.Context, b Batch) (AppendResult, error)
	// ClaimOwner returns the owner of the claim on (scope, value), compared exactly
	// as Claim compares them; domain.ErrNotFound when nobody holds it. Claims commit
	// with their batch, so an owner returned has committed events.
	ClaimOwner(ctx context.Context, scope, value string) (uuid.UUID, error)
}

// StreamAppend is the events to append to one stream. ExpectedVersion is the
// stream's current version as the command saw it (0: the stream must not exist).
type StreamAppend struct {
	StreamID        string
	ExpectedVersion int64
	Events          []domain.Event
}

// Batch is one atomic write: events on one or more streams plus side records that
// must commit with them (or not at all).
type Batch struct {
	Streams    []StreamAppend
	Meta       domain.Metadata
	RecordedAt time.Time
	Records    []Record
}

// AppendResult tells where the batch landed in the log.
type AppendResult struct {
	// Positions holds the global position of each appended event, in batch order
	// (streams in order, events in order within each stream).
	Positions []int64
	// LastPosition is the highest of Positions: the value the API returns as
	// X-Position.
	LastPosition int64
}

// Record is a side record persisted in the same transaction as a batch's events.
// The set of record kinds is closed: the types below.
type Record interface{ isRecord() }

// Claim reserves a value unique within a scope (an email address across all users,
// a group code within a provider). Claims are never released: a value once used
// stays used.
type Claim struct {
	Scope string // e.g. "user-email", "group-code:<provider id>"
	Value string // compared exactly; normalise before claiming
	Owner uuid.UUID
}

// Credential stores (or replaces) the login of a user. Credentials are not events:
// they hold a password hash that must never enter the immutable log.
type Credential struct {
	UserID       uuid.UUID
	CompanyID    uuid.UUID
	Email        string // normalised (lower case)
	PasswordHash string
}

// Idempotency records that a request with this key was carried out. It commits
// with the events, so a replay of the same key can never append again.
type Idempotency struct {
	TenantID    uuid.UUID // the caller's company (uuid.Nil for public calls)
	Key         string
	RequestHash string // hash of method, route and body
}

// OutboxMail is a mail to be delivered after the batch commits (by a worker that
// marks it sent, so it is sent at most once per event).
type OutboxMail struct {
	ID       uuid.UUID
	To       string
	Subject  string
	Body     string
	Template string // machine word: "customer-invitation", "share-notification", ...
}

func (Claim) isRecord()       {}
func (Credential) isRecord()  {}
func (Idempotency) isRecord() {}
func (OutboxMail) isRecord()  {}

// ErrDuplicateRequest is returned by Append when the batch carries an Idempotency
// record whose (tenant, key) already exists.
var ErrDuplicateRequest = errors.New("duplicate idempotency key")

// ClaimTakenError is returned by Append when a Claim's (scope, value) is held.
type ClaimTakenError struct {
	Scope string
	Value string
}

func (e *ClaimTakenError) Error() string {
	return "claim taken: " + e.Scope + " " + e.Value
}
