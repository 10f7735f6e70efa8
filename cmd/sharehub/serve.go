package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/cmd/internal/cli"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	logaudit "github.com/sharehub/sharehub/eventstore/audit"
	"github.com/sharehub/sharehub/eventstore/blobs"
	"github.com/sharehub/sharehub/httpapi"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/connlimit"
	"github.com/sharehub/sharehub/projections"
	"github.com/sharehub/sharehub/projections/mailer"
)

func serve(ctx context.Context, cfg Config, args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", cfg.HTTPAddr, "listen address (HTTP_ADDR)")
	runProjections := fs.Bool("projections", true, "apply the projections in this process (false: an API-only replica)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.HTTPAddr = *addr
	if err := cfg.Validate(); err != nil {
		return err
	}
	log.Info("starting", "config", cfg, "key_encryption_key_id", cfg.kek.ID())
	// Migrations as the owner; then serve as the application role, which may only
	// read and append to the log.
	owner, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	_, err = migrate(ctx, owner, cfg, log)
	if err == nil {
		// Before anything writes: after a logical restore, new events must still
		// sort after every checkpoint and seal (DDL, hence the owner).
		_, err = alignAfterRestore(ctx, owner, log)
	}
	owner.Close()
	if err != nil {
		return err
	}
	pool, err := openAppPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	log.Info("serving as the application role", "login_role", maskedRole(cfg.DatabaseURL), "role", projections.AppRole)
	store := newStore(pool, cfg, log)
	// A company forgotten by any process: its key leaves this one's cache at once.
	go store.WatchForgets(ctx)
	go sealPeriodically(ctx, pool, cfg.SealInterval, log)
	var sender mailer.Sender = mailer.LogSender{Log: log, Dir: filepath.Join(cfg.DataDir, "mail")}
	go purgePeriodically(ctx, pool, cfg.Limits.PurgeInterval, log)
	if cfg.SMTPURL != "" {
		if sender, err = mailer.NewSMTPSender(cfg.SMTPURL); err != nil {
			return err
		}
	}
	go (&mailer.Worker{Pool: pool, Sender: sender, Log: log}).Run(ctx)

	runner := &projections.Runner{Store: store, Pool: pool, Log: log}
	if *runProjections {
		// Tables are created (or rebuilt for a new definition) before the API
		// serves reads from them.
		for _, p := range projections.Served() {
			if err := projections.Ensure(ctx, store, pool, p, log); err != nil {
				return err
			}
		}
		go func() {
			if err := runner.Run(ctx); err != nil {
				log.Error("projections stopped", "err", err)
			}
		}()
	}

	// The schemas of the read models this version's code knows (each definition
	// has its own): every read of the API names them.
	schemas, err := readModelSchemas(ctx, pool, log)
	if err != nil {
		return err
	}

	blobStore, err := blobs.New(blobs.Config{Root: cfg.BlobDir, Logger: log})
	if err != nil {
		return err
	}
	go blobGCPeriodically(ctx, blobStore, store, cfg.Abuse.BlobGCInterval, cfg.Abuse.BlobGCGrace, log)
	hasher, err := auth.NewLimitedArgon2id(auth.DefaultArgon2Params, cfg.Limits.HashConcurrency)
	if err != nil {
		return err
	}
	svc, err := app.New(app.Config{Store: store, Hasher: hasher,
		InvitationURL: func(token string) string { return cfg.PublicBaseURL + "/invitations/" + token }})
	if err != nil {
		return err
	}
	if *runProjections {
		go sweepNotifications(ctx, pool, svc, time.Now, log)
	}
	exportPool, err := openExportPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer exportPool.Close()
	readModels := projections.NewReadModels(pool, store)
	api, err := httpapi.New(httpapi.Config{
		Logger: log, Pool: pool, Store: store, Blobs: blobStore, Hasher: hasher, App: svc, ReadModels: readModels,
		ExportStore: eventstore.New(exportPool, log), ExportsPerTenant: cfg.ExportsPerTenant, ExportsMax: cfg.ExportsMax,
		SignupClosed:  cfg.Signup == "closed",
		PublicBaseURL: cfg.PublicBaseURL, MaxUploadBytes: cfg.MaxUploadBytes, MaxArchiveBytes: cfg.MaxArchiveBytes,
		LinkOpenLimit: cfg.Abuse.LinkOpenLimit, QuotaBytes: cfg.Abuse.QuotaBytes,
		PrincipalResolver: httpapi.NewPrincipalResolver(readModels),
		ConsumerGroup:     func(ctx context.Context, name string) string { return projections.SchemasFrom(ctx).Group(name) },
		SessionIdle:       cfg.Sessions.Idle, SessionTTL: cfg.Sessions.Max, SignupVerify: cfg.Sessions.Verify,
		ReadyChecks: []httpapi.ReadyCheck{{Name: "projections", Check: func(r *http.Request) error {
			return projectionsReady(r.Context(), pool, schemas)
		}}},
	})
	if err != nil {
		return err
	}
	srv := api.HTTPServer(cfg.HTTPAddr)
	srv.BaseContext = func(net.Listener) context.Context { return projections.WithSchemas(context.Background(), schemas) }
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.HTTPAddr, err)
	}
	ln = connlimit.Listener(ln, cfg.Limits.MaxConnsPerAddr, func(addr string) {
		log.Debug("connection refused: too many open from one address", "addr", addr)
	})
	log.Info("listening", "addr", ln.Addr().String(), "console", strings.TrimRight(cfg.PublicBaseURL, "/")+"/app/")
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	servers := []*http.Server{srv}
	if cfg.Limits.MetricsAddr != "off" {
		mln, err := net.Listen("tcp", cfg.Limits.MetricsAddr)
		if err != nil {
			_ = srv.Close()
			return fmt.Errorf("listen %s (METRICS_ADDR): %w", cfg.Limits.MetricsAddr, err)
		}
		msrv := api.MetricsServer(cfg.Limits.MetricsAddr)
		servers = append(servers, msrv)
		log.Info("metrics listening", "addr", mln.Addr().String())
		go func() { errc <- msrv.Serve(mln) }()
	}
	select {
	case err := <-errc:
		for _, s := range servers {
			_ = s.Close()
		}
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	return nil
}

// projectionsReady fails when a read model the API reads (portal, accounts)
// stopped at an event it cannot apply: answers from it would be wrong, not merely
// late. Lag never takes a process out of service (a long transaction anywhere on
// the server holds every consumer back, and every replica would leave at once);
// it is the metric sharehub_projection_lag_seconds, with an alert (README). The
// notifications consumer is not read by the API: its failure is a metric too.
func projectionsReady(ctx context.Context, pool *pgxpool.Pool, schemas projections.Schemas) error {
	var names []string
	for _, p := range projections.All() {
		names = append(names, schemas.Group(p.Name))
	}
	return projections.Ready(ctx, pool, names)
}

// readModelSchemas resolves the schemas of this version's read-model
// definitions, and waits until they exist: a process that runs no projections
// (-projections=false) may start before any process of its version built them.
func readModelSchemas(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) (projections.Schemas, error) {
	schemas, err := projections.ResolveSchemas(ctx, pool)
	if err != nil {
		return schemas, err
	}
	for {
		var ready bool
		err := pool.QueryRow(ctx, `SELECT to_regnamespace($1) IS NOT NULL AND to_regnamespace($2) IS NOT NULL`,
			schemas.Portal, schemas.Accounts).Scan(&ready)
		if err != nil || ready {
			return schemas, err
		}
		log.Warn("waiting for a process of this version to build the read models", "portal", schemas.Portal, "accounts", schemas.Accounts)
		select {
		case <-ctx.Done():
			return schemas, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// sealPeriodically seals the log so that a dropped tail becomes detectable within one
// interval. Several processes may run it: the seal takes an advisory lock.
func sealPeriodically(ctx context.Context, pool *pgxpool.Pool, every time.Duration, log *slog.Logger) {
	cli.Every(ctx, every, func() {
		seal, err := logaudit.SealLog(ctx, pool)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("sealing the log failed", "err", err)
		case seal != nil:
			log.Info("log sealed", "seal_id", seal.ID, "events_covered", seal.EventsCovered)
		}
	})
}
