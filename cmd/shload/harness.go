package main

import (
	"context"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/sharehub/sharehub/httpapi/client"
)

// harness holds the model of the tenant: what the API acknowledged. An operation
// on a customer or a document first takes its busy lock (TryLock: a busy entity is
// skipped for another), so the model is exact for what the operation checks; the
// model's fields are guarded by mu.
type harness struct {
	srv   *server
	opt   options
	out   io.Writer
	api   *client.Client
	stats *stats

	provider      uuid.UUID
	providerToken string
	folders       []uuid.UUID

	failed nameSet // consumers reported failed

	mu        sync.Mutex
	customers []*customer
	docs      []*document
}

// nameSet remembers names once.
type nameSet struct {
	mu    sync.Mutex
	names map[string]bool
}

// Add reports whether name is new.
func (s *nameSet) Add(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.names[name] {
		return false
	}
	if s.names == nil {
		s.names = map[string]bool{}
	}
	s.names[name] = true
	return true
}

type customer struct {
	busy      sync.Mutex
	id        uuid.UUID
	companyID uuid.UUID
	token     string // the customer company's portal user
	paused    bool
	shares    map[uuid.UUID]uuid.UUID // document -> active share
	lastPos   int64                   // last acknowledged write on this customer
}

type document struct {
	busy      sync.Mutex
	id        uuid.UUID
	versions  int
	created   int64   // X-Position of its upload
	links     []*link // active
	cancelled []*link
}

type link struct {
	id, token  string
	cancelling bool // a cancel was sent: gone or not, either answer is right
}

// cancelledShare is a share the API acknowledged as cancelled.
type cancelledShare struct {
	share, customer, document uuid.UUID
	position                  int64
}

func newHarness(srv *server, o options, out io.Writer) *harness {
	return &harness{srv: srv, opt: o, out: out, api: client.New(srv.url, httpClient(o.concurrency+16)), stats: newStats()}
}

func (h *harness) countActiveShares() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, c := range h.customers {
		n += len(c.shares)
	}
	return n
}

func (h *harness) countActiveLinks() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, d := range h.docs {
		n += len(d.links)
	}
	return n
}

type signedUp struct {
	CompanyID uuid.UUID `json:"company_id"`
	UserID    uuid.UUID `json:"user_id"`
	Token     string    `json:"token"`
}

type idOnly struct {
	ID uuid.UUID `json:"id"`
}

// seed builds the tenant through the API as a client would: the provider, its
// customers (companies that signed up, then connected), folders, documents, some
// shares and links; then waits until the projections have applied all of it.
func (h *harness) seed(ctx context.Context) error {
	tag := uuid.NewString()[:8]
	a := h.api.JSON(ctx, "POST", "/api/v1/signup", "", map[string]string{"company_name": "Load Provider " + tag,
		"name": "Lou Load", "email": "lou-" + tag + "@provider.load.test", "password": "a long load password"})
	if err := a.Check("provider signup"); err != nil {
		return err
	}
	prov, err := client.Decode[signedUp](a, "")
	if err != nil {
		return err
	}
	h.provider, h.providerToken = prov.CompanyID, prov.Token

	// Customer companies sign up in parallel (a password hash each); connecting
	// them appends to the provider's stream, so one at a time.
	h.customers = make([]*customer, h.opt.customers)
	err = parallel(ctx, 4, h.opt.customers, func(ctx context.Context, i int) error {
		a := h.api.JSON(ctx, "POST", "/api/v1/signup", "", map[string]string{"company_name": fmt.Sprintf("Load Customer %03d %s", i, tag),
			"name": fmt.Sprintf("Cus Tomer %d", i), "email": fmt.Sprintf("c%03d-%s@customer.load.test", i, tag), "password": "a long load password"})
		if err := a.Check("customer signup"); err != nil {
			return err
		}
		su, err := client.Decode[signedUp](a, "")
		if err != nil {
			return err
		}
		h.customers[i] = &customer{companyID: su.CompanyID, token: su.Token, shares: map[uuid.UUID]uuid.UUID{}}
		return nil
	})
	if err != nil {
		return err
	}
	var last int64
	for _, c := range h.customers {
		a := h.api.JSON(ctx, "POST", "/api/v1/customers", h.providerToken, map[string]string{"company_id": c.companyID.String()})
		if err := a.Check("connect customer"); err != nil {
			return err
		}
		r, err := client.Decode[idOnly](a, "")
		if err != nil {
			return err
		}
		c.id, c.lastPos = r.ID, a.Position
		last = max(last, a.Position)
	}
	for _, name := range []string{"Contracts", "Reports", "Manuals", "Drawings"} {
		a := h.api.JSON(ctx, "POST", "/api/v1/folders", h.providerToken, map[string]string{"name": name})
		if err := a.Check("folder"); err != nil {
			return err
		}
		f, err := client.Decode[idOnly](a, "")
		if err != nil {
			return err
		}
		h.folders = append(h.folders, f.ID)
	}
	h.docs = make([]*document, h.opt.documents)
	err = parallel(ctx, 4, h.opt.documents, func(ctx context.Context, i int) error {
		rnd := mrand.New(mrand.NewPCG(uint64(i), 7))
		a := h.api.Upload(ctx, "/api/v1/documents", h.providerToken, map[string]string{"folder_id": h.folders[i%len(h.folders)].String()},
			fmt.Sprintf("seeded %04d.txt", i), fileContent(rnd, i, 1))
		if err := a.Check("upload"); err != nil {
			return err
		}
		d, err := client.Decode[idOnly](a, "")
		if err != nil {
			return err
		}
		h.docs[i] = &document{id: d.ID, versions: 1, created: a.Position}
		return nil
	})
	if err != nil {
		return err
	}
	// A few shares per customer and a link on every third document.
	rnd := mrand.New(mrand.NewPCG(1, 2))
	for _, c := range h.customers {
		for range 3 {
			d := h.docs[rnd.IntN(len(h.docs))]
			if _, ok := c.shares[d.id]; ok {
				continue
			}
			a := h.json(ctx, "POST", "/api/v1/shares", map[string]string{"customer_id": c.id.String(), "document_id": d.id.String(), "permission": "view"})
			if err := a.Check("share"); err != nil {
				return err
			}
			s, err := client.Decode[idOnly](a, "")
			if err != nil {
				return err
			}
			c.shares[d.id], c.lastPos = s.ID, a.Position
			last = max(last, a.Position)
		}
	}
	for i, d := range h.docs {
		if i%3 != 0 {
			continue
		}
		a := h.json(ctx, "POST", "/api/v1/documents/"+d.id.String()+"/links", map[string]string{})
		if err := a.Check("link"); err != nil {
			return err
		}
		l, err := client.Decode[linkCreated](a, "")
		if err != nil {
			return err
		}
		d.links = append(d.links, &link{id: l.ID.String(), token: l.token()})
		last = max(last, a.Position)
	}
	return h.waitProjections(ctx, last, time.Minute)
}

type linkCreated struct {
	ID  uuid.UUID `json:"id"`
	URL string    `json:"url"`
}

func (l linkCreated) token() string { return l.URL[strings.LastIndex(l.URL, "/")+1:] }

// json is a provider call.
func (h *harness) json(ctx context.Context, method, path string, in any) client.Answer {
	return h.api.JSON(ctx, method, path, h.providerToken, in)
}

// waitProjections waits until every projection applied position.
func (h *harness) waitProjections(ctx context.Context, position int64, maxWait time.Duration) error {
	return waitAll(ctx, h.srv.pool, h.srv.store, position, maxWait)
}

// fileContent is a small text file of 1 to 16 KiB.
func fileContent(rnd *mrand.Rand, doc, version int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "document %d, version %d\n", doc, version)
	for size := 1024 << rnd.IntN(5); b.Len() < size; {
		fmt.Fprintf(&b, "%08d the quick brown fox jumps over the lazy dog %x\n", b.Len(), rnd.Uint64())
	}
	return []byte(b.String())
}

// parallel runs fn(i) for i in [0,n) on workers goroutines; the first error wins.
func parallel(ctx context.Context, workers, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(ctx, i); err != nil {
					cancel(err)
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return nil
}
