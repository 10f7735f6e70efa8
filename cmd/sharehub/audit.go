package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/eventstore"
	logaudit "github.com/sharehub/sharehub/eventstore/audit"
	"github.com/sharehub/sharehub/projections"
	"github.com/sharehub/sharehub/projections/mailer"
)

// errVerifyFailed makes `sharehub audit verify` exit 1 after printing its report.
var errVerifyFailed = errors.New("verification failed")

func audit(ctx context.Context, cfg Config, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) > 0 && args[0] == "replay" {
		return auditReplay(ctx, cfg, args[1:], stdout, log)
	}
	if len(args) == 0 {
		return errors.New("usage: sharehub audit verify|seal|seals|export [flags]")
	}
	fs := flag.NewFlagSet("audit "+args[0], flag.ContinueOnError)
	provider := fs.String("provider", "", "only this provider's streams (verify) or events (export, required)")
	sealsFile := fs.String("seals", "", "verify against seals exported earlier to this file (NDJSON from `audit seals`)")
	exportFile := fs.String("export", "", "verify: check this NDJSON export offline (reads no database)")
	var exp exportFlags
	if args[0] == "export" {
		exp.register(fs)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if args[0] == "export" {
		// Flags are checked before the database is opened: a typo costs nothing.
		if err := exp.parse(*provider); err != nil {
			return err
		}
	}
	if args[0] == "verify" && *exportFile != "" {
		return verifyExportFile(*exportFile, stdout)
	}
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	store := newStore(pool, cfg, log)
	enc := json.NewEncoder(stdout)
	switch args[0] {
	case "verify":
		var tenant *uuid.UUID
		if *provider != "" {
			id, err := uuid.Parse(*provider)
			if err != nil {
				return fmt.Errorf("--provider: %w", err)
			}
			tenant = &id
		}
		chains, err := logaudit.VerifyChains(ctx, pool, tenant)
		if err != nil {
			return err
		}
		var exported []logaudit.Seal
		if *sealsFile != "" {
			if exported, err = readSeals(*sealsFile); err != nil {
				return err
			}
		}
		seals, err := logaudit.VerifySeals(ctx, pool, exported)
		if err != nil {
			return err
		}
		if err := enc.Encode(map[string]any{"chains": chains, "seals": seals, "ok": chains.OK && seals.OK}); err != nil {
			return err
		}
		if !chains.OK || !seals.OK {
			return errVerifyFailed
		}
		return nil
	case "seal":
		seal, err := logaudit.SealLog(ctx, pool)
		if err != nil {
			return err
		}
		if seal == nil {
			fmt.Fprintln(stdout, `{"sealed":false,"reason":"nothing new to seal"}`)
			return nil
		}
		return enc.Encode(seal)
	case "seals":
		seals, err := logaudit.Seals(ctx, pool)
		if err != nil {
			return err
		}
		for _, s := range seals {
			if err := enc.Encode(s); err != nil {
				return err
			}
		}
		return nil
	case "export":
		return exp.run(ctx, store, stdout, log)
	default:
		return fmt.Errorf("unknown audit command %q", args[0])
	}
}

// exportFlags are the flags of `audit export`.
type exportFlags struct {
	since, until, format, out, types, stream string
	after                                    int64
	limit                                    int
	horizonWait                              time.Duration
	filter                                   eventstore.ExportFilter
}

func (e *exportFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&e.since, "since", "", "only events recorded at or after this RFC 3339 instant")
	fs.StringVar(&e.until, "until", "", "only events recorded before this RFC 3339 instant")
	fs.StringVar(&e.format, "format", "ndjson", "output format: "+strings.Join(logaudit.ExportFormats, " or "))
	fs.StringVar(&e.out, "out", "", "write to this file (complete or not at all) instead of stdout")
	fs.StringVar(&e.types, "type", "", "only these event types (comma-separated)")
	fs.StringVar(&e.stream, "stream", "", "only this stream")
	fs.Int64Var(&e.after, "after", 0, "only events after the event at this position, in commit order (resume an export)")
	fs.IntVar(&e.limit, "limit", 0, "at most this many events (0: all)")
	// An operator's export is a whole document, not a page a client polls again:
	// it waits longer than the API's for the transactions running when it starts
	// (anywhere on the server: the horizon is cluster-wide), so that everything
	// committed before it is in it.
	fs.DurationVar(&e.horizonWait, "horizon-wait", time.Minute,
		"wait at most this long for transactions running at the start to end (what they write is left to the next export)")
}

func (e *exportFlags) parse(provider string) error {
	if provider == "" {
		return errors.New("audit export: --provider is required")
	}
	id, err := uuid.Parse(provider)
	if err != nil {
		return fmt.Errorf("--provider: %w", err)
	}
	if e.horizonWait <= 0 {
		return errors.New("--horizon-wait must be positive")
	}
	e.filter = eventstore.ExportFilter{Tenant: &id, After: e.after, Stream: e.stream, Limit: e.limit, HorizonWait: e.horizonWait}
	if e.since != "" {
		if e.filter.Since, err = time.Parse(time.RFC3339, e.since); err != nil {
			return fmt.Errorf("--since: %w", err)
		}
	}
	if e.until != "" {
		if e.filter.Until, err = time.Parse(time.RFC3339, e.until); err != nil {
			return fmt.Errorf("--until: %w", err)
		}
	}
	if !e.filter.Since.IsZero() && !e.filter.Until.IsZero() && !e.filter.Since.Before(e.filter.Until) {
		return errors.New("--since must be before --until")
	}
	if e.types != "" {
		for _, t := range strings.Split(e.types, ",") {
			if t = strings.TrimSpace(t); t != "" {
				e.filter.Types = append(e.filter.Types, t)
			}
		}
	}
	if e.limit < 0 || e.after < 0 {
		return errors.New("--limit and --after must not be negative")
	}
	if !slices.Contains(logaudit.ExportFormats, e.format) {
		return fmt.Errorf("--format %q: want one of %s", e.format, strings.Join(logaudit.ExportFormats, ", "))
	}
	return nil
}

// run streams the export to stdout, or to --out through a temporary file renamed
// into place when complete, so an interrupted export never looks like a whole one.
func (e *exportFlags) run(ctx context.Context, store *eventstore.Store, stdout io.Writer, log *slog.Logger) (err error) {
	dst := stdout
	if e.out != "" {
		f, cerr := os.CreateTemp(filepath.Dir(e.out), filepath.Base(e.out)+".partial-*")
		if cerr != nil {
			return cerr
		}
		defer func() {
			if cerr := f.Close(); err == nil && cerr != nil {
				err = cerr
			}
			if err == nil {
				err = os.Rename(f.Name(), e.out)
			}
			if err != nil {
				_ = os.Remove(f.Name())
			}
		}()
		dst = f
	}
	w, err := logaudit.NewExportWriter(dst, e.format)
	if err != nil {
		return err
	}
	if e.filter.After > 0 {
		// Resume after that very event in commit order, as the API does.
		c, ok, err := store.CursorAt(ctx, e.filter.After, e.filter.Tenant)
		if err != nil {
			return err
		}
		if ok {
			e.filter.From, e.filter.After = c, 0
		}
	}
	stats, err := store.ExportTo(ctx, e.filter, w)
	if err != nil {
		return err
	}
	log.Info("audit export", "provider", e.filter.Tenant.String(), "events", stats.Events, "last_position", stats.LastPosition)
	if e.out != "" {
		return json.NewEncoder(stdout).Encode(map[string]any{"file": e.out, "format": e.format,
			"events": stats.Events, "last_position": stats.LastPosition})
	}
	return nil
}

// verifyExportFile checks an NDJSON export with nothing but the file
// (logaudit.VerifyExport) and prints the report; exit 1 when it is broken.
func verifyExportFile(path string, stdout io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := logaudit.VerifyExport(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := json.NewEncoder(stdout).Encode(rep); err != nil {
		return err
	}
	if !rep.OK {
		return errVerifyFailed
	}
	return nil
}

func readSeals(path string) ([]logaudit.Seal, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	var out []logaudit.Seal
	for dec.More() {
		var s logaudit.Seal
		if err := dec.Decode(&s); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func company(ctx context.Context, cfg Config, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) != 2 || args[0] != "forget" {
		return errors.New("usage: sharehub company forget COMPANY_ID")
	}
	id, err := uuid.Parse(args[1])
	if err != nil {
		return fmt.Errorf("company id: %w", err)
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
	// Mails still queued to the company's people carry their addresses: the read
	// models know them until the rebuild below.
	schemas, err := projections.ResolveSchemas(ctx, pool)
	if err != nil {
		return err
	}
	rows, err := pool.Query(ctx, `SELECT email FROM `+pgx.Identifier{schemas.Accounts, "users"}.Sanitize()+` WHERE company_id = $1
		UNION SELECT contact_email FROM `+pgx.Identifier{schemas.Portal, "customers"}.Sanitize()+`
		WHERE company_id = $1 AND contact_email IS NOT NULL`, id)
	if err != nil {
		return fmt.Errorf("drop queued mails: %w", err)
	}
	addresses, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("drop queued mails: %w", err)
	}
	if _, err := mailer.DropQueuedTo(ctx, pool, addresses); err != nil {
		return fmt.Errorf("drop queued mails: %w", err)
	}
	if err := store.ForgetSubject(ctx, id); err != nil {
		return err
	}
	// The notifier keeps addresses too and is never rebuilt: scrub them.
	if _, err := projections.ForgetInNotifications(ctx, pool, id); err != nil {
		return fmt.Errorf("company %s is forgotten, but: %w", id, err)
	}
	fmt.Fprintf(stdout, "company %s forgotten: its key is deleted, its logins removed\n", id)
	// The read models hold decrypted copies: rebuild them from the log, where those
	// fields now read as forgotten. They differ from the live tables by exactly
	// those copies, hence the force.
	for _, p := range projections.All() {
		res, err := projections.Rebuild(ctx, store, pool, p, projections.RebuildOptions{Force: true, Log: log})
		if err != nil {
			return fmt.Errorf("company %s is forgotten, but rebuilding %s failed (run `sharehub projections rebuild --all --force`): %w", id, p.Name, err)
		}
		fmt.Fprintf(stdout, "projection %s rebuilt from %d events (%d rows changed)\n", p.Name, res.Events, sumDiff(res.Differences))
	}
	// Only this version's definitions can be rebuilt by this version: the schema of
	// another definition not retired keeps its copies until a process of that
	// version rebuilds it, or it is retired.
	var names []string
	for _, p := range projections.All() {
		names = append(names, p.Name)
	}
	defs, err := projections.Definitions(ctx, pool, names)
	if err != nil {
		return err
	}
	for _, d := range defs {
		if mine := (d.Schema == schemas.Portal || d.Schema == schemas.Accounts); d.Retired == nil && d.Live && !mine {
			fmt.Fprintf(stdout, "warning: schema %s (definition %s of %s, another version) still holds the company's copies: "+
				"retire it (`sharehub projections retire %s %s`) or run `sharehub projections rebuild %s --force` with that version\n",
				d.Schema, d.Hash, d.Name, d.Name, d.Hash, d.Name)
		}
	}
	return nil
}

func sumDiff(d map[string]int64) int64 {
	var n int64
	for _, v := range d {
		n += v
	}
	return n / 2 // a changed row counts once on each side
}
