// Command sharehub is the one binary: `serve` (migrate, run the projections and the
// API in one process), `migrate`, and the operator and auditor commands. It only
// parses flags and wires packages together; behaviour lives in the packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/cmd/internal/cli"
)

func main() {
	// A failed verification has printed its findings: no extra line.
	cli.Main("sharehub", run, func(err error) bool { return errors.Is(err, errVerifyFailed) })
}

const usage = `usage: sharehub <command> [flags]

commands:
  serve      migrate, then run the projections and the HTTP API (--projections=false: API only)
  migrate    apply pending database migrations and exit
  projections status
             each projection's position, lag, state, and what holds it back
  projections rebuild NAME|--all [--force]
             build fresh tables from the log beside the live ones, compare, swap
  projections retry NAME [--position N]
             try again the event a projection stopped at (recorded in the log)
  projections skip NAME --position N --reason TEXT
             move a projection past the event it stopped at (recorded in the log)
  projections retire NAME HASH
             retire an old definition of a projection's tables (rolling deploys)
  restore-check
             after a logical restore (pg_dump) into a new cluster: keep new events
             after every checkpoint and seal (serve and migrate also run it at start)
  audit verify [--provider ID] [--seals FILE] | --export FILE (offline, no database)
             recompute hash chains and seals; exit 1 on any break
  audit export --provider ID [--since T] [--until T] [--format ndjson|csv] [--out FILE]
             stream a provider's log (flat memory, any size)
  audit replay --customer ID [--as-of T] [--json]
             what the customer could see at T, replayed from the log
  audit seal seal the events committed since the last seal
  audit seals
             export every seal as NDJSON (keep them where the database admin cannot write)
  company forget ID
             crypto-shred a company's personal data (deletes its key)
  blobs gc [--grace D]
             remove blobs no event references, untouched for D (BLOB_GC_GRACE), and stale temporary files
  dev seed [--customers N] [--documents M] [--events E]
             build a realistic tenant (prints the admin's login); development only
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cfg, err := configFromEnv(getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	switch args[0] {
	case "serve", "migrate", "projections", "audit", "company", "dev":
		if offlineVerify(args) {
			break // reads a file only: no database, no key
		}
		// serve and migrate make the key file on a first start; the others need it.
		if cfg.kek, err = loadKEK(cfg, args[0] == "serve" || args[0] == "migrate", log); err != nil {
			return err
		}
	}
	switch args[0] {
	case "serve":
		return serve(ctx, cfg, args[1:], log)
	case "migrate":
		fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		pool, err := openPool(ctx, cfg)
		if err != nil {
			return err
		}
		defer pool.Close()
		v, err := migrate(ctx, pool, cfg, log)
		if err != nil {
			return err
		}
		if _, err := alignAfterRestore(ctx, pool, log); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "schema at version %d\n", v)
		return nil
	case "restore-check":
		return restoreCheck(ctx, cfg, stdout, log)
	case "projections":
		return projectionsCmd(ctx, cfg, args[1:], stdout, log)
	case "audit":
		return audit(ctx, cfg, args[1:], stdout, log)
	case "company":
		return company(ctx, cfg, args[1:], stdout, log)
	case "dev":
		return dev(ctx, cfg, args[1:], stdout, log)
	case "blobs":
		return blobsCmd(ctx, cfg, args[1:], stdout, log)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

// openPool opens the owner's pool (MIGRATE_DATABASE_URL, else DATABASE_URL): for
// migrations and operator commands. serve serves on openAppPool.
func openPool(ctx context.Context, cfg Config) (*pgxpool.Pool, error) {
	url, name := cfg.DatabaseURL, "DATABASE_URL"
	if cfg.MigrateDatabaseURL != "" {
		url, name = cfg.MigrateDatabaseURL, "MIGRATE_DATABASE_URL"
	}
	pc, err := poolConfig(url, name)
	if err != nil {
		return nil, err
	}
	return connect(ctx, pc)
}

func poolConfig(url, name string) (*pgxpool.Config, error) {
	if url == "" {
		return nil, errors.New("DATABASE_URL is required (`make run` starts a local PostgreSQL and sets it)")
	}
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	// pgx's default (the number of CPUs, at least 4) is too few for one process
	// that runs three consumers (each holding a connection for its batch), the
	// sealer, the mailer and the API. pool_max_conns in the URL still wins.
	if !strings.Contains(url, "pool_max_conns") {
		pc.MaxConns = max(pc.MaxConns, 20)
	}
	return pc, nil
}

func connect(ctx context.Context, pc *pgxpool.Config) (*pgxpool.Pool, error) {
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database: %w", err)
	}
	return pool, nil
}

// offlineVerify tells `audit verify --export FILE`, which an auditor runs on a
// machine of their own: it needs neither the database nor the key-encryption key.
func offlineVerify(args []string) bool {
	if len(args) < 2 || args[0] != "audit" || args[1] != "verify" {
		return false
	}
	for _, a := range args[2:] {
		if a == "--export" || a == "-export" || strings.HasPrefix(a, "--export=") || strings.HasPrefix(a, "-export=") {
			return true
		}
	}
	return false
}
