package eventstore

import (
	"sync"
	"time"

	"github.com/google/uuid"
)

// GenesisHash is the prev_hash of every stream's first event.
var GenesisHash = make([]byte, 32)

// EventHash is sha256(prev || canonical bytes of the event). The canonical bytes are
// the RFC 8785 (JSON Canonicalization Scheme) form of the envelope
//
//	{"event_id":…,"event_type":…,"metadata":{…},"payload":{…},
//	 "recorded_at":"2006-01-02T15:04:05.000000Z","schema_version":n,"stream_id":…,"stream_version":n}
//
// JCS fixes key order, string escaping and number form, so the bytes are the same
// whether computed from what the writer sent or from what jsonb gives back (jsonb
// reorders keys, drops white space and may print numbers differently, but keeps
// their values and every string).
func EventHash(prev []byte, eventID uuid.UUID, streamID string, version int64, typ string,
	schema int, payload, metadata []byte, recordedAt time.Time) ([]byte, error) {
	return eventHashWith(prev, eventID, streamID, version, typ, schema, payload, metadata, recordedAt, []byte("}"))
}

// heads caches the hash of the newest event this process saw committed for a
// stream, so that the usual command (read the stream, then append to it) needs no
// extra round trip to chain its events. An entry is only ever a committed
// (version, hash) pair, which never changes; a stale entry (older version) is simply
// a miss.
type heads struct {
	mu sync.Mutex
	m  map[string]head
}

type head struct {
	version int64
	hash    []byte
}

const headsMax = 200_000

func (h *heads) get(stream string, version int64) ([]byte, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e, ok := h.m[stream]
	if !ok || e.version != version {
		return nil, false
	}
	return e.hash, true
}

func (h *heads) put(stream string, version int64, hash []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil || len(h.m) >= headsMax {
		h.m = make(map[string]head, 1024) // crude but bounded: start over
	}
	if e, ok := h.m[stream]; ok && e.version > version {
		return
	}
	h.m[stream] = head{version: version, hash: hash}
}
