package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/eventstore"
)

// Seal is one row of log_seals.
type Seal struct {
	ID            int64     `json:"seal_id"`
	UptoTxID      uint64    `json:"upto_txid"`
	UptoPosition  int64     `json:"upto_position"`
	EventsCovered int64     `json:"events_covered"`
	PrevHash      []byte    `json:"prev_hash"`
	RunningHash   []byte    `json:"running_hash"`
	SealedAt      time.Time `json:"sealed_at"`
}

// SealLog seals every event committed since the previous seal (if any): it records
// the running hash over their hashes in commit order. It returns nil, nil when there
// is nothing new to seal. Concurrent callers serialise on an advisory lock.
func SealLog(ctx context.Context, pool *pgxpool.Pool) (*Seal, error) {
	var out *Seal
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('sharehub-log-seal'))`); err != nil {
			return err
		}
		prev, err := lastSeal(ctx, tx)
		if err != nil {
			return err
		}
		var (
			fromTx  uint64
			fromPos int64
			running = eventstore.GenesisHash
		)
		if prev != nil {
			fromTx, fromPos, running = prev.UptoTxID, prev.UptoPosition, prev.RunningHash
		}
		rows, err := tx.Query(ctx, `SELECT transaction_id::text::bigint AS txid, position, hash FROM events
			 WHERE (transaction_id, position) > ($1::text::xid8, $2)
			   AND transaction_id < events_horizon()
			 ORDER BY transaction_id, position`, fmt.Sprint(fromTx), fromPos)
		if err != nil {
			return err
		}
		defer rows.Close()
		h := sha256.New()
		h.Write(running)
		var (
			n      int64
			lastTx int64
			lastP  int64
			hash   []byte
		)
		for rows.Next() {
			if err := rows.Scan(&lastTx, &lastP, &hash); err != nil {
				return err
			}
			h.Write(hash)
			n++
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		seal := &Seal{UptoTxID: uint64(lastTx), UptoPosition: lastP, EventsCovered: n, PrevHash: running, RunningHash: h.Sum(nil)}
		err = tx.QueryRow(ctx, `INSERT INTO log_seals (upto_txid, upto_position, events_covered, prev_hash, running_hash)
			VALUES ($1::text::xid8, $2, $3, $4, $5) RETURNING seal_id, sealed_at`,
			fmt.Sprint(seal.UptoTxID), seal.UptoPosition, seal.EventsCovered, seal.PrevHash, seal.RunningHash).
			Scan(&seal.ID, &seal.SealedAt)
		out = seal
		return err
	})
	return out, err
}

func lastSeal(ctx context.Context, q pgx.Tx) (*Seal, error) {
	var s Seal
	var txid int64
	err := q.QueryRow(ctx, `SELECT seal_id, upto_txid::text::bigint, upto_position, events_covered, prev_hash, running_hash, sealed_at
		FROM log_seals ORDER BY seal_id DESC LIMIT 1`).Scan(&s.ID, &txid, &s.UptoPosition, &s.EventsCovered, &s.PrevHash, &s.RunningHash, &s.SealedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	s.UptoTxID = uint64(txid)
	return &s, err
}

// Seals lists every seal, oldest first (to export them).
func Seals(ctx context.Context, pool *pgxpool.Pool) ([]Seal, error) {
	rows, err := pool.Query(ctx, `SELECT seal_id, upto_txid::text::bigint, upto_position, events_covered, prev_hash, running_hash, sealed_at
		FROM log_seals ORDER BY seal_id`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Seal, error) {
		var s Seal
		var txid int64
		err := r.Scan(&s.ID, &txid, &s.UptoPosition, &s.EventsCovered, &s.PrevHash, &s.RunningHash, &s.SealedAt)
		s.UptoTxID = uint64(txid)
		return s, err
	})
}

// SealReport is the outcome of checking the log against its seals.
type SealReport struct {
	OK           bool   `json:"ok"`
	SealsChecked int    `json:"seals_checked"`
	FirstBroken  *Seal  `json:"first_broken,omitempty"`
	Reason       string `json:"reason,omitempty"`
}

// VerifySeals recomputes every seal's running hash from the events table. A seal
// whose recomputation differs means events it covered were removed, added or edited
// (their hashes changed) since it was taken. Pass seals exported earlier to check the
// log against copies the database cannot have altered; nil uses the stored ones.
func VerifySeals(ctx context.Context, pool *pgxpool.Pool, seals []Seal) (SealReport, error) {
	if seals == nil {
		var err error
		if seals, err = Seals(ctx, pool); err != nil {
			return SealReport{}, err
		}
	}
	rep := SealReport{OK: true}
	if len(seals) == 0 {
		return rep, nil
	}
	last := seals[len(seals)-1]
	rows, err := pool.Query(ctx, `SELECT transaction_id::text::bigint AS txid, position, hash FROM events
		 WHERE (transaction_id, position) <= ($1::text::xid8, $2)
		 ORDER BY transaction_id, position`, fmt.Sprint(last.UptoTxID), last.UptoPosition)
	if err != nil {
		return SealReport{}, err
	}
	defer rows.Close()
	i := 0
	running := eventstore.GenesisHash
	h := sha256.New()
	h.Write(running)
	var n int64
	finish := func() bool { // closes seal i; false when it does not match
		rep.SealsChecked++
		seal := seals[i]
		sum := h.Sum(nil)
		switch {
		case !bytes.Equal(seal.PrevHash, running):
			rep.Reason = "seal does not chain to the seal before it"
		case n != seal.EventsCovered:
			rep.Reason = fmt.Sprintf("seal covered %d events, the log now has %d", seal.EventsCovered, n)
		case !bytes.Equal(sum, seal.RunningHash):
			rep.Reason = "running hash differs: events it covered were altered"
		default:
			running = sum
			h = sha256.New()
			h.Write(running)
			n = 0
			i++
			return true
		}
		rep.OK, rep.FirstBroken = false, &seal
		return false
	}
	for rows.Next() {
		var (
			txid int64
			pos  int64
			hash []byte
		)
		if err := rows.Scan(&txid, &pos, &hash); err != nil {
			return SealReport{}, err
		}
		// Close every seal that ends before this event.
		for i < len(seals) && beyond(uint64(txid), pos, seals[i]) {
			if !finish() {
				return rep, nil
			}
		}
		h.Write(hash)
		n++
	}
	if err := rows.Err(); err != nil {
		return SealReport{}, err
	}
	for i < len(seals) {
		if !finish() {
			return rep, nil
		}
	}
	return rep, nil
}

func beyond(txid uint64, pos int64, s Seal) bool {
	return txid > s.UptoTxID || (txid == s.UptoTxID && pos > s.UptoPosition)
}
