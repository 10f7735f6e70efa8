package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/projections"
)

// resolveParked runs `sharehub projections retry|skip NAME ...`: an operator's
// decision about the event a projection stopped at, recorded in the log.
func resolveParked(ctx context.Context, store *eventstore.Store, pool *pgxpool.Pool, verb string, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("projections "+verb, flag.ContinueOnError)
	position := fs.Int64("position", 0, "position of the parked event (retry: default the one it stopped at)")
	reason := fs.String("reason", "", "why the event is skipped (required to skip; recorded in the log)")
	operator := fs.String("operator", os.Getenv("USER"), "who decides (recorded in the log)")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("usage: sharehub projections %s NAME [--position N] [--reason TEXT] [--operator WHO]", verb)
	}
	name := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	p, err := projections.ByName(name)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*operator) == "" {
		return errors.New("--operator is required (no USER in the environment)")
	}
	r := projections.Resolution{Position: *position, Operator: *operator, Reason: *reason}
	if verb == "skip" {
		if *position <= 0 {
			return errors.New("skip needs --position of the parked event (see `sharehub projections status`)")
		}
		d, err := projections.SkipParked(ctx, store, pool, p, r)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: skipped event %d (%s %s); the projection resumes after it\n", p.Name, d.At.Position, d.StreamID, d.Type)
		return nil
	}
	d, err := projections.RetryParked(ctx, store, pool, p, r)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: retrying event %d (%s %s); running processes resume within seconds\n", p.Name, d.At.Position, d.StreamID, d.Type)
	return nil
}

func printParked(w io.Writer, parked []projections.DeadLetter) {
	for _, d := range parked {
		fmt.Fprintf(w, "\n%s parked event %d (%s %s, event %s) since %s: %s\n  resolve with `sharehub projections retry %s` or `sharehub projections skip %s --position %d --reason TEXT`\n",
			d.Projection, d.At.Position, d.StreamID, d.Type, d.EventID, d.ParkedAt.UTC().Format(time.RFC3339), d.Error,
			d.Projection, d.Projection, d.At.Position)
	}
}

// printDefinitions lists the definitions of projections that have more than one
// not retired (a rolling deploy in progress, or an old one to retire), each with
// its schema: every definition has its own (see README, "Rolling deploys").
func printDefinitions(w io.Writer, defs []projections.Definition) {
	active := map[string]int{}
	newest := map[string]string{}
	for _, d := range defs { // oldest first
		if d.Retired == nil {
			active[d.Name]++
			newest[d.Name] = d.Hash
		}
	}
	for _, d := range defs {
		if active[d.Name] < 2 || d.Retired != nil {
			continue
		}
		state := "older: retire with `sharehub projections retire " + d.Name + " " + d.Hash + "` once no process runs it"
		switch {
		case newest[d.Name] == d.Hash && d.Live:
			state = "newest, built"
		case newest[d.Name] == d.Hash:
			state = "newest, not built yet"
		case !d.Live:
			state = "older, not built: " + state
		}
		fmt.Fprintf(w, "\n%s definition %s (schema %s, first seen %s): %s\n", d.Name, d.Hash, d.Schema,
			d.FirstSeen.UTC().Format(time.RFC3339), state)
	}
}
