package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/idempotency"
)

// LimitsConfig is what bounds a hostile or careless client (issue 12).
type LimitsConfig struct {
	// MetricsAddr is where /metrics is served (METRICS_ADDR, default
	// 127.0.0.1:9090; "off": nowhere). Never the API address.
	MetricsAddr string
	// HashConcurrency bounds concurrent argon2id hashes (HASH_CONCURRENCY; 0: half
	// the CPUs, 1..8). Each holds 7 MiB; over the bound sign-ins and signups
	// answer 503 with Retry-After.
	HashConcurrency int
	// MaxConnsPerAddr caps open connections per client address on the API
	// listener (MAX_CONNS_PER_ADDR, default 128; 0: no cap).
	MaxConnsPerAddr int
	// PurgeInterval is how often idempotency records older than 24 h and sessions
	// expired or revoked over a week ago are deleted (PURGE_INTERVAL, default 1h).
	PurgeInterval time.Duration
}

// sessionPurgeKeep is how long dead sessions are kept for incident investigation.
const sessionPurgeKeep = 7 * 24 * time.Hour

func limitsFromEnv(getenv func(string) string) (LimitsConfig, error) {
	c := LimitsConfig{MetricsAddr: or(getenv("METRICS_ADDR"), "127.0.0.1:9090"), MaxConnsPerAddr: 128, PurgeInterval: time.Hour}
	var errs []error
	for _, v := range []struct {
		name string
		dst  *int
	}{{"HASH_CONCURRENCY", &c.HashConcurrency}, {"MAX_CONNS_PER_ADDR", &c.MaxConnsPerAddr}} {
		if s := getenv(v.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				errs = append(errs, fmt.Errorf("%s %q: must be a whole number, 0 or more", v.name, s))
				continue
			}
			*v.dst = n
		}
	}
	if s := getenv("PURGE_INTERVAL"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("PURGE_INTERVAL %q: must be a positive duration like 1h", s))
		} else {
			c.PurgeInterval = d
		}
	}
	return c, errors.Join(errs...)
}

func (c LimitsConfig) validate(httpAddr string) []error {
	var errs []error
	if c.MetricsAddr != "off" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("METRICS_ADDR %q: %w (or off)", c.MetricsAddr, err))
		} else if c.MetricsAddr == httpAddr {
			errs = append(errs, fmt.Errorf("METRICS_ADDR %q must differ from HTTP_ADDR: metrics are not public", c.MetricsAddr))
		}
	}
	return errs
}

// LogValue: no secrets here.
func (c LimitsConfig) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("metrics_addr", c.MetricsAddr),
		slog.Int("hash_concurrency", c.HashConcurrency),
		slog.Int("max_conns_per_addr", c.MaxConnsPerAddr),
		slog.Duration("purge_interval", c.PurgeInterval),
	)
}

// purgePeriodically deletes idempotency records past their retention and sessions
// that can no longer authenticate. Several processes may run it: deleting twice
// deletes nothing.
func purgePeriodically(ctx context.Context, pool *pgxpool.Pool, every time.Duration, log *slog.Logger) {
	sessions, err := auth.NewSessions(auth.SessionsConfig{Pool: pool})
	if err != nil {
		log.Error("purge: sessions", "err", err)
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		purgeOnce(ctx, pool, sessions, log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func purgeOnce(ctx context.Context, pool *pgxpool.Pool, sessions *auth.Sessions, log *slog.Logger) {
	keys, err := idempotency.PurgeBefore(ctx, pool, time.Now().Add(-idempotency.Retention))
	if err != nil && ctx.Err() == nil {
		log.Error("purging idempotency records failed", "err", err)
	}
	dead, err := sessions.PurgeExpired(ctx, sessionPurgeKeep)
	if err != nil && ctx.Err() == nil {
		log.Error("purging sessions failed", "err", err)
	}
	if keys+dead > 0 {
		log.Info("purged", "idempotency_records", keys, "sessions", dead)
	}
}
