// Package eventstore is sharehub's PostgreSQL persistence: the append-only events
// table (with optimistic concurrency, per-stream hash chains and side records that
// commit with the events), reading streams and the whole log, hash-chain
// verification, and the watermill-sql adapter through which projections consume the
// same table in commit order.
//
// It implements app.EventStore and may import domain and domain/app (event types and
// the port) but never projections, httpapi or cmd.
package eventstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

// Store is the PostgreSQL event store.
type Store struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	now  func() time.Time
}

var _ app.EventStore = (*Store)(nil)

// New returns a Store over pool. The schema must already be migrated.
func New(pool *pgxpool.Pool, log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{pool: pool, log: log, now: time.Now}
}

// Pool exposes the pool for packages that run their own statements.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// WithTx runs fn in one transaction: committed when fn returns nil, rolled back
// otherwise. The rollback runs with a context that outlives a cancelled ctx, and its
// error is joined to fn's.
func WithTx(ctx context.Context, pool *pgxpool.Pool, fn func(tx pgx.Tx) error) (err error) {
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
                    metadata, tenant_id, recorded_at)
SELECT u.event_id, u.stream_id, u.stream_version, u.event_type, u.schema_version, u.payload,
       $7::jsonb, $8, $9
  FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::int[], $6::jsonb[])
       WITH ORDINALITY AS u(event_id, stream_id, stream_version, event_type, schema_version, payload, ord)
 ORDER BY u.ord
RETURNING position`

// Querier is what Append needs of a connection: a pool, a connection or a pgx.Tx.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Append writes the batch atomically. Without side records it is a single statement
// (one round trip, its own transaction); with them, one pipelined batch that
// PostgreSQL runs as one implicit transaction.
func (s *Store) Append(ctx context.Context, b app.Batch) (app.AppendResult, error) {
	return s.AppendWith(ctx, s.pool, b)
}

// AppendWith appends through q, which may be a transaction the caller owns (then the
// batch commits or rolls back with it).
func (s *Store) AppendWith(ctx context.Context, q Querier, b app.Batch) (app.AppendResult, error) {
	args, err := s.insertArgs(b)
	if err != nil {
		return app.AppendResult{}, err
	}
	var positions []int64
	if len(b.Records) == 0 {
		rows, err := q.Query(ctx, insertEvents, args...)
		if err != nil {
			return app.AppendResult{}, mapError(err, &b)
		}
		positions, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return app.AppendResult{}, mapError(err, &b)
		}
	} else {
		batch := &pgx.Batch{}
		batch.Queue(insertEvents, args...).Query(func(rows pgx.Rows) error {
			var err error
			positions, err = pgx.CollectRows(rows, pgx.RowTo[int64])
			return err
		})
		if err := queueRecords(batch, b); err != nil {
			return app.AppendResult{}, err
		}
		if err := q.SendBatch(ctx, batch).Close(); err != nil {
			return app.AppendResult{}, mapError(err, &b)
		}
	}
	res := app.AppendResult{Positions: positions}
	for _, p := range positions {
		res.LastPosition = max(res.LastPosition, p)
	}
	appendedEvents.Add(float64(len(positions)))
	return res, nil
}

func (s *Store) insertArgs(b app.Batch) ([]any, error) {
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
	var (
		ids      = make([]uuid.UUID, 0, n)
		streams  = make([]string, 0, n)
		versions = make([]int64, 0, n)
		types    = make([]string, 0, n)
		schemas  = make([]int32, 0, n)
		payloads = make([]string, 0, n)
	)
	for _, sa := range b.Streams {
		for i, e := range sa.Events {
			typ, schema, payload, err := domain.EncodeEvent(e)
			if err != nil {
				return nil, fmt.Errorf("append %s: %w", sa.StreamID, err)
			}
			id, err := uuid.NewV7()
			if err != nil {
				return nil, err
			}
			ids = append(ids, id)
			streams = append(streams, sa.StreamID)
			versions = append(versions, sa.ExpectedVersion+int64(i)+1)
			types = append(types, typ)
			schemas = append(schemas, int32(schema))
			payloads = append(payloads, string(payload))
		}
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
	var tenant *uuid.UUID
	if b.Meta.TenantID != uuid.Nil {
		tenant = &b.Meta.TenantID
	}
	return []any{ids, streams, versions, types, schemas, payloads, string(meta), tenant, at}, nil
}

func queueRecords(batch *pgx.Batch, b app.Batch) error {
	for _, r := range b.Records {
		switch r := r.(type) {
		case app.Claim:
			batch.Queue(`INSERT INTO claims (scope, value, owner_id) VALUES ($1, $2, $3)`, r.Scope, r.Value, r.Owner)
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
		default:
			return fmt.Errorf("append: unknown record type %T", r)
		}
	}
	return nil
}

// mapError translates driver errors into the port's errors: the database's
// constraints detect conflicts, the store only names them.
func mapError(err error, b *app.Batch) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch {
	case pgErr.Code == "SH409",
		pgErr.Code == "23505" && pgErr.ConstraintName == "events_stream_version_key":
		return fmt.Errorf("append: %s: %w", pgErr.Message, domain.ErrConcurrencyConflict)
	case pgErr.Code == "23505" && pgErr.ConstraintName == "idempotency_keys_pkey":
		return fmt.Errorf("append: %w", app.ErrDuplicateRequest)
	case pgErr.Code == "23505" && pgErr.ConstraintName == "claims_pkey":
		return claimTaken(pgErr, b)
	case pgErr.Code == "23505" && pgErr.ConstraintName == "credentials_email_key":
		return &app.ClaimTakenError{Scope: "user-email", Value: detailValue(pgErr.Detail)}
	}
	return err
}

func claimTaken(pgErr *pgconn.PgError, b *app.Batch) error {
	if b != nil {
		for _, r := range b.Records {
			if c, ok := r.(app.Claim); ok && strings.Contains(pgErr.Detail, "("+c.Scope+", "+c.Value+")") {
				return &app.ClaimTakenError{Scope: c.Scope, Value: c.Value}
			}
		}
	}
	return &app.ClaimTakenError{Value: detailValue(pgErr.Detail)}
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

const selectEvents = `SELECT position, event_id, stream_id, stream_version, event_type, schema_version,
	payload, metadata, recorded_at FROM events`

// ReadStream returns the events of one stream in version order.
func (s *Store) ReadStream(ctx context.Context, streamID string) ([]domain.Recorded, error) {
	rows, err := s.pool.Query(ctx, selectEvents+` WHERE stream_id = $1 ORDER BY stream_version`, streamID)
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", streamID, err)
	}
	out, err := collectRecorded(rows)
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", streamID, err)
	}
	return out, nil
}

// ReadAll returns up to limit events with a position greater than after, in position
// order. Position order is allocation order: an event of a transaction still open may
// appear later below a position already read. Consumers that must not miss one read
// through the watermill subscription instead (commit order).
func (s *Store) ReadAll(ctx context.Context, after int64, limit int) ([]domain.Recorded, error) {
	rows, err := s.pool.Query(ctx, selectEvents+` WHERE position > $1 ORDER BY position LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read all after %d: %w", after, err)
	}
	out, err := collectRecorded(rows)
	if err != nil {
		return nil, fmt.Errorf("read all after %d: %w", after, err)
	}
	return out, nil
}

func collectRecorded(rows pgx.Rows) ([]domain.Recorded, error) {
	defer rows.Close()
	var out []domain.Recorded
	for rows.Next() {
		r, err := scanRecorded(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func scanRecorded(row pgx.Row) (domain.Recorded, error) {
	var (
		r        domain.Recorded
		payload  []byte
		metadata []byte
		schema   int32
	)
	if err := row.Scan(&r.Position, &r.EventID, &r.StreamID, &r.Version, &r.Type, &schema,
		&payload, &metadata, &r.RecordedAt); err != nil {
		return r, err
	}
	r.SchemaVersion = int(schema)
	return r, decodeInto(&r, payload, metadata)
}

func decodeInto(r *domain.Recorded, payload, metadata []byte) error {
	ev, err := domain.DecodeEvent(r.Type, r.SchemaVersion, payload)
	if err != nil {
		return fmt.Errorf("event %d: %w", r.Position, err)
	}
	r.Event = ev
	if err := json.Unmarshal(metadata, &r.Meta); err != nil {
		return fmt.Errorf("event %d metadata: %w", r.Position, err)
	}
	r.RecordedAt = r.RecordedAt.UTC()
	return nil
}
