package eventstore_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/audit"
)

// Issue 14 §4: both export formats mark guard events, and only them.
func TestExportWritersMarkGuards(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	events := []domain.Recorded{
		{Position: 1, EventID: uuid.New(), StreamID: "customer-1", Version: 1, Type: "CustomerShareAdded", SchemaVersion: 1, RecordedAt: at},
		{Position: 2, EventID: uuid.New(), StreamID: "share-1", Version: 1, Type: "PortalShareGranted", SchemaVersion: 1, RecordedAt: at},
	}
	write := func(format string) string {
		var buf bytes.Buffer
		w, err := audit.NewExportWriter(&buf, format)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range events {
			raw := eventstore.RawEvent{Payload: json.RawMessage(`{}`), Metadata: json.RawMessage(`{}`), Hash: make([]byte, 32), PrevHash: make([]byte, 32)}
			if err := w.Write(r, raw); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	lines := strings.Split(strings.TrimSuffix(write("ndjson"), "\n"), "\n")
	for i, line := range lines {
		var got struct {
			Type  string `json:"type"`
			Guard *bool  `json:"guard"`
		}
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatal(err)
		}
		if want := domain.IsGuard(got.Type); want != (got.Guard != nil && *got.Guard) || (!want && got.Guard != nil) {
			t.Fatalf("ndjson line %d (%s): guard %v", i, got.Type, got.Guard)
		}
	}
	rows, err := csv.NewReader(strings.NewReader(write("csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(audit.ExportColumns, "guard")
	if len(rows) != 3 || col < 0 || rows[1][col] != "true" || rows[2][col] != "false" {
		t.Fatalf("csv guard column %d: %v", col, rows)
	}
}
