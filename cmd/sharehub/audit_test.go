package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/pgtest"
)

type cliNoted struct {
	Text string `json:"text"`
}

func (cliNoted) EventType() string { return "test.CLINoted" }

func init() { domain.RegisterEvent(cliNoted{}, 1) }

// The auditor's commands: seal, export the seals, verify (exit 0), tamper, verify
// against the exported seals (exit 1, the broken seal named).
func TestAuditVerifySealAndExport(t *testing.T) {
	pool, url := pgtest.NewDatabase(t)
	ctx := context.Background()
	store := testStore(t, pool)
	tenant := uuid.New()
	for _, stream := range []string{"cli-1", "cli-2"} {
		_, err := store.Append(ctx, app.Batch{Meta: domain.Metadata{TenantID: tenant},
			Streams: []app.StreamAppend{{StreamID: stream, Events: []domain.Event{cliNoted{"a"}, cliNoted{"b"}}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	env := func(k string) string {
		return map[string]string{"KEY_ENCRYPTION_KEY": testKEK, "DATABASE_URL": url, "LOG_LEVEL": "error"}[k]
	}
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, args, env, &out, io.Discard)
		return out.String(), err
	}
	// A seal covers only transactions older than every one still running on the
	// server (other tests' too): seal until all four events are covered.
	covered := 0
	for deadline := time.Now().Add(30 * time.Second); covered < 4; time.Sleep(10 * time.Millisecond) {
		out, err := cli("audit", "seal")
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("seal: %s %v (covered %d)", out, err, covered)
		}
		var seal struct {
			EventsCovered int `json:"events_covered"`
		}
		if strings.Contains(out, "events_covered") {
			if err := json.Unmarshal([]byte(out), &seal); err != nil {
				t.Fatal(err)
			}
			covered += seal.EventsCovered
		}
	}
	exported, err := cli("audit", "seals")
	if err != nil {
		t.Fatal(err)
	}
	sealsFile := filepath.Join(t.TempDir(), "seals.ndjson")
	if err := os.WriteFile(sealsFile, []byte(exported), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := cli("audit", "verify", "--provider", tenant.String(), "--seals", sealsFile); err != nil || !strings.Contains(out, `"ok":true`) {
		t.Fatalf("verify clean log: %s %v", out, err)
	}
	for _, q := range []string{`ALTER TABLE events DISABLE TRIGGER ALL`, `DELETE FROM events WHERE stream_id = 'cli-2' AND stream_version = 2`,
		`ALTER TABLE events ENABLE TRIGGER ALL`} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	out, err := cli("audit", "verify", "--seals", sealsFile)
	if !errors.Is(err, errVerifyFailed) || !strings.Contains(out, `"ok":false`) || !strings.Contains(out, "the log now has") {
		t.Fatalf("verify after a dropped tail: %s %v", out, err)
	}
	if _, err := cli("audit", "verify", "--provider", "not-a-uuid"); err == nil {
		t.Fatal("bad --provider accepted")
	}
}

// `audit export` streams one provider's events, filtered by time, as NDJSON to
// stdout or as CSV into a file.
func TestAuditExport(t *testing.T) {
	pool, url := pgtest.NewDatabase(t)
	ctx := context.Background()
	store := testStore(t, pool)
	tenant, other := uuid.New(), uuid.New()
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	versions := map[uuid.UUID]int64{}
	for i, tn := range []uuid.UUID{tenant, other, tenant, tenant} {
		_, err := store.Append(ctx, app.Batch{Meta: domain.Metadata{TenantID: tn}, RecordedAt: t0.Add(time.Duration(i) * 24 * time.Hour),
			Streams: []app.StreamAppend{{StreamID: "exp-" + tn.String(), ExpectedVersion: versions[tn],
				Events: []domain.Event{cliNoted{fmt.Sprintf("e%d", i)}}}}})
		if err != nil {
			t.Fatal(err)
		}
		versions[tn]++
	}
	env := func(k string) string {
		return map[string]string{"KEY_ENCRYPTION_KEY": testKEK, "DATABASE_URL": url, "LOG_LEVEL": "error"}[k]
	}
	cli := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append([]string{"audit", "export"}, args...), env, &out, io.Discard)
		return out.String(), err
	}
	texts := func(ndjson string) []string {
		var out []string
		for _, line := range strings.Split(strings.TrimSpace(ndjson), "\n") {
			if line == "" {
				continue
			}
			var e struct {
				StreamID string   `json:"stream_id"`
				Payload  cliNoted `json:"payload"`
				Hash     string   `json:"hash"`
			}
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("%v: %s", err, line)
			}
			if e.StreamID != "exp-"+tenant.String() || len(e.Hash) != 64 {
				t.Fatalf("line of another provider or without hash: %s", line)
			}
			out = append(out, e.Payload.Text)
		}
		return out
	}
	out, err := cli("--provider", tenant.String())
	if got := texts(out); err != nil || !slices.Equal(got, []string{"e0", "e2", "e3"}) {
		t.Fatalf("export: %v %v", got, err)
	}
	out, err = cli("--provider", tenant.String(), "--since", t0.Add(24*time.Hour).Format(time.RFC3339), "--until", "2026-03-04T12:00:00Z")
	if got := texts(out); err != nil || !slices.Equal(got, []string{"e2"}) {
		t.Fatalf("export --since --until: %v %v", got, err)
	}

	file := filepath.Join(t.TempDir(), "audit.csv")
	out, err = cli("--provider", tenant.String(), "--format", "csv", "--out", file)
	if err != nil || !strings.Contains(out, `"events":3`) {
		t.Fatalf("export --out: %s %v", out, err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(rows) != 4 || rows[0][0] != "position" || rows[3][4] != "test.CLINoted" {
		t.Fatalf("csv file: %v %q", err, data)
	}

	for _, bad := range [][]string{
		{},
		{"--provider", "not-a-uuid"},
		{"--provider", tenant.String(), "--since", "yesterday"},
		{"--provider", tenant.String(), "--since", "2026-03-02T00:00:00Z", "--until", "2026-03-01T00:00:00Z"},
		{"--provider", tenant.String(), "--format", "xml", "--out", filepath.Join(t.TempDir(), "x")},
	} {
		if out, err := cli(bad...); err == nil {
			t.Errorf("audit export %v accepted: %s", bad, out)
		}
	}
	if entries, _ := os.ReadDir(filepath.Dir(file)); len(entries) != 1 {
		t.Fatalf("files left beside the export: %v", entries)
	}
}

// `audit verify --export FILE` checks an export with nothing but the file: it
// runs with no DATABASE_URL at all, passes an intact export and fails (exit 1,
// the event named) on an edited one.
func TestAuditVerifyExportOffline(t *testing.T) {
	pool, url := pgtest.NewDatabase(t)
	ctx := context.Background()
	store := eventstore.New(pool, nil)
	tenant := uuid.New()
	for i := range 3 {
		_, err := store.Append(ctx, app.Batch{Meta: domain.Metadata{TenantID: tenant},
			Streams: []app.StreamAppend{{StreamID: "off-1", ExpectedVersion: int64(i), Events: []domain.Event{cliNoted{fmt.Sprintf("e%d", i)}}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "audit.ndjson")
	withDB := func(k string) string {
		return map[string]string{"KEY_ENCRYPTION_KEY": testKEK, "DATABASE_URL": url, "LOG_LEVEL": "error"}[k]
	}
	if err := run(ctx, []string{"audit", "export", "--provider", tenant.String(), "--out", file}, withDB, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	noDB := func(k string) string {
		return map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?connect_timeout=1", "LOG_LEVEL": "error"}[k]
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"audit", "verify", "--export", file}, noDB, &out, io.Discard); err != nil || !strings.Contains(out.String(), `"ok":true`) ||
		!strings.Contains(out.String(), `"hashes_recomputed":3`) {
		t.Fatalf("intact export: %v %s", err, out.String())
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, bytes.Replace(data, []byte(`"e1"`), []byte(`"E1"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "verify", "--export", file}, noDB, &out, io.Discard); !errors.Is(err, errVerifyFailed) ||
		!strings.Contains(out.String(), `"stream_version":2`) {
		t.Fatalf("edited export: %v %s", err, out.String())
	}
}
