// Command shbench runs sharehub's benchmarks (`make bench`) and prints, for each,
// the figure of sharehub's own path next to a raw baseline measured in the same run
// on the same server, and their ratio. Machines are shared and noisy: the ratio is
// the result, never an absolute time.
//
// It needs DATABASE_URL (a server it may create and drop databases on) and pgbench
// on the PATH or in the PostgreSQL bin folder.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"time"
)

type result struct {
	name     string
	ours     float64
	raw      float64
	unit     string
	target   float64 // minimum ours/raw; 0: informational
	notes    string
	inverted bool // lower is better (latencies): ratio is raw/ours
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "shbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("shbench", flag.ContinueOnError)
	duration := fs.Duration("duration", 10*time.Second, "length of each timed run")
	only := fs.String("only", "", "comma-separated benchmark groups to run (default all): append, export, projections, http, hot, linkopens, replay, logreads")
	exportEvents := fs.Int("export-events", 1_000_000, "events generated for the export benchmark")
	projectionEvents := fs.Int("projection-events", 1_000_000, "events generated for the projections benchmark")
	lagRate := fs.Int("lag-rate", 1000, "events per second appended while projection lag is measured")
	linkOpens := fs.Int("link-opens", 10_000, "opens of one link in the linkopens benchmark")
	replayEvents := fs.Int("replay-events", 1_000_000, "events generated for the as-of replay benchmark")
	logreadEvents := fs.Int("events", 0, "events generated for the log-reads benchmark (default $SHBENCH_LOGREAD_EVENTS, else 1000000; 10000000 for the 10M figures)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the benchmark process to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		return fmt.Errorf("DATABASE_URL is not set (make bench sets it)")
	}
	want := func(group string) bool {
		return *only == "" || strings.Contains(","+*only+",", ","+group+",")
	}
	var results []result
	if want("append") {
		rs, err := benchAppend(ctx, url, *duration)
		if err != nil {
			return fmt.Errorf("append: %w", err)
		}
		results = append(results, rs...)
		printResults(rs) // each group as soon as it is done; the whole table at the end
	}
	if want("export") {
		rs, err := benchExport(ctx, url, *exportEvents)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		results = append(results, rs...)
		printResults(rs) // each group as soon as it is done; the whole table at the end
	}
	if want("http") {
		rs, err := benchHTTP(ctx, url, *duration)
		if err != nil {
			return fmt.Errorf("http: %w", err)
		}
		results = append(results, rs...)
		printResults(rs) // each group as soon as it is done; the whole table at the end
	}
	if want("hot") {
		rs, err := benchHot(ctx, url, *duration)
		if err != nil {
			return fmt.Errorf("hot: %w", err)
		}
		results = append(results, rs...)
		printResults(rs)
	}
	if want("projections") {
		rs, err := benchProjections(ctx, url, *projectionEvents, *lagRate, *duration)
		if err != nil {
			return fmt.Errorf("projections: %w", err)
		}
		results = append(results, rs...)
		printResults(rs) // each group as soon as it is done; the whole table at the end
	}
	if want("linkopens") {
		rs, err := benchLinkOpens(ctx, url, *linkOpens)
		if err != nil {
			return fmt.Errorf("link opens: %w", err)
		}
		results = append(results, rs...)
		printResults(rs)
	}
	if want("replay") {
		rs, err := benchReplay(ctx, url, *replayEvents, *lagRate, *duration)
		if err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		results = append(results, rs...)
		printResults(rs)
	}
	if want("logreads") {
		rs, err := benchLogReads(ctx, url, logReadEvents(*logreadEvents))
		if err != nil {
			return fmt.Errorf("log reads: %w", err)
		}
		results = append(results, rs...)
		printResults(rs)
	}
	printResults(results)
	return nil
}

func printResults(rs []result) {
	fmt.Println()
	fmt.Printf("%-44s %14s %14s %8s %8s\n", "benchmark", "sharehub", "raw baseline", "ratio", "target")
	fmt.Println(strings.Repeat("-", 92))
	failed := false
	for _, r := range rs {
		ratio := 0.0
		if r.raw > 0 && r.ours > 0 {
			ratio = r.ours / r.raw
			if r.inverted {
				ratio = r.raw / r.ours
			}
		}
		target := "-"
		if r.target > 0 {
			mark := "ok"
			if ratio < r.target {
				mark, failed = "MISSED", true
			}
			target = fmt.Sprintf(">=%.2f %s", r.target, mark)
		}
		fmt.Printf("%-44s %10.0f %-3s %10.0f %-3s %8.2f %s\n", r.name, r.ours, r.unit, r.raw, r.unit, ratio, target)
		if r.notes != "" {
			fmt.Printf("    %s\n", r.notes)
		}
	}
	if failed {
		fmt.Println("\nsome targets were missed (see MISSED)")
	}
}
