package eventstore

import (
	"context"
	"sync/atomic"
	"time"

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
	positions, err := insertRows(ctx, g.pool, combined)
	if err != nil {
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
	positions, err := insertRows(ctx, g.pool, p.rows)
	if err != nil {
		p.done <- appendOutcome{err: mapError(err, p.batch)}
		return
	}
	p.done <- appendOutcome{res: p.rows.result(positions)}
}
