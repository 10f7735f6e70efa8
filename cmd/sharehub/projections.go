package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/projections"
)

// projectionsCmd runs `sharehub projections status|rebuild`.
func projectionsCmd(ctx context.Context, cfg Config, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 {
		return errors.New("usage: sharehub projections status | rebuild NAME|--all [--force] | retry NAME [--position N] | skip NAME --position N --reason TEXT | retire NAME HASH")
	}
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := migrate(ctx, pool, cfg, log); err != nil {
		return err
	}
	store := newStore(pool, cfg, log)
	switch args[0] {
	case "status":
		st, err := projections.Status(ctx, pool, projections.Served())
		if err != nil {
			return err
		}
		printStatus(stdout, st)
		var names, groups []string
		for _, p := range projections.Served() {
			names = append(names, p.Name)
			// The parked events of this version's definition (and of the
			// others: each definition has its consumer group).
			defs, err := projections.Definitions(ctx, pool, []string{p.Name})
			if err != nil {
				return err
			}
			groups = append(groups, p.Name)
			for _, d := range defs {
				if d.Group != "" && d.Group != p.Name {
					groups = append(groups, d.Group)
				}
			}
		}
		parked, err := projections.DeadLetters(ctx, pool, groups)
		if err != nil {
			return err
		}
		printParked(stdout, parked)
		defs, err := projections.Definitions(ctx, pool, names)
		if err != nil {
			return err
		}
		printDefinitions(stdout, defs)
		return nil
	case "retry", "skip":
		return resolveParked(ctx, store, pool, args[0], args[1:], stdout)
	case "retire":
		if len(args) != 3 {
			return errors.New("usage: sharehub projections retire NAME HASH (an old definition, see `sharehub projections status`)")
		}
		if err := projections.Retire(ctx, pool, args[1], args[2]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: definition %s retired (its schema and checkpoint dropped); processes of that version may no longer start\n", args[1], args[2])
		return nil
	case "rebuild":
		fs := flag.NewFlagSet("projections rebuild", flag.ContinueOnError)
		all := fs.Bool("all", false, "rebuild every projection")
		force := fs.Bool("force", false, "swap the fresh tables in even when they differ from the live ones")
		chunk := fs.Int("chunk", 5000, "events per build transaction")
		// Accept the name before or after the flags.
		var names []string
		rest := args[1:]
		for len(rest) > 0 {
			if err := fs.Parse(rest); err != nil {
				return err
			}
			if fs.NArg() == 0 {
				break
			}
			names = append(names, fs.Arg(0))
			rest = fs.Args()[1:]
		}
		var ps []projections.Projection
		switch {
		case *all && len(names) == 0:
			ps = projections.All()
		case !*all && len(names) > 0:
			for _, n := range names {
				p, err := projections.ByName(n)
				if err != nil {
					return err
				}
				ps = append(ps, p)
			}
		default:
			return errors.New("usage: sharehub projections rebuild NAME [NAME...] | --all [--force]")
		}
		for _, p := range ps {
			if err := rebuildOne(ctx, store, pool, p, *force, *chunk, stdout, log); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown projections command %q", args[0])
}

func rebuildOne(ctx context.Context, store *eventstore.Store, pool *pgxpool.Pool, p projections.Projection, force bool, chunk int,
	stdout io.Writer, log *slog.Logger) error {
	opt := projections.RebuildOptions{Force: force, ChunkSize: chunk, Log: log}
	if f, ok := stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		var bar *progressbar.ProgressBar
		opt.Progress = func(pr projections.Progress) {
			if bar == nil {
				bar = progressbar.NewOptions64(pr.Total, progressbar.OptionSetWriter(f),
					progressbar.OptionSetDescription("rebuild "+p.Name), progressbar.OptionShowCount(),
					progressbar.OptionShowIts(), progressbar.OptionSetItsString("events"),
					progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100*time.Millisecond))
			}
			bar.ChangeMax64(pr.Total)
			_ = bar.Set64(pr.Done)
		}
		defer func() {
			if bar != nil {
				_ = bar.Finish()
				fmt.Fprintln(f)
			}
		}()
	} else {
		last := time.Time{}
		opt.Progress = func(pr projections.Progress) {
			if time.Since(last) < time.Second && pr.Done < pr.Total {
				return
			}
			last = time.Now()
			rate := float64(pr.Done) / max(pr.Elapsed.Seconds(), 1e-9)
			eta := "?"
			if rate > 0 && pr.Total > pr.Done {
				eta = (time.Duration(float64(pr.Total-pr.Done)/rate) * time.Second).Round(time.Second).String()
			}
			fmt.Fprintf(stdout, "rebuild %s: %d/%d events, %.0f events/s, eta %s\n", p.Name, pr.Done, pr.Total, rate, eta)
		}
	}
	res, err := projections.Rebuild(ctx, store, pool, p, opt)
	if err != nil {
		return err
	}
	switch {
	case res.DefinitionChanged:
		fmt.Fprintf(stdout, "%s: rebuilt from %d events in %s (new table definitions), swapped at %s\n",
			p.Name, res.Events, res.Duration.Round(time.Millisecond), res.At)
	case len(res.Differences) > 0:
		fmt.Fprintf(stdout, "%s: rebuilt from %d events in %s, differed from the live tables %v, swapped (forced) at %s\n",
			p.Name, res.Events, res.Duration.Round(time.Millisecond), res.Differences, res.At)
	default:
		fmt.Fprintf(stdout, "%s: rebuilt from %d events in %s, identical to the live tables, swapped at %s\n",
			p.Name, res.Events, res.Duration.Round(time.Millisecond), res.At)
	}
	return nil
}

func printStatus(w io.Writer, st []projections.ProjectionStatus) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROJECTION\tSTATE\tPOSITION\tLAG EVENTS\tLAG\tHELD BACK\tREBUILT")
	for _, s := range st {
		rebuilt := "-"
		if s.RebuiltAt != nil {
			rebuilt = s.RebuiltAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%d\t%s\n", s.Name, s.State, s.Position, s.LagEvents,
			(time.Duration(s.LagSeconds * float64(time.Second))).Round(time.Millisecond), s.HeldBack, rebuilt)
	}
	_ = tw.Flush()
	for _, s := range st {
		if s.Error != "" {
			fmt.Fprintf(w, "\n%s stopped: %s\n", s.Name, s.Error)
		}
		if s.HeldBack > 0 && len(s.Blockers) > 0 {
			fmt.Fprintf(w, "\n%s: %d committed events wait behind older transactions still open (the consumer reads only below the oldest running transaction):\n", s.Name, s.HeldBack)
			for _, b := range s.Blockers {
				qs := "-"
				if b.QueryStart != nil {
					qs = b.QueryStart.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(w, "  pid %d (database %s, %s) transaction open for %s, query started %s: %s\n",
					b.PID, b.Database, b.State, b.Age.Round(time.Millisecond), qs, strings.Join(strings.Fields(b.Query), " "))
			}
		}
	}
}
