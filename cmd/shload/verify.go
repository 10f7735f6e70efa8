package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/audit"
	"github.com/sharehub/sharehub/httpapi/client"
	"github.com/sharehub/sharehub/projections"
)

// verify checks, after the run, everything the API acknowledged.
func (h *harness) verify(ctx context.Context) error {
	// Resume every paused customer (acknowledged writes too), so that the portal
	// check below sees each customer's shares rather than an empty paused view.
	for _, c := range h.customers {
		if c.paused {
			h.setPaused(ctx, c, false, "final resume")
		}
	}
	var last int64
	for _, a := range h.stats.acks {
		last = max(last, a.position)
	}
	t0 := time.Now()
	if err := h.waitProjections(ctx, last, 2*time.Minute); err != nil {
		h.stats.violation("projections did not catch up after the run: %v", err)
	}
	catchUp := time.Since(t0)
	if err := h.verifyLog(ctx); err != nil {
		return err
	}
	if err := h.verifyShares(ctx, last); err != nil {
		return err
	}
	h.verifyLinks(ctx)
	h.checkFailed(ctx)
	rep, err := audit.VerifyChains(ctx, h.srv.pool, nil)
	if err != nil {
		return err
	}
	h.stats.check("hash chains verify")
	if !rep.OK {
		h.stats.violation("hash chains broken: %+v", rep.FirstBroken)
	}
	st, err := projections.Status(ctx, h.srv.pool, projections.All())
	if err != nil {
		return err
	}
	for _, s := range st {
		l := h.stats.lag[s.Name]
		if l == nil {
			l = &lagSample{}
			h.stats.lag[s.Name] = l
		}
		l.final = s
	}
	fmt.Fprintf(h.out, "projections caught up %s after the last request\n", catchUp.Round(time.Millisecond))
	return nil
}

// verifyLog checks every acknowledged write against the log: the events of its
// request (by the client's request id, which the server keeps as client_request_id) end at the acknowledged X-Position and
// include the claimed event on the claimed stream.
func (h *harness) verifyLog(ctx context.Context) error {
	type logged struct {
		position int64
		stream   string
		typ      string
	}
	byRequest := map[string][]logged{}
	rows, err := h.srv.pool.Query(ctx, `SELECT position, stream_id, event_type, COALESCE(metadata->>'client_request_id', '') FROM events ORDER BY position`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var e logged
		var corr string
		if err := rows.Scan(&e.position, &e.stream, &e.typ, &corr); err != nil {
			return err
		}
		byRequest[corr] = append(byRequest[corr], e)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, a := range h.stats.acks {
		h.stats.check("acknowledged write in the log")
		evs := byRequest[a.requestID]
		if len(evs) == 0 {
			h.stats.violation("%s acknowledged at %d (request %s): no event of that request in the log", a.op, a.position, a.requestID)
			continue
		}
		if top := evs[len(evs)-1].position; top != a.position {
			h.stats.violation("%s acknowledged at X-Position %d, but its request's last event is at %d", a.op, a.position, top)
		}
		if !slices.ContainsFunc(evs, func(e logged) bool { return e.stream == a.stream && e.typ == a.eventType }) {
			h.stats.violation("%s acknowledged at %d: no %s on %s in its request's events %v", a.op, a.position, a.eventType, a.stream, evs)
		}
	}
	return nil
}

type sharePage struct {
	Items []struct {
		ID     uuid.UUID `json:"id"`
		Status string    `json:"status"`
	} `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// verifyShares checks, per customer, that every share acknowledged as cancelled is
// cancelled in the read model (and not active), and that the portal shows exactly
// the documents of the acknowledged active shares: never a cancelled one's.
func (h *harness) verifyShares(ctx context.Context, last int64) error {
	byCustomer := map[uuid.UUID][]cancelledShare{}
	for _, cs := range h.stats.cancelled {
		byCustomer[cs.customer] = append(byCustomer[cs.customer], cs)
	}
	for _, c := range h.customers {
		status := map[uuid.UUID]string{}
		for _, st := range []string{"active", "cancelled"} {
			cursor := ""
			for {
				q := url.Values{"customer_id": {c.id.String()}, "status": {st}, "limit": {"500"}}
				if cursor != "" {
					q.Set("cursor", cursor)
				}
				a := h.api.Get(ctx, "/api/v1/shares?"+q.Encode(), h.providerToken, last)
				if err := a.Check("list shares"); err != nil {
					return err
				}
				p, err := client.Decode[sharePage](a, "")
				if err != nil {
					return err
				}
				for _, it := range p.Items {
					status[it.ID] = it.Status
				}
				if p.NextCursor == nil || *p.NextCursor == "" {
					break
				}
				cursor = *p.NextCursor
			}
		}
		for _, cs := range byCustomer[c.id] {
			h.stats.check("cancelled share cancelled in the read model")
			if s := status[cs.share]; s != "cancelled" {
				h.stats.violation("share %s acknowledged as cancelled at %d is %q in the read model", cs.share, cs.position, s)
			}
		}
		want := map[uuid.UUID]bool{}
		for d, s := range c.shares {
			want[d] = true
			h.stats.check("active share active in the read model")
			if status[s] != "active" {
				h.stats.violation("share %s acknowledged as granted is %q in the read model", s, status[s])
			}
		}
		a := h.api.Get(ctx, "/api/v1/portal/providers/"+h.provider.String()+"/documents?flat=true&limit=500", c.token, last)
		if err := a.Check("portal listing"); err != nil {
			return err
		}
		h.comparePortal(c, a, want, "after the run")
		for _, cs := range byCustomer[c.id] {
			h.stats.check("cancelled share invisible in the portal")
			if !want[cs.document] && strings.Contains(string(a.Body), cs.document.String()) {
				h.stats.violation("document %s of share %s (cancelled at %d) is in the portal of customer %s", cs.document, cs.share, cs.position, c.id)
			}
		}
	}
	return nil
}

// verifyLinks opens every link acknowledged as cancelled: 410 link_gone.
func (h *harness) verifyLinks(ctx context.Context) {
	for _, d := range h.docs {
		for _, l := range d.cancelled {
			h.stats.check("cancelled link answers 410")
			if a := h.api.Get(ctx, "/l/"+l.token, "", 0); a.Status != 410 || a.Code != "link_gone" {
				h.stats.violation("cancelled link %s answered %d %s after the run", l.id, a.Status, a.Code)
			}
		}
	}
}

// writeAcks writes the acknowledged writes as NDJSON.
func (h *harness) writeAcks(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, a := range h.stats.acks {
		if err := enc.Encode(map[string]any{"op": a.op, "request_id": a.requestID, "position": a.position,
			"stream": a.stream, "event_type": a.eventType}); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// waitAll waits until every projection applied position. When time is up, the
// error names what holds the projections back: a long transaction anywhere on the
// server (another database too) stops delivery below it.
func waitAll(ctx context.Context, pool *pgxpool.Pool, store *eventstore.Store, position int64, maxWait time.Duration) error {
	for _, p := range projections.All() {
		err := projections.WaitFor(ctx, store, p.Name, position, maxWait)
		if err == nil {
			continue
		}
		st, serr := projections.Status(ctx, pool, []projections.Projection{p})
		if serr != nil || len(st) == 0 {
			return err
		}
		var blockers []string
		for _, b := range st[0].Blockers {
			blockers = append(blockers, fmt.Sprintf("pid %d in database %s, transaction open %s: %.60s", b.PID, b.Database, b.Age.Round(time.Second), b.Query))
		}
		return fmt.Errorf("%w (state %s, lag %d events, %d held back by: %s)", err, st[0].State, st[0].LagEvents, st[0].HeldBack, strings.Join(blockers, "; "))
	}
	return nil
}

// report prints the summary table.
func (h *harness) report(w io.Writer) {
	s := h.stats
	s.mu.Lock()
	defer s.mu.Unlock()
	total, writes := 0, 0
	for _, op := range mix {
		total += s.oks[op.name] + s.errs[op.name]
		if op.write {
			writes += s.oks[op.name]
		}
	}
	secs := s.elapsed.Seconds()
	fmt.Fprintf(w, "\n%-16s %8s %7s %6s %9s %9s %9s %9s\n", "operation", "requests", "req/s", "errors", "p50 ms", "p99 ms", "p99.9 ms", "max ms")
	fmt.Fprintln(w, strings.Repeat("-", 80))
	for _, op := range append(slices.Clone(mix), operation{name: "final resume", write: true}) {
		lat := slices.Clone(s.latencies[op.name])
		n := s.oks[op.name] + s.errs[op.name]
		if n == 0 {
			continue
		}
		slices.Sort(lat)
		fmt.Fprintf(w, "%-16s %8d %7.1f %6d %9.2f %9.2f %9.2f %9.2f\n", op.name, n, float64(n)/secs, s.errs[op.name],
			quantile(lat, 0.5), quantile(lat, 0.99), quantile(lat, 0.999), quantile(lat, 1))
	}
	var all []float64
	for _, op := range mix {
		all = append(all, s.latencies[op.name]...)
	}
	slices.Sort(all)
	fmt.Fprintln(w, strings.Repeat("-", 80))
	fmt.Fprintf(w, "%-16s %8d %7.1f %6d %9.2f %9.2f %9.2f %9.2f\n", "all", total, float64(total)/secs, total-sumOks(s.oks),
		quantile(all, 0.5), quantile(all, 0.99), quantile(all, 0.999), quantile(all, 1))
	fmt.Fprintf(w, "\nthroughput: %d requests in %s = %.1f req/s (target %d); %d writes acknowledged (%.1f/s); %d requests dropped at the concurrency limit; skipped draws (entity busy or nothing to act on): %v\n",
		total, s.elapsed.Round(time.Millisecond), float64(total)/secs, h.opt.rate, writes, float64(writes)/secs, s.dropped.Load(), s.skipped)
	names := make([]string, 0, len(s.lag))
	for n := range s.lag {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		l := s.lag[n]
		fmt.Fprintf(w, "projection lag %-9s max %.2f s / %d events during the run (sampled each second); after: position %d, lag %d events, state %s\n",
			n, l.maxSeconds, l.maxEvents, l.final.Position, l.final.LagEvents, l.final.State)
	}
	var codes []string
	for op, m := range s.codes {
		for code, n := range m {
			codes = append(codes, fmt.Sprintf("%s %s: %d", op, code, n))
		}
	}
	sort.Strings(codes)
	if len(codes) == 0 {
		fmt.Fprintln(w, "errors by code: none")
	} else {
		fmt.Fprintf(w, "errors by code: %s\n", strings.Join(codes, "; "))
	}
	var checks []string
	for what, n := range s.checks {
		checks = append(checks, fmt.Sprintf("%s: %d", what, n))
	}
	sort.Strings(checks)
	fmt.Fprintf(w, "checks: %s\n", strings.Join(checks, "; "))
	if s.nViolation == 0 {
		fmt.Fprintln(w, "verification: OK, every acknowledged write is in the log where it was acknowledged; no cancelled share visible")
		return
	}
	fmt.Fprintf(w, "verification: %d FAILED checks\n", s.nViolation)
	for _, v := range s.violations {
		fmt.Fprintln(w, "  ", v)
	}
}

func sumOks(m map[string]int) int {
	n := 0
	for k, v := range m {
		if k != "final resume" {
			n += v
		}
	}
	return n
}

func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}
