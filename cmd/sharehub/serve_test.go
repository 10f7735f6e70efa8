package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore/pgtest"
)

// serve migrates, answers /healthz and /readyz, seals the log periodically, and stops
// cleanly when its context ends (SIGTERM in production).
func TestServeIsReadyAndShutsDownGracefully(t *testing.T) {
	pool, url := pgtest.NewDatabase(t)
	store := testStore(t, pool)
	if _, err := store.Append(context.Background(), app.Batch{Streams: []app.StreamAppend{
		{StreamID: "serve-1", Events: []domain.Event{cliNoted{"x"}}}}}); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ml, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := ml.Addr().String()
	ml.Close()
	env := map[string]string{"KEY_ENCRYPTION_KEY": testKEK, "DATABASE_URL": url, "HTTP_ADDR": addr, "BLOB_DIR": t.TempDir(), "LOG_LEVEL": "warn",
		"SEAL_INTERVAL": "50ms", "METRICS_ADDR": metricsAddr}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	}()

	var status int
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			status = resp.StatusCode
			resp.Body.Close()
			break
		}
	}
	if status != http.StatusOK {
		t.Fatalf("/readyz answered %d", status)
	}
	// The real API is mounted: its spec is served and a failed sign-in is a problem.
	resp, err := http.Get("http://" + addr + "/api/v1/openapi.yaml")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("openapi.yaml: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = http.Post("http://"+addr+"/api/v1/sessions", "application/json",
		strings.NewReader(`{"email":"nobody@example.test","password":"wrong password 123"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("bad sign-in answered %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// Metrics are served on METRICS_ADDR, not on the API address.
	resp, err = http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("/metrics on the API address answered %d", resp.StatusCode)
	}
	resp, err = http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "sharehub_http_requests_total") {
		t.Fatalf("/metrics on METRICS_ADDR answered %d", resp.StatusCode)
	}
	var seals int
	for deadline := time.Now().Add(20 * time.Second); seals == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM log_seals`).Scan(&seals); err != nil {
			t.Fatal(err)
		}
	}
	if seals == 0 {
		t.Fatal("serve never sealed the log")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v on shutdown", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	_, url := pgtest.NewDatabase(t)
	env := func(k string) string {
		return map[string]string{"KEY_ENCRYPTION_KEY": testKEK, "DATABASE_URL": url, "LOG_LEVEL": "warn"}[k]
	}
	for i := 0; i < 2; i++ {
		if err := run(context.Background(), []string{"migrate"}, env, io.Discard, io.Discard); err != nil {
			t.Fatalf("migrate run %d: %v", i+1, err)
		}
	}
}
