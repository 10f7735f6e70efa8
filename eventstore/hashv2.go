package eventstore

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
)

// HashVersion is the version of the canonical form new events are hashed with.
//
//   - 1 (EventHash): the envelope of EventHash. tenant_id is outside it: a
//     rewrite of that column alone went unnoticed.
//   - 2 (EventHashV2): the same envelope plus "hash_version":2 and "tenant_id"
//     (the tenant's UUID, or null). The version is inside the hashed bytes, so
//     the two forms of one event never hash alike: a verifier tries version 2
//     and then version 1, and a version 2 event whose tenant was rewritten
//     matches neither. Events written before keep verifying as version 1.
const HashVersion = 2

// EventHashV2 is sha256(prev || canonical bytes), the envelope of EventHash
// extended with hash_version and tenant_id (uuid.Nil: null).
func EventHashV2(prev []byte, tenant uuid.UUID, eventID uuid.UUID, streamID string, version int64, typ string,
	schema int, payload, metadata []byte, recordedAt time.Time) ([]byte, error) {
	extra := []byte(`,"hash_version":2,"tenant_id":null}`)
	if tenant != uuid.Nil {
		extra = []byte(`,"hash_version":2,"tenant_id":"` + tenant.String() + `"}`)
	}
	return eventHashWith(prev, eventID, streamID, version, typ, schema, payload, metadata, recordedAt, extra)
}

// eventHashWith builds the envelope of EventHash, closed by tail instead of
// "}", canonicalizes and hashes it.
func eventHashWith(prev []byte, eventID uuid.UUID, streamID string, version int64, typ string,
	schema int, payload, metadata []byte, recordedAt time.Time, tail []byte) ([]byte, error) {
	// Payload and metadata are spliced into the envelope as text: each must be
	// exactly one JSON value, or its bytes could close it and add members of
	// their own (`"0","0":[]` as a payload), which another encoding of the same
	// value would not.
	if !jsontext.Value(payload).IsValid() || !jsontext.Value(metadata).IsValid() {
		return nil, fmt.Errorf("canonical form: payload and metadata must each be one JSON value")
	}
	buf := make([]byte, 0, 320+len(payload)+len(metadata))
	buf = append(buf, `{"event_id":"`...)
	buf = append(buf, eventID.String()...)
	buf = append(buf, `","event_type":`...)
	buf, err := jsontext.AppendQuote(buf, typ)
	if err != nil {
		return nil, err
	}
	buf = append(buf, `,"metadata":`...)
	buf = append(buf, metadata...)
	buf = append(buf, `,"payload":`...)
	buf = append(buf, payload...)
	buf = append(buf, `,"recorded_at":"`...)
	buf = recordedAt.UTC().AppendFormat(buf, "2006-01-02T15:04:05.000000Z")
	buf = fmt.Appendf(buf, `","schema_version":%d,"stream_id":`, schema)
	if buf, err = jsontext.AppendQuote(buf, streamID); err != nil {
		return nil, err
	}
	buf = fmt.Appendf(buf, `,"stream_version":%d`, version)
	buf = append(buf, tail...)
	v := jsontext.Value(buf)
	if err := v.Canonicalize(); err != nil {
		return nil, fmt.Errorf("canonical form: %w", err)
	}
	h := sha256.New()
	h.Write(prev)
	h.Write(v)
	return h.Sum(nil), nil
}

// MatchHash says whether stored is the hash of the event under version 2 or
// version 1 of the canonical form, and which (0: neither).
func MatchHash(stored, prev []byte, tenant uuid.UUID, eventID uuid.UUID, streamID string, version int64, typ string,
	schema int, payload, metadata []byte, recordedAt time.Time) int {
	if h, err := EventHashV2(prev, tenant, eventID, streamID, version, typ, schema, payload, metadata, recordedAt); err == nil && bytes.Equal(h, stored) {
		return 2
	}
	if h, err := EventHash(prev, eventID, streamID, version, typ, schema, payload, metadata, recordedAt); err == nil && bytes.Equal(h, stored) {
		return 1
	}
	return 0
}
