package eventstore_test

import (
	"bytes"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/audit"
)

// exportAll runs an export and returns what it passed to the callback.
func exportAll(t *testing.T, s *eventstore.Store, f eventstore.ExportFilter) ([]domain.Recorded, []eventstore.RawEvent, eventstore.ExportStats) {
	t.Helper()
	var (
		recs []domain.Recorded
		raws []eventstore.RawEvent
	)
	st, err := s.Export(ctxFor(t), f, func(r domain.Recorded, raw eventstore.RawEvent) error {
		recs = append(recs, r)
		raws = append(raws, raw)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != int64(len(recs)) {
		t.Fatalf("stats say %d events, callback saw %d", st.Events, len(recs))
	}
	return recs, raws, st
}

func texts(recs []domain.Recorded) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Event.(noted).Text
	}
	return out
}

func TestExportFiltersOrderAndTenants(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	tenantA, tenantB := uuid.New(), uuid.New()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Appends alternate between the tenants; each gets its own hour.
	appends := []struct {
		tenant uuid.UUID
		stream string
		text   string
	}{
		{tenantA, "a-1", "a1"}, {tenantB, "b-1", "b1"}, {tenantA, "a-2", "a2"}, {tenantA, "a-1", "a3"},
		{tenantB, "b-1", "b2"}, {tenantA, "a-1", "a4"}, {tenantA, "a-2", "a5"}, {uuid.Nil, "system-1", "s1"},
	}
	versions := map[string]int64{}
	for i, a := range appends {
		b := one(a.stream, versions[a.stream], a.text)
		b.Meta.TenantID = a.tenant
		b.RecordedAt = t0.Add(time.Duration(i) * time.Hour)
		if _, err := s.Append(ctx, b); err != nil {
			t.Fatal(err)
		}
		versions[a.stream]++
	}
	// A test.Noted event of the other tenant's type filter and an event type nobody
	// filters on, to check Types.
	b := app.Batch{Meta: domain.Metadata{TenantID: tenantA}, RecordedAt: t0.Add(10 * time.Hour),
		Streams: []app.StreamAppend{{StreamID: "c-a", Events: []domain.Event{contactNoted{Company: tenantA, Name: "Ann", Email: "ann@a.example"}}}}}
	if _, err := s.Append(ctx, b); err != nil {
		t.Fatal(err)
	}

	all, _, _ := exportAll(t, s, eventstore.ExportFilter{})
	if len(all) != 9 {
		t.Fatalf("whole log: %d events, want 9", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Position <= all[i-1].Position {
			t.Fatalf("not in position order: %d after %d", all[i].Position, all[i-1].Position)
		}
	}
	notedOnly := []string{"test.Noted"}
	for _, tc := range []struct {
		name string
		f    eventstore.ExportFilter
		want []string
	}{
		{"tenant A", eventstore.ExportFilter{Tenant: &tenantA, Types: notedOnly}, []string{"a1", "a2", "a3", "a4", "a5"}},
		{"tenant B", eventstore.ExportFilter{Tenant: &tenantB}, []string{"b1", "b2"}},
		{"tenant A, pages of 2", eventstore.ExportFilter{Tenant: &tenantA, Types: notedOnly, PageSize: 2}, []string{"a1", "a2", "a3", "a4", "a5"}},
		{"after", eventstore.ExportFilter{Tenant: &tenantA, Types: notedOnly, After: all[2].Position}, []string{"a3", "a4", "a5"}},
		{"stream", eventstore.ExportFilter{Stream: "a-1"}, []string{"a1", "a3", "a4"}},
		{"stream of another tenant", eventstore.ExportFilter{Tenant: &tenantB, Stream: "a-1"}, nil},
		{"since", eventstore.ExportFilter{Since: t0.Add(4 * time.Hour), Types: notedOnly}, []string{"b2", "a4", "a5", "s1"}},
		{"until (exclusive)", eventstore.ExportFilter{Until: t0.Add(3 * time.Hour)}, []string{"a1", "b1", "a2"}},
		{"since and until", eventstore.ExportFilter{Tenant: &tenantA, Since: t0.Add(time.Hour), Until: t0.Add(6 * time.Hour)}, []string{"a2", "a3", "a4"}},
		{"limit", eventstore.ExportFilter{Tenant: &tenantA, Limit: 3}, []string{"a1", "a2", "a3"}},
		{"limit over pages", eventstore.ExportFilter{Limit: 5, PageSize: 2}, []string{"a1", "b1", "a2", "a3", "b2"}},
		{"nothing selected", eventstore.ExportFilter{Types: []string{"NoSuchType"}}, nil},
	} {
		got, _, _ := exportAll(t, s, tc.f)
		if g := texts(got); !slices.Equal(g, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, g, tc.want)
		}
	}
	got, raws, _ := exportAll(t, s, eventstore.ExportFilter{Tenant: &tenantA, Types: []string{"test.ContactNoted"}})
	if len(got) != 1 || got[0].Event.(contactNoted).Email != "ann@a.example" || raws[0].TenantID != tenantA {
		t.Fatalf("typed export of tenant A: %+v %+v", got, raws)
	}
	if _, err := s.Export(ctx, eventstore.ExportFilter{Limit: -1}, nil); err == nil {
		t.Fatal("negative limit accepted")
	}
}

// Export decrypts personal data as ReadStream does; once a company is forgotten its
// fields read as forgotten while the stored ciphertext and hashes stay.
func TestExportForgottenSubject(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	acme, other := uuid.New(), uuid.New()
	b := app.Batch{Meta: domain.Metadata{TenantID: acme}, Streams: []app.StreamAppend{{StreamID: "c-1", Events: []domain.Event{
		contactNoted{Company: acme, Name: "Jane Doe", Email: "jane@acme.example", Note: "kept"},
		contactNoted{Company: other, Name: "Max Other", Email: "max@other.example"},
	}}}}
	if _, err := s.Append(ctx, b); err != nil {
		t.Fatal(err)
	}
	got, _, _ := exportAll(t, s, eventstore.ExportFilter{})
	if e := got[0].Event.(contactNoted); e.Name != "Jane Doe" || e.Email != "jane@acme.example" {
		t.Fatalf("before forget: %+v", e)
	}
	if err := s.ForgetSubject(ctx, acme); err != nil {
		t.Fatal(err)
	}
	got, raws, _ := exportAll(t, s, eventstore.ExportFilter{})
	if e := got[0].Event.(contactNoted); e.Name != domain.Forgotten || e.Email != domain.Forgotten || e.Note != "kept" {
		t.Fatalf("after forget: %+v", e)
	}
	if e := got[1].Event.(contactNoted); e.Email != "max@other.example" {
		t.Fatalf("another company's data was forgotten too: %+v", e)
	}
	if !bytes.Contains(raws[0].Payload, []byte("pii:v1:")) || bytes.Contains(raws[0].Payload, []byte("jane")) {
		t.Fatalf("raw payload is not the stored ciphertext: %s", raws[0].Payload)
	}
	var buf bytes.Buffer
	w, err := audit.NewExportWriter(&buf, "ndjson")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ExportTo(ctx, eventstore.ExportFilter{}, w); err != nil {
		t.Fatal(err)
	}
	if out := buf.String(); strings.Contains(out, "jane") || !strings.Contains(out, domain.Forgotten) || !strings.Contains(out, "max@other.example") {
		t.Fatalf("export of a forgotten subject:\n%s", out)
	}
}

// A large export is fetched in bounded pages and handed over as it goes: stopping
// early reads no further pages, and the whole log arrives in order.
func TestExportStreamsLargeLogInPages(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	const n, perAppend = 20_000, 1000
	tenant := uuid.New()
	for i := 0; i < n/perAppend; i++ {
		b := app.Batch{Meta: domain.Metadata{TenantID: tenant}}
		sa := app.StreamAppend{StreamID: fmt.Sprintf("big-%d", i)}
		for j := 0; j < perAppend; j++ {
			sa.Events = append(sa.Events, noted{Text: "x", N: i*perAppend + j})
		}
		b.Streams = []app.StreamAppend{sa}
		if _, err := s.Append(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	count, last := 0, int64(0)
	st, err := s.Export(ctx, eventstore.ExportFilter{Tenant: &tenant}, func(r domain.Recorded, _ eventstore.RawEvent) error {
		if r.Position <= last || r.Event.(noted).N != count {
			return fmt.Errorf("event %d out of order: position %d after %d", count, r.Position, last)
		}
		count++
		last = r.Position
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if count != n || st.Events != n || st.LastPosition != last {
		t.Fatalf("exported %d (stats %+v), want %d", count, st, n)
	}
	if want := n/eventstore.DefaultExportPageSize + 1; st.Pages != want {
		t.Fatalf("%d pages for %d events, want %d of at most %d rows", st.Pages, n, want, eventstore.DefaultExportPageSize)
	}

	// The callback runs while the export is under way: it sees event 1500 after only
	// two pages were read, and its error stops the export there.
	errStop := errors.New("stop")
	count = 0
	st, err = s.Export(ctx, eventstore.ExportFilter{}, func(domain.Recorded, eventstore.RawEvent) error {
		if count++; count == 1500 {
			return errStop
		}
		return nil
	})
	if !errors.Is(err, errStop) || count != 1500 || st.Pages != 2 {
		t.Fatalf("early stop: err %v after %d callbacks and %d pages, want stop after 1500 and 2", err, count, st.Pages)
	}

	// Resuming after the last position seen continues where a stopped export ended.
	st, err = s.Export(ctx, eventstore.ExportFilter{After: st.LastPosition, Limit: 10}, func(domain.Recorded, eventstore.RawEvent) error { return nil })
	if err != nil || st.Events != 10 {
		t.Fatalf("resume: %+v %v", st, err)
	}
}

// The export is one snapshot: an event committed while it runs is not included.
func TestExportIsOneSnapshot(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	if _, err := s.Append(ctx, one("snap", 0, "a", "b", "c")); err != nil {
		t.Fatal(err)
	}
	var got []string
	_, err := s.Export(ctx, eventstore.ExportFilter{PageSize: 1}, func(r domain.Recorded, _ eventstore.RawEvent) error {
		got = append(got, r.Event.(noted).Text)
		if len(got) == 1 {
			_, err := s.Append(ctx, one("snap", 3, "late"))
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("export saw %v, want the snapshot a b c", got)
	}
}

func TestExportWriters(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	tenant := uuid.New()
	b := one("w-1", 0, "plain", `quote " comma , newline`+"\n"+"end")
	b.Meta.TenantID = tenant
	if _, err := s.Append(ctx, b); err != nil {
		t.Fatal(err)
	}
	recs, raws, _ := exportAll(t, s, eventstore.ExportFilter{})
	write := func(format string) string {
		var buf bytes.Buffer
		w, err := audit.NewExportWriter(&buf, format)
		if err != nil {
			t.Fatal(err)
		}
		for i := range recs {
			if err := w.Write(recs[i], raws[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}

	lines := strings.Split(strings.TrimSuffix(write("ndjson"), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("ndjson: %d lines, want 2", len(lines))
	}
	for i, line := range lines {
		var got struct {
			Position      int64           `json:"position"`
			EventID       uuid.UUID       `json:"event_id"`
			StreamID      string          `json:"stream_id"`
			StreamVersion int64           `json:"stream_version"`
			Type          string          `json:"type"`
			SchemaVersion int             `json:"schema_version"`
			RecordedAt    time.Time       `json:"recorded_at"`
			Payload       noted           `json:"payload"`
			Metadata      domain.Metadata `json:"metadata"`
			Hash          string          `json:"hash"`
			PrevHash      string          `json:"prev_hash"`
			TenantID      uuid.UUID       `json:"tenant_id"`
			Cursor        string          `json:"cursor"`
		}
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("ndjson line %d: %v: %s", i, err, line)
		}
		r := recs[i]
		if got.Position != r.Position || got.EventID != r.EventID || got.StreamID != "w-1" || got.StreamVersion != int64(i+1) ||
			got.Type != "test.Noted" || got.SchemaVersion != 1 || !got.RecordedAt.Equal(r.RecordedAt) ||
			got.Payload != r.Event.(noted) || got.Metadata.TenantID != tenant ||
			got.Hash != hex.EncodeToString(raws[i].Hash) || got.PrevHash != hex.EncodeToString(raws[i].PrevHash) ||
			got.TenantID != tenant || got.Cursor != raws[i].Cursor(r.Position).Token() {
			t.Fatalf("ndjson line %d: %+v", i, got)
		}
	}
	if lines[0] == "" || !strings.Contains(lines[0], `"prev_hash":"`+strings.Repeat("0", 64)+`"`) {
		t.Fatalf("first event does not chain to genesis: %s", lines[0])
	}

	rows, err := csv.NewReader(strings.NewReader(write("csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || !slices.Equal(rows[0], audit.ExportColumns) {
		t.Fatalf("csv: %d rows, header %v", len(rows), rows[0])
	}
	var p noted
	if err := json.Unmarshal([]byte(rows[2][7]), &p); err != nil || p != recs[1].Event.(noted) {
		t.Fatalf("csv payload cell %q: %v", rows[2][7], err)
	}
	if rows[1][9] != hex.EncodeToString(raws[0].Hash) || rows[2][10] != rows[1][9] {
		t.Fatalf("csv hashes do not chain: %v / %v", rows[1], rows[2])
	}
	// ExportTo, which decodes only what needs decoding, writes the same bytes.
	for _, format := range audit.ExportFormats {
		var buf bytes.Buffer
		w, err := audit.NewExportWriter(&buf, format)
		if err != nil {
			t.Fatal(err)
		}
		if st, err := s.ExportTo(ctx, eventstore.ExportFilter{}, w); err != nil || st.Events != 2 {
			t.Fatalf("ExportTo: %+v %v", st, err)
		}
		if want := write(format); buf.String() != want {
			t.Fatalf("%s: ExportTo wrote\n%s\nExport and Write\n%s", format, buf.String(), want)
		}
	}
	if _, err := audit.NewExportWriter(&bytes.Buffer{}, "xml"); err == nil {
		t.Fatal("unknown format accepted")
	}
}
