package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestConfigMasksSecretsInLogs(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"DATABASE_URL": "postgres://app:s3cret-db@127.0.0.1:5432/sharehub",
		"SMTP_URL":     "smtp://mailer:s3cret-smtp@127.0.0.1:25",
		// The owner's URL and the key-encryption key (base64 of "s3cret...").
		"MIGRATE_DATABASE_URL": "postgres://owner:s3cret-owner@127.0.0.1:5432/sharehub",
		"KEY_ENCRYPTION_KEY":   "czNjcmV0LWtlay1zM2NyZXQta2VrLXMzY3JldC1rZWs=",
	}
	c, err := configFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "config", c)
	if strings.Contains(buf.String(), "s3cret") || strings.Contains(buf.String(), env["KEY_ENCRYPTION_KEY"]) {
		t.Fatalf("secret in log: %s", buf.String())
	}
	if !strings.Contains(buf.String(), "127.0.0.1:5432") {
		t.Fatalf("database host missing from log: %s", buf.String())
	}
}

func TestConfigDefaultsAndValidation(t *testing.T) {
	t.Parallel()
	c, err := configFromEnv(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.PublicBaseURL != "http://127.0.0.1:8080" || c.MaxUploadBytes != 100<<20 {
		t.Fatalf("defaults: %+v", c)
	}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("missing DATABASE_URL not reported: %v", err)
	}
	bad := map[string]string{"DATABASE_URL": "postgres://x", "SIGNUP": "maybe", "MAX_UPLOAD_BYTES": "-1", "PUBLIC_BASE_URL": "ftp://x"}
	c, _ = configFromEnv(func(k string) string { return bad[k] })
	err = c.Validate()
	for _, want := range []string{"SIGNUP", "MAX_UPLOAD_BYTES", "PUBLIC_BASE_URL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
	if _, err := configFromEnv(func(k string) string { return map[string]string{"LOG_LEVEL": "loud"}[k] }); err == nil {
		t.Error("bad LOG_LEVEL accepted")
	}
}
