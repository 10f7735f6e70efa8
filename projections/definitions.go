package projections

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/eventstore"
)

// Rolling deploys run processes of two versions side by side, and a new version
// may change a projection's tables. Every definition has its own schema and
// consumer group (schemas.go), and projection_definitions keeps them all, in the
// order first seen:
//   - a process of a new definition builds its schema from the log at start
//     (Rebuild: into a fresh schema, renamed into place), while the processes of
//     the older definitions go on applying events to, and serving reads from,
//     theirs; two processes of the new definition starting at once both come
//     up, the second waiting for the first one's build;
//   - a process reads and writes only the schema of the definition it knows, so
//     it never poisons itself on tables it does not know, and `projections
//     rebuild` of an old version rebuilds its own schema, not the new one;
//   - an operator retires an old definition once no process runs it any more
//     (`sharehub projections retire NAME HASH`): its schema, checkpoint and
//     state are dropped, and a process of it refuses to start;
//   - a consumer with side effects (notifications) has one schema: the newest
//     definition recreates it and takes the consumer over, and the consumers of
//     older processes stand by (guard), so that one consumer mails.

// ErrDefinitionRetired refuses to run a projection definition an operator retired.
var ErrDefinitionRetired = errors.New("this definition of the projection was retired")

// errRebuildRunning: another process rebuilds the projection right now.
var errRebuildRunning = errors.New("another rebuild of it is running")

// guard is the condition under which p's consumer applies events. A consumer
// with side effects applies while the definition in its state row (the newest
// one any process started) is its own; any other while its definition is not
// retired.
func (p Projection) guard() string {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	if p.Reacts() {
		return `EXISTS (SELECT 1 FROM projection_state WHERE name = ` + quote(p.Group()) + ` AND ddl_hash = ` + quote(p.DDLHash()) + `)`
	}
	return `NOT EXISTS (SELECT 1 FROM projection_definitions WHERE name = ` + quote(p.Name) + ` AND ddl_hash = ` +
		quote(p.DDLHash()) + ` AND retired_at IS NOT NULL)`
}

// Definition is one definition of a projection's tables.
type Definition struct {
	Name, Hash string
	// Schema and Group are its physical schema and consumer group.
	Schema, Group string
	FirstSeen     time.Time
	Retired       *time.Time
	// Live: its schema is built and its consumer runs (or ran).
	Live bool
}

// Definitions lists every definition of the projections named, oldest first.
func Definitions(ctx context.Context, pool *pgxpool.Pool, names []string) ([]Definition, error) {
	rows, err := pool.Query(ctx, `SELECT d.name, d.ddl_hash, coalesce(d.schema_name, ''), coalesce(d.consumer_group, ''),
			d.first_seen_at, d.retired_at, s.ddl_hash IS NOT NULL AND d.retired_at IS NULL
		FROM projection_definitions d LEFT JOIN projection_state s ON s.name = d.consumer_group AND s.ddl_hash = d.ddl_hash
		WHERE d.name = ANY($1) ORDER BY d.name, d.first_seen_at`, names)
	if err != nil {
		return nil, fmt.Errorf("definitions: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Definition, error) {
		var d Definition
		return d, r.Scan(&d.Name, &d.Hash, &d.Schema, &d.Group, &d.FirstSeen, &d.Retired, &d.Live)
	})
}

// Retire retires an old definition of projection name: its schema, its
// checkpoint and its state are dropped, and no process of it may start again
// (one still running stops applying). The newest definition cannot be retired.
// A consumer with side effects shares one schema between its definitions: only
// the record is retired.
func Retire(ctx context.Context, pool *pgxpool.Pool, name, hash string) error {
	return withTx(ctx, pool, func(tx pgx.Tx) error {
		if err := lockDefinitions(ctx, tx, name); err != nil {
			return err
		}
		var schema, group *string
		err := tx.QueryRow(ctx, `UPDATE projection_definitions d SET retired_at = now()
			WHERE d.name = $1 AND d.ddl_hash = $2 AND d.retired_at IS NULL
			  AND EXISTS (SELECT 1 FROM projection_definitions n WHERE n.name = d.name AND n.first_seen_at > d.first_seen_at
			              AND n.retired_at IS NULL)
			RETURNING schema_name, consumer_group`, name, hash).Scan(&schema, &group)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("retire %s %s: no such old definition (unknown, the newest, or retired already)", name, hash)
		}
		if err != nil {
			return fmt.Errorf("retire %s %s: %w", name, hash, err)
		}
		p, err := ByName(name)
		if err == nil && p.Reacts() || schema == nil || group == nil {
			return nil
		}
		if err := actAsAppRole(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{*schema}.Sanitize()+` CASCADE`); err != nil {
			return fmt.Errorf("retire %s %s: drop %s: %w", name, hash, *schema, err)
		}
		if err := (eventstore.Checkpoints{}).Delete(ctx, tx, *group); err != nil {
			return fmt.Errorf("retire %s %s: %w", name, hash, err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM projection_state WHERE name = $1 AND ddl_hash = $2`, *group, hash); err != nil {
			return fmt.Errorf("retire %s %s: %w", name, hash, err)
		}
		return nil
	})
}
