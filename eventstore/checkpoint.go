package eventstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DB is what the checkpoint helpers need: a pool, a connection or a transaction.
type DB interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// checkpointTable is watermill-sql's offsets table: one row per consumer group,
// its commit-order cursor (last_processed_transaction_id, offset_acked). No other
// file names it (make lint checks): watermill reads and writes it through
// offsetsAdapter while a group consumes, and everything else goes through
// Checkpoints.
const checkpointTable = "event_offsets"

// Checkpoints owns the consumer groups' checkpoints. It holds no state: every
// method runs on the connection it is given, so that a checkpoint moves in the
// same transaction as the writes it accounts for (a rebuild's swap, a dead
// letter's skip).
type Checkpoints struct{}

// offsetsAdapter is how watermill-sql keeps the checkpoints while a group
// consumes: its PostgreSQL adapter, on checkpointTable.
func (Checkpoints) offsetsAdapter() wsql.OffsetsAdapter {
	return wsql.DefaultPostgreSQLOffsetsAdapter{
		GenerateMessagesOffsetsTableName: func(string) string { return checkpointTable },
	}
}

// Get returns a consumer group's cursor (ok false: the group never acked);
// forUpdate locks the row until q's transaction ends (a consumer of the group
// then waits).
func (Checkpoints) Get(ctx context.Context, q DB, group string, forUpdate bool) (Cursor, bool, error) {
	lock := ""
	if forUpdate {
		lock = " FOR UPDATE"
	}
	var (
		txt string
		pos *int64
	)
	err := q.QueryRow(ctx, `SELECT last_processed_transaction_id::text, offset_acked FROM `+checkpointTable+`
		WHERE consumer_group = $1`+lock, group).Scan(&txt, &pos)
	if errors.Is(err, pgx.ErrNoRows) {
		return Cursor{}, false, nil
	}
	if err != nil {
		return Cursor{}, false, fmt.Errorf("checkpoint %s: %w", group, err)
	}
	tx, err := strconv.ParseUint(txt, 10, 64)
	if err != nil {
		return Cursor{}, false, fmt.Errorf("checkpoint %s: %w", group, err)
	}
	c := Cursor{TxID: tx}
	if pos != nil {
		c.Position = *pos
	}
	return c, true, nil
}

// Set writes a consumer group's cursor (creating it when missing).
func (Checkpoints) Set(ctx context.Context, q DB, group string, c Cursor) error {
	_, err := q.Exec(ctx, `INSERT INTO `+checkpointTable+` (consumer_group, offset_acked, last_processed_transaction_id)
		VALUES ($1, $2, $3::text::xid8)
		ON CONFLICT (consumer_group) DO UPDATE SET offset_acked = EXCLUDED.offset_acked,
			last_processed_transaction_id = EXCLUDED.last_processed_transaction_id`,
		group, c.Position, strconv.FormatUint(c.TxID, 10))
	if err != nil {
		return fmt.Errorf("set checkpoint %s: %w", group, err)
	}
	return nil
}

// Create gives a consumer group the cursor c unless it has one already.
func (Checkpoints) Create(ctx context.Context, q DB, group string, c Cursor) error {
	_, err := q.Exec(ctx, `INSERT INTO `+checkpointTable+` (consumer_group, offset_acked, last_processed_transaction_id)
		VALUES ($1, $2, $3::text::xid8) ON CONFLICT (consumer_group) DO NOTHING`,
		group, c.Position, strconv.FormatUint(c.TxID, 10))
	if err != nil {
		return fmt.Errorf("create checkpoint %s: %w", group, err)
	}
	return nil
}

// Delete forgets a consumer group's cursor: it next consumes from the start.
func (Checkpoints) Delete(ctx context.Context, q DB, group string) error {
	if _, err := q.Exec(ctx, `DELETE FROM `+checkpointTable+` WHERE consumer_group = $1`, group); err != nil {
		return fmt.Errorf("delete checkpoint %s: %w", group, err)
	}
	return nil
}

// Applied reports whether consumer group has handled the event at position (false
// too while the group has not started or the position does not exist yet).
func (Checkpoints) Applied(ctx context.Context, q DB, group string, position int64) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `
		SELECT EXISTS (
		  SELECT 1 FROM events e JOIN `+checkpointTable+` o ON o.consumer_group = $1
		   WHERE e.position = $2
		     AND (o.last_processed_transaction_id > e.transaction_id
		          OR (o.last_processed_transaction_id = e.transaction_id AND o.offset_acked >= e.position)))`,
		group, position).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("applied %s %d: %w", group, position, err)
	}
	return ok, nil
}

// Cursors returns the cursors of those of groups that have one.
func (Checkpoints) Cursors(ctx context.Context, q Querier, groups []string) (map[string]Cursor, error) {
	rows, err := q.Query(ctx, `SELECT consumer_group, last_processed_transaction_id::text, coalesce(offset_acked, 0)
		FROM `+checkpointTable+` WHERE consumer_group = ANY($1)`, groups)
	if err != nil {
		return nil, fmt.Errorf("checkpoints: %w", err)
	}
	defer rows.Close()
	out := map[string]Cursor{}
	for rows.Next() {
		var (
			group, txt string
			c          Cursor
		)
		if err := rows.Scan(&group, &txt, &c.Position); err != nil {
			return nil, fmt.Errorf("checkpoints: %w", err)
		}
		if c.TxID, err = strconv.ParseUint(txt, 10, 64); err != nil {
			return nil, fmt.Errorf("checkpoint %s: %w", group, err)
		}
		out[group] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("checkpoints: %w", err)
	}
	return out, nil
}
