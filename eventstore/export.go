package eventstore

import (
	"context"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
)

// ExportFilter selects the events Export streams; its zero value selects the whole
// log.
type ExportFilter struct {
	Tenant *uuid.UUID // only events of this tenant (the provider company); nil: all
	// From: only events past this place in commit order (resume after the cursor
	// of the last event seen; zero: from the start). It never misses an event that
	// took a position early and committed late.
	From Cursor
	// After: only positions greater than this. Kept for clients that resume by
	// position, which can miss an event that committed after a later position
	// was exported; From cannot.
	After   int64
	Stream  string    // only this stream
	Streams []string  // only these streams (with Stream: only Stream, if listed)
	Types   []string  // only these event types
	Since   time.Time // only events recorded at or after this instant (zero: no bound)
	Until   time.Time // only events recorded before this instant (zero: no bound)
	Limit   int       // at most this many events (0: no limit)
	// SkipGuards leaves out the write side's bookkeeping events (domain.IsGuard).
	// A listing meant for people may; an export meant to be verified offline
	// must not (the chains run through them).
	SkipGuards bool
	PageSize   int // rows fetched per round trip (0: DefaultExportPageSize)
	// Horizon: only events of transactions below this id (0: the snapshot horizon
	// taken when the export starts, see exportHorizon).
	Horizon uint64
	// HorizonWait bounds how long the start of an export waits for transactions
	// running at that moment to end, so that what committed just before the
	// request is included (0: DefaultHorizonWait; negative: no wait).
	HorizonWait time.Duration
}

// DefaultHorizonWait is how long an export waits, at most, for the transactions
// running when it starts. A transaction still running after it (a long one
// anywhere on the server) holds the horizon back: the export ends below it, and
// a client resuming from the last cursor gets the rest later.
const DefaultHorizonWait = 2 * time.Second

// DefaultExportPageSize bounds the rows an export holds in memory at once.
const DefaultExportPageSize = 1000

// RawEvent is what the log stores of an event beyond its decoded form: the bytes
// the hash chain covers, which an auditor needs to check it independently.
type RawEvent struct {
	TxID     uint64          // the writing transaction: Cursor() places the event in commit order
	TenantID uuid.UUID       // uuid.Nil: the event has no tenant
	Payload  json.RawMessage // as stored: personal data still encrypted, not upcast
	Metadata json.RawMessage // as stored
	PrevHash []byte
	Hash     []byte

	asDecoded bool // Payload means exactly what the decoded event means
}

// Cursor is the event's place in commit order (resume an export with From).
func (r RawEvent) Cursor(position int64) Cursor { return Cursor{TxID: r.TxID, Position: position} }

// schemas caches the current schema version of each event type.
var schemas sync.Map // type -> int

func currentSchema(typ string) int {
	if v, ok := schemas.Load(typ); ok {
		return v.(int)
	}
	v := 0
	if e, err := domain.ZeroEvent(typ); err == nil {
		if _, version, _, err := domain.EncodeEvent(e); err == nil {
			v = version
		}
	}
	schemas.Store(typ, v)
	return v
}

// ExportStats says what an export did.
type ExportStats struct {
	Events       int64  // events passed to the callback
	Pages        int    // pages handed over (the reader runs at most two ahead)
	LastPosition int64  // position of the last event passed
	Last         Cursor // cursor of the last event passed (resume with From)
	Horizon      uint64 // the export read only transactions below this id
}

// Export streams the events f selects, in commit order (transaction id, then
// position), to fn, one page of f.PageSize rows at a time: memory stays bounded
// however large the log. The export is consistent without holding a transaction:
// it reads only transactions below the snapshot horizon taken when it starts
// (every one of them has ended, so that set of events never changes), and each
// page is one short statement continuing after the cursor of the page before.
// A client that stops reading holds no connection and no snapshot, only the
// pages already read (at most two ahead of fn).
//
// Each event is decoded as ReadStream decodes it (upcast, personal data decrypted;
// a forgotten company's fields read domain.Forgotten). An event of a type this
// binary does not know is passed with a nil Event rather than failing the export:
// its stored payload is in RawEvent. An error from fn stops the export and is
// returned as is.
func (s *Store) Export(ctx context.Context, f ExportFilter, fn func(domain.Recorded, RawEvent) error) (ExportStats, error) {
	return s.export(ctx, f, true, fn)
}

// ExportTo writes the events f selects to w, as Export streams them, and flushes
// w. It decodes only what the file needs decoded: events holding personal data
// (decrypted, or read as forgotten) and events stored at an older schema version
// (upcast). Every other payload is written as stored, which says the same thing
// and spares decoding most of the log; such events reach w.Write with a nil Event
// and no Meta.
func (s *Store) ExportTo(ctx context.Context, f ExportFilter, w ExportWriter) (ExportStats, error) {
	st, err := s.export(ctx, f, false, w.Write)
	if err != nil {
		return st, err
	}
	return st, w.Flush()
}

// export is Export; decodeAll false leaves events whose stored payload can be
// written as is undecoded.
func (s *Store) export(ctx context.Context, f ExportFilter, decodeAll bool, fn func(domain.Recorded, RawEvent) error) (ExportStats, error) {
	var st ExportStats
	if f.Limit < 0 || f.PageSize < 0 {
		return st, errors.New("export: negative limit or page size")
	}
	if f.PageSize == 0 {
		f.PageSize = DefaultExportPageSize
	}
	if f.Horizon == 0 {
		h, err := s.exportHorizon(ctx, f.HorizonWait)
		if err != nil {
			return st, fmt.Errorf("export: %w", err)
		}
		f.Horizon = h
	}
	st.Horizon = f.Horizon
	pages := make(chan exportPage, 1)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.readPages(ctx, f, decodeAll, pages, stop)
	}()
	defer func() { close(stop); <-done }()
	for p := range pages {
		st.Pages++
		if p.err != nil {
			return st, p.err
		}
		for i := range p.recs {
			if err := fn(p.recs[i], p.raws[i]); err != nil {
				return st, err
			}
			st.Events++
			st.LastPosition = p.recs[i].Position
			st.Last = p.raws[i].Cursor(p.recs[i].Position)
		}
	}
	return st, nil
}

// exportHorizon returns the oldest transaction id still running anywhere on the
// server (pg_snapshot_xmin, in the log's ids: events_horizon() and the restore
// shift, see eventstore/restore.go): every transaction below it has committed or
// aborted, so the events below it are a fixed set. It first waits, at most
// wait, for the transactions running now to end, so that a write acknowledged
// just before the export started is part of it.
func (s *Store) exportHorizon(ctx context.Context, wait time.Duration) (uint64, error) {
	if wait == 0 {
		wait = DefaultHorizonWait
	}
	var xmin, xmax string
	if err := s.pool.QueryRow(ctx, `SELECT events_horizon()::text,
		(pg_snapshot_xmax(pg_current_snapshot())::text::numeric + (SELECT shift FROM txid_shift))::text`).Scan(&xmin, &xmax); err != nil {
		return 0, fmt.Errorf("horizon: %w", err)
	}
	h, err := strconv.ParseUint(xmin, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("horizon %q: %w", xmin, err)
	}
	target, err := strconv.ParseUint(xmax, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("horizon %q: %w", xmax, err)
	}
	deadline := time.Now().Add(wait)
	for h < target && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if err := s.pool.QueryRow(ctx, `SELECT events_horizon()::text`).Scan(&xmin); err != nil {
			return 0, fmt.Errorf("horizon: %w", err)
		}
		if h, err = strconv.ParseUint(xmin, 10, 64); err != nil {
			return 0, fmt.Errorf("horizon %q: %w", xmin, err)
		}
	}
	return h, nil
}

// exportPage is one page, decoded, or the error that ended the export.
type exportPage struct {
	recs []domain.Recorded
	raws []RawEvent
	err  error
}

// readPages reads and decodes the pages of f into pages, until the last one, an
// error, or stop; it closes pages when it ends.
func (s *Store) readPages(ctx context.Context, f ExportFilter, decodeAll bool, pages chan<- exportPage, stop <-chan struct{}) {
	defer close(pages)
	lf := f.logFilter()
	mode := decodeLazy
	if decodeAll {
		mode = decodeTolerant
	}
	after, total := f.From, 0
	var rows []logRow
	for {
		n := f.PageSize
		if f.Limit > 0 {
			n = min(n, f.Limit-total)
		}
		if n <= 0 {
			return
		}
		var (
			p   exportPage
			err error
		)
		lf.From = &after
		query, args := selectLog(lf, inCommitOrder, n, false)
		rows, err = fetchRows(ctx, s.pool, query, args, rows[:0])
		if err != nil {
			p.err = fmt.Errorf("export after %s: %w", after, err)
		} else if p.recs, p.raws, err = s.decodeRows(ctx, rows, mode); err != nil {
			p.err = fmt.Errorf("export: %w", err)
		}
		select {
		case pages <- p:
		case <-stop:
			return
		}
		if p.err != nil || len(rows) < n {
			return
		}
		total += len(rows)
		last := rows[len(rows)-1]
		after = Cursor{TxID: last.txid, Position: last.position}
	}
}

// onCPUs splits [0, n) into one range per CPU and runs fn on each at once.
func onCPUs(n int, fn func(lo, hi int) error) error {
	workers := min(runtime.GOMAXPROCS(0), max(1, n/64))
	if workers == 1 {
		return fn(0, n)
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = fn(w*n/workers, (w+1)*n/workers)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// prime caches, in one round trip, the keys of those subjects the keyring holds
// no fresh entry for. A subject without a stored key is left to get (which tells
// a reader it is forgotten and lets a writer create its key).
func (k *keyring) prime(ctx context.Context, subjects []uuid.UUID) error {
	now := k.now()
	seen := map[uuid.UUID]bool{}
	var missing []uuid.UUID
	k.mu.Lock()
	for _, id := range subjects {
		if c, ok := k.keys[id]; (!ok || now.Sub(c.at) >= keyTTL) && !seen[id] {
			seen[id] = true
			missing = append(missing, id)
		}
	}
	k.mu.Unlock()
	if len(missing) == 0 {
		return nil
	}
	rows, err := k.pool.Query(ctx, `SELECT subject_id, key FROM subject_keys WHERE subject_id = ANY($1)`, missing)
	if err != nil {
		return fmt.Errorf("subject keys: %w", err)
	}
	type entry struct {
		id  uuid.UUID
		key []byte
	}
	found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (entry, error) {
		var e entry
		return e, r.Scan(&e.id, &e.key)
	})
	if err != nil {
		return fmt.Errorf("subject keys: %w", err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.keys == nil {
		k.keys = map[uuid.UUID]cachedKey{}
	}
	for _, e := range found {
		key := e.key // nil: forgotten
		if key != nil {
			if key, err = openKey(k.kek, e.id, key); err != nil {
				return err
			}
		}
		k.keys[e.id] = cachedKey{key: key, at: now}
	}
	return nil
}

// metaCache remembers the last metadata decoded: the events of one batch share it.
type metaCache struct {
	raw  []byte
	meta domain.Metadata
}

// logFilter is the filter f reads through. Each page is a range scan of an
// index ending in (transaction_id, position) (migrations 00060), started after
// the cursor of the page before and bounded by the horizon.
func (f ExportFilter) logFilter() logFilter {
	lf := logFilter{
		Tenant: f.Tenant, Stream: f.Stream, Streams: f.Streams, Since: f.Since, Before: f.Until,
		AfterPosition: f.After, Horizon: horizonFixed, HorizonTx: f.Horizon,
	}
	if len(f.Types) > 0 {
		lf.Types = f.Types
	}
	if f.SkipGuards {
		lf.SkipTypes = domain.GuardTypes()
	}
	return lf
}

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
	Write(r domain.Recorded, raw RawEvent) error
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
func exportPayload(r domain.Recorded, raw RawEvent) ([]byte, error) {
	if r.Event == nil || raw.asDecoded {
		return raw.Payload, nil
	}
	return json.Marshal(r.Event)
}

// exportForms are an event's payload columns: the decoded payload, the stored
// bytes when they differ from it (nil otherwise), and whether a secret was
// redacted (then the stored bytes are withheld: they hold the secret too).
func exportForms(r domain.Recorded, raw RawEvent) (payload, stored []byte, redacted bool, err error) {
	if payload, err = exportPayload(r, raw); err != nil {
		return nil, nil, false, err
	}
	if payload, redacted, err = RedactSecrets(payload); err != nil {
		return nil, nil, false, err
	}
	if r.Event == nil || raw.asDecoded {
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

func (n *ndjsonWriter) Write(r domain.Recorded, raw RawEvent) error {
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

func (c *csvWriter) Write(r domain.Recorded, raw RawEvent) error {
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
