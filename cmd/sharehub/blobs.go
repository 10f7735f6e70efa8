package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/sharehub/sharehub/cmd/internal/cli"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/blobs"
	"github.com/sharehub/sharehub/migrations"
)

// blobsCmd: sharehub blobs gc [--grace D].
func blobsCmd(ctx context.Context, cfg Config, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 || args[0] != "gc" {
		return errors.New("usage: sharehub blobs gc [--grace 1h]")
	}
	fs := flag.NewFlagSet("blobs gc", flag.ContinueOnError)
	grace := fs.Duration("grace", cfg.Abuse.BlobGCGrace, "keep unreferenced blobs and temporary files younger than this (BLOB_GC_GRACE); longer than any upload takes")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := migrations.Up(ctx, pool, log); err != nil {
		return err
	}
	bs, err := blobs.New(blobs.Config{Root: cfg.BlobDir, Logger: log})
	if err != nil {
		return err
	}
	st, err := bs.GC(ctx, *grace, eventstore.New(pool, log).ReferencedBlobs)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d blobs, %d untouched for %s, %d unreferenced removed (%d bytes), %d stale temporary files removed\n",
		st.Blobs, st.Candidates, *grace, st.Removed, st.RemovedBytes, st.Temps)
	return nil
}

// blobGCPeriodically runs blob GC every interval (0: never). Several processes
// sharing BLOB_DIR may run it: a pass moves a blob aside before removing it, so two
// passes never both act on one.
func blobGCPeriodically(ctx context.Context, bs *blobs.Store, store *eventstore.Store, every, grace time.Duration, log *slog.Logger) {
	if every <= 0 {
		return
	}
	cli.Every(ctx, every, func() {
		st, err := bs.GC(ctx, grace, store.ReferencedBlobs)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("blob gc failed", "err", err)
		case st.Removed > 0 || st.Temps > 0:
			log.Info("blob gc", "blobs", st.Blobs, "removed", st.Removed, "removed_bytes", st.RemovedBytes, "temporary_files", st.Temps)
		}
	})
}
