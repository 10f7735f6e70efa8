// Command shfaults injects faults into running sharehub servers (`make faults`) and
// checks that nothing acknowledged is lost. Each run is bounded in time, uses
// loopback only and a scratch database (created beside DATABASE_URL's, dropped
// after), ends with a check and prints one summary line; a table of all runs
// closes the output and the exit status is 1 when any run failed.
//
//	kill -9           SIGKILL `sharehub serve` mid-load, restart it, go on
//	postgres restart  stop and start a dedicated cluster (.data/pg-faults) mid-load
//	3 replicas        three serve processes on one database, load round robin
//	ryw               three serve processes, no X-Min-Position: a session reads its own writes
//	disk full         the blob folder on a 2 MiB tmpfs (needs mount: root)
//	link-open growth  10,000 opens of one link: last 100 no slower than 1.2 x the first 100
//	upload flood      5 MiB uploads into another provider's folder: 404, disk unchanged after gc
//	flood             200 addresses send forged credentials (flood.go): memory and
//	                  a signed-in read's latency stay bounded
//	rebuild           20 `projections rebuild --all` in a row under a steady load
//	restore           pg_dump mid-history, restore into a new cluster, go on writing
//	idem              kill -9 again and again under writes with Idempotency-Key; retry each
//	stalled exporters 50 audit streams whose clients stop reading; interactive
//	                  reads meanwhile (p99 < 100 ms), no session idle in a
//	                  transaction for more than 5 s
//
// The check after each run: every acknowledged write (2xx with X-Position) is in
// the log at that position with the expected event type; every share acknowledged
// as cancelled is cancelled in rm_portal.shares and absent from the customer's
// portal (and every share never cancelled present); `sharehub projections rebuild
// --all` finds the rebuilt tables identical to the live ones.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"
	"time"
)

type result struct {
	name    string
	status  string // PASS, FAIL, SKIP
	figures string
	took    time.Duration
	details []string // what failed
}

func (r result) error(err error) result {
	r.status = "FAIL"
	r.figures = "error: " + err.Error()
	return r
}

func (r *result) verdict(v *verdict) {
	r.status = "PASS"
	if !v.ok() {
		r.status = "FAIL"
		r.details = v.problems
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	failed, err := run(ctx, os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "shfaults:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) (failed bool, err error) {
	fs := flag.NewFlagSet("shfaults", flag.ContinueOnError)
	only := fs.String("only", "", "comma-separated runs (default all): kill, pg, replicas, disk, linkopens, uploads, flood, rebuild, restore, idem, exporters, ryw")
	duration := fs.Duration("duration", 16*time.Second, "load time of each run")
	verbose := fs.Bool("v", false, "narrate each run")
	poolMax := fs.Int("pool-max-conns", 0, "pool_max_conns for the servers (0: their default, max(4, CPUs))")
	dedicated := fs.Bool("dedicated", false, "run every fault on the dedicated cluster "+faultCluster+
		" instead of DATABASE_URL's: the projections' horizon is cluster-wide, so a long transaction in another database there stalls them")
	linkOpens := fs.Int("link-opens", 10_000, "opens of one link in the link-open growth run")
	floodUploads := fs.Int("flood-uploads", 40, "5 MiB uploads into a foreign folder in the upload flood run")
	keep := fs.Bool("keep", false, "keep the scratch folder (server logs), the scratch databases and the fault cluster afterwards")
	if err := fs.Parse(args); err != nil {
		return false, err
	}
	h := &harness{baseURL: os.Getenv("DATABASE_URL"), verbose: *verbose, poolMax: *poolMax, keep: *keep}
	if h.baseURL == "" {
		return false, errors.New("DATABASE_URL is not set (make faults sets it)")
	}
	if h.repo, err = os.Getwd(); err != nil {
		return false, err
	}
	if _, err := os.Stat("go.mod"); err != nil {
		return false, errors.New("run shfaults from the repository root (make faults)")
	}
	if h.tmp, err = os.MkdirTemp("", "shfaults-"); err != nil {
		return false, err
	}
	if *keep {
		fmt.Println("scratch folder (kept):", h.tmp)
	} else {
		defer os.RemoveAll(h.tmp)
	}
	fmt.Println("building sharehub ...")
	if err := h.build(ctx); err != nil {
		return false, err
	}
	if *dedicated {
		url, err := h.pgdevCmd(ctx, "up", faultCluster, true)
		if err != nil {
			return false, err
		}
		h.baseURL, h.dedicated = url, true
		if !*keep {
			defer func() { _, _ = h.pgdevCmd(context.WithoutCancel(ctx), "stop", faultCluster, false) }()
		}
	}
	want := func(name string) bool { return *only == "" || strings.Contains(","+*only+",", ","+name+",") }
	runs := []struct {
		key string
		fn  func() result
	}{
		{"kill", func() result { return h.runKill(ctx, *duration) }},
		{"pg", func() result { return h.runPGRestart(ctx, *duration) }},
		{"replicas", func() result { return h.runReplicas(ctx, *duration) }},
		{"ryw", func() result { return h.runReadYourWrites(ctx, *duration) }},
		{"disk", func() result { return h.runDiskFull(ctx) }},
		{"linkopens", func() result { return h.runLinkOpenGrowth(ctx, *linkOpens) }},
		{"uploads", func() result { return h.runUploadFlood(ctx, *floodUploads) }},
		{"flood", func() result { return h.runCredentialFlood(ctx, *duration) }},
		{"rebuild", func() result { return h.runRebuildUnderLoad(ctx, *duration) }},
		{"restore", func() result { return h.runRestore(ctx, *duration) }},
		{"idem", func() result { return h.runKillIdempotent(ctx, *duration) }},
		{"exporters", func() result { return h.runStalledExporters(ctx, *duration) }},
	}
	var results []result
	for _, rn := range runs {
		if !want(rn.key) || ctx.Err() != nil {
			continue
		}
		t0 := time.Now()
		res := rn.fn()
		res.took = time.Since(t0)
		fmt.Printf("%s: %s (%.0fs) %s\n", res.name, res.status, res.took.Seconds(), res.figures)
		for _, d := range res.details {
			fmt.Printf("    %s\n", d)
		}
		results = append(results, res)
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	fmt.Println()
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tRESULT\tTIME\tFIGURES")
	for _, r := range results {
		fig := r.figures
		if len(fig) > 140 {
			fig = fig[:137] + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0fs\t%s\n", r.name, r.status, r.took.Seconds(), fig)
		if r.status == "FAIL" {
			failed = true
		}
	}
	_ = tw.Flush()
	return failed, nil
}
