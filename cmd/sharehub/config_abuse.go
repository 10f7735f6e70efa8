package main

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"
)

// AbuseConfig bounds what anonymous and hostile clients can make the server store
// or do (issue 12): link opens, blob storage.
type AbuseConfig struct {
	// LinkOpenLimit: requests a minute per link and client address (0: off, for
	// benchmarks). LINK_OPEN_LIMIT, default 300.
	LinkOpenLimit int
	// QuotaBytes: stored file bytes per company (0: unlimited). QUOTA_BYTES.
	QuotaBytes int64
	// BlobGCInterval: how often serve removes unreferenced blobs (0: never).
	// BLOB_GC_INTERVAL, default 1h.
	BlobGCInterval time.Duration
	// BlobGCGrace: how old an unreferenced blob or temporary file must be before it
	// is removed; longer than any upload takes. BLOB_GC_GRACE, default 1h.
	BlobGCGrace time.Duration
}

func abuseFromEnv(getenv func(string) string) (AbuseConfig, error) {
	c := AbuseConfig{LinkOpenLimit: 300, BlobGCInterval: time.Hour, BlobGCGrace: time.Hour}
	var errs []error
	if v := getenv("LINK_OPEN_LIMIT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("LINK_OPEN_LIMIT %q: must be a whole number >= 0 (0: off)", v))
		}
		c.LinkOpenLimit = n
	}
	if v := getenv("QUOTA_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("QUOTA_BYTES %q: must be a whole number of bytes >= 0 (0: unlimited)", v))
		}
		c.QuotaBytes = n
	}
	for name, d := range map[string]*time.Duration{"BLOB_GC_INTERVAL": &c.BlobGCInterval, "BLOB_GC_GRACE": &c.BlobGCGrace} {
		if v := getenv(name); v != "" {
			parsed, err := time.ParseDuration(v)
			if err != nil || parsed < 0 {
				errs = append(errs, fmt.Errorf("%s %q: must be a duration like 1h", name, v))
			}
			*d = parsed
		}
	}
	return c, errors.Join(errs...)
}

func (c AbuseConfig) logAttrs() []any {
	return []any{slog.Int("link_open_limit", c.LinkOpenLimit), slog.Int64("quota_bytes", c.QuotaBytes),
		slog.Duration("blob_gc_interval", c.BlobGCInterval), slog.Duration("blob_gc_grace", c.BlobGCGrace)}
}
