// Package eventstore is sharehub's PostgreSQL log. It does one job: append
// (optimistic concurrency by constraint, group commit, per-stream hash chains,
// side records that commit with the events), read a stream, read the log in
// commit order with a filter (Export, ReadOrdered: rebuilds and as-of replays),
// and subscribe to it through watermill-sql (Subscribe, SubscribeStatements).
// Every read is built from one filter-to-SQL function and one row decoder
// (read.go). Checkpoints, including Applied, belong to one type (Checkpoints,
// checkpoint.go), the only code that names watermill's offsets table.
//
// The keyring (subject keys, crypto-shredding, the key-encryption key) stays
// here: Append seals personal data and every read opens it, so it is part of
// how events are stored, not a service beside the log. The hash function stays
// for the same reason (Append computes it); checking chains, seals and the
// export formats are eventstore/audit's, and the benchmark loader is
// eventstore/bulkload's.
//
// Tables it owns: events, txid_shift, claims, credentials (its rows), subject_keys,
// watermill's offsets table (through Checkpoints) and the stream guards. It inserts, as side
// records of a batch, rows of tables other packages own: idempotency_keys
// (httpapi/idempotency) and outbox_mail (projections/mailer). It exports no pool
// and no transaction helper: callers get their pool from the wiring in cmd.
//
// It implements app.EventStore and may import domain and domain/app (event types and
// the port) but never projections, httpapi, cmd, eventstore/audit or
// eventstore/bulkload.
package eventstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

// Store is the PostgreSQL event store.
type Store struct {
	pool  *pgxpool.Pool
	log   *slog.Logger
	now   func() time.Time
	group *groupCommit
	heads heads
	keys  keyring
}

var _ app.EventStore = (*Store)(nil)

// New returns a Store over pool. The schema must already be migrated.
func New(pool *pgxpool.Pool, log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{pool: pool, log: log, now: time.Now}
	s.keys = keyring{pool: pool, now: time.Now}
	s.group = newGroupCommit(pool)
	return s
}

// withTx runs fn in one transaction: committed when fn returns nil, rolled back
// otherwise. The rollback runs with a context that outlives a cancelled ctx, and its
// error is joined to fn's.
func withTx(ctx context.Context, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) (err error) {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if err != nil {
			if rbErr := tx.Rollback(context.WithoutCancel(ctx)); rbErr != nil && !errors.Is(rbErr, pgx.ErrTxClosed) {
				err = errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
			}
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", mapError(err, nil))
	}
	return nil
}

const insertEvents = `
INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version, payload,
                    metadata, tenant_id, recorded_at, prev_hash, hash)
SELECT u.event_id, u.stream_id, u.stream_version, u.event_type, u.schema_version, u.payload,
       u.metadata, u.tenant_id, u.recorded_at, u.prev_hash, u.hash
  FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::jsonb[], $7::jsonb[],
              $8::uuid[], $9::timestamptz[], $10::bytea[], $11::bytea[])
       WITH ORDINALITY AS u(event_id, stream_id, stream_version, event_type, schema_version, payload,
                            metadata, tenant_id, recorded_at, prev_hash, hash, ord)
 ORDER BY u.ord
RETURNING event_id, position`

// Querier is what Append needs of a connection: a pool, a connection or a pgx.Tx.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Append writes the batch atomically. A batch without side records joins the group
// commit (see groupCommit): concurrent appends share one statement and one commit.
// A batch with side records is one pipelined round trip that PostgreSQL runs as one
// implicit transaction.
func (s *Store) Append(ctx context.Context, b app.Batch) (app.AppendResult, error) {
	if len(b.Records) > 0 {
		return s.AppendWith(ctx, s.pool, b)
	}
	rs, err := s.rowsOf(ctx, s.pool, b)
	if err != nil {
		return app.AppendResult{}, err
	}
	res, err := s.group.append(ctx, rs, &b)
	if err == nil {
		s.remember(rs)
	}
	return res, err
}

// AppendWith appends through q, which may be a transaction the caller owns (then the
// batch commits or rolls back with it).
func (s *Store) AppendWith(ctx context.Context, q Querier, b app.Batch) (app.AppendResult, error) {
	rs, err := s.rowsOf(ctx, q, b)
	if err != nil {
		return app.AppendResult{}, err
	}
	var positions map[uuid.UUID]int64
	if len(b.Records) == 0 {
		positions, err = insertRows(ctx, q, rs)
		if err != nil {
			return app.AppendResult{}, mapError(err, &b)
		}
	} else {
		batch := &pgx.Batch{}
		batch.Queue(insertEvents, rs.args()...).Query(func(rows pgx.Rows) error {
			var err error
			positions, err = collectPositions(rows)
			return err
		})
		if err := queueRecords(batch, b, s.keys.kek); err != nil {
			return app.AppendResult{}, err
		}
		if err := q.SendBatch(ctx, batch).Close(); err != nil {
			return app.AppendResult{}, s.mapError(err, &b)
		}
	}
	if _, inTx := q.(pgx.Tx); !inTx {
		s.remember(rs) // committed; a caller's transaction may still roll back
	}
	return rs.result(positions), nil
}

// remember caches the newest committed hash of each stream the rows appended to.
func (s *Store) remember(rs *rowSet) {
	for i := range rs.ids {
		s.heads.put(rs.streams[i], rs.versions[i], rs.hashes[i])
	}
}

// prevHashes returns, for each stream append, the hash its first event chains to:
// genesis for a new stream, the cached head, or the stored hash of the expected
// version. A missing expected version means the stream is behind what the command
// saw: a conflict.
func (s *Store) prevHashes(ctx context.Context, q Querier, streams []app.StreamAppend) ([][]byte, error) {
	out := make([][]byte, len(streams))
	var missIdx []int
	var missStreams []string
	var missVersions []int64
	for i, sa := range streams {
		switch h, ok := s.heads.get(sa.StreamID, sa.ExpectedVersion); {
		case sa.ExpectedVersion == 0:
			out[i] = GenesisHash
		case ok:
			out[i] = h
		default:
			missIdx = append(missIdx, i)
			missStreams = append(missStreams, sa.StreamID)
			missVersions = append(missVersions, sa.ExpectedVersion)
		}
	}
	if len(missIdx) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `SELECT u.ord, e.hash
		  FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS u(stream_id, stream_version, ord)
		  JOIN events e ON e.stream_id = u.stream_id AND e.stream_version = u.stream_version`,
		missStreams, missVersions)
	if err != nil {
		return nil, fmt.Errorf("append: read heads: %w", err)
	}
	found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (struct {
		ord  int64
		hash []byte
	}, error) {
		var v struct {
			ord  int64
			hash []byte
		}
		return v, r.Scan(&v.ord, &v.hash)
	})
	if err != nil {
		return nil, fmt.Errorf("append: read heads: %w", err)
	}
	for _, f := range found {
		out[missIdx[f.ord-1]] = f.hash
	}
	for _, i := range missIdx {
		if out[i] == nil {
			return nil, fmt.Errorf("append: stream %s has no version %d: %w",
				streams[i].StreamID, streams[i].ExpectedVersion, domain.ErrConcurrencyConflict)
		}
	}
	return out, nil
}

// rowSet is a batch flattened into the columns of insertEvents; several rowSets
// concatenate into one statement.
type rowSet struct {
	ids      []uuid.UUID
	streams  []string
	versions []int64
	types    []string
	schemas  []int32
	payloads []string
	metas    []string
	tenants  []pgtype.UUID
	ats      []time.Time
	prevs    [][]byte
	hashes   [][]byte
}

func (r *rowSet) args() []any {
	return []any{r.ids, r.streams, r.versions, r.types, r.schemas, r.payloads, r.metas, r.tenants, r.ats, r.prevs, r.hashes}
}

func (r *rowSet) add(o *rowSet) {
	r.ids = append(r.ids, o.ids...)
	r.streams = append(r.streams, o.streams...)
	r.versions = append(r.versions, o.versions...)
	r.types = append(r.types, o.types...)
	r.schemas = append(r.schemas, o.schemas...)
	r.payloads = append(r.payloads, o.payloads...)
	r.metas = append(r.metas, o.metas...)
	r.tenants = append(r.tenants, o.tenants...)
	r.ats = append(r.ats, o.ats...)
	r.prevs = append(r.prevs, o.prevs...)
	r.hashes = append(r.hashes, o.hashes...)
}

// result maps the positions the database assigned back to this batch's events.
func (r *rowSet) result(positions map[uuid.UUID]int64) app.AppendResult {
	res := app.AppendResult{Positions: make([]int64, len(r.ids))}
	for i, id := range r.ids {
		res.Positions[i] = positions[id]
		res.LastPosition = max(res.LastPosition, positions[id])
	}
	appendedEvents.Add(float64(len(r.ids)))
	return res
}

func insertRows(ctx context.Context, q Querier, rs *rowSet) (map[uuid.UUID]int64, error) {
	rows, err := q.Query(ctx, insertEvents, rs.args()...)
	if err != nil {
		return nil, err
	}
	return collectPositions(rows)
}

func collectPositions(rows pgx.Rows) (map[uuid.UUID]int64, error) {
	defer rows.Close()
	out := map[uuid.UUID]int64{}
	for rows.Next() {
		var (
			id  uuid.UUID
			pos int64
		)
		if err := rows.Scan(&id, &pos); err != nil {
			return nil, err
		}
		out[id] = pos
	}
	return out, rows.Err()
}

// rowsOf flattens a batch into rows and chains each event to its predecessor.
func (s *Store) rowsOf(ctx context.Context, q Querier, b app.Batch) (*rowSet, error) {
	n := 0
	for _, sa := range b.Streams {
		if len(sa.Events) == 0 {
			return nil, fmt.Errorf("append %s: no events", sa.StreamID)
		}
		if sa.ExpectedVersion < 0 {
			return nil, fmt.Errorf("append %s: negative expected version", sa.StreamID)
		}
		n += len(sa.Events)
	}
	if n == 0 {
		return nil, errors.New("append: empty batch")
	}
	meta, err := json.Marshal(b.Meta)
	if err != nil {
		return nil, fmt.Errorf("append: metadata: %w", err)
	}
	at := b.RecordedAt
	if at.IsZero() {
		at = s.now()
	}
	// PostgreSQL keeps microseconds; truncating here makes what was hashed and what
	// is read back the same instant.
	at = at.UTC().Truncate(time.Microsecond)
	tenant := pgtype.UUID{Bytes: b.Meta.TenantID, Valid: b.Meta.TenantID != uuid.Nil}
	rs := &rowSet{
		ids: make([]uuid.UUID, 0, n), streams: make([]string, 0, n), versions: make([]int64, 0, n),
		types: make([]string, 0, n), schemas: make([]int32, 0, n), payloads: make([]string, 0, n),
		metas: make([]string, 0, n), tenants: make([]pgtype.UUID, 0, n), ats: make([]time.Time, 0, n),
		prevs: make([][]byte, 0, n), hashes: make([][]byte, 0, n),
	}
	prevs, err := s.prevHashes(ctx, q, b.Streams)
	if err != nil {
		return nil, err
	}
	for si, sa := range b.Streams {
		prev := prevs[si]
		for i, e := range sa.Events {
			e, err := s.sealPersonalData(ctx, e)
			if err != nil {
				return nil, fmt.Errorf("append %s: %w", sa.StreamID, err)
			}
			typ, schema, payload, err := domain.EncodeEvent(e)
			if err != nil {
				return nil, fmt.Errorf("append %s: %w", sa.StreamID, err)
			}
			id, err := uuid.NewV7()
			if err != nil {
				return nil, err
			}
			version := sa.ExpectedVersion + int64(i) + 1
			hash, err := EventHashV2(prev, b.Meta.TenantID, id, sa.StreamID, version, typ, schema, payload, meta, at)
			if err != nil {
				return nil, fmt.Errorf("append %s: hash: %w", sa.StreamID, err)
			}
			rs.prevs = append(rs.prevs, prev)
			rs.hashes = append(rs.hashes, hash)
			prev = hash
			rs.ids = append(rs.ids, id)
			rs.streams = append(rs.streams, sa.StreamID)
			rs.versions = append(rs.versions, version)
			rs.types = append(rs.types, typ)
			rs.schemas = append(rs.schemas, int32(schema))
			rs.payloads = append(rs.payloads, string(payload))
			rs.metas = append(rs.metas, string(meta))
			rs.tenants = append(rs.tenants, tenant)
			rs.ats = append(rs.ats, at)
		}
	}
	return rs, nil
}

func queueRecords(batch *pgx.Batch, b app.Batch, kek *KeyEncryptionKey) error {
	for _, r := range b.Records {
		switch r := r.(type) {
		case app.Claim:
			if kek == nil {
				batch.Queue(`INSERT INTO claims (scope, value, owner_id) VALUES ($1, $2, $3)`, r.Scope, legacyClaimDigest(r), r.Owner)
				continue
			}
			// Claims stored before they were keyed still hold their values: the
			// insert refuses a value one of them holds (claims_insert_keyed).
			batch.Queue(`SELECT claims_insert_keyed($1, $2, $3, $4)`, r.Scope, kek.claimMAC(r.Scope, r.Value), legacyClaimDigest(r), r.Owner)
		case app.Credential:
			batch.Queue(`INSERT INTO credentials (user_id, company_id, email, password_hash) VALUES ($1, $2, $3, $4)
				ON CONFLICT (user_id) DO UPDATE SET email = excluded.email, password_hash = excluded.password_hash,
				company_id = excluded.company_id, updated_at = now()`, r.UserID, r.CompanyID, r.Email, r.PasswordHash)
		case app.Idempotency:
			batch.Queue(`INSERT INTO idempotency_keys (tenant_id, key, request_hash) VALUES ($1, $2, $3)`,
				r.TenantID, r.Key, r.RequestHash)
		case app.OutboxMail:
			batch.Queue(`INSERT INTO outbox_mail (id, recipient, subject, body, template) VALUES ($1, $2, $3, $4, $5)`,
				r.ID, r.To, r.Subject, r.Body, r.Template)
		case app.StreamGuard, app.StreamLock:
			queueGuard(batch, r)
		case app.EndSessions, app.LoginDisabled:
			queueAccountRecord(batch, r)
		default:
			return fmt.Errorf("append: unknown record type %T", r)
		}
	}
	return nil
}

// mapError translates driver errors into the port's errors: the database's
// constraints detect conflicts, the store only names them.
func mapError(err error, b *app.Batch) error { return mapErrorKeyed(err, b, nil) }

// mapError is mapError for this store's claims (keyed digests when it has a
// key-encryption key).
func (s *Store) mapError(err error, b *app.Batch) error { return mapErrorKeyed(err, b, s.keys.kek) }

func mapErrorKeyed(err error, b *app.Batch, kek *KeyEncryptionKey) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch {
	case pgErr.Code == "23505" && pgErr.ConstraintName == "events_stream_version_key",
		pgErr.Code == "23503" && pgErr.ConstraintName == "events_chain_fk":
		return fmt.Errorf("append: %s: %w", pgErr.Message, domain.ErrConcurrencyConflict)
	case pgErr.ConstraintName == guardConstraint:
		return fmt.Errorf("append: %s: %w", pgErr.Message, domain.ErrConcurrencyConflict)
	case pgErr.Code == "40P01":
		// Two batches that lock and guard each other's streams (two admins
		// deactivating each other) deadlock; the one aborted retries from a fresh
		// load like any other conflict.
		return fmt.Errorf("append: %s: %w", pgErr.Message, domain.ErrConcurrencyConflict)
	case pgErr.Code == "23505" && pgErr.ConstraintName == "idempotency_keys_pkey":
		return fmt.Errorf("append: %w", app.ErrDuplicateRequest)
	case pgErr.Code == "23505" && pgErr.ConstraintName == "claims_pkey":
		return claimTaken(pgErr, b, kek)
	case pgErr.Code == "23505" && pgErr.ConstraintName == "credentials_email_key":
		return &app.ClaimTakenError{Scope: "user-email", Value: detailValue(pgErr.Detail)}
	}
	return err
}

func claimTaken(pgErr *pgconn.PgError, b *app.Batch, kek *KeyEncryptionKey) error {
	if b != nil {
		for _, r := range b.Records {
			c, ok := r.(app.Claim)
			if !ok {
				continue
			}
			digest := legacyClaimDigest(c)
			if kek != nil {
				digest = kek.claimMAC(c.Scope, c.Value)
			}
			if strings.Contains(pgErr.Detail, "("+c.Scope+", "+digest+")") {
				return &app.ClaimTakenError{Scope: c.Scope, Value: c.Value}
			}
		}
	}
	return &app.ClaimTakenError{Value: detailValue(pgErr.Detail)}
}

// legacyClaimDigest is what the claims table stored instead of the value before
// claims were keyed (and still does for a store without a key-encryption key):
// claimed values are often email addresses, and a digest keeps them unique without
// keeping them. Unkeyed, it lets anyone confirm a guessed address: a store with a
// key-encryption key stores KeyEncryptionKey.claimMAC instead.
func legacyClaimDigest(c app.Claim) string {
	sum := sha256.Sum256([]byte(c.Scope + "\x00" + c.Value))
	return hex.EncodeToString(sum[:])
}

// detailValue extracts "v" from a unique-violation detail `Key (col)=(v) already exists.`
func detailValue(detail string) string {
	i := strings.Index(detail, ")=(")
	j := strings.LastIndex(detail, ") already exists")
	if i < 0 || j < i+3 {
		return ""
	}
	return detail[i+3 : j]
}

// ReadStream returns the events of one stream in version order.
func (s *Store) ReadStream(ctx context.Context, streamID string) ([]domain.Recorded, error) {
	out, raws, err := s.readLog(ctx, s.pool, logFilter{Stream: streamID}, inVersionOrder, 0, false)
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", streamID, err)
	}
	if len(out) > 0 {
		s.heads.put(streamID, out[len(out)-1].Version, raws[len(raws)-1].Hash)
	}
	return out, nil
}

// ReadAll returns up to limit events with a position greater than after, in position
// order. Position order is allocation order: an event of a transaction still open may
// appear later below a position already read. Consumers that must not miss one read
// in commit order instead (ReadOrdered, Export, Subscribe); tests and tools that
// read a quiet log use this.
func (s *Store) ReadAll(ctx context.Context, after int64, limit int) ([]domain.Recorded, error) {
	out, _, err := s.readLog(ctx, s.pool, logFilter{AfterPosition: after}, inPositionOrder, limit, false)
	if err != nil {
		return nil, fmt.Errorf("read all after %d: %w", after, err)
	}
	return out, nil
}
