package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/blobs"
	"github.com/sharehub/sharehub/httpapi"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/migrations"
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
	log.Info("starting", "config", cfg)
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := migrations.Up(ctx, pool, log); err != nil {
		return err
	}
	store := eventstore.New(pool, log)
	go sealPeriodically(ctx, store, cfg.SealInterval, log)
	var sender mailer.Sender = mailer.LogSender{Log: log}
	if cfg.SMTPURL != "" {
		if sender, err = mailer.NewSMTPSender(cfg.SMTPURL); err != nil {
			return err
		}
	}
	go (&mailer.Worker{Pool: pool, Sender: sender, Log: log}).Run(ctx)

	runner := &projections.Runner{Store: store, Log: log}
	if *runProjections {
		// Tables are created (or rebuilt for a new definition) before the API
		// serves reads from them.
		for _, p := range projections.Served() {
			if err := projections.Ensure(ctx, store, p, log); err != nil {
				return err
			}
		}
		go func() {
			if err := runner.Run(ctx); err != nil {
				log.Error("projections stopped", "err", err)
			}
		}()
	}

	blobStore, err := blobs.New(blobs.Config{Root: cfg.BlobDir, Logger: log})
	if err != nil {
		return err
	}
	hasher, err := auth.NewArgon2id(auth.DefaultArgon2Params)
	if err != nil {
		return err
	}
	svc, err := app.New(app.Config{Store: store, Hasher: hasher,
		InvitationURL: func(token string) string { return cfg.PublicBaseURL + "/invitations/" + token }})
	if err != nil {
		return err
	}
	exportPool, err := openExportPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer exportPool.Close()
	api, err := httpapi.New(httpapi.Config{
		Logger: log, Pool: pool, Store: store, Blobs: blobStore, Hasher: hasher, App: svc,
		ExportStore: eventstore.New(exportPool, log), ExportsPerTenant: cfg.ExportsPerTenant, ExportsMax: cfg.ExportsMax,
		SignupClosed:  cfg.Signup == "closed",
		PublicBaseURL: cfg.PublicBaseURL, MaxUploadBytes: cfg.MaxUploadBytes,
		PrincipalResolver: httpapi.NewPrincipalResolver(pool),
		ReadyChecks: []httpapi.ReadyCheck{{Name: "projections", Check: func(r *http.Request) error {
			return projectionsReady(r.Context(), pool)
		}}},
	})
	if err != nil {
		return err
	}
	srv := api.HTTPServer(cfg.HTTPAddr)
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.HTTPAddr, err)
	}
	log.Info("listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// maxReadyLag is the projection lag beyond which this process reports itself not
// ready (reads would answer stale data or 503 projection_lagging).
const maxReadyLag = 30 * time.Second

// projectionsReady fails when a projection stopped on an event it cannot apply or
// lags by more than maxReadyLag.
func projectionsReady(ctx context.Context, pool *pgxpool.Pool) error {
	st, err := projections.Status(ctx, pool, projections.Served())
	if err != nil {
		return err
	}
	for _, s := range st {
		switch {
		case s.State == "failed":
			return fmt.Errorf("projection %s failed: %s", s.Name, s.Error)
		case s.LagSeconds > maxReadyLag.Seconds():
			return fmt.Errorf("projection %s lags %.0fs behind", s.Name, s.LagSeconds)
		}
	}
	return nil
}

// sealPeriodically seals the log so that a dropped tail becomes detectable within one
// interval. Several processes may run it: the seal takes an advisory lock.
func sealPeriodically(ctx context.Context, store *eventstore.Store, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			seal, err := store.SealLog(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				log.Error("sealing the log failed", "err", err)
			case seal != nil:
				log.Info("log sealed", "seal_id", seal.ID, "events_covered", seal.EventsCovered)
			}
		}
	}
}
