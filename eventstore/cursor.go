package eventstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Token is the cursor as exports write it and clients send it back
// ("<transaction id>.<position>"). Clients treat it as opaque.
func (c Cursor) Token() string {
	return strconv.FormatUint(c.TxID, 10) + "." + strconv.FormatInt(c.Position, 10)
}

// ErrBadCursor is returned for a cursor token that Token did not write.
var ErrBadCursor = errors.New("not a cursor")

// ParseCursor reads a token written by Token.
func ParseCursor(s string) (Cursor, error) {
	tx, pos, ok := strings.Cut(s, ".")
	if !ok {
		return Cursor{}, ErrBadCursor
	}
	t, err := strconv.ParseUint(tx, 10, 64)
	if err != nil {
		return Cursor{}, ErrBadCursor
	}
	p, err := strconv.ParseInt(pos, 10, 64)
	if err != nil || p < 0 {
		return Cursor{}, ErrBadCursor
	}
	return Cursor{TxID: t, Position: p}, nil
}

// CursorAt returns the cursor of the event at position (of tenant, when not nil):
// a client that resumes by position resumes in commit order after that very
// event. ok is false when there is no such event.
func (s *Store) CursorAt(ctx context.Context, position int64, tenant *uuid.UUID) (c Cursor, ok bool, err error) {
	var txt string
	err = s.pool.QueryRow(ctx, `SELECT transaction_id::text FROM events
		WHERE position = $1 AND ($2::uuid IS NULL OR tenant_id = $2)`, position, tenant).Scan(&txt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Cursor{}, false, nil
	}
	if err != nil {
		return Cursor{}, false, fmt.Errorf("cursor at %d: %w", position, err)
	}
	tx, err := strconv.ParseUint(txt, 10, 64)
	if err != nil {
		return Cursor{}, false, fmt.Errorf("cursor at %d: %w", position, err)
	}
	return Cursor{TxID: tx, Position: position}, true, nil
}
