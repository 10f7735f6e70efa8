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

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/eventstore"
)

// errVerifyFailed makes `sharehub audit verify` exit 1 after printing its report.
var errVerifyFailed = errors.New("verification failed")

func audit(ctx context.Context, cfg Config, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 {
		return errors.New("usage: sharehub audit verify|seal|seals [flags]")
	}
	fs := flag.NewFlagSet("audit "+args[0], flag.ContinueOnError)
	provider := fs.String("provider", "", "only this provider's streams (verify)")
	sealsFile := fs.String("seals", "", "verify against seals exported earlier to this file (NDJSON from `audit seals`)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	store := eventstore.New(pool, log)
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
		chains, err := store.VerifyChains(ctx, tenant)
		if err != nil {
			return err
		}
		var exported []eventstore.Seal
		if *sealsFile != "" {
			if exported, err = readSeals(*sealsFile); err != nil {
				return err
			}
		}
		seals, err := store.VerifySeals(ctx, exported)
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
		seal, err := store.SealLog(ctx)
		if err != nil {
			return err
		}
		if seal == nil {
			fmt.Fprintln(stdout, `{"sealed":false,"reason":"nothing new to seal"}`)
			return nil
		}
		return enc.Encode(seal)
	case "seals":
		seals, err := store.Seals(ctx)
		if err != nil {
			return err
		}
		for _, s := range seals {
			if err := enc.Encode(s); err != nil {
				return err
			}
		}
		return nil
	default:
		return fmt.Errorf("unknown audit command %q", args[0])
	}
}

func readSeals(path string) ([]eventstore.Seal, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	var out []eventstore.Seal
	for dec.More() {
		var s eventstore.Seal
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
	if err := eventstore.New(pool, log).ForgetSubject(ctx, id); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "company %s forgotten: its key is deleted; rebuild the projections to drop copies they hold\n", id)
	return nil
}
