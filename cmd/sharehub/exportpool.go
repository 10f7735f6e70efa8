package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5/pgxpool"
)

// exportsFromEnv reads EXPORT_MAX_CONNS, EXPORTS_PER_TENANT and EXPORTS_MAX.
func exportsFromEnv(c *Config, getenv func(string) string) error {
	c.ExportConns, c.ExportsPerTenant, c.ExportsMax = 4, 2, 32
	for name, dst := range map[string]*int{"EXPORT_MAX_CONNS": &c.ExportConns, "EXPORTS_PER_TENANT": &c.ExportsPerTenant,
		"EXPORTS_MAX": &c.ExportsMax} {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				return fmt.Errorf("%s %q: must be a whole number from 1 to 1000", name, v)
			}
			*dst = n
		}
	}
	return nil
}

// openExportPool opens the pool audit exports read through: a few connections
// of their own, so that however many auditors stream the log, the API's pool
// keeps its connections for interactive requests.
func openExportPool(ctx context.Context, cfg Config) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	pc.MaxConns = int32(max(1, cfg.ExportConns))
	pc.MinConns = 0
	pc.ConnConfig.RuntimeParams["application_name"] = "sharehub-export"
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("export pool: %w", err)
	}
	return pool, nil
}
