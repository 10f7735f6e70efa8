// Package auth authenticates API callers: argon2id password hashing, opaque bearer
// sessions (only their SHA-256 is stored, in the sessions table), the middleware
// that turns `Authorization: Bearer` into a Principal in the request context, and
// the lookup of login credentials.
//
// It owns the sessions table and reads (never writes) the credentials table, which
// the event store fills with the events that create logins, and the events table's
// keys (a session's acknowledged position: session_position.go). It may import
// httpapi/problem, httpapi/obs and pgx; it must not import domain aggregates,
// eventstore, projections or handlers. Roles and flags are not its business: a
// PrincipalResolver supplied by the server fills them from the read models.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrInvalidSession is returned for a token that is malformed, unknown, expired or
// revoked. Callers never learn which: all answer 401 unauthenticated.
var ErrInvalidSession = errors.New("invalid or expired session")

// tokenBytes is the entropy of a session token: 256 random bits.
const tokenBytes = 32

// Session is a stored login session.
type Session struct {
	ID        uuid.UUID
	UserID    uuid.UUID
	CompanyID uuid.UUID
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SessionsConfig configures Sessions.
type SessionsConfig struct {
	Pool *pgxpool.Pool
	// TTL is how long a session lives from its creation (SESSION_MAX, default 30
	// days); Idle how long it lives unused (SESSION_IDLE, default 12 hours).
	TTL   time.Duration
	Idle  time.Duration
	Clock func() time.Time // default time.Now
}

// Validate reports what is missing or out of range.
func (c SessionsConfig) Validate() error {
	var errs []error
	if c.Pool == nil {
		errs = append(errs, errors.New("sessions: Pool is required"))
	}
	if c.TTL < 0 {
		errs = append(errs, errors.New("sessions: TTL must not be negative"))
	}
	if c.Idle < 0 {
		errs = append(errs, errors.New("sessions: Idle must not be negative"))
	}
	return errors.Join(errs...)
}

// Sessions creates, checks and revokes bearer sessions.
type Sessions struct {
	pool *pgxpool.Pool
	ttl  time.Duration
	idle time.Duration
	now  func() time.Time
}

// NewSessions returns the session store. The sessions table comes from the
// migrations.
func NewSessions(cfg SessionsConfig) (*Sessions, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Sessions{pool: cfg.Pool, ttl: cfg.TTL, idle: cfg.Idle, now: cfg.Clock}
	if s.ttl == 0 {
		s.ttl = 30 * 24 * time.Hour
	}
	if s.idle == 0 {
		s.idle = DefaultSessionIdle
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Create starts a session for the user and returns its token, which exists only in
// this answer: the table keeps sha256(token).
func (s *Sessions) Create(ctx context.Context, userID, companyID uuid.UUID) (string, Session, error) {
	return s.CreateFor(ctx, userID, companyID, Client{})
}

// CreateFor is Create for a known client (shown in the user's session list).
func (s *Sessions) CreateFor(ctx context.Context, userID, companyID uuid.UUID, client Client) (string, Session, error) {
	client = client.clean()
	raw := make([]byte, tokenBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", Session{}, fmt.Errorf("session token: %w", err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return "", Session{}, fmt.Errorf("session id: %w", err)
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	sess := Session{ID: id, UserID: userID, CompanyID: companyID, CreatedAt: now, ExpiresAt: now.Add(s.ttl)}
	sum := sha256.Sum256(raw)
	// A session starts acknowledged up to the newest event committed before it (in
	// the consumers' delivery order): its first reads see the write that created it
	// (signup, an accepted invitation) and everything its user did before signing
	// in. One index probe in the same statement (events_transaction_position_idx).
	if _, err := s.pool.Exec(ctx, `INSERT INTO sessions (id, token_hash, user_id, company_id, created_at, expires_at,
			last_used_at, client_addr, user_agent, acked_position)
		VALUES ($1, $2, $3, $4, $5, $6, $5, $7, $8,
			coalesce((SELECT position FROM events ORDER BY transaction_id DESC, position DESC LIMIT 1), 0))`, sess.ID, sum[:], userID, companyID, sess.CreatedAt, sess.ExpiresAt,
		nullable(client.Addr), nullable(client.UserAgent)); err != nil {
		return "", Session{}, fmt.Errorf("create session: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(raw), sess, nil
}

// Authenticate returns the principal of a live session of an existing login, or
// ErrInvalidSession. Malformed tokens are refused without a query.
func (s *Sessions) Authenticate(ctx context.Context, token string) (Principal, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != tokenBytes {
		return Principal{}, ErrInvalidSession
	}
	sum := sha256.Sum256(raw)
	var (
		p          Principal
		expiresAt  time.Time
		lastUsedAt time.Time
		revokedAt  *time.Time
		disabled   bool
	)
	// The join ends every session of a login that no longer exists (a forgotten
	// company's logins are deleted) or is disabled (a deactivated user) without
	// anyone having to revoke them: every process reads this row per request.
	err = s.pool.QueryRow(ctx, `SELECT s.id, s.user_id, s.company_id, s.expires_at, s.last_used_at, s.revoked_at,
		       c.disabled_at IS NOT NULL, s.acked_position
		  FROM sessions s JOIN credentials c ON c.user_id = s.user_id
		 WHERE s.token_hash = $1`,
		sum[:]).Scan(&p.SessionID, &p.UserID, &p.CompanyID, &expiresAt, &lastUsedAt, &revokedAt, &disabled, &p.AckedPosition)
	if errors.Is(err, pgx.ErrNoRows) {
		return Principal{}, ErrInvalidSession
	}
	if err != nil {
		return Principal{}, fmt.Errorf("authenticate: %w", err)
	}
	// Compared here rather than in SQL so that the injected clock decides.
	now := s.now()
	if revokedAt != nil || disabled || !now.Before(expiresAt) || !now.Before(lastUsedAt.Add(s.idle)) {
		return Principal{}, ErrInvalidSession
	}
	if err := s.touch(ctx, p.SessionID, lastUsedAt, now); err != nil {
		return Principal{}, err
	}
	return p, nil
}

// Revoke ends a session (logout). Revoking an ended session is not an error.
func (s *Sessions) Revoke(ctx context.Context, sessionID uuid.UUID) error {
	if _, err := s.pool.Exec(ctx, `UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`,
		sessionID, s.now().UTC()); err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

// RevokeUser ends every session of a user (password change, removal, a forgotten
// company) and returns how many were live.
func (s *Sessions) RevokeUser(ctx context.Context, userID uuid.UUID) (int64, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`,
		userID, s.now().UTC())
	if err != nil {
		return 0, fmt.Errorf("revoke sessions of %s: %w", userID, err)
	}
	return tag.RowsAffected(), nil
}

// PurgeExpired deletes sessions that expired or were revoked more than keep ago
// (kept that long for incident investigation) and returns how many.
func (s *Sessions) PurgeExpired(ctx context.Context, keep time.Duration) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1`, s.now().Add(-keep).UTC())
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}
