// Command shload is sharehub's load harness (`make load`): it runs the API and the
// projections in this process on 127.0.0.1 over a scratch database, seeds a tenant
// through the HTTP API, drives a mixed workload of writes and reads at a fixed rate
// for a fixed time, and then checks what it was told: every acknowledged write is
// in the log at the position it was acknowledged with, every share acknowledged as
// cancelled is cancelled in the read models and invisible in the portal, every
// cancelled link is gone. It prints throughput, latency percentiles per operation,
// projection lag and errors by problem code, and exits 1 when a check fails.
//
// It needs DATABASE_URL (a server it may create and drop a database on). It listens
// on loopback only and stops by itself.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sharehub/sharehub/cmd/internal/cli"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/blobs"
	"github.com/sharehub/sharehub/eventstore/devdb"
	"github.com/sharehub/sharehub/httpapi"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/projections"
)

func main() { cli.Main("shload", run, nil) }

type options struct {
	duration    time.Duration
	rate        int
	concurrency int
	customers   int
	documents   int
	keepDB      bool
	timeout     time.Duration
	acksFile    string
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("shload", flag.ContinueOnError)
	var o options
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "how long the mixed workload runs")
	fs.IntVar(&o.rate, "rate", 200, "requests per second started (open loop: a request is started on schedule whatever the answers take)")
	fs.IntVar(&o.concurrency, "concurrency", 128, "most requests in flight; a request due while this many are open is dropped and counted")
	fs.IntVar(&o.customers, "customers", 40, "customers seeded (each a company with a portal user)")
	fs.IntVar(&o.documents, "documents", 120, "documents seeded in the provider's library")
	fs.BoolVar(&o.keepDB, "keep-db", false, "keep the scratch database (its name is printed)")
	fs.DurationVar(&o.timeout, "timeout", 0, "hard limit on the whole run (default: duration + 4m)")
	fs.StringVar(&o.acksFile, "acks", "", "write every acknowledged write (operation, request id, X-Position, claimed stream and event) to this file as NDJSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.duration <= 0 || o.rate <= 0 || o.concurrency <= 0 || o.customers < 2 || o.documents < 2 {
		return errors.New("-duration, -rate, -concurrency must be positive; -customers and -documents at least 2")
	}
	if o.timeout == 0 {
		o.timeout = o.duration + 4*time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	baseURL := getenv("DATABASE_URL")
	if baseURL == "" {
		return errors.New("DATABASE_URL is not set (make load sets it)")
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))

	db, err := devdb.Create(ctx, baseURL, "load", devdb.Options{Migrate: true, Keep: o.keepDB})
	if err != nil {
		return fmt.Errorf("scratch database: %w", err)
	}
	defer db.Drop(context.WithoutCancel(ctx))
	pool, dbName := db.Pool, db.Name
	srv, err := startServer(ctx, pool, log)
	if err != nil {
		return err
	}
	defer srv.close()
	host, _ := os.Hostname()
	fmt.Fprintf(stdout, "shload: %s, %d CPUs, %s/%s, load average %s; API on %s, database %s\n",
		host, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, loadAverage(), srv.url, dbName)

	h := newHarness(srv, o, stdout)
	t0 := time.Now()
	if err := h.seed(ctx); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	fmt.Fprintf(stdout, "seeded %d customers, %d documents, %d shares, %d links in %s\n",
		len(h.customers), len(h.docs), h.countActiveShares(), h.countActiveLinks(), time.Since(t0).Round(time.Millisecond))

	fmt.Fprintf(stdout, "running %s at %d req/s (at most %d in flight) ...\n", o.duration, o.rate, o.concurrency)
	if err := h.drive(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "verifying ...")
	if err := h.verify(ctx); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	h.report(stdout)
	fmt.Fprintf(stdout, "load average after the run: %s\n", loadAverage())
	if o.acksFile != "" {
		if err := h.writeAcks(o.acksFile); err != nil {
			return err
		}
	}
	if n := h.stats.violationCount(); n > 0 {
		return fmt.Errorf("%d checks failed", n)
	}
	return nil
}

// server is the API and the projections of one `sharehub serve`, in this process.
type server struct {
	url   string
	pool  *pgxpool.Pool
	store *eventstore.Store
	close func()
}

// startServer wires what cmd/sharehub/serve.go wires (projections, blob store,
// argon2id, application services, httpapi) and serves it on 127.0.0.1.
func startServer(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) (*server, error) {
	store := eventstore.New(pool, log)
	for _, p := range projections.All() {
		if err := projections.Ensure(ctx, store, pool, p, log); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp("", "shload-blobs-")
	if err != nil {
		return nil, err
	}
	blobStore, err := blobs.New(blobs.Config{Root: dir, Logger: log})
	if err != nil {
		return nil, err
	}
	// The seed signs customers up four at a time: the bound on concurrent hashes
	// must admit them (a real server would answer 503 and the client retry).
	hasher, err := auth.NewLimitedArgon2id(auth.DefaultArgon2Params, 4)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	svc, err := app.New(app.Config{Store: store, Hasher: hasher,
		InvitationURL: func(token string) string { return base + "/invitations/" + token }})
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	readModels := projections.NewReadModels(pool, store)
	api, err := httpapi.New(httpapi.Config{
		Logger: log, Pool: pool, Store: store, Blobs: blobStore, Hasher: hasher, App: svc, ReadModels: readModels,
		PublicBaseURL: base, PrincipalResolver: httpapi.NewPrincipalResolver(readModels),
		MaxCredentialRequests: 8, // the seed signs up four at a time
		Registerer:            reg, Gatherer: reg,
	})
	if err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := (&projections.Runner{Store: store, Pool: pool, Log: log}).Run(runCtx); err != nil {
			log.Error("projections stopped", "err", err)
		}
	}()
	srv := api.HTTPServer(ln.Addr().String())
	go func() { _ = srv.Serve(ln) }()
	return &server{url: base, pool: pool, store: store, close: func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		stop()
		<-done
		_ = os.RemoveAll(dir)
	}}, nil
}

// loadAverage is the machine's 1, 5 and 15 minute load average ("?" where there
// is no /proc): the machines these figures come from are shared.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// httpClient keeps enough idle connections on loopback for the whole concurrency.
func httpClient(concurrency int) *http.Client {
	return &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
		MaxIdleConns: concurrency, MaxIdleConnsPerHost: concurrency, IdleConnTimeout: time.Minute}}
}
