package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// runReadYourWrites: three serve processes on one database, no sticky routing, no
// X-Min-Position. Writers each sign up their own company (their own session),
// create a folder through one server and read it at once through the next; every
// read must find it (issue 15: the session's acknowledged position lives in
// PostgreSQL, so any process makes the read wait for it). It reports how many
// reads had to wait and the read latencies.
func (h *harness) runReadYourWrites(ctx context.Context, d time.Duration) result {
	r := result{name: "read your writes, 3 replicas"}
	dbURL, drop, err := h.scratch(ctx, h.baseURL, "faults_ryw")
	if err != nil {
		return r.error(err)
	}
	defer drop()
	blobDir := filepath.Join(h.tmp, "blobs-ryw")
	var servers []*server
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	var bases []string
	for range 3 {
		s, err := h.start(ctx, dbURL, blobDir, "")
		if err != nil {
			return r.error(err)
		}
		servers = append(servers, s)
		bases = append(bases, s.base())
	}
	l := newLoad(bases...)
	var (
		mu     sync.Mutex
		reads  []time.Duration
		misses []string
		errs   []string
	)
	rctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			me, err := l.signup(ctx, fmt.Sprintf("ryw%d", w))
			if err != nil {
				mu.Lock()
				errs = append(errs, "signup: "+err.Error())
				mu.Unlock()
				return
			}
			for i := 0; rctx.Err() == nil; i++ {
				var f struct {
					ID string `json:"id"`
				}
				if _, err := l.json(rctx, "folder", "POST", "/api/v1/folders", me.Token, map[string]string{"name": fmt.Sprintf("ryw %d %d", w, i)}, &f); err != nil {
					if rctx.Err() == nil {
						mu.Lock()
						errs = append(errs, "create folder: "+err.Error())
						mu.Unlock()
					}
					return
				}
				t0 := time.Now()
				_, err := l.do(ctx, "", "GET", "/api/v1/folders/"+f.ID, me.Token, nil, "", nil, nil)
				took := time.Since(t0)
				mu.Lock()
				reads = append(reads, took)
				if err != nil {
					misses = append(misses, fmt.Sprintf("folder %s: %v", f.ID, err))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	v := &verdict{}
	for _, e := range errs {
		v.fail("%s", e)
	}
	for _, m := range misses {
		v.fail("own write not read: %s", m)
	}
	if len(reads) == 0 {
		v.fail("no read made")
	}
	for i, s := range servers {
		if s.exited() {
			v.fail("server %d exited: %v", i, s.err)
		}
	}
	r.verdict(v)
	slices.Sort(reads)
	q := func(p float64) float64 {
		if len(reads) == 0 {
			return 0
		}
		return float64(reads[int(p*float64(len(reads)-1))].Microseconds()) / 1000
	}
	r.figures = fmt.Sprintf("%d write-then-read pairs across replicas, %d misses; read after own write p50 %.2f ms p99 %.2f ms max %.1f ms; answers %s",
		len(reads), len(misses), q(0.5), q(0.99), q(1), l.statusSummary())
	return r
}
