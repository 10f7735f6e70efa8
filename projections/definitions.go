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
// may change a projection's tables. The rules (projection_definitions keeps every
// definition in the order first seen):
//   - the newest definition is live: a process of a newer one rebuilds the tables
//     to it at start (waiting, not exiting, while another process does);
//   - a process of an older definition never rebuilds back (neither at start nor
//     with `projections rebuild`), and its consumer applies nothing while the
//     live definition is not its own (Guard), so it never poisons itself on
//     tables it does not know; its API goes on reading the live tables;
//   - an operator retires an old definition once no process runs it any more
//     (`sharehub projections retire NAME HASH`); a process of a retired
//     definition refuses to start.

// ErrDefinitionRetired refuses to run a projection definition an operator retired.
var ErrDefinitionRetired = errors.New("this definition of the projection was retired")

// ErrNewerDefinitionLive refuses to rebuild a projection's tables back to an older
// definition than the live one.
var ErrNewerDefinitionLive = errors.New("a newer definition of the projection is live")

// errRebuildRunning: another process rebuilds the projection right now.
var errRebuildRunning = errors.New("another rebuild of it is running")

// guard is the condition under which p's consumer applies events: the live
// definition is p's own.
func (p Projection) guard() string {
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	return `EXISTS (SELECT 1 FROM projection_state WHERE name = ` + quote(p.Name) + ` AND ddl_hash = ` + quote(p.DDLHash()) + `)`
}

// definitionStatus records p's definition as seen and says whether it was
// retired and whether the live one (liveHash) is newer than it.
func definitionStatus(ctx context.Context, q eventstore.DB, p Projection, liveHash string) (retired, liveNewer bool, err error) {
	if _, err := q.Exec(ctx, `INSERT INTO projection_definitions (name, ddl_hash) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		p.Name, p.DDLHash()); err != nil {
		return false, false, fmt.Errorf("record definition of %s: %w", p.Name, err)
	}
	err = q.QueryRow(ctx, `SELECT mine.retired_at IS NOT NULL, coalesce(live.first_seen_at > mine.first_seen_at, false)
		FROM projection_definitions mine
		LEFT JOIN projection_definitions live ON live.name = mine.name AND live.ddl_hash = $3
		WHERE mine.name = $1 AND mine.ddl_hash = $2`, p.Name, p.DDLHash(), liveHash).Scan(&retired, &liveNewer)
	if err != nil {
		return false, false, fmt.Errorf("definition of %s: %w", p.Name, err)
	}
	return retired, liveNewer && liveHash != p.DDLHash(), nil
}

// Definition is one definition of a projection's tables.
type Definition struct {
	Name, Hash string
	FirstSeen  time.Time
	Retired    *time.Time
	Live       bool
}

// Definitions lists every definition of the projections named, oldest first.
func Definitions(ctx context.Context, pool *pgxpool.Pool, names []string) ([]Definition, error) {
	rows, err := pool.Query(ctx, `SELECT d.name, d.ddl_hash, d.first_seen_at, d.retired_at, s.ddl_hash IS NOT NULL
		FROM projection_definitions d LEFT JOIN projection_state s ON s.name = d.name AND s.ddl_hash = d.ddl_hash
		WHERE d.name = ANY($1) ORDER BY d.name, d.first_seen_at`, names)
	if err != nil {
		return nil, fmt.Errorf("definitions: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Definition, error) {
		var d Definition
		return d, r.Scan(&d.Name, &d.Hash, &d.FirstSeen, &d.Retired, &d.Live)
	})
}

// Retire marks an old definition of projection name as retired: processes still
// running it keep going until they stop, none may start again. The live
// definition cannot be retired.
func Retire(ctx context.Context, pool *pgxpool.Pool, name, hash string) error {
	tag, err := pool.Exec(ctx, `UPDATE projection_definitions d SET retired_at = now()
		WHERE d.name = $1 AND d.ddl_hash = $2 AND d.retired_at IS NULL
		  AND NOT EXISTS (SELECT 1 FROM projection_state s WHERE s.name = d.name AND s.ddl_hash = d.ddl_hash)`, name, hash)
	if err != nil {
		return fmt.Errorf("retire %s %s: %w", name, hash, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("retire %s %s: no such old definition (unknown, live, or retired already)", name, hash)
	}
	return nil
}
