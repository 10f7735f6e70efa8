package eventstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/sharehub/sharehub/domain"
)

// Every read of the log is built from the two pieces of this file: logFilter,
// the one description of a slice of the log that turns into SQL (where), and
// logRow, the one row shape every statement selects (logColumns), scanned by
// scanLogRow and decoded by decodeRows. ReadStream, ReadAll, ReadOrdered
// (rebuilds, as-of replays), Export and the watermill SelectQuery differ only in
// the filter they pass, their order and how many rows they fetch at once.

// horizonKind says which transactions a read may see.
type horizonKind int

const (
	// horizonNone: everything committed and visible to the statement's snapshot.
	horizonNone horizonKind = iota
	// horizonLive: only transactions older than every transaction still running
	// (events_horizon()): that set never changes, so a reader that keeps a
	// checkpoint never misses an event that committed late.
	horizonLive
	// horizonFixed: only transactions below logFilter.HorizonTx (a horizon taken
	// once at the start of a paged read, so that every page sees the same set).
	horizonFixed
)

// logFilter selects events of the log; its zero value selects them all.
type logFilter struct {
	Tenant        *uuid.UUID
	Stream        string
	Streams       []string // nil: any stream; empty: none
	Types         []string // nil or empty: any type
	SkipTypes     []string // none of these types
	Since         time.Time
	Before        time.Time // recorded_at < Before
	UpTo          time.Time // recorded_at <= UpTo
	AfterPosition int64
	// From: only events past this cursor in commit order. fromSQL, when set,
	// gives it as two SQL expressions instead (the watermill query reads the
	// checkpoint in the statement itself).
	From    *Cursor
	fromSQL [2]string
	Through *Cursor // only events up to and including this cursor
	Horizon horizonKind
	// HorizonTx: with horizonFixed, only transactions below it.
	HorizonTx uint64
	// sqlGuard is an extra SQL condition without parameters (SubscriptionConfig.Guard).
	sqlGuard string
}

// where returns f's conditions joined by AND ("true" when there are none),
// appending their arguments to args; placeholders continue after what args
// already holds.
func (f logFilter) where(args *[]any) string {
	var conds []string
	arg := func(v any) string { *args = append(*args, v); return "$" + strconv.Itoa(len(*args)) }
	switch {
	case f.fromSQL != [2]string{}:
		conds = append(conds, "(transaction_id, position) > ("+f.fromSQL[0]+", "+f.fromSQL[1]+")")
	case f.From != nil:
		conds = append(conds, "(transaction_id, position) > ("+arg(strconv.FormatUint(f.From.TxID, 10))+"::text::xid8, "+arg(f.From.Position)+")")
	}
	if f.Through != nil {
		conds = append(conds, "(transaction_id, position) <= ("+arg(strconv.FormatUint(f.Through.TxID, 10))+"::text::xid8, "+arg(f.Through.Position)+")")
	}
	switch f.Horizon {
	case horizonLive:
		conds = append(conds, "transaction_id < events_horizon()")
	case horizonFixed:
		conds = append(conds, "transaction_id < "+arg(strconv.FormatUint(f.HorizonTx, 10))+"::text::xid8")
	}
	if f.Tenant != nil {
		conds = append(conds, "tenant_id = "+arg(*f.Tenant))
	}
	if f.Stream != "" {
		conds = append(conds, "stream_id = "+arg(f.Stream))
	}
	if f.Streams != nil {
		conds = append(conds, "stream_id = ANY("+arg(f.Streams)+"::text[])")
	}
	if len(f.Types) > 0 {
		conds = append(conds, "event_type = ANY("+arg(f.Types)+"::text[])")
	}
	if len(f.SkipTypes) > 0 {
		conds = append(conds, "event_type <> ALL("+arg(f.SkipTypes)+"::text[])")
	}
	if !f.Since.IsZero() {
		conds = append(conds, "recorded_at >= "+arg(f.Since))
	}
	if !f.Before.IsZero() {
		conds = append(conds, "recorded_at < "+arg(f.Before))
	}
	if !f.UpTo.IsZero() {
		conds = append(conds, "recorded_at <= "+arg(f.UpTo))
	}
	if f.AfterPosition > 0 {
		conds = append(conds, "position > "+arg(f.AfterPosition))
	}
	if f.sqlGuard != "" {
		conds = append(conds, "("+f.sqlGuard+")")
	}
	if len(conds) == 0 {
		return "true"
	}
	return strings.Join(conds, " AND ")
}

// Orders a read may ask for. They name the table's columns, qualified: an
// unqualified ORDER BY name means an output column of that name first, and
// logColumns selects transaction_id::text, an output column named
// transaction_id. Ordered by that text, 10000 sorted before 9999, and a paged
// read in commit order (a rebuild, an as-of replay, an export) skipped and
// re-read events whenever the log's transaction ids gained a digit.
const (
	inCommitOrder   = "events.transaction_id, events.position"
	inPositionOrder = "events.position"
	inVersionOrder  = "events.stream_version"
)

// selectLog is the statement reading the rows f selects, in order, at most
// limit (0: all).
func selectLog(f logFilter, order string, limit int, noMetadata bool) (string, []any) {
	var args []any
	q := `SELECT ` + logColumns("", noMetadata) + ` FROM events WHERE ` + f.where(&args) + ` ORDER BY ` + order
	if limit > 0 {
		q += ` LIMIT ` + arg(&args, limit)
	}
	return q, args
}

func arg(args *[]any, v any) string { *args = append(*args, v); return "$" + strconv.Itoa(len(*args)) }

// logColumns is the column list of every read of the log, in logRow's order;
// prefix qualifies the columns (the watermill query joins), noMetadata selects an
// empty object for metadata (a reader that does not use it).
func logColumns(prefix string, noMetadata bool) string {
	meta := prefix + "metadata"
	if noMetadata {
		meta = "'{}'::jsonb"
	}
	p := prefix
	return p + "transaction_id::text, " + p + "position, " + p + "event_id, " + p + "stream_id, " + p + "stream_version, " +
		p + "event_type, " + p + "schema_version, " + p + "payload, " + meta + ", " + p + "tenant_id, " + p + "recorded_at, " +
		p + "prev_hash, " + p + "hash"
}

// logRow is one row of logColumns, as read, before decoding.
type logRow struct {
	txid              uint64
	position, version int64
	id                uuid.UUID
	stream, typ       string
	schema            int32
	payload, metadata []byte
	tenant            pgtype.UUID
	at                time.Time
	prev, hash        []byte
}

// scanner is a row to scan: pgx.Rows, pgx.Row, or watermill's row.
type scanner interface{ Scan(dest ...any) error }

// scanLogRow scans one row of logColumns.
func scanLogRow(sc scanner, r *logRow) error {
	var txt string
	if err := sc.Scan(&txt, &r.position, &r.id, &r.stream, &r.version, &r.typ, &r.schema,
		&r.payload, &r.metadata, &r.tenant, &r.at, &r.prev, &r.hash); err != nil {
		return err
	}
	tx, err := strconv.ParseUint(txt, 10, 64)
	if err != nil {
		return fmt.Errorf("transaction id %q: %w", txt, err)
	}
	r.txid = tx
	return nil
}

// fetchRows reads the rows of query whole, appended to page: the connection
// goes back to the pool before anything is decoded (decoding may look up a
// company's key, which takes a connection of its own, and holding one while
// waiting for another can exhaust a small pool).
func fetchRows(ctx context.Context, q Querier, query string, args []any, page []logRow) ([]logRow, error) {
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		var r logRow
		if err := scanLogRow(rows, &r); err != nil {
			return page, err
		}
		page = append(page, r)
	}
	return page, rows.Err()
}

// readLog runs selectLog and decodes every row (strictly: an event type this
// binary does not know is an error).
func (s *Store) readLog(ctx context.Context, q Querier, f logFilter, order string, limit int, noMetadata bool) ([]domain.Recorded, []RawEvent, error) {
	query, args := selectLog(f, order, limit, noMetadata)
	rows, err := fetchRows(ctx, q, query, args, nil)
	if err != nil {
		return nil, nil, err
	}
	return s.decodeRows(ctx, rows, decodeStrict)
}

// decodeMode says how much decodeRows decodes.
type decodeMode int

const (
	// decodeStrict decodes every event; an unknown type is an error.
	decodeStrict decodeMode = iota
	// decodeTolerant decodes every event; an unknown type leaves Event nil
	// (exports pass it with its stored payload).
	decodeTolerant
	// decodeLazy is decodeTolerant, except that an event whose stored payload
	// means what its decoded form would (current schema, no personal data) is
	// not decoded at all (ExportTo copies the stored bytes).
	decodeLazy
)

// decodeRows decodes rows on every CPU (decoding, not the database, bounds an
// export's speed) as ReadStream returns events: upcast, personal data
// decrypted (a forgotten company's fields read domain.Forgotten). The keys of
// the companies whose personal data the rows hold are fetched first, in one
// round trip, not one per company.
func (s *Store) decodeRows(ctx context.Context, rows []logRow, mode decodeMode) ([]domain.Recorded, []RawEvent, error) {
	recs := make([]domain.Recorded, len(rows))
	raws := make([]RawEvent, len(rows))
	sealed := make([]bool, len(rows))
	err := onCPUs(len(rows), func(lo, hi int) error {
		var meta metaCache
		for i := lo; i < hi; i++ {
			var err error
			if recs[i], raws[i], sealed[i], err = decodeRow(&rows[i], &meta, mode); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	var subjects []uuid.UUID
	for i := range recs {
		if !sealed[i] {
			continue
		}
		if _, pd, ok := personalData(recs[i].Event); ok {
			subjects = append(subjects, pd.PersonalDataSubject())
		}
	}
	if len(subjects) == 0 {
		return recs, raws, nil
	}
	if err := s.keys.prime(ctx, subjects); err != nil {
		return nil, nil, err
	}
	err = onCPUs(len(rows), func(lo, hi int) error {
		for i := lo; i < hi; i++ {
			if !sealed[i] {
				continue
			}
			var err error
			if recs[i].Event, err = s.openPersonalData(ctx, recs[i].Event); err != nil {
				return fmt.Errorf("event %d: %w", recs[i].Position, err)
			}
		}
		return nil
	})
	return recs, raws, err
}

// decodeRow is the one row decoder: it decodes row (as mode says) but leaves its
// personal data sealed, returning true when it holds some (decodeRows opens it).
func decodeRow(row *logRow, mc *metaCache, mode decodeMode) (domain.Recorded, RawEvent, bool, error) {
	r := domain.Recorded{
		EventID: row.id, Position: row.position, StreamID: row.stream, Version: row.version,
		Type: row.typ, SchemaVersion: int(row.schema), RecordedAt: row.at.UTC(),
	}
	raw := RawEvent{TxID: row.txid, Payload: row.payload, Metadata: row.metadata, PrevHash: row.prev, Hash: row.hash}
	if row.tenant.Valid {
		raw.TenantID = row.tenant.Bytes
	}
	// The stored payload says what the decoded event says unless it was upcast or
	// holds ciphertexts: then a writer may copy it instead of encoding the event
	// again.
	sealed := bytes.Contains(row.payload, []byte(piiPrefix))
	plain := r.SchemaVersion == currentSchema(r.Type) && !sealed
	if plain && mode == decodeLazy {
		raw.asDecoded = true
		return r, raw, false, nil
	}
	ev, err := domain.DecodeEvent(r.Type, r.SchemaVersion, row.payload)
	switch {
	case errors.Is(err, domain.ErrUnknownEventType) && mode != decodeStrict:
		sealed = false
	case err != nil:
		return r, raw, false, fmt.Errorf("event %d: %w", r.Position, err)
	default:
		r.Event, raw.asDecoded = ev, plain
	}
	if !bytes.Equal(mc.raw, row.metadata) {
		mc.meta = domain.Metadata{}
		if err := jsonv2.Unmarshal(row.metadata, &mc.meta); err != nil {
			return r, raw, false, fmt.Errorf("event %d metadata: %w", r.Position, err)
		}
		mc.raw = row.metadata
	}
	r.Meta = mc.meta
	return r, raw, sealed, nil
}
