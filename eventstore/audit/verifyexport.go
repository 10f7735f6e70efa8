package audit

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
)

// ExportReport is the outcome of VerifyExport.
type ExportReport struct {
	OK bool `json:"ok"`
	// Events read; Verified: hash recomputed from the export and equal to the
	// stored one; Redacted: a secret was withheld, so only the event's place in
	// its chain (version, prev_hash = the previous event's hash) was checked.
	Events   int64 `json:"events_checked"`
	Verified int64 `json:"hashes_recomputed"`
	Redacted int64 `json:"redacted"`
	// RedactedEvents names the first redacted events (at most 20).
	RedactedEvents []BrokenEvent `json:"redacted_events,omitempty"`
	Streams        int           `json:"streams"`
	// StreamsJoinedLate counts streams whose first exported event is not their
	// first (a filtered or resumed export): their link to the events before
	// cannot be checked from the file.
	StreamsJoinedLate int          `json:"streams_joined_late"`
	FirstBroken       *BrokenEvent `json:"first_broken,omitempty"`
}

// exportedLine is one NDJSON line of an export (ExportWriter).
type exportedLine struct {
	Position      int64           `json:"position"`
	EventID       uuid.UUID       `json:"event_id"`
	StreamID      string          `json:"stream_id"`
	StreamVersion int64           `json:"stream_version"`
	Type          string          `json:"type"`
	SchemaVersion int             `json:"schema_version"`
	RecordedAt    time.Time       `json:"recorded_at"`
	Payload       json.RawMessage `json:"payload"`
	Metadata      json.RawMessage `json:"metadata"`
	Hash          string          `json:"hash"`
	PrevHash      string          `json:"prev_hash"`
	TenantID      *uuid.UUID      `json:"tenant_id"`
	StoredPayload json.RawMessage `json:"stored_payload"`
	Redacted      bool            `json:"redacted"`
}

// VerifyExport checks an NDJSON export (ExportWriter's format) with nothing
// but the file: for every event it recomputes the hash from what was hashed
// (stored_payload where it is given, else payload; the metadata, tenant and
// envelope as exported) and compares it with the stored hash; it checks that
// each stream's versions follow each other and that each prev_hash is the
// previous event's hash; and where the stored payload is only an older schema
// version (no encrypted field), that upcasting it gives the exported payload.
// Events with a redacted secret are reported, and only their place in the
// chain is checked. The first failure is named; reading goes on to count.
func VerifyExport(r io.Reader) (ExportReport, error) {
	rep := ExportReport{OK: true}
	type head struct {
		version int64
		hash    []byte
	}
	last := map[string]head{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var e exportedLine
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return rep, fmt.Errorf("line %d: %w", line, err)
		}
		rep.Events++
		if rep.FirstBroken != nil {
			continue
		}
		broken := func(reason string) {
			rep.OK = false
			rep.FirstBroken = &BrokenEvent{StreamID: e.StreamID, Version: e.StreamVersion, Position: e.Position, Reason: reason}
		}
		hash, err1 := hex.DecodeString(e.Hash)
		prev, err2 := hex.DecodeString(e.PrevHash)
		if err := errors.Join(err1, err2); err != nil || len(hash) != 32 || len(prev) != 32 {
			broken("hash or prev_hash is not 32 bytes of hex")
			continue
		}
		// The chain.
		if h, ok := last[e.StreamID]; ok {
			switch {
			case e.StreamVersion != h.version+1:
				broken(fmt.Sprintf("version %d follows %d: events are missing", e.StreamVersion, h.version))
				continue
			case !bytes.Equal(prev, h.hash):
				broken("prev_hash does not match the previous event's hash")
				continue
			}
		} else {
			rep.Streams++
			if e.StreamVersion == 1 && !bytes.Equal(prev, eventstore.GenesisHash) {
				broken("a stream's first event must follow the genesis hash")
				continue
			}
			if e.StreamVersion != 1 {
				rep.StreamsJoinedLate++
			}
		}
		last[e.StreamID] = head{e.StreamVersion, hash}
		// The content.
		if e.Redacted {
			rep.Redacted++
			if len(rep.RedactedEvents) < 20 {
				rep.RedactedEvents = append(rep.RedactedEvents, BrokenEvent{StreamID: e.StreamID, Version: e.StreamVersion,
					Position: e.Position, Reason: "a secret was withheld: the hash cannot be recomputed, its chain link was checked"})
			}
			continue
		}
		stored := e.Payload
		if len(e.StoredPayload) > 0 {
			stored = e.StoredPayload
		}
		tenant := uuid.Nil
		if e.TenantID != nil {
			tenant = *e.TenantID
		}
		if eventstore.MatchHash(hash, prev, tenant, e.EventID, e.StreamID, e.StreamVersion, e.Type, e.SchemaVersion,
			stored, e.Metadata, e.RecordedAt) == 0 {
			broken("stored hash does not match the event's content")
			continue
		}
		rep.Verified++
		if len(e.StoredPayload) > 0 && !bytes.Contains(e.StoredPayload, []byte(eventstore.PersonalDataPrefix)) {
			if !sameAsUpcast(e.Type, e.SchemaVersion, e.StoredPayload, e.Payload) {
				broken("payload is not what the stored payload reads as")
				continue
			}
		}
	}
	if err := sc.Err(); err != nil {
		return rep, fmt.Errorf("line %d: %w", line, err)
	}
	return rep, nil
}

// sameAsUpcast says whether stored, decoded (and upcast) as this binary reads
// it, means what payload says. A type this binary does not know cannot be
// checked this way and passes (its hash was checked).
func sameAsUpcast(typ string, schema int, stored, payload []byte) bool {
	ev, err := domain.DecodeEvent(typ, schema, stored)
	if errors.Is(err, domain.ErrUnknownEventType) {
		return true
	}
	if err != nil {
		return false
	}
	want, err := json.Marshal(ev)
	if err != nil {
		return false
	}
	want, _, err = RedactSecrets(want)
	if err != nil {
		return false
	}
	var a, b any
	if json.Unmarshal(want, &a) != nil || json.Unmarshal(payload, &b) != nil {
		return false
	}
	return reflect.DeepEqual(a, b)
}
