package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/audit"
	"github.com/sharehub/sharehub/eventstore/devdb"
)

// benchNoted is the benchmark's own event type: a payload of realistic size.
type benchNoted struct {
	DocumentID uuid.UUID `json:"document_id"`
	CustomerID uuid.UUID `json:"customer_id"`
	Permission string    `json:"permission"`
	Note       string    `json:"note"`
}

func (benchNoted) EventType() string { return "bench.Noted" }

func init() { domain.RegisterEvent(benchNoted{}, 1) }

const writers = 8

// benchAppend compares Store.Append with raw single-row INSERTs into a table of the
// same shape (same columns and indexes, no trigger) driven by pgbench, 8 clients.
func benchAppend(ctx context.Context, baseURL string, d time.Duration) ([]result, error) {
	pool, dbURL, cleanup, err := scratchDatabase(ctx, baseURL, "bench_append")
	if err != nil {
		return nil, err
	}
	defer cleanup()
	if _, err := pool.Exec(ctx, `CREATE TABLE raw_events (LIKE events INCLUDING ALL)`); err != nil {
		return nil, err
	}
	payload := `{"document_id":"` + uuid.NewString() + `","customer_id":"` + uuid.NewString() +
		`","permission":"view","note":"benchmark payload of a typical share event"}`
	meta := `{"actor_id":"` + uuid.NewString() + `","actor_kind":"user","tenant_id":"` + uuid.NewString() +
		`","correlation_id":"` + uuid.NewString() + `"}`
	script := fmt.Sprintf(`INSERT INTO raw_events (event_id, stream_id, stream_version, event_type, schema_version, payload, metadata, tenant_id, recorded_at, prev_hash, hash)
VALUES (gen_random_uuid(), 'raw-' || :client_id || '-' || (random()*1e15)::bigint, 1, 'bench.Noted', 1, '%s', '%s', NULL, now(), '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea, sha256(gen_random_uuid()::text::bytea));
`, payload, meta)
	scriptFile := filepath.Join(os.TempDir(), "sharehub-bench-"+randomHex(6)+".sql")
	if err := os.WriteFile(scriptFile, []byte(script), 0o644); err != nil {
		return nil, err
	}
	defer os.Remove(scriptFile)

	// The 1 event/append ratio is the median of three rounds, each measuring raw
	// INSERTs and then Store.Append back to back, so that a noisy neighbour on a
	// shared machine moves one round, not the result.
	store := eventstore.New(pool, nil)
	type round struct{ raw, ours, ratio float64 }
	var rounds []round
	st0, ap0 := eventstore.GroupCommitStats()
	for i := range 3 {
		fmt.Printf("append: round %d/3: pgbench raw INSERT, %d clients, %s ...\n", i+1, writers, d)
		rawTPS, err := pgbench(ctx, dbURL, scriptFile, d)
		if err != nil {
			return nil, err
		}
		fmt.Printf("append: round %d/3: Store.Append 1 event/append, %d writers, %s ...\n", i+1, writers, d)
		one, err := appendRate(ctx, store, 1, d)
		if err != nil {
			return nil, err
		}
		rounds = append(rounds, round{raw: rawTPS, ours: one, ratio: one / rawTPS})
	}
	st1, ap1 := eventstore.GroupCommitStats()
	perStatement := (ap1 - ap0) / max(1, st1-st0)
	slices.SortFunc(rounds, func(a, b round) int { return cmp.Compare(a.ratio, b.ratio) })
	med := rounds[1]
	rawTPS, one := med.raw, med.ours
	ratios := fmt.Sprintf("%.2f, %.2f, %.2f", rounds[0].ratio, rounds[1].ratio, rounds[2].ratio)
	fmt.Printf("append: Store.Append 10 events/append, %d writers, %s ...\n", writers, d)
	ten, err := appendRate(ctx, store, 10, d)
	if err != nil {
		return nil, err
	}
	rep, err := audit.VerifyChains(ctx, pool, nil)
	if err != nil {
		return nil, err
	}
	if !rep.OK {
		return nil, fmt.Errorf("hash chains broken after the benchmark: %+v", rep.FirstBroken)
	}
	return []result{
		{name: "Append, 1 event/append, 8 writers", ours: one, raw: rawTPS, unit: "ev/s", target: 0.7,
			notes: fmt.Sprintf("median of 3 rounds (ratios %s); raw: pgbench single-row INSERT into a table of the same shape, 8 clients; group commit carried %.1f appends per statement", ratios, perStatement)},
		{name: "Append, 10 events/append, 8 writers", ours: ten, raw: rawTPS, unit: "ev/s",
			notes: fmt.Sprintf("events/s against the same raw rows/s; %d events hash-verified afterwards", rep.EventsChecked)},
	}, nil
}

func appendRate(ctx context.Context, store *eventstore.Store, perAppend int, d time.Duration) (float64, error) {
	var (
		total atomic.Int64
		wg    sync.WaitGroup
		errMu sync.Mutex
		first error
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stream := "bench-" + uuid.NewString()
			version := int64(0)
			meta := domain.Metadata{ActorID: uuid.New(), ActorKind: domain.ActorUser, TenantID: uuid.New(), CorrelationID: uuid.New()}
			for time.Now().Before(deadline) && ctx.Err() == nil {
				evs := make([]domain.Event, perAppend)
				for i := range evs {
					evs[i] = benchNoted{DocumentID: uuid.New(), CustomerID: uuid.New(), Permission: "view",
						Note: "benchmark payload of a typical share event"}
				}
				_, err := store.Append(ctx, app.Batch{Meta: meta, Streams: []app.StreamAppend{
					{StreamID: stream, ExpectedVersion: version, Events: evs}}})
				if err != nil {
					errMu.Lock()
					first = err
					errMu.Unlock()
					return
				}
				version += int64(perAppend)
				total.Add(int64(perAppend))
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return 0, first
	}
	return float64(total.Load()) / time.Since(start).Seconds(), nil
}

var tpsRe = regexp.MustCompile(`tps = ([0-9.]+)`)

func pgbench(ctx context.Context, conn, script string, d time.Duration) (float64, error) {
	bin, err := exec.LookPath("pgbench")
	if err != nil {
		out, err2 := exec.Command("pg_config", "--bindir").Output()
		if err2 != nil {
			return 0, fmt.Errorf("pgbench not found: %w", err)
		}
		bin = filepath.Join(strings.TrimSpace(string(out)), "pgbench")
	}
	secs := strconv.Itoa(max(1, int(d.Seconds())))
	out, err := exec.CommandContext(ctx, bin, "-n", "-M", "prepared", "-c", strconv.Itoa(writers), "-j", "2", "-T", secs,
		"-f", script, conn).CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("pgbench: %v: %s", err, out)
	}
	m := tpsRe.FindSubmatch(out)
	if m == nil {
		return 0, fmt.Errorf("pgbench printed no tps: %s", out)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// scratchDatabase creates a migrated database for one benchmark (devdb) and drops
// it after.
func scratchDatabase(ctx context.Context, baseURL, prefix string) (*pgxpool.Pool, string, func(), error) {
	db, err := devdb.Create(ctx, baseURL, prefix, devdb.Options{Migrate: true})
	if err != nil {
		return nil, "", nil, err
	}
	return db.Pool, db.URL, func() { _ = db.Drop(context.WithoutCancel(ctx)) }, nil
}

func randomHex(n int) string { return devdb.RandomName(n) }
