package main

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// runKillIdempotent: writes carrying an Idempotency-Key while the server is killed
// (SIGKILL) again and again at random moments, so that some kills land between an
// append's commit and its answer. Every request is retried with the same key and
// body until it gets an answer. The rule checked: every key ends with its original
// answer or a clean success (2xx); a 409 idempotency_key_in_flight may be seen
// for a while but never for good (still answered after the grace period: FAIL),
// never a 5xx other than 503 while the server is down, and no key ever appends
// twice.
func (h *harness) runKillIdempotent(ctx context.Context, d time.Duration) result {
	r := result{name: "kill -9 between append and answer (Idempotency-Key)"}
	const grace = 45 * time.Second
	rg, err := h.rig(ctx, "idem", rigOptions{})
	if err != nil {
		return r.error(err)
	}
	var smu sync.Mutex
	defer func() { smu.Lock(); rg.close(); smu.Unlock() }()
	dbURL, l := rg.dbURL, rg.l

	type outcome struct {
		key, name string
		final     int // last status (0: never answered)
		code      string
		saw409    bool
		answers   []int
	}
	var (
		mu       sync.Mutex
		outcomes []*outcome
		kills    atomic.Int32
	)
	stopAt := time.Now().Add(d)
	send := func(o *outcome) {
		body := []byte(fmt.Sprintf(`{"name":%q}`, o.name))
		hdr := http.Header{"Idempotency-Key": []string{o.key}}
		var in409 time.Time
		for {
			_, err := l.do(ctx, "folder", "POST", "/api/v1/folders", l.providerToken, body, "application/json", hdr, nil)
			var ae *apiError
			switch {
			case err == nil:
				o.final = 201
				return
			case errors.As(err, &ae):
				o.final, o.code = ae.status, ae.code
				o.answers = append(o.answers, ae.status)
				switch {
				case ae.status == http.StatusConflict && ae.code == "idempotency_key_in_flight":
					o.saw409 = true
					if in409.IsZero() {
						in409 = time.Now()
					}
					if time.Since(in409) > grace || ctx.Err() != nil {
						return // permanent
					}
					sleepCtx(ctx, 500*time.Millisecond)
					continue
				case ae.status == http.StatusServiceUnavailable || ae.status == http.StatusBadGateway:
				default:
					return // a final answer other than success
				}
			default: // transport error: the server is down
				o.final = 0
			}
			if ctx.Err() != nil {
				return
			}
			in409 = time.Time{}
			sleepCtx(ctx, 100*time.Millisecond)
		}
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stopAt) && ctx.Err() == nil {
				k := randomHex(16)
				o := &outcome{key: k, name: "idem " + k}
				mu.Lock()
				outcomes = append(outcomes, o)
				mu.Unlock()
				send(o)
			}
		}()
	}
	// The killer: SIGKILL at random moments, restart on the same address.
	rnd := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 13))
	var restartErr error
	for time.Now().Before(stopAt) && ctx.Err() == nil {
		sleepCtx(ctx, time.Duration(150+rnd.IntN(700))*time.Millisecond)
		smu.Lock()
		rg.s.kill()
		kills.Add(1)
		ns, err := h.start(ctx, dbURL, rg.blobDir, rg.s.addr)
		if err != nil {
			restartErr = err
			smu.Unlock()
			break
		}
		rg.s = ns
		smu.Unlock()
	}
	wg.Wait()
	if restartErr != nil {
		return r.error(fmt.Errorf("restart after SIGKILL: %w", restartErr))
	}

	v := h.check(ctx, l, dbURL, rg.s.base())
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return r.error(err)
	}
	defer conn.Close(ctx)
	counts := map[string]int{}
	rows, err := conn.Query(ctx, `SELECT payload->>'name', count(*) FROM events
		WHERE event_type = 'FolderCreated' AND payload->>'name' LIKE 'idem %' GROUP BY 1`)
	if err != nil {
		return r.error(err)
	}
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			return r.error(err)
		}
		counts[name] = n
	}
	rows.Close()
	var ok, in409, permanent409, server5xx, other, dup, saw409 int
	var examples []string
	for _, o := range outcomes {
		if o.saw409 {
			saw409++
		}
		if counts[o.name] > 1 {
			dup++
			v.fail("key %s appended %d times", o.key, counts[o.name])
		}
		for _, a := range o.answers {
			if a >= 500 && a != http.StatusServiceUnavailable && a != http.StatusBadGateway {
				server5xx++
				v.fail("key %s answered %d", o.key, a)
				break
			}
		}
		switch {
		case o.final >= 200 && o.final < 300:
			ok++
			if counts[o.name] != 1 {
				v.fail("key %s answered success but the log holds %d folders of it", o.key, counts[o.name])
			}
		case o.final == http.StatusConflict && o.code == "idempotency_key_in_flight":
			permanent409++
			in409++
			if len(examples) < 3 {
				examples = append(examples, o.key)
			}
		default:
			other++
			if len(examples) < 3 {
				examples = append(examples, fmt.Sprintf("%s: %d %s", o.key, o.final, o.code))
			}
		}
	}
	if permanent409 > 0 {
		v.fail("%d keys still answer 409 idempotency_key_in_flight %s after their append (e.g. %s)",
			permanent409, grace, strings.Join(examples, ", "))
	}
	if other > 0 {
		v.fail("%d keys ended with neither success nor 409 (e.g. %s)", other, strings.Join(examples, ", "))
	}
	r.verdict(v)
	r.figures = fmt.Sprintf("%s; %d kills, %d keys: %d answered 2xx, %d saw 409 in flight, %d still 409 after %s, %d other, %d 5xx, %d appended twice; answers %s",
		v.figures(), kills.Load(), len(outcomes), ok, saw409, permanent409, grace, other, server5xx, dup, l.statusSummary())
	return r
}
