package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/projections"
)

// queryLog records every statement a pool runs, with its arguments.
type queryLog struct {
	mu   sync.Mutex
	seen []loggedQuery
}

type loggedQuery struct {
	sql  string
	args []any
}

func (l *queryLog) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, loggedQuery{d.SQL, d.Args})
	return ctx
}

func (l *queryLog) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// take returns the statements recorded since the last call.
func (l *queryLog) take() []loggedQuery {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.seen
	l.seen = nil
	return out
}

// seqScans runs EXPLAIN on q and names every sequential scan of events, or of
// a table of more than one page.
func seqScans(t *testing.T, pool *pgxpool.Pool, q loggedQuery) []string {
	t.Helper()
	var plan []struct {
		Plan json.RawMessage `json:"Plan"`
	}
	var raw []byte
	if err := pool.QueryRow(ctxFor(t), "EXPLAIN (FORMAT JSON) "+q.sql, q.args...).Scan(&raw); err != nil {
		t.Fatalf("explain %s: %v", q.sql, err)
	}
	if err := json.Unmarshal(raw, &plan); err != nil {
		t.Fatal(err)
	}
	var found []string
	var walk func(json.RawMessage)
	walk = func(n json.RawMessage) {
		var node struct {
			Type     string            `json:"Node Type"`
			Relation string            `json:"Relation Name"`
			Schema   string            `json:"Schema"`
			Plans    []json.RawMessage `json:"Plans"`
		}
		if err := json.Unmarshal(n, &node); err != nil {
			t.Fatal(err)
		}
		if node.Type == "Seq Scan" {
			var pages int
			if err := pool.QueryRow(ctxFor(t), `SELECT relpages FROM pg_class WHERE oid = to_regclass($1)`,
				node.Relation).Scan(&pages); err != nil {
				// A table of a schema off the search path: qualify it.
				_ = pool.QueryRow(ctxFor(t), `SELECT c.relpages FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
					WHERE c.relname = $1 ORDER BY c.relpages DESC LIMIT 1`, node.Relation).Scan(&pages)
			}
			if node.Relation == "events" || pages > 1 {
				found = append(found, fmt.Sprintf("Seq Scan on %s (%d pages)", node.Relation, pages))
			}
		}
		for _, c := range node.Plans {
			walk(c)
		}
	}
	for _, p := range plan {
		walk(p.Plan)
	}
	return found
}

// Issue 13 §6: at scale these read the whole log (or a whole read-model
// table) for a handful of rows. Each is now a range scan of an index: the
// test records the statements the real handlers run, over a log where the
// tenant is a small part (10,000 events of other tenants, analyzed), and
// fails on any sequential scan of events or of a table larger than a page.
func TestReadsOfTheLogAreIndexRangeScans(t *testing.T) {
	t.Parallel()
	log := &queryLog{}
	var traced *pgxpool.Pool
	ts := newReadServer(t, func(c *Config) {
		cfg := c.Pool.Config().Copy()
		cfg.ConnConfig.Tracer = log
		p, err := pgxpool.NewWithConfig(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		traced = p
		c.Pool, c.Store, c.ExportStore = p, eventstore.New(p, nil), eventstore.New(p, nil)
	})
	fx := newAuditFixture(t, ts)
	for range 10 {
		seedDownloads(t, ts, uuid.New(), 1000)
	}
	pool := ts.pool
	// Other providers' shares: the shares table spans many pages.
	if _, err := pool.Exec(ctxFor(t), `INSERT INTO rm_portal.shares (id, provider_id, customer_id, document_id, permission,
			granted_by, granted_at, version)
		SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'view', gen_random_uuid(), now(), 1
		FROM generate_series(1, 3000)`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctxFor(t), `ANALYZE events; ANALYZE rm_portal.shares; ANALYZE rm_portal.customers`); err != nil {
		t.Fatal(err)
	}
	since := queryTime(time.Now().Add(-time.Hour))
	calls := map[string]func(){
		"audit page":              func() { ts.read(t, &fx.a, "/api/v1/audit/events?limit=5") },
		"audit by a rare type":    func() { ts.read(t, &fx.a, "/api/v1/audit/events?type=LinkOpened") },
		"audit since":             func() { ts.read(t, &fx.a, "/api/v1/audit/events?since="+since) },
		"tenant verify":           func() { ts.read(t, &fx.a, "/api/v1/audit/verify") },
		"document access history": func() { ts.read(t, &fx.a, "/api/v1/audit/documents/"+fx.doc.ID.String()+"/access") },
		"as-of replay": func() {
			ts.read(t, &fx.a, "/api/v1/audit/customers/"+fx.customer.ID.String()+"/portal-view?as_of="+queryTime(time.Now()))
		},
		"shares list": func() { ts.read(t, &fx.a, "/api/v1/shares") },
		"status, lagging projection": func() {
			// A checkpoint at the start of the log: everything lags.
			if _, err := projections.Status(ctxFor(t), traced, []projections.Projection{{Name: "explain-lagging"}}); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, call := range calls {
		log.take()
		call()
		checked := 0
		for _, q := range log.take() {
			if !strings.Contains(q.sql, "events") && !strings.Contains(q.sql, "rm_portal.shares") {
				continue
			}
			if strings.HasPrefix(strings.TrimSpace(q.sql), "INSERT") || strings.Contains(q.sql, "event_offsets") && !strings.Contains(q.sql, "FROM events") {
				continue
			}
			checked++
			if scans := seqScans(t, traced, q); len(scans) > 0 {
				t.Errorf("%s: %v in\n%s", name, scans, q.sql)
			}
		}
		if checked == 0 {
			t.Errorf("%s: no statement on the log recorded", name)
		}
	}
}

func queryTime(at time.Time) string {
	return strings.ReplaceAll(at.UTC().Format(time.RFC3339Nano), "+", "%2B")
}
