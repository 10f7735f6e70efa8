package auth

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// DefaultSessionIdle is how long a session lives unused (SESSION_IDLE).
const DefaultSessionIdle = 12 * time.Hour

// touchEvery bounds how often a session's last use is written: at most once a
// minute per session, so a busy client costs reads, not a write per request. The
// idle timeout is therefore exact to within a minute.
const touchEvery = time.Minute

// Client is what a session remembers of the client that signed in (its owner
// sees it in the session list). Neither is a secret; both are cut to the column
// bounds.
type Client struct {
	Addr      string
	UserAgent string
}

func (c Client) clean() Client {
	c.Addr = truncate(c.Addr, 64)
	c.UserAgent = truncate(strings.ToValidUTF8(c.UserAgent, ""), 512)
	return c
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// touch records the session's use when the last record is older than touchEvery.
func (s *Sessions) touch(ctx context.Context, id uuid.UUID, last, now time.Time) error {
	if now.Sub(last) < touchEvery {
		return nil
	}
	if _, err := s.pool.Exec(ctx, `UPDATE sessions SET last_used_at = $2 WHERE id = $1 AND last_used_at < $2`,
		id, now.UTC().Truncate(time.Microsecond)); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// SessionInfo is a live session as its owner sees it.
type SessionInfo struct {
	ID         uuid.UUID
	CreatedAt  time.Time
	LastUsedAt time.Time
	ExpiresAt  time.Time // the earlier of the absolute and the idle expiry
	ClientAddr string
	UserAgent  string
}

// List returns the live sessions of a user, newest first.
func (s *Sessions) List(ctx context.Context, userID uuid.UUID) ([]SessionInfo, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, created_at, last_used_at, expires_at, coalesce(client_addr, ''), coalesce(user_agent, '')
		  FROM sessions WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 500`, userID)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	now := s.now()
	out := []SessionInfo{}
	for rows.Next() {
		var si SessionInfo
		if err := rows.Scan(&si.ID, &si.CreatedAt, &si.LastUsedAt, &si.ExpiresAt, &si.ClientAddr, &si.UserAgent); err != nil {
			return nil, fmt.Errorf("list sessions: %w", err)
		}
		if idle := si.LastUsedAt.Add(s.idle); idle.Before(si.ExpiresAt) {
			si.ExpiresAt = idle
		}
		if now.Before(si.ExpiresAt) {
			out = append(out, si)
		}
	}
	return out, rows.Err()
}

// Owns reports whether the live session id belongs to the user.
func (s *Sessions) Owns(ctx context.Context, userID, sessionID uuid.UUID) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL)`,
		sessionID, userID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("session owner: %w", err)
	}
	return ok, nil
}
