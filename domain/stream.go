package domain

import (
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// Stream name prefixes: one stream per aggregate instance, "<kind>-<uuid>".
const (
	KindCompany  = "company"
	KindUser     = "user"
	KindGroup    = "group"
	KindCustomer = "customer"
	KindFolder   = "folder"
	KindDocument = "document"
	KindShare    = "share"
	KindLink     = "link"
	KindDownload = "download"
	KindLinkOpen = "linkopen"
	// KindRequest streams hold a document request (events_requests.go).
	KindRequest = "request"
	// KindProjection streams hold operations on a read model (events_ops.go).
	KindProjection = "projection"
)

// CompanyStream and its siblings name the stream of one aggregate.
func CompanyStream(id uuid.UUID) string  { return KindCompany + "-" + id.String() }
func UserStream(id uuid.UUID) string     { return KindUser + "-" + id.String() }
func GroupStream(id uuid.UUID) string    { return KindGroup + "-" + id.String() }
func CustomerStream(id uuid.UUID) string { return KindCustomer + "-" + id.String() }
func FolderStream(id uuid.UUID) string   { return KindFolder + "-" + id.String() }
func DocumentStream(id uuid.UUID) string { return KindDocument + "-" + id.String() }
func ShareStream(id uuid.UUID) string    { return KindShare + "-" + id.String() }
func LinkStream(id uuid.UUID) string     { return KindLink + "-" + id.String() }
func DownloadStream(id uuid.UUID) string { return KindDownload + "-" + id.String() }
func LinkOpenStream(id uuid.UUID) string { return KindLinkOpen + "-" + id.String() }
func RequestStream(id uuid.UUID) string  { return KindRequest + "-" + id.String() }

// ParseStream splits a stream id into its kind and aggregate id.
func ParseStream(stream string) (kind string, id uuid.UUID, err error) {
	kind, rest, ok := strings.Cut(stream, "-")
	if !ok {
		return "", uuid.Nil, fmt.Errorf("stream %q: no kind prefix", stream)
	}
	id, err = uuid.Parse(rest)
	if err != nil {
		return "", uuid.Nil, fmt.Errorf("stream %q: %w", stream, err)
	}
	switch kind {
	case KindCompany, KindUser, KindGroup, KindCustomer, KindFolder, KindDocument, KindShare, KindLink, KindDownload, KindLinkOpen,
		KindProjection, KindRequest:
		return kind, id, nil
	}
	return "", uuid.Nil, fmt.Errorf("stream %q: unknown kind %q", stream, kind)
}

// Streamed is implemented by every event of the catalogue: the stream it belongs
// to follows from its payload, so a log can be routed to aggregates without a
// separate index and a writer can check it appends to the right stream.
type Streamed interface {
	Event
	Stream() string
}

// StreamOf returns the stream e belongs to, or "" for an event type outside the
// catalogue (test-only types, for instance).
func StreamOf(e Event) string {
	if s, ok := e.(Streamed); ok {
		return s.Stream()
	}
	return ""
}

// Change is the events one decision appends to one stream. Version is the stream
// version the decision was taken at: the store's expected version, so a concurrent
// writer of this stream makes the whole batch conflict. Only the streams a batch
// appends to are checked: a stream a decision merely read is not, unless the
// decision also appends a guard event to it (IsGuard) or the unit of work adds a
// StreamGuard record for it. domain/app/reads.go lists, per command, which reads
// are checked and which are not.
type Change struct {
	Stream  string
	Version int64
	Events  []Event
}

// base is embedded by every aggregate. It counts the events applied, which is the
// stream version the aggregate reflects.
type base struct {
	version int64
}

// Version is the number of events the aggregate was rebuilt from (0: the stream
// does not exist yet).
func (b *base) Version() int64 { return b.version }

// Exists reports whether any event was applied.
func (b *base) Exists() bool { return b.version > 0 }

// Restore sets the version of an aggregate that a read model rebuilt from its own
// rows rather than from the stream (the portal read model feeds ComputePortalView
// this way). The write side never uses it: commands always replay the stream.
func (b *base) Restore(version int64) { b.version = version }

func (b *base) replay(apply func(Event), events []Event) {
	for _, e := range events {
		apply(e)
		b.version++
	}
}

func change(stream string, version int64, events ...Event) Change {
	return Change{Stream: stream, Version: version, Events: events}
}
