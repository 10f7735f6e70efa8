package main

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/cmd/internal/cli"
	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/httpapi/client"
	"github.com/sharehub/sharehub/projections"
)

// operation is one kind of request of the mix; weight is its share in percent.
type operation struct {
	name   string
	weight int
	write  bool
	run    func(h *harness, ctx context.Context, rnd *mrand.Rand) bool // false: nothing to act on
}

// mix: 42% writes, 58% reads.
var mix = []operation{
	{"grant share", 12, true, (*harness).grant},
	{"cancel share", 10, true, (*harness).cancelShare},
	{"pause/resume", 5, true, (*harness).pauseResume},
	{"create link", 6, true, (*harness).createLink},
	{"cancel link", 4, true, (*harness).cancelLink},
	{"upload", 5, true, (*harness).upload},
	{"portal listing", 25, false, (*harness).portalListing},
	{"share history", 15, false, (*harness).shareHistory},
	{"link resolution", 18, false, (*harness).resolveLink},
}

func pick(rnd *mrand.Rand) operation {
	n := rnd.IntN(100)
	for _, op := range mix {
		if n < op.weight {
			return op
		}
		n -= op.weight
	}
	return mix[len(mix)-1]
}

// ack is a write the API acknowledged: where (X-Position) and what it claimed
// (an event of this type on this stream, in the request's batch).
type ack struct {
	op        string
	requestID string
	position  int64
	stream    string
	eventType string
}

type lagSample struct {
	maxSeconds float64
	maxEvents  int64
	final      projections.ProjectionStatus
}

type stats struct {
	mu         sync.Mutex
	latencies  map[string][]float64 // ms, of answered requests
	oks, errs  map[string]int
	codes      map[string]map[string]int // op -> problem code -> count
	acks       []ack
	cancelled  []cancelledShare
	violations []string
	nViolation int
	checks     map[string]int // what was checked, how often
	lag        map[string]*lagSample
	skipped    map[string]int
	dropped    atomic.Int64
	started    atomic.Int64
	elapsed    time.Duration
}

func newStats() *stats {
	return &stats{latencies: map[string][]float64{}, oks: map[string]int{}, errs: map[string]int{},
		codes: map[string]map[string]int{}, checks: map[string]int{}, lag: map[string]*lagSample{}, skipped: map[string]int{}}
}

// record counts an answer of op; a write answered 2xx is acknowledged as claimed.
func (s *stats) record(op string, a client.Answer, claim *ack) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.Status != 0 {
		s.latencies[op] = append(s.latencies[op], float64(a.Took.Microseconds())/1000)
	}
	if !a.OK() {
		s.errs[op]++
		if s.codes[op] == nil {
			s.codes[op] = map[string]int{}
		}
		s.codes[op][a.Code]++
		return
	}
	s.oks[op]++
	if claim != nil {
		claim.op, claim.requestID, claim.position = op, a.RequestID, a.Position
		s.acks = append(s.acks, *claim)
		if a.Position <= 0 {
			s.violationLocked("%s acknowledged without X-Position (request %s)", op, a.RequestID)
		}
	}
}

func (s *stats) check(what string) {
	s.mu.Lock()
	s.checks[what]++
	s.mu.Unlock()
}

func (s *stats) violation(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violationLocked(format, args...)
}

func (s *stats) violationLocked(format string, args ...any) {
	s.nViolation++
	if len(s.violations) < 50 {
		s.violations = append(s.violations, fmt.Sprintf(format, args...))
	}
}

func (s *stats) violationCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nViolation
}

func (s *stats) skip(op string) {
	s.mu.Lock()
	s.skipped[op]++
	s.mu.Unlock()
}

// drive starts requests on an open-loop schedule (rate per second) for the
// duration, sampling the projections' lag meanwhile, and waits for the last ones.
func (h *harness) drive(ctx context.Context) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	lagDone := make(chan struct{})
	go func() {
		defer close(lagDone)
		h.sampleLag(runCtx)
	}()
	interval := time.Second / time.Duration(h.opt.rate)
	sem := make(chan struct{}, h.opt.concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(h.opt.duration)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for i := 0; ; i++ {
		due := start.Add(time.Duration(i) * interval)
		if !due.Before(end) || ctx.Err() != nil {
			break
		}
		if d := time.Until(due); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
		}
		select {
		case sem <- struct{}{}:
		default:
			h.stats.dropped.Add(1)
			continue
		}
		h.stats.started.Add(1)
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			defer func() { <-sem }()
			rnd := mrand.New(mrand.NewPCG(seed, uint64(start.UnixNano())))
			// An operation with nothing to act on (every customer busy, no active
			// share) gives way to another of the mix, a few times.
			for range 4 {
				op := pick(rnd)
				if op.run(h, ctx, rnd) {
					return
				}
				h.stats.skip(op.name)
			}
		}(uint64(i))
	}
	wg.Wait()
	h.stats.elapsed = time.Since(start)
	cancel()
	<-lagDone
	return ctx.Err()
}

func (h *harness) sampleLag(ctx context.Context) {
	cli.Every(ctx, time.Second, func() { h.lagOnce(ctx) })
}

func (h *harness) lagOnce(ctx context.Context) {
	st, err := projections.Status(ctx, h.srv.pool, projections.All())
	if err != nil {
		return
	}
	h.stats.mu.Lock()
	for _, s := range st {
		l := h.stats.lag[s.Name]
		if l == nil {
			l = &lagSample{}
			h.stats.lag[s.Name] = l
		}
		l.maxSeconds, l.maxEvents = max(l.maxSeconds, s.LagSeconds), max(l.maxEvents, s.LagEvents)
	}
	h.stats.mu.Unlock()
	h.checkFailed(ctx)
}

// checkFailed reports every consumer stopped by an event it cannot apply: the read
// models and any other consumer the runner runs (projection_state names them all).
func (h *harness) checkFailed(ctx context.Context) {
	rows, err := h.srv.pool.Query(ctx, `SELECT name, coalesce(error, '') FROM projection_state WHERE state = 'failed'`)
	if err != nil {
		return
	}
	defer rows.Close()
	for rows.Next() {
		var name, msg string
		if rows.Scan(&name, &msg) == nil && h.failed.Add(name) {
			h.stats.violation("consumer %s failed: %s", name, msg)
		}
	}
}

// lockCustomer takes a random idle customer (nil: all tried were busy).
func (h *harness) lockCustomer(rnd *mrand.Rand) *customer {
	for range 4 {
		c := h.customers[rnd.IntN(len(h.customers))]
		if c.busy.TryLock() {
			return c
		}
	}
	return nil
}

func (h *harness) lockDocument(rnd *mrand.Rand) *document {
	for range 4 {
		h.mu.Lock()
		d := h.docs[rnd.IntN(len(h.docs))]
		h.mu.Unlock()
		if d.busy.TryLock() {
			return d
		}
	}
	return nil
}

func (h *harness) randomDocument(rnd *mrand.Rand) *document {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.docs[rnd.IntN(len(h.docs))]
}

func (h *harness) grant(ctx context.Context, rnd *mrand.Rand) bool {
	c := h.lockCustomer(rnd)
	if c == nil {
		return false
	}
	defer c.busy.Unlock()
	var d *document
	for range 4 {
		cand := h.randomDocument(rnd)
		h.mu.Lock()
		_, shared := c.shares[cand.id]
		h.mu.Unlock()
		if !shared {
			d = cand
			break
		}
	}
	if d == nil {
		return false
	}
	a := h.json(ctx, "POST", "/api/v1/shares", map[string]string{"customer_id": c.id.String(), "document_id": d.id.String(), "permission": "view"})
	var claim *ack
	if a.OK() {
		s, err := client.Decode[idOnly](a, "")
		if err != nil || s.ID == uuid.Nil {
			h.stats.violation("grant answered 201 without a share id: %s", a.Body)
		} else {
			claim = &ack{stream: domain.ShareStream(s.ID), eventType: "PortalShareGranted"}
			h.mu.Lock()
			c.shares[d.id], c.lastPos = s.ID, a.Position
			h.mu.Unlock()
		}
	}
	h.stats.record("grant share", a, claim)
	return true
}

func (h *harness) cancelShare(ctx context.Context, rnd *mrand.Rand) bool {
	c := h.lockCustomer(rnd)
	if c == nil {
		return false
	}
	defer c.busy.Unlock()
	h.mu.Lock()
	var docID, shareID uuid.UUID
	for d, s := range c.shares {
		docID, shareID = d, s
		break
	}
	h.mu.Unlock()
	if shareID == uuid.Nil {
		return false
	}
	a := h.json(ctx, "POST", "/api/v1/shares/"+shareID.String()+"/cancel", nil)
	var claim *ack
	if a.OK() {
		claim = &ack{stream: domain.ShareStream(shareID), eventType: "ShareCancelled"}
		h.mu.Lock()
		delete(c.shares, docID)
		c.lastPos = a.Position
		h.mu.Unlock()
		h.stats.mu.Lock()
		h.stats.cancelled = append(h.stats.cancelled, cancelledShare{share: shareID, customer: c.id, document: docID, position: a.Position})
		h.stats.mu.Unlock()
	}
	h.stats.record("cancel share", a, claim)
	return true
}

func (h *harness) pauseResume(ctx context.Context, rnd *mrand.Rand) bool {
	c := h.lockCustomer(rnd)
	if c == nil {
		return false
	}
	defer c.busy.Unlock()
	h.setPaused(ctx, c, !c.paused, "pause/resume")
	return true
}

func (h *harness) setPaused(ctx context.Context, c *customer, pause bool, op string) {
	action, event := "resume", "SharingResumed"
	if pause {
		action, event = "pause", "SharingPaused"
	}
	a := h.json(ctx, "POST", "/api/v1/customers/"+c.id.String()+"/"+action, nil)
	var claim *ack
	if a.OK() {
		claim = &ack{stream: domain.CustomerStream(c.id), eventType: event}
		h.mu.Lock()
		c.paused, c.lastPos = pause, a.Position
		h.mu.Unlock()
	}
	h.stats.record(op, a, claim)
}

func (h *harness) createLink(ctx context.Context, rnd *mrand.Rand) bool {
	d := h.lockDocument(rnd)
	if d == nil {
		return false
	}
	defer d.busy.Unlock()
	in := map[string]any{}
	if rnd.IntN(3) == 0 {
		in["expires_at"] = time.Now().Add(7 * 24 * time.Hour).UTC().Format(time.RFC3339)
	}
	a := h.json(ctx, "POST", "/api/v1/documents/"+d.id.String()+"/links", in)
	var claim *ack
	if a.OK() {
		l, err := client.Decode[linkCreated](a, "")
		if err != nil || l.ID == uuid.Nil || l.URL == "" {
			h.stats.violation("link answered 201 without id or url: %s", a.Body)
		} else {
			claim = &ack{stream: domain.LinkStream(l.ID), eventType: "LinkCreated"}
			h.mu.Lock()
			d.links = append(d.links, &link{id: l.ID.String(), token: l.token()})
			h.mu.Unlock()
		}
	}
	h.stats.record("create link", a, claim)
	return true
}

func (h *harness) cancelLink(ctx context.Context, rnd *mrand.Rand) bool {
	d := h.lockDocument(rnd)
	if d == nil {
		return false
	}
	defer d.busy.Unlock()
	h.mu.Lock()
	if len(d.links) == 0 {
		h.mu.Unlock()
		return false
	}
	l := d.links[rnd.IntN(len(d.links))]
	l.cancelling = true
	h.mu.Unlock()
	id, err := uuid.Parse(l.id)
	if err != nil {
		h.stats.violation("link id %q: %v", l.id, err)
		return true
	}
	a := h.json(ctx, "POST", "/api/v1/links/"+l.id+"/cancel", nil)
	var claim *ack
	if a.OK() {
		claim = &ack{stream: domain.LinkStream(id), eventType: "LinkCancelled"}
		h.mu.Lock()
		d.links = slices.DeleteFunc(d.links, func(x *link) bool { return x == l })
		d.cancelled = append(d.cancelled, l)
		h.mu.Unlock()
	}
	h.stats.record("cancel link", a, claim)
	return true
}

// upload adds a new document (half the time) or a new version of one.
func (h *harness) upload(ctx context.Context, rnd *mrand.Rand) bool {
	if rnd.IntN(2) == 0 {
		h.mu.Lock()
		n := len(h.docs)
		h.mu.Unlock()
		a := h.api.Upload(ctx, "/api/v1/documents", h.providerToken, map[string]string{"folder_id": h.folders[rnd.IntN(len(h.folders))].String()},
			fmt.Sprintf("upload %05d.txt", n), fileContent(rnd, n, 1))
		var claim *ack
		if a.OK() {
			d, err := client.Decode[idOnly](a, "")
			if err != nil || d.ID == uuid.Nil {
				h.stats.violation("upload answered 201 without a document id: %s", a.Body)
			} else {
				claim = &ack{stream: domain.DocumentStream(d.ID), eventType: "DocumentAdded"}
				h.mu.Lock()
				h.docs = append(h.docs, &document{id: d.ID, versions: 1, created: a.Position})
				h.mu.Unlock()
			}
		}
		h.stats.record("upload", a, claim)
		return true
	}
	d := h.lockDocument(rnd)
	if d == nil {
		return false
	}
	defer d.busy.Unlock()
	a := h.api.Upload(ctx, "/api/v1/documents/"+d.id.String()+"/versions", h.providerToken, nil,
		"next.txt", fileContent(rnd, 0, d.versions+1))
	var claim *ack
	if a.OK() {
		claim = &ack{stream: domain.DocumentStream(d.id), eventType: "DocumentVersionAdded"}
		d.versions++
	}
	h.stats.record("upload", a, claim)
	return true
}

type portalListing struct {
	Documents []struct {
		ID uuid.UUID `json:"id"`
	} `json:"documents"`
}

// portalListing reads a customer's flat portal listing, waiting for its last
// acknowledged write (X-Min-Position), with the customer held: the listing must
// show exactly the documents of its active shares (none while paused).
func (h *harness) portalListing(ctx context.Context, rnd *mrand.Rand) bool {
	c := h.lockCustomer(rnd)
	if c == nil {
		return false
	}
	defer c.busy.Unlock()
	h.mu.Lock()
	minPos, paused := c.lastPos, c.paused
	want := map[uuid.UUID]bool{}
	if !paused {
		for d := range c.shares {
			want[d] = true
		}
	}
	h.mu.Unlock()
	a := h.api.Get(ctx, "/api/v1/portal/providers/"+h.provider.String()+"/documents?flat=true&limit=500", c.token, minPos)
	h.stats.record("portal listing", a, nil)
	if a.OK() {
		h.comparePortal(c, a, want, "during the run")
	}
	return true
}

func (h *harness) comparePortal(c *customer, a client.Answer, want map[uuid.UUID]bool, when string) {
	h.stats.check("portal listing equals the acknowledged shares")
	got, err := client.Decode[portalListing](a, "")
	if err != nil {
		h.stats.violation("portal listing of %s: %v", c.id, err)
		return
	}
	seen := map[uuid.UUID]bool{}
	for _, d := range got.Documents {
		seen[d.ID] = true
		if !want[d.ID] {
			h.stats.violation("%s: customer %s sees document %s without an acknowledged active share (read at X-Min-Position %d, request %s)",
				when, c.id, d.ID, c.lastPos, a.RequestID)
		}
	}
	for d := range want {
		if !seen[d] {
			h.stats.violation("%s: customer %s does not see document %s of an acknowledged share (read at X-Min-Position %d, request %s)",
				when, c.id, d, c.lastPos, a.RequestID)
		}
	}
}

func (h *harness) shareHistory(ctx context.Context, rnd *mrand.Rand) bool {
	d := h.randomDocument(rnd)
	// A document uploaded a moment ago may not be in the read model yet: wait for it.
	a := h.api.Get(ctx, "/api/v1/documents/"+d.id.String()+"/share-history?limit=50", h.providerToken, d.created)
	h.stats.record("share history", a, nil)
	return true
}

// resolveLink opens a link's metadata: an active link answers 200, a cancelled one
// 410 link_gone (both straight from the log).
func (h *harness) resolveLink(ctx context.Context, rnd *mrand.Rand) bool {
	d := h.randomDocument(rnd)
	h.mu.Lock()
	var l *link
	wantGone := false
	switch {
	case len(d.cancelled) > 0 && rnd.IntN(5) == 0:
		l, wantGone = d.cancelled[rnd.IntN(len(d.cancelled))], true
	case len(d.links) > 0:
		l = d.links[rnd.IntN(len(d.links))]
		wantGone = false
	}
	h.mu.Unlock()
	if l == nil {
		return false
	}
	a := h.api.Get(ctx, "/l/"+l.token, "", 0)
	// Read after the answer: a cancel sent while this request ran sets it first.
	h.mu.Lock()
	cancelling := l.cancelling
	h.mu.Unlock()
	switch {
	case wantGone:
		h.stats.check("cancelled link answers 410")
		if a.Status != 410 || a.Code != "link_gone" {
			h.stats.violation("cancelled link %s answered %d %s", l.id, a.Status, a.Code)
		}
		a.Status, a.Code = 200, "" // the expected answer
	case a.Status == 410 && cancelling:
		a.Status, a.Code = 200, "" // cancelled meanwhile
	case a.Status == 410:
		h.stats.violation("link %s, never cancelled, answered 410 %s", l.id, a.Code)
	}
	h.stats.record("link resolution", a, nil)
	return true
}
