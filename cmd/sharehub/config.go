package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/httpapi"
)

// Config is everything sharehub reads from its environment. Flags may override it.
type Config struct {
	DatabaseURL    string
	HTTPAddr       string
	PublicBaseURL  string
	BlobDir        string
	MaxUploadBytes int64
	// MaxArchiveBytes bounds one folder ZIP download (MAX_ARCHIVE_BYTES).
	MaxArchiveBytes int64
	SMTPURL         string
	Signup          string // "open" or "closed"
	LogLevel        slog.Level
	SealInterval    time.Duration

	// MigrateDatabaseURL is the owner's URL, for migrations and operator commands;
	// unset: DatabaseURL serves for both.
	MigrateDatabaseURL string
	// KeyEncryptionKey wraps company keys (base64 or hex of 32 bytes); unset: the
	// file key-encryption-key under DataDir.
	KeyEncryptionKey string
	DataDir          string

	kek    *eventstore.KeyEncryptionKey // loaded by run
	Abuse  AbuseConfig
	Limits LimitsConfig // limits.go
	// Sessions: SESSION_IDLE and SESSION_MAX (sessions_config.go).
	Sessions SessionConfig
	// ExportConns sizes the pool of its own that audit exports read through
	// (EXPORT_MAX_CONNS, default 4); ExportsPerTenant bounds a company's
	// concurrent NDJSON streams (EXPORTS_PER_TENANT, default 2), ExportsMax the
	// process's (EXPORTS_MAX, default 32; a stalled stream holds no connection,
	// only its two pages in memory).
	ExportConns      int
	ExportsPerTenant int
	ExportsMax       int
}

func configFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		DatabaseURL:     getenv("DATABASE_URL"),
		HTTPAddr:        or(getenv("HTTP_ADDR"), "127.0.0.1:8080"),
		BlobDir:         or(getenv("BLOB_DIR"), ".data/blobs"),
		MaxUploadBytes:  100 << 20,
		MaxArchiveBytes: httpapi.DefaultMaxArchiveBytes,
		SMTPURL:         getenv("SMTP_URL"),
		Signup:          or(getenv("SIGNUP"), "open"),
		SealInterval:    time.Minute,
	}
	c.MigrateDatabaseURL = getenv("MIGRATE_DATABASE_URL")
	c.KeyEncryptionKey = getenv("KEY_ENCRYPTION_KEY")
	c.DataDir = or(getenv("DATA_DIR"), ".data")
	if err := exportsFromEnv(&c, getenv); err != nil {
		return c, err
	}
	if v := getenv("SEAL_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return c, fmt.Errorf("SEAL_INTERVAL %q: must be a positive duration like 1m", v)
		}
		c.SealInterval = d
	}
	var err error
	if c.Abuse, err = abuseFromEnv(getenv); err != nil {
		return c, err
	}
	if c.Limits, err = limitsFromEnv(getenv); err != nil {
		return c, err
	}
	if c.Sessions, err = sessionsFromEnv(getenv); err != nil {
		return c, err
	}
	c.PublicBaseURL = or(getenv("PUBLIC_BASE_URL"), "http://"+c.HTTPAddr)
	if v := getenv("MAX_UPLOAD_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return c, fmt.Errorf("MAX_UPLOAD_BYTES: %w", err)
		}
		c.MaxUploadBytes = n
	}
	if v := getenv("MAX_ARCHIVE_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return c, fmt.Errorf("MAX_ARCHIVE_BYTES: %w", err)
		}
		c.MaxArchiveBytes = n
	}
	if v := getenv("LOG_LEVEL"); v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			return c, fmt.Errorf("LOG_LEVEL: %w", err)
		}
	}
	return c, nil
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	var errs []error
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("DATABASE_URL is required (`make run` starts a local PostgreSQL and sets it)"))
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		errs = append(errs, fmt.Errorf("HTTP_ADDR %q: %w", c.HTTPAddr, err))
	}
	if u, err := url.Parse(c.PublicBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("PUBLIC_BASE_URL %q must be an absolute http(s) URL", c.PublicBaseURL))
	}
	if c.BlobDir == "" {
		errs = append(errs, errors.New("BLOB_DIR must not be empty"))
	}
	if c.MaxUploadBytes <= 0 {
		errs = append(errs, errors.New("MAX_UPLOAD_BYTES must be positive"))
	}
	if c.MaxArchiveBytes <= 0 {
		errs = append(errs, errors.New("MAX_ARCHIVE_BYTES must be positive"))
	}
	if c.Signup != "open" && c.Signup != "closed" {
		errs = append(errs, fmt.Errorf("SIGNUP %q must be open or closed", c.Signup))
	}
	errs = append(errs, c.Limits.validate(c.HTTPAddr)...)
	return errors.Join(errs...)
}

// LogValue masks secrets: the database password and SMTP credentials never reach a log.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("database_url", maskURL(c.DatabaseURL)),
		slog.String("migrate_database_url", maskURL(c.MigrateDatabaseURL)),
		slog.Bool("key_encryption_key_set", c.KeyEncryptionKey != ""),
		slog.String("data_dir", c.DataDir),
		slog.String("http_addr", c.HTTPAddr),
		slog.String("public_base_url", c.PublicBaseURL),
		slog.String("blob_dir", c.BlobDir),
		slog.Int64("max_upload_bytes", c.MaxUploadBytes),
		slog.Int64("max_archive_bytes", c.MaxArchiveBytes),
		slog.String("smtp_url", maskURL(c.SMTPURL)),
		slog.String("signup", c.Signup),
		slog.String("log_level", c.LogLevel.String()),
		slog.Duration("seal_interval", c.SealInterval),
		slog.Group("abuse", c.Abuse.logAttrs()...),
		slog.Any("limits", c.Limits),
	)
}

func maskURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	for k := range q {
		if strings.Contains(strings.ToLower(k), "pass") {
			q.Set(k, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
