package httpapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/audit"
)

// rawLinkCreatedV1 appends, as a writer of schema version 1 did, a LinkCreated
// without token_hash_alg (upcast on read), with a password hash when password
// is set.
func rawLinkCreatedV1(t *testing.T, pool *pgxpool.Pool, tenant, doc uuid.UUID, passwordHash string) {
	t.Helper()
	id := uuid.New()
	payload := fmt.Sprintf(`{"link_id":%q,"provider_id":%q,"document_id":%q,"token_hash":"%064x","created_by":%q,"created_at":"2026-01-02T03:04:05Z"`,
		id, tenant, doc, id.ID(), tenant)
	if passwordHash != "" {
		payload += fmt.Sprintf(`,"password_hash":%q`, passwordHash)
	}
	payload += "}"
	meta, err := json.Marshal(domain.Metadata{ActorKind: domain.ActorSystem, TenantID: tenant, CorrelationID: uuid.New()})
	if err != nil {
		t.Fatal(err)
	}
	eventID, at, stream := uuid.New(), time.Now().UTC().Truncate(time.Microsecond), domain.LinkStream(id)
	hash, err := eventstore.EventHash(eventstore.GenesisHash, eventID, stream, 1, "LinkCreated", 1, []byte(payload), meta, at)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctxFor(t), `INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version,
			payload, metadata, tenant_id, recorded_at, prev_hash, hash) VALUES ($1, $2, 1, 'LinkCreated', 1, $3, $4, $5, $6, $7, $8)`,
		eventID, stream, payload, meta, tenant, at, eventstore.GenesisHash, hash); err != nil {
		t.Fatal(err)
	}
}

// Issue 13 §5 and issue 11 (Low): an export carries what was hashed, so that
// `sharehub audit verify --export FILE` (audit.VerifyExport) recomputes
// every hash offline, encrypted personal data and upcast events included; it
// carries no secret (a link's argon2 password hash read in clear in exports);
// events whose hashed bytes hold one are reported as redacted, their place in
// the chain still checked; and tampering with the file is found.
func TestAuditExportVerifiesOfflineAndCarriesNoSecret(t *testing.T) {
	t.Parallel()
	ts := newReadServer(t, nil)
	fx := newAuditFixture(t, ts)
	expectWritten(t, "link with password", ts.send(t, &fx.a, "POST", "/api/v1/documents/"+fx.doc.ID.String()+"/links",
		`{"password":"a long link password"}`), 201)
	pool := ts.pool
	rawLinkCreatedV1(t, pool, fx.a.CompanyID, fx.doc.ID, "")
	rawLinkCreatedV1(t, pool, fx.a.CompanyID, fx.doc.ID, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$oldhashvalue")
	// Another write after them, so that a read at the last position covers them.
	ts.folder(t, fx.a, `{"name":"After"}`)

	h := fx.a.bearer()
	h.Set("Accept", "application/x-ndjson")
	a := ts.do(t, auditClient, "GET", "/api/v1/audit/events", h, "")
	if a.status != 200 {
		t.Fatalf("export: %+v", a)
	}
	var stored, passwordHashes []string
	if err := ts.pool.QueryRow(ctxFor(t), `SELECT array_agg(payload->>'password_hash') FROM events
		WHERE tenant_id = $1 AND payload ? 'password_hash'`, fx.a.CompanyID).Scan(&passwordHashes); err != nil {
		t.Fatal(err)
	}
	if len(passwordHashes) != 2 {
		t.Fatalf("the log holds %d password hashes, want 2 (the fixture is wrong)", len(passwordHashes))
	}
	for _, ph := range passwordHashes {
		if strings.Contains(a.body, ph) || strings.Contains(a.body, "$argon2") {
			t.Fatalf("the export carries a password hash: %s", ph)
		}
	}
	var encrypted, upcast, redacted int
	lines := strings.Split(strings.TrimSuffix(a.body, "\n"), "\n")
	for _, l := range lines {
		var e struct {
			Type          string          `json:"type"`
			SchemaVersion int             `json:"schema_version"`
			StoredPayload json.RawMessage `json:"stored_payload"`
			Redacted      bool            `json:"redacted"`
		}
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatal(err)
		}
		switch {
		case e.Redacted:
			redacted++
		case strings.Contains(string(e.StoredPayload), "pii:v1:"):
			encrypted++
			stored = append(stored, l)
		case e.Type == "LinkCreated" && e.SchemaVersion == 1 && len(e.StoredPayload) > 0:
			upcast++
		}
	}
	// Redacted: the old link with a password hash, and every link of v1.1, whose
	// stored bytes hold its token sealed (a ciphertext of a secret, redact.go).
	if encrypted == 0 || upcast != 1 || redacted != 3 {
		t.Fatalf("export has %d encrypted, %d upcast, %d redacted events; want some, 1, 3", encrypted, upcast, redacted)
	}

	rep, err := audit.VerifyExport(strings.NewReader(a.body))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.Events != int64(len(lines)) || rep.Redacted != 3 || rep.Verified != rep.Events-3 || rep.StreamsJoinedLate != 0 {
		t.Fatalf("offline verification of an intact export: %+v", rep)
	}

	// Tampering: each edit of one line is found, and named.
	tamper := func(what string, edit func([]string) []string) {
		t.Helper()
		rep, err := audit.VerifyExport(strings.NewReader(strings.Join(edit(append([]string(nil), lines...)), "\n")))
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK || rep.FirstBroken == nil {
			t.Fatalf("%s: not detected: %+v", what, rep)
		}
	}
	find := func(ls []string, sub string) int {
		for i, l := range ls {
			if strings.Contains(l, sub) {
				return i
			}
		}
		t.Fatalf("no line with %s", sub)
		return -1
	}
	tamper("a decrypted name changed", func(ls []string) []string {
		i := find(ls, `"pii:v1:`)
		var m map[string]any
		if err := json.Unmarshal([]byte(ls[i]), &m); err != nil {
			t.Fatal(err)
		}
		changed := false
		var walk func(v any)
		walk = func(v any) {
			if obj, ok := v.(map[string]any); ok {
				for k, x := range obj {
					if s, ok := x.(string); ok && strings.HasPrefix(s, "pii:v1:") && !changed {
						obj[k], changed = s[:len(s)-2]+"AA", true
					}
					walk(x)
				}
			}
		}
		walk(m["stored_payload"])
		if !changed {
			t.Fatalf("no ciphertext in %s", ls[i])
		}
		b, _ := json.Marshal(m)
		ls[i] = string(b)
		return ls
	})
	tamper("a plain payload changed", func(ls []string) []string {
		i := find(ls, `"Contracts"`)
		ls[i] = strings.Replace(ls[i], `"Contracts"`, `"Kontracts"`, 1)
		return ls
	})
	tamper("an upcast payload that no longer reads as its stored bytes", func(ls []string) []string {
		i := find(ls, `"stored_payload":{"link_id"`)
		if !strings.Contains(ls[i], `"token_hash_alg":"sha256"`) {
			t.Fatalf("upcast line: %s", ls[i])
		}
		ls[i] = strings.Replace(ls[i], `"token_hash_alg":"sha256"`, `"token_hash_alg":"md5"`, 1)
		return ls
	})
	tamper("the tenant changed", func(ls []string) []string {
		i := find(ls, `"type":"FolderCreated"`)
		ls[i] = strings.Replace(ls[i], `"tenant_id":"`+fx.a.CompanyID.String()+`"`, `"tenant_id":"`+fx.b.CompanyID.String()+`"`, 1)
		return ls
	})
	tamper("an event dropped from the middle of its stream", func(ls []string) []string {
		streamOf := func(l string) string {
			var e struct {
				StreamID string `json:"stream_id"`
			}
			_ = json.Unmarshal([]byte(l), &e)
			return e.StreamID
		}
		count := map[string]int{}
		for _, l := range ls {
			count[streamOf(l)]++
		}
		seen := map[string]int{}
		for i, l := range ls {
			st := streamOf(l)
			if seen[st]++; seen[st] == 2 && count[st] >= 3 {
				return append(ls[:i], ls[i+1:]...)
			}
		}
		t.Fatal("no stream with three events")
		return nil
	})

	// In the database too, the tenant is covered: rewriting it breaks verify.
	if _, err := pool.Exec(ctxFor(t), `ALTER TABLE events DISABLE TRIGGER ALL`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctxFor(t), `UPDATE events SET tenant_id = $2 WHERE tenant_id = $1 AND event_type = 'FolderCreated'`,
		fx.a.CompanyID, fx.b.CompanyID); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctxFor(t), `ALTER TABLE events ENABLE TRIGGER ALL`); err != nil {
		t.Fatal(err)
	}
	chains, err := audit.VerifyChains(ctxFor(t), ts.pool, &fx.b.CompanyID)
	if err != nil {
		t.Fatal(err)
	}
	if chains.OK {
		t.Fatalf("a rewritten tenant_id verifies: %+v", chains)
	}
}
