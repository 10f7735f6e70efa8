package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/eventstore/pgtest"
)

// serve with two URLs (make run's setup): it migrates as the owner and serves as a
// login role that has nothing but its membership in sharehub_app. Everything works
// under that role: projection schemas created at start, signup (claims, keys,
// logins, sessions), writes, the outbox; an operator's `company forget` (as the
// owner) rebuilds the read models into schemas serve still owns and applies to.
func TestServeRunsAsTheApplicationRole(t *testing.T) {
	pool, url := pgtest.NewDatabase(t)
	appURL := pgtest.AppRoleURL(t, url)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	env := map[string]string{"KEY_ENCRYPTION_KEY": testKEK, "DATABASE_URL": appURL, "MIGRATE_DATABASE_URL": url,
		"HTTP_ADDR": addr, "BLOB_DIR": t.TempDir(), "LOG_LEVEL": "warn", "SEAL_INTERVAL": "50ms"}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	}()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	base := "http://" + addr
	ready := func() int {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for deadline := time.Now().Add(30 * time.Second); ready() != 200; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz answered %d", ready())
		}
	}
	post := func(path, token, body string, want int) map[string]any {
		t.Helper()
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("POST %s: %d %s", path, resp.StatusCode, b)
		}
		var out map[string]any
		_ = json.Unmarshal(b, &out)
		return out
	}
	acct := post("/api/v1/signup", "", `{"company_name":"Priv Ltd","name":"Pat Priv","email":"pat@priv.example","password":"correct horse battery"}`, 201)
	token, _ := acct["token"].(string)
	company, _ := acct["company_id"].(string)
	post("/api/v1/folders", token, `{"name":"Reports"}`, 201)
	post("/api/v1/customers/invitations", token, `{"company_name":"Newco","contact_name":"Grace Hopper","email":"grace@newco.test"}`, 201)

	// Every connection serve holds is the login role's.
	var roles []string
	rows, err := pool.Query(context.Background(), `SELECT DISTINCT usename::text FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND usename IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	if roles, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		t.Fatal(err)
	}
	if len(roles) != 1 || roles[0] != "sharehub_test_serve" {
		t.Fatalf("serve's connections belong to %q", roles)
	}
	owners := func() map[string]string {
		rows, err := pool.Query(context.Background(), `SELECT nspname::text, pg_get_userbyid(nspowner)::text FROM pg_namespace WHERE nspname LIKE 'rm\_%'`)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for rows.Next() {
			var s, o string
			_ = rows.Scan(&s, &o)
			out[s] = o
		}
		return out
	}
	for s, o := range owners() {
		if o != "sharehub_app" {
			t.Fatalf("schema %s belongs to %s", s, o)
		}
	}

	// The operator forgets the company as the owner: the rebuilt schemas are still
	// serve's, which keeps applying to them.
	var out strings.Builder
	if err := run(context.Background(), []string{"company", "forget", company}, func(k string) string { return env[k] }, &out, io.Discard); err != nil {
		t.Fatalf("forget: %v\n%s", err, out.String())
	}
	for s, o := range owners() {
		if o != "sharehub_app" {
			t.Fatalf("after a rebuild by the owner, schema %s belongs to %s", s, o)
		}
	}
	other := post("/api/v1/signup", "", `{"company_name":"After Ltd","name":"Al After","email":"al@after.example","password":"correct horse battery"}`, 201)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var n int
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM rm_accounts.companies WHERE id = $1`, other["company_id"]).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("serve stopped applying to the rebuilt read models")
		}
	}
	if code := ready(); code != 200 {
		t.Fatalf("/readyz answered %d after the forget", code)
	}
}
