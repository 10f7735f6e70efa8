package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/projections"
)

// auditReplay runs `sharehub audit replay --customer ID --as-of T [--json]`: what
// the customer's users could see at instant T, computed by replaying the
// provider's log up to T through the portal projection.
func auditReplay(ctx context.Context, cfg Config, args []string, stdout io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("audit replay", flag.ContinueOnError)
	customer := fs.String("customer", "", "customer id (required)")
	asOf := fs.String("as-of", "", "instant, RFC 3339 (default: now)")
	asJSON := fs.Bool("json", false, "print the view as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	id, err := uuid.Parse(*customer)
	if err != nil {
		return fmt.Errorf("--customer: not a UUID: %q", *customer)
	}
	at := time.Now()
	if *asOf != "" {
		if at, err = time.Parse(time.RFC3339Nano, *asOf); err != nil {
			return fmt.Errorf("--as-of: not an RFC 3339 time: %q", *asOf)
		}
	}
	pool, err := openPool(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := migrate(ctx, pool, cfg, log); err != nil {
		return err
	}
	view, err := projections.PortalViewAsOf(ctx, newStore(pool, cfg, log), pool, id, at)
	if errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("no customer %s", id)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			AsOf time.Time         `json:"as_of"`
			View domain.PortalView `json:"view"`
		}{at.UTC(), view})
	}
	fmt.Fprintf(stdout, "customer %s of provider %s as of %s\n", view.CustomerID, view.ProviderID, at.UTC().Format(time.RFC3339Nano))
	if !view.Open {
		fmt.Fprintln(stdout, "portal closed: the customer was not active or its documents module was off; it saw nothing")
		return nil
	}
	if len(view.Folders) == 0 && len(view.Documents) == 0 {
		fmt.Fprintln(stdout, "nothing was visible")
		return nil
	}
	for _, f := range view.Folders {
		fmt.Fprintf(stdout, "folder   %s  %-5s  %s\n", f.ID, f.Permission, f.Name)
	}
	for _, d := range view.Documents {
		fmt.Fprintf(stdout, "document %s  %-5s  %s (version %d, %d bytes, sha256 %s)\n",
			d.ID, d.Permission, d.Name, d.Version, d.File.Size, d.File.SHA256)
	}
	return nil
}
