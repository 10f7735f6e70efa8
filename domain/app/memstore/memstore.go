// Package memstore is an in-memory app.EventStore for tests and local experiments.
// It keeps the same promises as the PostgreSQL store (expected-version checks,
// all-or-nothing batches, claims, unique credential e-mails, idempotency keys,
// microsecond UTC timestamps) and stores payloads encoded, so every read goes
// through the codec exactly as with a real database.
//
// It depends on domain and domain/app only; it must not import pgx, watermill or
// any other infrastructure package.
package memstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

// Store is safe for concurrent use.
type Store struct {
	mu      sync.Mutex
	now     func() time.Time
	rows    []row            // the log, in position order (position = index+1)
	streams map[string][]int // stream -> indexes into rows, in version order
	claims  map[claimKey]uuid.UUID
	creds   map[uuid.UUID]app.Credential
	emails  map[string]uuid.UUID
	idem    map[idemKey]app.Idempotency
	outbox  []app.OutboxMail
}

type row struct {
	rec     domain.Recorded // without Event: decoded afresh on every read
	payload []byte
}

type claimKey struct{ scope, value string }

type idemKey struct {
	tenant uuid.UUID
	key    string
}

var _ app.EventStore = (*Store)(nil)

// New returns an empty store whose clock (for batches without RecordedAt) is now;
// nil means time.Now.
func New(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{
		now: now, streams: map[string][]int{}, claims: map[claimKey]uuid.UUID{},
		creds: map[uuid.UUID]app.Credential{}, emails: map[string]uuid.UUID{}, idem: map[idemKey]app.Idempotency{},
	}
}

// ReadStream returns the stream's events in version order.
func (s *Store) ReadStream(ctx context.Context, streamID string) ([]domain.Recorded, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	idx := s.streams[streamID]
	rows := make([]row, len(idx))
	for i, j := range idx {
		rows[i] = s.rows[j]
	}
	s.mu.Unlock()
	return decode(rows)
}

// ClaimOwner returns who holds the claim on (scope, value).
func (s *Store) ClaimOwner(ctx context.Context, scope, value string) (uuid.UUID, error) {
	if err := ctx.Err(); err != nil {
		return uuid.Nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	owner, ok := s.claims[claimKey{scope, value}]
	if !ok {
		return uuid.Nil, fmt.Errorf("claim %s: %w", scope, domain.ErrNotFound)
	}
	return owner, nil
}

// ReadAll returns up to limit events with a position greater than after.
func (s *Store) ReadAll(ctx context.Context, after int64, limit int) ([]domain.Recorded, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	var rows []row
	for i := max(after, 0); i < int64(len(s.rows)) && len(rows) < limit; i++ {
		rows = append(rows, s.rows[i])
	}
	s.mu.Unlock()
	return decode(rows)
}

func decode(rows []row) ([]domain.Recorded, error) {
	out := make([]domain.Recorded, len(rows))
	for i, r := range rows {
		e, err := domain.DecodeEvent(r.rec.Type, r.rec.SchemaVersion, r.payload)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", r.rec.Position, err)
		}
		out[i] = r.rec
		out[i].Event = e
	}
	return out, nil
}

// Append commits the batch atomically, or nothing of it.
func (s *Store) Append(ctx context.Context, b app.Batch) (app.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return app.AppendResult{}, err
	}
	type pending struct {
		stream  string
		version int64
		typ     string
		schema  int
		payload []byte
	}
	var evs []pending
	for _, sa := range b.Streams {
		if len(sa.Events) == 0 {
			return app.AppendResult{}, fmt.Errorf("append %s: no events", sa.StreamID)
		}
		if sa.ExpectedVersion < 0 {
			return app.AppendResult{}, fmt.Errorf("append %s: negative expected version", sa.StreamID)
		}
		for i, e := range sa.Events {
			typ, schema, payload, err := domain.EncodeEvent(e)
			if err != nil {
				return app.AppendResult{}, fmt.Errorf("append %s: %w", sa.StreamID, err)
			}
			evs = append(evs, pending{sa.StreamID, sa.ExpectedVersion + int64(i) + 1, typ, schema, payload})
		}
	}
	if len(evs) == 0 {
		return app.AppendResult{}, errors.New("append: empty batch")
	}
	meta := b.Meta
	at := b.RecordedAt
	if at.IsZero() {
		at = s.now()
	}
	at = at.UTC().Truncate(time.Microsecond)

	s.mu.Lock()
	defer s.mu.Unlock()
	// Versions first, then side records in batch order: the order in which the
	// PostgreSQL store meets its constraints.
	heads := map[string]int64{}
	for _, sa := range b.Streams {
		cur, ok := heads[sa.StreamID]
		if !ok {
			cur = int64(len(s.streams[sa.StreamID]))
		}
		if sa.ExpectedVersion != cur {
			return app.AppendResult{}, fmt.Errorf("append %s: expected version %d, stream is at %d: %w",
				sa.StreamID, sa.ExpectedVersion, cur, domain.ErrConcurrencyConflict)
		}
		heads[sa.StreamID] = cur + int64(len(sa.Events))
	}
	claims := map[claimKey]bool{}
	emails := map[string]uuid.UUID{}
	keys := map[idemKey]bool{}
	for _, r := range b.Records {
		switch r := r.(type) {
		case app.Claim:
			k := claimKey{r.Scope, r.Value}
			if _, taken := s.claims[k]; taken || claims[k] {
				return app.AppendResult{}, &app.ClaimTakenError{Scope: r.Scope, Value: r.Value}
			}
			claims[k] = true
		case app.Credential:
			owner, taken := s.emails[r.Email]
			if other, inBatch := emails[r.Email]; inBatch {
				owner, taken = other, true
			}
			if taken && owner != r.UserID {
				return app.AppendResult{}, &app.ClaimTakenError{Scope: "user-email", Value: r.Email}
			}
			emails[r.Email] = r.UserID
		case app.Idempotency:
			k := idemKey{r.TenantID, r.Key}
			if _, dup := s.idem[k]; dup || keys[k] {
				return app.AppendResult{}, fmt.Errorf("append: %w", app.ErrDuplicateRequest)
			}
			keys[k] = true
		case app.OutboxMail:
		case app.StreamGuard:
			// One mutex orders every batch: checking the version here is enough.
			if cur := int64(len(s.streams[r.StreamID])); cur != r.Version {
				return app.AppendResult{}, fmt.Errorf("append: guard %s at version %d, stream is at %d: %w",
					r.StreamID, r.Version, cur, domain.ErrConcurrencyConflict)
			}
		case app.StreamLock:
		case app.EndSessions, app.LoginDisabled:
			// Sessions and login states live beside the PostgreSQL store only.
		default:
			return app.AppendResult{}, fmt.Errorf("append: unknown record type %T", r)
		}
	}

	res := app.AppendResult{Positions: make([]int64, len(evs))}
	for i, e := range evs {
		pos := int64(len(s.rows)) + 1
		s.rows = append(s.rows, row{
			rec: domain.Recorded{
				EventID: uuid.New(), Position: pos, StreamID: e.stream, Version: e.version,
				Type: e.typ, SchemaVersion: e.schema, Meta: meta, RecordedAt: at,
			},
			payload: e.payload,
		})
		s.streams[e.stream] = append(s.streams[e.stream], int(pos-1))
		res.Positions[i], res.LastPosition = pos, pos
	}
	for _, r := range b.Records {
		switch r := r.(type) {
		case app.Claim:
			s.claims[claimKey{r.Scope, r.Value}] = r.Owner
		case app.Credential:
			if old, ok := s.creds[r.UserID]; ok && old.Email != r.Email {
				delete(s.emails, old.Email)
			}
			s.creds[r.UserID] = r
			s.emails[r.Email] = r.UserID
		case app.Idempotency:
			s.idem[idemKey{r.TenantID, r.Key}] = r
		case app.OutboxMail:
			s.outbox = append(s.outbox, r)
		}
	}
	return res, nil
}

// CredentialByEmail returns the login stored for a (normalised) e-mail address.
func (s *Store) CredentialByEmail(email string) (app.Credential, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.emails[email]
	if !ok {
		return app.Credential{}, false
	}
	return s.creds[id], true
}

// Outbox returns the mails queued so far, in order.
func (s *Store) Outbox() []app.OutboxMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]app.OutboxMail(nil), s.outbox...)
}
