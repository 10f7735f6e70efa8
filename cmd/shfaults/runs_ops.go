package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// runRebuildUnderLoad: a steady stream of writes (grants and cancels among them)
// while `sharehub projections rebuild --all` runs 20 times in a row. Each rebuild
// compares the fresh tables with the live ones at the swap and refuses (exits
// non-zero) on any difference; afterwards the usual check: every cancelled share
// cancelled in the read model and absent from the portal, a last rebuild identical.
func (h *harness) runRebuildUnderLoad(ctx context.Context, d time.Duration) result {
	r := result{name: "rebuild under load"}
	dbURL, drop, err := h.scratch(ctx, h.baseURL, "faults_rebuild")
	if err != nil {
		return r.error(err)
	}
	defer drop()
	s, err := h.start(ctx, dbURL, filepath.Join(h.tmp, "blobs-rebuild"), "")
	if err != nil {
		return r.error(err)
	}
	defer func() { s.stop() }()
	l := newLoad(s.base())
	if err := l.setup(ctx); err != nil {
		return r.error(err)
	}
	stopLoad := background(ctx, l)
	sleepCtx(ctx, d/4) // some history first
	v := &verdict{}
	const rebuilds = 20
	var (
		done    int
		longest time.Duration
		total   time.Duration
	)
	for i := range rebuilds {
		if ctx.Err() != nil {
			break
		}
		t0 := time.Now()
		cctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		cmd := exec.CommandContext(cctx, h.bin, "projections", "rebuild", "--all")
		cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "LOG_LEVEL=warn")
		out, err := cmd.CombinedOutput()
		cancel()
		took := time.Since(t0)
		total += took
		longest = max(longest, took)
		text := strings.TrimSpace(string(out))
		h.logf("rebuild %d: %s", i+1, text)
		if err != nil {
			v.fail("rebuild %d of %d under load: %v: %s", i+1, rebuilds, err, lastLines(text, 3))
			break
		}
		if strings.Count(text, "identical to the live tables") != 2 {
			v.fail("rebuild %d of %d under load: %s", i+1, rebuilds, lastLines(text, 3))
		}
		done++
	}
	acksDuring := l.ackCount()
	stopLoad()
	final := h.check(ctx, l, dbURL, s.base())
	final.problems = append(v.problems, final.problems...)
	if s.exited() {
		final.fail("server exited: %v", s.err)
	}
	if bad, which := l.count5xx(); bad > 0 {
		final.fail("5xx answers: %s", strings.Join(which, " "))
	}
	r.verdict(final)
	avg := time.Duration(0)
	if done > 0 {
		avg = total / time.Duration(done)
	}
	r.figures = fmt.Sprintf("%s; %d/%d rebuilds under load identical (avg %.2fs, longest %.2fs), %d acks meanwhile; answers %s",
		final.figures(), done, rebuilds, avg.Seconds(), longest.Seconds(), acksDuring, l.statusSummary())
	return r
}
