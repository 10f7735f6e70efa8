package audit

import (
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
)

// ExportFormats are the formats NewExportWriter writes.
var ExportFormats = []string{"ndjson", "csv"}

// ExportColumns are the fields of an exported event, in CSV column order.
var ExportColumns = []string{"position", "event_id", "stream_id", "stream_version", "type", "schema_version",
	"recorded_at", "payload", "metadata", "hash", "prev_hash", "tenant_id", "cursor", "stored_payload", "redacted", "guard"}

// ExportWriter writes exported events in one format. Write buffers; Flush must be
// called once at the end.
//
// payload is the event as the code reads it today (upcast to the current schema,
// personal data decrypted or domain.Forgotten); schema_version, metadata, hash,
// prev_hash and tenant_id are as stored. stored_payload is the payload the hash
// covers, as stored (personal data still encrypted, not upcast), written only
// when it differs from payload: with it an auditor recomputes every hash
// offline (`sharehub audit verify --export FILE`, VerifyExport). No secret
// leaves in an export: a field holding one (RedactSecrets) reads "[redacted]"
// in payload, and such an event has redacted true and no stored_payload (its
// hash cannot be recomputed from the export; its place in the chain still can).
// cursor places the event in commit order (resume with it). guard is true for
// the write side's bookkeeping events (domain.IsGuard): they are in the log and
// its chains like any other, but record no business fact. recorded_at is RFC
// 3339 in UTC; hashes are hex.
type ExportWriter interface {
	Write(r domain.Recorded, raw eventstore.RawEvent) error
	Flush() error
}

// NewExportWriter returns a writer of format ("ndjson" or "csv") to w.
func NewExportWriter(w io.Writer, format string) (ExportWriter, error) {
	switch format {
	case "ndjson", "":
		return &ndjsonWriter{w: w, buf: make([]byte, 0, 64<<10)}, nil
	case "csv":
		return &csvWriter{w: csv.NewWriter(w)}, nil
	}
	return nil, fmt.Errorf("export format %q: want one of %s", format, strings.Join(ExportFormats, ", "))
}

// exportPayload is the payload column: the decoded event, or the stored bytes of an
// event type this binary does not know.
func exportPayload(r domain.Recorded, raw eventstore.RawEvent) ([]byte, error) {
	if r.Event == nil || raw.Plain() {
		return raw.Payload, nil
	}
	return json.Marshal(r.Event)
}

// exportForms are an event's payload columns: the decoded payload, the stored
// bytes when they differ from it (nil otherwise), and whether a secret was
// redacted (then the stored bytes are withheld: they hold the secret too).
func exportForms(r domain.Recorded, raw eventstore.RawEvent) (payload, stored []byte, redacted bool, err error) {
	if payload, err = exportPayload(r, raw); err != nil {
		return nil, nil, false, err
	}
	if payload, redacted, err = RedactSecrets(payload); err != nil {
		return nil, nil, false, err
	}
	if r.Event == nil || raw.Plain() {
		return payload, nil, redacted, nil
	}
	if !redacted && mayHoldSecret(raw.Payload) {
		if _, redacted, err = RedactSecrets(raw.Payload); err != nil {
			return nil, nil, false, err
		}
	}
	if redacted {
		return payload, nil, true, nil
	}
	return payload, raw.Payload, false, nil
}

// ndjsonWriter writes one JSON object per line, built by hand: the envelope's
// fields are few and fixed, and encoding/json reflection on every line would
// dominate an export's cost.
type ndjsonWriter struct {
	w   io.Writer
	buf []byte
}

func (n *ndjsonWriter) Write(r domain.Recorded, raw eventstore.RawEvent) error {
	payload, stored, redacted, err := exportForms(r, raw)
	if err != nil {
		return fmt.Errorf("export position %d: %w", r.Position, err)
	}
	b := n.buf
	b = append(b, `{"position":`...)
	b = strconv.AppendInt(b, r.Position, 10)
	b = append(b, `,"event_id":"`...)
	b = append(b, r.EventID.String()...)
	b = append(b, `","stream_id":`...)
	if b, err = jsontext.AppendQuote(b, r.StreamID); err != nil {
		return err
	}
	b = append(b, `,"stream_version":`...)
	b = strconv.AppendInt(b, r.Version, 10)
	b = append(b, `,"type":`...)
	if b, err = jsontext.AppendQuote(b, r.Type); err != nil {
		return err
	}
	b = append(b, `,"schema_version":`...)
	b = strconv.AppendInt(b, int64(r.SchemaVersion), 10)
	b = append(b, `,"recorded_at":"`...)
	b = r.RecordedAt.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","payload":`...)
	b = append(b, payload...)
	b = append(b, `,"metadata":`...)
	b = append(b, raw.Metadata...)
	b = append(b, `,"hash":"`...)
	b = hex.AppendEncode(b, raw.Hash)
	b = append(b, `","prev_hash":"`...)
	b = hex.AppendEncode(b, raw.PrevHash)
	b = append(b, `","tenant_id":`...)
	if raw.TenantID == uuid.Nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = append(b, raw.TenantID.String()...)
		b = append(b, '"')
	}
	b = append(b, `,"cursor":"`...)
	b = append(b, raw.Cursor(r.Position).Token()...)
	b = append(b, '"')
	if stored != nil {
		b = append(b, `,"stored_payload":`...)
		b = append(b, stored...)
	}
	if redacted {
		b = append(b, `,"redacted":true`...)
	}
	if domain.IsGuard(r.Type) {
		b = append(b, `,"guard":true`...)
	}
	b = append(b, "}\n"...)
	n.buf = b
	if len(b) >= 60<<10 {
		return n.Flush()
	}
	return nil
}

func (n *ndjsonWriter) Flush() error {
	if len(n.buf) == 0 {
		return nil
	}
	_, err := n.w.Write(n.buf)
	n.buf = n.buf[:0]
	return err
}

// csvWriter writes a header row, then one row per event; payload and metadata are
// JSON text in their cells.
type csvWriter struct {
	w      *csv.Writer
	header bool
	rec    [16]string
}

func (c *csvWriter) Write(r domain.Recorded, raw eventstore.RawEvent) error {
	if !c.header {
		c.header = true
		if err := c.w.Write(ExportColumns); err != nil {
			return err
		}
	}
	payload, stored, redacted, err := exportForms(r, raw)
	if err != nil {
		return fmt.Errorf("export position %d: %w", r.Position, err)
	}
	tenant := ""
	if raw.TenantID != uuid.Nil {
		tenant = raw.TenantID.String()
	}
	c.rec = [16]string{
		strconv.FormatInt(r.Position, 10), r.EventID.String(), r.StreamID, strconv.FormatInt(r.Version, 10), r.Type,
		strconv.Itoa(r.SchemaVersion), r.RecordedAt.UTC().Format(time.RFC3339Nano), string(payload), string(raw.Metadata),
		hex.EncodeToString(raw.Hash), hex.EncodeToString(raw.PrevHash), tenant, raw.Cursor(r.Position).Token(),
		string(stored), strconv.FormatBool(redacted), strconv.FormatBool(domain.IsGuard(r.Type)),
	}
	return c.w.Write(c.rec[:])
}

func (c *csvWriter) Flush() error {
	if !c.header { // an empty export still says what its columns are
		c.header = true
		if err := c.w.Write(ExportColumns); err != nil {
			return err
		}
	}
	c.w.Flush()
	return c.w.Error()
}
