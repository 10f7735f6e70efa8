// Package consistency gives clients read-your-writes over eventually consistent read
// models: every write answers X-Position (the log position it wrote), and a read
// that sends X-Min-Position waits, briefly, until each projection the route reads
// has applied that position, or answers 503 projection_lagging. A read made with a
// session also waits, without any header, for the newest position acknowledged to
// that session (Config.Floor; Acknowledge records it as a write's answer leaves).
//
// It owns the two headers and the waiting policy. It asks "has consumer group G
// applied position P?" through a function (eventstore.Store.Applied), so it must not
// import eventstore, projections, domain or handlers.
package consistency

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/httpapi/problem"
)

// Header names.
const (
	PositionHeader    = "X-Position"
	MinPositionHeader = "X-Min-Position"
)

// SetPosition marks a write's answer with the last position it appended. Call it
// before writing the status. A result without events (nothing changed) sets
// nothing.
func SetPosition(w http.ResponseWriter, res app.AppendResult) {
	if res.LastPosition > 0 {
		w.Header().Set(PositionHeader, strconv.FormatInt(res.LastPosition, 10))
	}
}

// AppliedFunc reports whether consumer group has applied the event at position
// (eventstore.Store.Applied).
type AppliedFunc func(ctx context.Context, group string, position int64) (bool, error)

// Config configures a Waiter.
type Config struct {
	Applied AppliedFunc
	// MaxWait bounds how long a read waits (default 3s; API.md: "a few seconds").
	MaxWait time.Duration
	// Poll is the first pause between checks (default 5ms); it doubles up to 100ms,
	// so a projection that is just behind is caught quickly and a lagging one costs
	// few queries.
	Poll time.Duration
	// Floor is the position a request waits for without any header: the newest
	// position acknowledged to its session (session.go). nil or 0: none.
	Floor func(*http.Request) int64
	// GroupKey names the consumer group a read really waits for (the request's
	// read-model definition, Config.ConsumerGroup of httpapi); it keys the cache of
	// applied positions. nil keeps the name.
	GroupKey func(ctx context.Context, group string) string
}

// Validate reports what is missing or out of range.
func (c Config) Validate() error {
	var errs []error
	if c.Applied == nil {
		errs = append(errs, errors.New("consistency: Applied is required"))
	}
	if c.MaxWait < 0 || c.Poll < 0 {
		errs = append(errs, errors.New("consistency: MaxWait and Poll must not be negative"))
	}
	return errors.Join(errs...)
}

// Waiter implements X-Min-Position and the session floor.
type Waiter struct {
	applied AppliedFunc
	maxWait time.Duration
	poll    time.Duration
	floor   func(*http.Request) int64
	known   *appliedCache
}

// New returns a Waiter.
func New(cfg Config) (*Waiter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	w := &Waiter{applied: cfg.Applied, maxWait: cfg.MaxWait, poll: cfg.Poll, floor: cfg.Floor,
		known: newAppliedCache(cfg.GroupKey)}
	if w.maxWait == 0 {
		w.maxWait = 3 * time.Second
	}
	if w.poll == 0 {
		w.poll = 5 * time.Millisecond
	}
	return w, nil
}

// Reads returns middleware for a route that reads the read models of groups (the
// projections' consumer-group names): it waits until every group has applied the
// position of X-Min-Position and the session's floor (Config.Floor); a malformed
// header is 400 naming it.
//
// The two are waited for separately, not their maximum: projections apply events
// in (transaction, position) order, so having applied a larger position does not
// prove a smaller one applied. Positions known applied are cached per process,
// so a session that reads again what it already waited for costs no query.
func (wt *Waiter) Reads(groups ...string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			pos, err := MinPosition(r)
			if err == nil && pos > 0 {
				err = wt.Wait(r.Context(), pos, groups...)
			}
			if err == nil && wt.floor != nil {
				if f := wt.floor(r); f > 0 && f != pos {
					err = wt.Wait(r.Context(), f, groups...)
				}
			}
			if err != nil {
				problem.Write(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// MinPosition parses X-Min-Position (0 when absent).
func MinPosition(r *http.Request) (int64, error) {
	v := r.Header.Get(MinPositionHeader)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, problem.Validation(MinPositionHeader, "must be a non-negative integer (a value of X-Position)")
	}
	return n, nil
}

// Wait blocks until every group has applied position, at most MaxWait; then it
// returns a 503 projection_lagging problem. The request's own cancellation ends it
// early.
func (wt *Waiter) Wait(ctx context.Context, position int64, groups ...string) error {
	waitCtx, cancel := context.WithTimeout(ctx, wt.maxWait)
	defer cancel()
	var pending []string
	for _, g := range groups {
		if !wt.known.has(ctx, g, position) {
			pending = append(pending, g)
		}
	}
	if len(pending) == 0 {
		return nil
	}
	pause := wt.poll
	for {
		var left []string
		for _, g := range pending {
			ok, err := wt.applied(waitCtx, g, position)
			if err == nil && ok {
				wt.known.add(ctx, g, position)
			}
			switch {
			case err != nil && waitCtx.Err() != nil:
				left = append(left, g) // the wait ran out during the query
			case err != nil:
				return err
			case !ok:
				left = append(left, g)
			}
		}
		if len(left) == 0 {
			return nil
		}
		pending = left
		t := time.NewTimer(pause)
		select {
		case <-waitCtx.Done():
			t.Stop()
			if err := ctx.Err(); err != nil {
				return err // the caller went away or its own deadline passed
			}
			return problem.ProjectionLagging(position)
		case <-t.C:
		}
		pause = min(pause*2, 100*time.Millisecond)
	}
}
