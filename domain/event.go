// Package domain is sharehub's model: aggregates, commands, events, invariants and
// access rules, as pure functions over in-memory state.
//
// It owns the meaning of every event type and how stored payloads are decoded
// (including upcasting old schema versions). It must not import pgx, watermill, chi
// or any other package of this module: it depends on the standard library and
// github.com/google/uuid only, so that every rule can be tested without a database.
package domain

import (
	"time"

	"github.com/google/uuid"
)

// Event is the payload of one domain event. EventType returns a stable type string
// that is stored with the event; it is never derived from the Go type name, so Go
// types may be renamed freely while stored events keep their meaning.
type Event interface {
	EventType() string
}

// Actor kinds recorded in event metadata.
const (
	ActorUser   = "user"   // a signed-in user (staff or customer user)
	ActorSystem = "system" // the platform itself (expiry sweeps, migrations)
	ActorPublic = "public" // an anonymous caller, e.g. someone opening a link
)

// Metadata travels with every event: who caused it, for which tenant, and how it
// correlates with the request that caused it. TenantID is the provider company the
// event belongs to (for company-level streams, the company itself): audit queries
// are scoped by it.
type Metadata struct {
	ActorID        uuid.UUID `json:"actor_id"`
	ActorKind      string    `json:"actor_kind"`
	TenantID       uuid.UUID `json:"tenant_id"`
	CorrelationID  uuid.UUID `json:"correlation_id"`
	CausationID    uuid.UUID `json:"causation_id,omitempty"`
	IdempotencyKey string    `json:"idempotency_key,omitempty"`
	// ClientRequestID is the request id the client chose (X-Request-Id), kept for
	// the client's own correlation only: at most MaxClientRequestIDLen characters,
	// never the correlation id, which the server generates.
	ClientRequestID string `json:"client_request_id,omitempty"`
}

// MaxClientRequestIDLen bounds Metadata.ClientRequestID.
const MaxClientRequestIDLen = 128

// Recorded is an event as stored in the log.
type Recorded struct {
	EventID       uuid.UUID
	Position      int64 // global position in the log (allocation order, not commit order)
	StreamID      string
	Version       int64 // 1-based version within the stream, contiguous
	Type          string
	SchemaVersion int
	Event         Event
	Meta          Metadata
	RecordedAt    time.Time
}

// PersonalDataHolder is implemented, on the pointer, by events that carry personal data
// (names, email addresses) of the people of one company. The event store encrypts
// those fields with that company's key before they enter the immutable log and
// decrypts them on read; forgetting the company deletes the key, after which the
// fields read as Forgotten while the log, its hash chains and its seals stay intact
// (crypto-shredding).
type PersonalDataHolder interface {
	// PersonalDataSubject is the company the data is about.
	PersonalDataSubject() uuid.UUID
	// PersonalDataFields points at the string fields holding personal data.
	PersonalDataFields() []*string
}

// Forgotten is what a personal-data field reads as once its company was forgotten.
const Forgotten = "[forgotten]"
