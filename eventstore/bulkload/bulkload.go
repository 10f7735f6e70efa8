// Package bulkload writes a log straight into the events table with one COPY,
// bypassing Append: for benchmarks and fixtures that build a log known to be
// valid on a fresh database. It can drop the events table's indexes and
// constraints for the load (Options.RebuildIndexes), which is why nothing but
// benchmarks may import it (cmd/shbench; the eventstore tests check it).
//
// It owns no table. It encodes, hashes and seals events exactly as
// eventstore.Store.Append does, through eventstore's exported codec
// (EventHashV2, SealPersonalData, SubjectCipher); it may import domain and
// eventstore, never projections, httpapi or cmd.
package bulkload

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
)

// BulkLoader is what Load hands its fill function: events added to it are
// encoded exactly as Append encodes them (personal data encrypted with the
// subject's key, the current schema version, hash-chained per stream) and copied
// into the events table as they are produced.
//
// Add runs in fill's goroutine and only assigns versions and seals personal data;
// encoding and hashing run on one worker per CPU, each owning the streams that hash
// to it (a chain is sequential, different streams are not), and the copy takes the
// chunks in the order they were added.
type BulkLoader struct {
	pool     *pgxpool.Pool
	ctx      context.Context
	versions map[string]int64
	items    []bulkItem // the chunk being filled
	chunks   chan *bulkChunk
	workers  []chan *bulkChunk
	fillErr  error // set before chunks is closed

	lastMeta      domain.Metadata
	lastMetaBytes []byte

	// Subject keys: those stored before the load (nil: forgotten), and those made
	// for it, stored with the events. The keyring would cost a round trip per new
	// company.
	keys  map[uuid.UUID][]byte
	aeads map[uuid.UUID]cipher.AEAD
	fresh []uuid.UUID
}

const bulkChunkSize = 2048

// bulkItem is one event as Add saw it: sealed, not yet encoded.
type bulkItem struct {
	worker  int
	stream  string
	version int64
	id      uuid.UUID
	event   domain.Event
	meta    []byte
	tenant  pgtype.UUID
	at      time.Time
}

// bulkChunk is a run of added events; its rows are ready when wg is done.
type bulkChunk struct {
	items []bulkItem
	rows  []bulkRow
	wg    sync.WaitGroup
	errs  []error // one per worker
}

// bulkRow is one events row in the column order of bulkColumns.
type bulkRow struct {
	id                pgtype.UUID
	stream            string
	version           int64
	typ               string
	schema            int32
	payload, metadata []byte
	tenant            pgtype.UUID
	at                time.Time
	prev, hash        []byte
}

var bulkColumns = []string{"event_id", "stream_id", "stream_version", "event_type", "schema_version",
	"payload", "metadata", "tenant_id", "recorded_at", "prev_hash", "hash"}

// Load writes a log straight into the events table with one COPY in one
// transaction, bypassing Append (no expected versions, no group commit, no side
// records): fill adds the events, in log order, while PostgreSQL ingests what was
// added so far. It is for benchmarks and fixtures that build a log known to be
// valid, for instance from domain commands applied to a domain.State; the database
// still checks every chain link and refuses a second event at a stream version.
//
// The loader knows only the streams it wrote: an event for a stream that already
// has events in the table fails the whole load. Subject keys made to encrypt
// personal data commit with the events. If fill returns an error, nothing is
// written. It returns the number of events written.
func Load(ctx context.Context, pool *pgxpool.Pool, opts Options, fill func(*BulkLoader) error) (int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	b := &BulkLoader{pool: pool, ctx: ctx, versions: map[string]int64{}, chunks: make(chan *bulkChunk, 8),
		keys: map[uuid.UUID][]byte{}, aeads: map[uuid.UUID]cipher.AEAD{}}
	if err := b.loadKeys(ctx); err != nil {
		return 0, err
	}
	for k := range runtime.GOMAXPROCS(0) {
		in := make(chan *bulkChunk, 8)
		b.workers = append(b.workers, in)
		go encodeChunks(k, in)
	}
	go func() {
		err := fill(b)
		if err == nil && len(b.items) > 0 {
			err = b.send()
		}
		for _, w := range b.workers {
			close(w)
		}
		b.fillErr = err
		close(b.chunks)
	}()
	var n int64
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var rebuild []string
		if opts.RebuildIndexes {
			var err error
			if rebuild, err = dropIndexes(ctx, tx); err != nil {
				return err
			}
		}
		var err error
		if n, err = tx.CopyFrom(ctx, pgx.Identifier{"events"}, bulkColumns, &bulkSource{b: b}); err != nil {
			return err
		}
		// A key another writer created meanwhile makes this insert fail: the load's
		// ciphertexts would not open with it.
		fresh := make([][]byte, len(b.fresh))
		for i, id := range b.fresh {
			fresh[i] = b.keys[id]
		}
		if _, err := tx.Exec(ctx, `INSERT INTO subject_keys (subject_id, key) SELECT * FROM unnest($1::uuid[], $2::bytea[])`,
			b.fresh, fresh); err != nil {
			return fmt.Errorf("subject keys: %w", err)
		}
		for _, q := range rebuild {
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("rebuild: %w", err)
			}
		}
		return nil
	})
	cancel()
	for range b.chunks { // let fill end if the copy ended first
	}
	if b.fillErr != nil && !errors.Is(b.fillErr, context.Canceled) {
		return 0, fmt.Errorf("bulk load: %w", b.fillErr)
	}
	if err != nil {
		return 0, fmt.Errorf("bulk load: %w", err)
	}
	return n, nil
}

// Options tune Load.
type Options struct {
	// RebuildIndexes drops the events table's secondary indexes and its unique and
	// foreign-key constraints for the load and creates them again after it, in the
	// same transaction (as pg_restore does): building an index once is far cheaper
	// than inserting a million random keys into it, and the chain links are then
	// checked by one join instead of one lookup per event. The table is locked
	// exclusively for the whole load: for fresh databases (benchmarks, fixtures).
	RebuildIndexes bool
}

// dropIndexes drops what RebuildIndexes rebuilds and returns the statements that
// recreate it, read from the catalog so they follow the migrations.
func dropIndexes(ctx context.Context, tx pgx.Tx) ([]string, error) {
	type def struct{ name, sql string }
	collect := func(q string) ([]def, error) {
		rows, err := tx.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, func(r pgx.CollectableRow) (def, error) {
			var d def
			return d, r.Scan(&d.name, &d.sql)
		})
	}
	// Foreign keys last when adding (they need the unique keys), first when dropping.
	cons, err := collect(`SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
		 WHERE conrelid = 'events'::regclass AND contype IN ('u', 'f') ORDER BY contype = 'f', conname`)
	if err != nil {
		return nil, fmt.Errorf("bulk load: constraints: %w", err)
	}
	idx, err := collect(`SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
		 WHERE x.indrelid = 'events'::regclass AND NOT x.indisprimary
		   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid) ORDER BY i.relname`)
	if err != nil {
		return nil, fmt.Errorf("bulk load: indexes: %w", err)
	}
	stmts := []string{`SET LOCAL maintenance_work_mem = '512MB'`, `SET LOCAL work_mem = '256MB'`}
	for _, d := range idx {
		stmts = append(stmts, d.sql)
	}
	for _, c := range cons {
		stmts = append(stmts, `ALTER TABLE events ADD CONSTRAINT `+pgx.Identifier{c.name}.Sanitize()+` `+c.sql)
	}
	for i := len(cons) - 1; i >= 0; i-- {
		if _, err := tx.Exec(ctx, `ALTER TABLE events DROP CONSTRAINT `+pgx.Identifier{cons[i].name}.Sanitize()); err != nil {
			return nil, fmt.Errorf("bulk load: %w", err)
		}
	}
	for _, d := range idx {
		if _, err := tx.Exec(ctx, `DROP INDEX `+pgx.Identifier{d.name}.Sanitize()); err != nil {
			return nil, fmt.Errorf("bulk load: %w", err)
		}
	}
	return stmts, nil
}

// Version is the version stream reached in this load (0: not written yet).
func (b *BulkLoader) Version(stream string) int64 { return b.versions[stream] }

// Add appends events to stream at its next versions, as one Append batch would
// record them: with meta, at the instant at (truncated to microseconds, as stored).
// An event that cannot be encoded fails the load when its chunk is copied.
func (b *BulkLoader) Add(meta domain.Metadata, at time.Time, stream string, events ...domain.Event) error {
	if stream == "" {
		return errors.New("bulk load: empty stream id")
	}
	if meta != b.lastMeta || b.lastMetaBytes == nil {
		raw, err := json.Marshal(meta)
		if err != nil {
			return fmt.Errorf("bulk load: metadata: %w", err)
		}
		b.lastMeta, b.lastMetaBytes = meta, raw
	}
	at = at.UTC().Truncate(time.Microsecond)
	tenant := pgtype.UUID{Bytes: meta.TenantID, Valid: meta.TenantID != uuid.Nil}
	worker := int(fnv32(stream) % uint32(len(b.workers)))
	version := b.versions[stream]
	for _, e := range events {
		e, err := b.seal(e)
		if err != nil {
			return fmt.Errorf("bulk load %s: %w", stream, err)
		}
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		version++
		b.items = append(b.items, bulkItem{worker: worker, stream: stream, version: version, id: id, event: e,
			meta: b.lastMetaBytes, tenant: tenant, at: at})
		if len(b.items) == bulkChunkSize {
			if err := b.send(); err != nil {
				return err
			}
		}
	}
	b.versions[stream] = version
	return nil
}

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

// send hands the chunk to every worker and, in order, to the copy.
func (b *BulkLoader) send() error {
	c := &bulkChunk{items: b.items, rows: make([]bulkRow, len(b.items)), errs: make([]error, len(b.workers))}
	b.items = make([]bulkItem, 0, bulkChunkSize)
	c.wg.Add(len(b.workers))
	for _, w := range append(b.workers, nil) {
		out := w
		if w == nil {
			out = b.chunks
		}
		select {
		case out <- c:
		case <-b.ctx.Done():
			return b.ctx.Err()
		}
	}
	return nil
}

// encodeChunks encodes and hash-chains the events of worker k's streams.
func encodeChunks(k int, in <-chan *bulkChunk) {
	heads := map[string][]byte{}
	var failed error
	for c := range in {
		for i := range c.items {
			it := &c.items[i]
			if it.worker != k || failed != nil {
				continue
			}
			prev := heads[it.stream]
			if it.version == 1 {
				prev = eventstore.GenesisHash
			}
			typ, schema, payload, err := domain.EncodeEvent(it.event)
			var hash []byte
			if err == nil {
				hash, err = eventstore.EventHashV2(prev, uuid.UUID(it.tenant.Bytes), it.id, it.stream, it.version, typ, schema, payload, it.meta, it.at)
			}
			if err != nil {
				failed = fmt.Errorf("%s version %d: %w", it.stream, it.version, err)
				continue
			}
			c.rows[i] = bulkRow{id: pgtype.UUID{Bytes: it.id, Valid: true}, stream: it.stream, version: it.version, typ: typ,
				schema: int32(schema), payload: payload, metadata: it.meta, tenant: it.tenant, at: it.at, prev: prev, hash: hash}
			heads[it.stream] = hash
			it.event = nil
		}
		c.errs[k] = failed
		c.wg.Done()
	}
}

func (b *BulkLoader) loadKeys(ctx context.Context) error {
	rows, err := b.pool.Query(ctx, `SELECT subject_id, key FROM subject_keys`)
	if err != nil {
		return fmt.Errorf("bulk load: subject keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id  uuid.UUID
			key []byte
		)
		if err := rows.Scan(&id, &key); err != nil {
			return fmt.Errorf("bulk load: subject keys: %w", err)
		}
		b.keys[id] = key
	}
	return rows.Err()
}

// seal encrypts e's personal data as Append does, with the subject's stored key
// or one made for this load.
func (b *BulkLoader) seal(e domain.Event) (domain.Event, error) {
	return eventstore.SealPersonalData(e, func(subject uuid.UUID) (cipher.AEAD, error) {
		if aead, ok := b.aeads[subject]; ok {
			return aead, nil
		}
		key, known := b.keys[subject]
		switch {
		case known && key == nil:
			return nil, eventstore.ErrSubjectForgotten
		case !known:
			key = make([]byte, 32)
			if _, err := rand.Read(key); err != nil {
				return nil, err
			}
			b.keys[subject] = key
			b.fresh = append(b.fresh, subject)
		}
		aead, err := eventstore.SubjectCipher(key)
		if err != nil {
			return nil, err
		}
		b.aeads[subject] = aead
		return aead, nil
	})
}

// bulkSource feeds the copy from the loader's chunks.
type bulkSource struct {
	b      *BulkLoader
	chunk  []bulkRow
	i      int
	err    error
	values [11]any
}

func (s *bulkSource) Next() bool {
	s.i++
	for s.i >= len(s.chunk) {
		c, ok := <-s.b.chunks
		if !ok {
			// fill ended: a failed fill must abort the copy, not commit half a log.
			s.err = s.b.fillErr
			return false
		}
		c.wg.Wait()
		if err := errors.Join(c.errs...); err != nil {
			s.err = err
			return false
		}
		s.chunk, s.i = c.rows, 0
	}
	return true
}

func (s *bulkSource) Values() ([]any, error) {
	r := &s.chunk[s.i]
	s.values = [11]any{r.id, r.stream, r.version, r.typ, r.schema, r.payload, r.metadata, r.tenant, r.at, r.prev, r.hash}
	return s.values[:], nil
}

func (s *bulkSource) Err() error { return s.err }
