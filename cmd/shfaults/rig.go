package main

import (
	"context"
	"path/filepath"
)

// rig is the setting most runs start from: a scratch database, a blob directory,
// one `sharehub serve` on them and a load whose tenant is set up through the API.
// A run that restarts the server puts the new one in s; close stops whichever
// server s holds and drops the database.
type rig struct {
	dbURL   string
	blobDir string
	s       *server
	more    []*server // replicas beyond s, on the same database and blobs
	l       *load
	drop    func()
}

// rigOptions are what runs vary in their setting; the zero value is the usual one.
type rigOptions struct {
	baseURL  string   // PostgreSQL server of the scratch database (default: the run's)
	blobDir  string   // default: blobs-NAME in the run's temporary directory
	env      []string // the server's own settings
	fileSize int      // of the load's uploads (default: the load's)
	replicas int      // servers on the database, the load spread over them (default 1)
	noLoad   bool     // a run that drives the server its own way
}

// rig creates the scratch database faults_NAME and starts a server and a load on
// it. On error nothing is left behind.
func (h *harness) rig(ctx context.Context, name string, o rigOptions) (*rig, error) {
	if o.baseURL == "" {
		o.baseURL = h.baseURL
	}
	if o.blobDir == "" {
		o.blobDir = filepath.Join(h.tmp, "blobs-"+name)
	}
	dbURL, drop, err := h.scratch(ctx, o.baseURL, "faults_"+name)
	if err != nil {
		return nil, err
	}
	rg := &rig{dbURL: dbURL, blobDir: o.blobDir, drop: drop}
	if rg.s, err = h.start(ctx, dbURL, o.blobDir, "", o.env...); err != nil {
		drop()
		return nil, err
	}
	bases := []string{rg.s.base()}
	for range o.replicas - 1 {
		s, err := h.start(ctx, dbURL, o.blobDir, "", o.env...)
		if err != nil {
			rg.close()
			return nil, err
		}
		rg.more = append(rg.more, s)
		bases = append(bases, s.base())
	}
	if o.noLoad {
		return rg, nil
	}
	rg.l = newLoad(bases...)
	if o.fileSize > 0 {
		rg.l.fileSize = o.fileSize
	}
	if err := rg.l.setup(ctx); err != nil {
		rg.close()
		return nil, err
	}
	return rg, nil
}

// all is every server of the rig, s first.
func (rg *rig) all() []*server { return append([]*server{rg.s}, rg.more...) }

func (rg *rig) close() {
	for _, s := range rg.all() {
		if s != nil {
			s.stop()
		}
	}
	rg.drop()
}
