// Package cli is what sharehub's commands (cmd/...) share around their run
// functions: the process entry (signals, exit status) and a periodic loop. It
// holds no behaviour of the product and imports only the standard library.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Run is a command's body: main only calls it (STYLE.md §10), tests call it with
// their own arguments, environment and streams.
type Run func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error

// Main runs run with the process's arguments, environment and streams, under a
// context that SIGINT and SIGTERM cancel (graceful shutdown). On an error it
// exits 1, after printing "name: error" unless said(err) reports that run has
// already told the user (said may be nil).
func Main(name string, run Run, said func(error) bool) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err == nil {
		return
	}
	if said == nil || !said(err) {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	}
	os.Exit(1)
}

// Every calls f every interval until ctx ends (the first call after one
// interval).
func Every(ctx context.Context, every time.Duration, f func()) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}
