package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
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
	store := eventstore.New(pool, nil)
	tenant := uuid.New()
	for _, stream := range []string{"cli-1", "cli-2"} {
		_, err := store.Append(ctx, app.Batch{Meta: domain.Metadata{TenantID: tenant},
			Streams: []app.StreamAppend{{StreamID: stream, Events: []domain.Event{cliNoted{"a"}, cliNoted{"b"}}}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	env := func(k string) string { return map[string]string{"DATABASE_URL": url, "LOG_LEVEL": "error"}[k] }
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
