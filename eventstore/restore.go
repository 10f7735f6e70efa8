package eventstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// RestoreCheck is what AlignTransactionIDs found and did.
type RestoreCheck struct {
	// HighestLogged is the highest transaction id the log holds (0: empty log).
	HighestLogged uint64
	// Next is the id the check's own transaction got, before any change.
	Next uint64
	// ShiftBefore and ShiftAfter are the shift added to the cluster's
	// transaction ids (txid_shift); they differ when the check raised it.
	ShiftBefore, ShiftAfter uint64
}

// Shifted reports whether the check had to raise the shift: the log held ids at
// or above the ones new transactions would get, as after a logical restore into
// a fresh cluster.
func (c RestoreCheck) Shifted() bool { return c.ShiftAfter != c.ShiftBefore }

// AlignTransactionIDs makes every transaction from now on record a transaction id
// above every id in the log, so that commit order (transaction_id, position) keeps
// new events after the consumers' checkpoints and the seals. After pg_dump and a
// restore into a new cluster, the stored ids are the old cluster's while the new
// cluster counts from a few hundred: the check raises txid_shift just past the
// highest stored id. Otherwise it changes nothing. Safe to run from several
// processes at once; meant to run before a process writes (serve and migrate
// run it at start, `sharehub restore-check` on demand).
func AlignTransactionIDs(ctx context.Context, pool *pgxpool.Pool) (RestoreCheck, error) {
	var c RestoreCheck
	err := withTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('sharehub restore-check'))`); err != nil {
			return err
		}
		var shift, next, highest string
		if err := tx.QueryRow(ctx, `SELECT shift::text FROM txid_shift`).Scan(&shift); err != nil {
			return fmt.Errorf("txid shift: %w", err)
		}
		err := tx.QueryRow(ctx, `SELECT e.transaction_id::text FROM events e ORDER BY e.transaction_id DESC LIMIT 1`).Scan(&highest)
		if errors.Is(err, pgx.ErrNoRows) {
			highest, err = "0", nil
		}
		if err != nil {
			return fmt.Errorf("highest logged transaction: %w", err)
		}
		if err := tx.QueryRow(ctx, `SELECT events_current_txid()::text`).Scan(&next); err != nil {
			return err
		}
		for _, v := range []struct {
			s string
			p *uint64
		}{{shift, &c.ShiftBefore}, {highest, &c.HighestLogged}, {next, &c.Next}} {
			n, err := strconv.ParseUint(v.s, 10, 64)
			if err != nil {
				return fmt.Errorf("transaction id %q: %w", v.s, err)
			}
			*v.p = n
		}
		c.ShiftAfter = c.ShiftBefore
		if c.HighestLogged < c.Next {
			return nil
		}
		c.ShiftAfter = c.ShiftBefore + (c.HighestLogged - c.Next) + 1
		return setShift(ctx, tx, c.ShiftAfter)
	})
	if err != nil {
		return c, fmt.Errorf("restore check: %w", err)
	}
	return c, nil
}

// SetTransactionIDShift sets the shift added to the cluster's transaction ids
// outright. Lowering it below what the log holds would hide new events from every
// consumer: only tests use it (to stand for a log restored from a cluster that
// counted further); operators run AlignTransactionIDs.
func SetTransactionIDShift(ctx context.Context, pool *pgxpool.Pool, shift uint64) error {
	return withTx(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('sharehub restore-check'))`); err != nil {
			return err
		}
		return setShift(ctx, tx, shift)
	})
}

// setShift makes shift a constant of the column default and of the two functions
// (DDL, so it needs the owner's rights: the role that migrates), which PostgreSQL
// inlines: nothing is looked up per appended row.
func setShift(ctx context.Context, tx pgx.Tx, shift uint64) error {
	shifted := func(expr string) string {
		if shift == 0 {
			return expr
		}
		return "(" + expr + "::text::numeric + " + strconv.FormatUint(shift, 10) + ")::text::xid8"
	}
	for _, stmt := range []string{
		`ALTER TABLE events ALTER COLUMN transaction_id SET DEFAULT ` + shifted("pg_current_xact_id()"),
		`CREATE OR REPLACE FUNCTION events_current_txid() RETURNS xid8 LANGUAGE sql STABLE
			AS 'SELECT ` + shifted("pg_current_xact_id()") + `'`,
		`CREATE OR REPLACE FUNCTION events_horizon() RETURNS xid8 LANGUAGE sql STABLE
			AS 'SELECT ` + shifted("pg_snapshot_xmin(pg_current_snapshot())") + `'`,
	} {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("shift transaction ids: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE txid_shift SET shift = $1::text::numeric, changed_at = now()`,
		strconv.FormatUint(shift, 10)); err != nil {
		return fmt.Errorf("shift transaction ids: %w", err)
	}
	return nil
}
