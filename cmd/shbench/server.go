package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/blobs"
	"github.com/sharehub/sharehub/httpapi"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/projections"
)

// benchServer is what an HTTP benchmark measures: the real router, services, store
// and blob folder over a scratch database, served on loopback (link opens are not
// throttled: httpapi.Config's zero LinkOpenLimit).
type benchServer struct {
	pool  *pgxpool.Pool
	store *eventstore.Store
	log   *slog.Logger
	url   string
}

// startBenchServer starts one; close undoes everything it set up, in reverse.
func startBenchServer(ctx context.Context, baseURL, prefix string) (s *benchServer, close func(), err error) {
	var undo []func()
	close = func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	defer func() {
		if err != nil {
			close()
		}
	}()
	pool, _, dropDB, err := scratchDatabase(ctx, baseURL, prefix)
	if err != nil {
		return nil, nil, err
	}
	undo = append(undo, dropDB)
	s = &benchServer{pool: pool, log: slog.New(slog.DiscardHandler)}
	s.store = eventstore.New(pool, s.log)
	dir, err := os.MkdirTemp("", "shbench-blobs-")
	if err != nil {
		return nil, nil, err
	}
	undo = append(undo, func() { os.RemoveAll(dir) })
	blobStore, err := blobs.New(blobs.Config{Root: dir})
	if err != nil {
		return nil, nil, err
	}
	hasher, err := auth.NewArgon2id(auth.DefaultArgon2Params)
	if err != nil {
		return nil, nil, err
	}
	svc, err := app.New(app.Config{Store: s.store, Hasher: hasher})
	if err != nil {
		return nil, nil, err
	}
	reg := prometheus.NewRegistry()
	readModels := projections.NewReadModels(pool, s.store)
	api, err := httpapi.New(httpapi.Config{Logger: s.log, Pool: pool, Store: s.store, Blobs: blobStore, Hasher: hasher, App: svc,
		ReadModels: readModels, PrincipalResolver: httpapi.NewPrincipalResolver(readModels), Registerer: reg, Gatherer: reg, PublicBaseURL: "http://127.0.0.1"})
	if err != nil {
		return nil, nil, err
	}
	url, closeAPI, err := serveLoopback(api.Handler())
	if err != nil {
		return nil, nil, err
	}
	undo = append(undo, closeAPI)
	s.url = url
	return s, close, nil
}
