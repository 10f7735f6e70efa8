package eventstore

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain/app"
)

// groupCommit lets concurrent appends share a statement and a commit. Each worker
// takes the oldest waiting append and every other one already waiting (up to a row
// budget), inserts them in one statement, and answers each caller. Only if that
// combined statement fails (a conflict in one of them makes it fail whole) is each
// append run again on its own, so that every caller gets exactly its own outcome and
// no append ever commits with another's failure. Nothing is acknowledged before its
// statement committed.
type groupCommit struct {
	pool     *pgxpool.Pool
	queue    chan *pendingAppend
	workers  atomic.Int32
	inflight atomic.Int32 // appends queued or running, not yet answered

	// lostReply, when set (tests), runs after each statement that committed; an
	// error it returns is what the caller sees instead, as when the connection
	// breaks between the commit and its answer.
	lostReply func() error
}

const (
	groupWorkers   = 2
	groupMaxRows   = 1000
	groupIdleAfter = 2 * time.Second
	groupTimeout   = 30 * time.Second
	// A small group waits this long for company: while other writers are busy,
	// sharing a statement costs less than the wait.
	groupLinger      = 80 * time.Microsecond
	groupLingerUntil = 4
)

type pendingAppend struct {
	rows  *rowSet
	batch *app.Batch
	done  chan appendOutcome
}

type appendOutcome struct {
	res app.AppendResult
	err error
}

func newGroupCommit(pool *pgxpool.Pool) *groupCommit {
	return &groupCommit{pool: pool, queue: make(chan *pendingAppend, 4096)}
}

func (g *groupCommit) append(ctx context.Context, rows *rowSet, b *app.Batch) (app.AppendResult, error) {
	p := &pendingAppend{rows: rows, batch: b, done: make(chan appendOutcome, 1)}
	g.inflight.Add(1)
	defer g.inflight.Add(-1)
	select {
	case g.queue <- p:
	case <-ctx.Done():
		return app.AppendResult{}, ctx.Err()
	}
	g.ensureWorker()
	// Once queued the append may commit: wait for its outcome even if ctx ends, so
	// the caller never hears "failed" about a write that is in the log.
	out := <-p.done
	return out.res, out.err
}

func (g *groupCommit) ensureWorker() {
	for {
		n := g.workers.Load()
		if n >= groupWorkers {
			return
		}
		if g.workers.CompareAndSwap(n, n+1) {
			go g.work()
			return
		}
	}
}

func (g *groupCommit) work() {
	idle := time.NewTimer(groupIdleAfter)
	defer idle.Stop()
	for {
		select {
		case p := <-g.queue:
			g.run(p)
			idle.Reset(groupIdleAfter)
		case <-idle.C:
			g.workers.Add(-1)
			// An append queued just as this worker gave up must still be served.
			if len(g.queue) == 0 {
				return
			}
			g.workers.Add(1)
			idle.Reset(groupIdleAfter)
		}
	}
}

func (g *groupCommit) run(first *pendingAppend) {
	group := []*pendingAppend{first}
	rows := len(first.rows.ids)
	linger := time.NewTimer(groupLinger)
	defer linger.Stop()
drain:
	for rows < groupMaxRows {
		select {
		case p := <-g.queue:
			group = append(group, p)
			rows += len(p.rows.ids)
			continue
		default:
		}
		// Wait for company only if other appends are under way that could join.
		if len(group) >= min(groupLingerUntil, int(g.inflight.Load())) {
			break
		}
		select {
		case p := <-g.queue:
			group = append(group, p)
			rows += len(p.rows.ids)
		case <-linger.C:
			break drain
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	groupStatements.Inc()
	groupAppends.Add(float64(len(group)))
	if len(group) == 1 {
		g.alone(ctx, first)
		return
	}
	combined := &rowSet{}
	for _, p := range group {
		combined.add(p.rows)
	}
	positions, err := g.insert(ctx, combined)
	if err != nil {
		// One append's conflict fails the statement whole, and so does a
		// connection lost at commit, which leaves the outcome unknown: each is
		// retried alone, and alone recognises rows that did commit.
		for _, p := range group {
			g.alone(ctx, p)
		}
		return
	}
	for _, p := range group {
		p.done <- appendOutcome{res: p.rows.result(positions)}
	}
}

func (g *groupCommit) alone(ctx context.Context, p *pendingAppend) {
	positions, err := g.insert(ctx, p.rows)
	// A connection lost mid-statement leaves the outcome unknown: try again (on
	// another connection), a few times.
	for pause := 50 * time.Millisecond; err != nil && ConnectionLost(err) && pause <= 400*time.Millisecond; pause *= 4 {
		select {
		case <-ctx.Done():
		case <-time.After(pause):
		}
		positions, err = g.insert(ctx, p.rows)
	}
	if err != nil {
		// A retry whose rows are in the log already (an earlier attempt
		// committed, its answer was lost) conflicts on their event ids or
		// stream versions: that is success, with the positions they got.
		if found, ok := committedAlready(ctx, g.pool, p.rows, err); ok {
			p.done <- appendOutcome{res: p.rows.result(found)}
			return
		}
		p.done <- appendOutcome{err: mapError(err, p.batch)}
		return
	}
	p.done <- appendOutcome{res: p.rows.result(positions)}
}

func (g *groupCommit) insert(ctx context.Context, rs *rowSet) (map[uuid.UUID]int64, error) {
	positions, err := insertRows(ctx, g.pool, rs)
	if err == nil && g.lostReply != nil {
		if lost := g.lostReply(); lost != nil {
			return nil, lost
		}
	}
	return positions, err
}

// committedAlready reports whether err is the conflict a retry of rows meets
// when an earlier attempt of exactly these rows committed: every one of their
// event ids is in the log, with the hash this attempt computed (so the same
// event, chained to the same predecessor). It returns their positions.
func committedAlready(ctx context.Context, pool *pgxpool.Pool, rs *rowSet, err error) (map[uuid.UUID]int64, bool) {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" ||
		(pgErr.ConstraintName != "events_event_id_key" && pgErr.ConstraintName != "events_stream_version_key" &&
			pgErr.ConstraintName != "events_chain_key") {
		return nil, false
	}
	rows, qerr := pool.Query(ctx, `SELECT event_id, position, hash FROM events WHERE event_id = ANY($1)`, rs.ids)
	if qerr != nil {
		return nil, false
	}
	hashes := make(map[uuid.UUID][]byte, len(rs.ids))
	for i, id := range rs.ids {
		hashes[id] = rs.hashes[i]
	}
	found := map[uuid.UUID]int64{}
	for rows.Next() {
		var (
			id   uuid.UUID
			pos  int64
			hash []byte
		)
		if rows.Scan(&id, &pos, &hash) != nil || !bytes.Equal(hash, hashes[id]) {
			rows.Close()
			return nil, false
		}
		found[id] = pos
	}
	rows.Close()
	if rows.Err() != nil || len(found) != len(rs.ids) {
		return nil, false
	}
	return found, true
}
