package problem_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/sharehub/sharehub/httpapi/problem"
)

// refusedConnectError is what the driver returns when PostgreSQL is down: a real
// connection attempt to a loopback port nobody listens on.
func refusedConnectError(t *testing.T) error {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().(*net.TCPAddr)
	_ = l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = pgconn.Connect(ctx, fmt.Sprintf("postgres://u:p@127.0.0.1:%d/db?sslmode=disable&connect_timeout=5", addr.Port))
	if err == nil {
		t.Fatal("connected to a closed port")
	}
	return err
}

func TestFromMapsDatabaseUnavailableTo503(t *testing.T) {
	t.Parallel()
	refused := refusedConnectError(t)
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"connect refused", fmt.Errorf("authenticate: %w", refused), 503, "database_unavailable"},
		{"admin shutdown", fmt.Errorf("read stream: %w", &pgconn.PgError{Severity: "FATAL", Code: "57P01"}), 503, "database_unavailable"},
		{"starting up", &pgconn.PgError{Severity: "FATAL", Code: "57P03"}, 503, "database_unavailable"},
		{"connection failure", &pgconn.PgError{Severity: "FATAL", Code: "08006"}, 503, "database_unavailable"},
		{"reset", fmt.Errorf("query: %w", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}), 503, "database_unavailable"},
		// Statement failures and mere words stay 500.
		{"unique violation", &pgconn.PgError{Severity: "ERROR", Code: "23505"}, 500, "internal"},
		{"read timeout", &net.OpError{Op: "read", Net: "tcp", Err: errors.New("i/o timeout")}, 500, "internal"},
		{"words", errors.New("dial tcp: connection refused"), 500, "internal"},
		// The caller's own deadline keeps its meaning.
		{"deadline", fmt.Errorf("acquire: %w", context.DeadlineExceeded), 503, "unavailable"},
	} {
		p := problem.From(tc.err)
		if p.Status != tc.status || p.Code != tc.code {
			t.Errorf("%s: %v -> %d %s, want %d %s", tc.name, tc.err, p.Status, p.Code, tc.status, tc.code)
		}
	}
}

func TestWriteDatabaseUnavailable(t *testing.T) {
	t.Parallel()
	refused := refusedConnectError(t)
	var log logged
	url := serve(t, &log, problem.Handler(func(w http.ResponseWriter, r *http.Request) error {
		return fmt.Errorf("authenticate: %w", refused)
	}))
	resp, p, raw := get(t, url)
	if resp.StatusCode != 503 || resp.Header.Get("Content-Type") != "application/problem+json" || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	if p.Code != "database_unavailable" || p.Status != 503 || p.Type != "urn:sharehub:problem:database_unavailable" {
		t.Fatalf("body %s", raw)
	}
	if lines := log.lines(t); len(lines) != 1 || lines[0]["code"] != "database_unavailable" {
		t.Fatalf("log %v", lines)
	}
}
