package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/apptest"
	"github.com/sharehub/sharehub/eventstore/pgtest"
)

// The operator's projection commands and the auditor's replay, end to end.
func TestProjectionsRebuildStatusAndAuditReplay(t *testing.T) {
	pool, url := pgtest.NewDatabase(t)
	ctx := context.Background()
	store := testStore(t, pool)
	now := time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)
	svc, err := app.New(app.Config{Store: store, Hasher: apptest.Hasher{}, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	reg := func(name string) app.Registration {
		r, err := svc.RegisterCompany(ctx, app.Call{}, app.RegisterCompany{CompanyName: name, Name: "Admin", Email: strings.ToLower(name) + "@example.test", Password: "long enough password"})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	provider, customerCo := reg("Provider"), reg("Customer")
	admin := app.Call{ActorID: provider.UserID}
	c, err := svc.ConnectCustomer(ctx, admin, app.ConnectCustomer{CompanyID: customerCo.CompanyID})
	if err != nil {
		t.Fatal(err)
	}
	f, err := svc.CreateFolder(ctx, admin, app.CreateFolder{Name: "Contracts"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddDocument(ctx, admin, app.AddDocument{FolderID: f.FolderID, Name: "contract.pdf",
		File: domain.FileInfo{SHA256: strings.Repeat("ab", 32), Size: 10, MediaType: "application/pdf"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.GrantShare(ctx, admin, app.GrantShare{CustomerID: c.CustomerID, FolderID: f.FolderID, Permission: domain.PermissionView}); err != nil {
		t.Fatal(err)
	}
	shared := now
	now = now.Add(time.Hour)
	if _, err := svc.PauseCustomer(ctx, admin, app.CustomerRef{CustomerID: c.CustomerID}); err != nil {
		t.Fatal(err)
	}

	env := func(k string) string {
		return map[string]string{"KEY_ENCRYPTION_KEY": testKEK, "DATABASE_URL": url, "LOG_LEVEL": "error"}[k]
	}
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, args, env, &out, io.Discard)
		return out.String(), err
	}
	out, err := cli("projections", "rebuild", "--all")
	if err != nil {
		t.Fatalf("rebuild: %v\n%s", err, out)
	}
	for _, want := range []string{"rebuild portal:", "portal: rebuilt from", "accounts: rebuilt from", "events/s"} {
		if !strings.Contains(out, want) {
			t.Fatalf("rebuild output lacks %q:\n%s", want, out)
		}
	}
	out, err = cli("projections", "rebuild", "portal")
	if err != nil || !strings.Contains(out, "identical to the live tables") {
		t.Fatalf("second rebuild: %v\n%s", err, out)
	}
	if _, err := cli("projections", "rebuild", "nosuch"); err == nil {
		t.Fatal("rebuilding an unknown projection succeeded")
	}
	out, err = cli("projections", "status")
	if err != nil || !strings.Contains(out, "portal") || !strings.Contains(out, "accounts") || !strings.Contains(out, "LAG") {
		t.Fatalf("status: %v\n%s", err, out)
	}

	out, err = cli("audit", "replay", "--customer", c.CustomerID.String(), "--as-of", shared.Add(time.Minute).Format(time.RFC3339))
	if err != nil || !strings.Contains(out, "contract.pdf") || !strings.Contains(out, "Contracts") {
		t.Fatalf("replay while shared: %v\n%s", err, out)
	}
	out, err = cli("audit", "replay", "--customer", c.CustomerID.String(), "--as-of", now.Add(time.Minute).Format(time.RFC3339))
	if err != nil || !strings.Contains(out, "portal closed") || strings.Contains(out, "contract.pdf") {
		t.Fatalf("replay after the pause: %v\n%s", err, out)
	}
	if _, err := cli("audit", "replay", "--customer", uuid.NewString()); err == nil {
		t.Fatal("replay of an unknown customer succeeded")
	}
	if _, err := cli("audit", "replay", "--customer", "nope"); err == nil || !strings.Contains(err.Error(), "--customer") {
		t.Fatalf("bad customer id: %v", err)
	}
}
