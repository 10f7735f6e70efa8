package eventstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"

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

// Plain reports whether Payload means exactly what the decoded event means (the
// current schema version, no personal data): a writer may copy it as is.
func (r RawEvent) Plain() bool { return r.asDecoded }

// EventWriter receives what ExportTo reads (audit.NewExportWriter writes it as
// NDJSON or CSV). Write may buffer; Flush is called once at the end.
type EventWriter interface {
	Write(r domain.Recorded, raw RawEvent) error
	Flush() error
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
func (s *Store) ExportTo(ctx context.Context, f ExportFilter, w EventWriter) (ExportStats, error) {
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
