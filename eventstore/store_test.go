package eventstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/audit"
	"github.com/sharehub/sharehub/eventstore/pgtest"
)

// noted is an event type private to these tests.
type noted struct {
	Text string `json:"text"`
	N    int    `json:"n"`
}

func (noted) EventType() string { return "test.Noted" }

func init() { domain.RegisterEvent(noted{}, 1) }

func newStore(t *testing.T) *eventstore.Store {
	t.Helper()
	pool, _ := pgtest.NewDatabase(t)
	return eventstore.New(pool, nil)
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func one(stream string, expected int64, texts ...string) app.Batch {
	b := app.Batch{Meta: domain.Metadata{ActorKind: domain.ActorSystem, CorrelationID: uuid.New()}}
	sa := app.StreamAppend{StreamID: stream, ExpectedVersion: expected}
	for i, s := range texts {
		sa.Events = append(sa.Events, noted{Text: s, N: i})
	}
	b.Streams = []app.StreamAppend{sa}
	return b
}

func TestConcurrentAppendsToOneStreamOneWinnerPerVersion(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	const writers, rounds = 8, 25
	for v := int64(0); v < rounds; v++ {
		var (
			wg        sync.WaitGroup
			mu        sync.Mutex
			wins      int
			conflicts int
		)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Append(ctx, one("race-1", v, fmt.Sprintf("w%d", w)))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, domain.ErrConcurrencyConflict):
					conflicts++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 || conflicts != writers-1 {
			t.Fatalf("version %d: %d wins, %d conflicts; want 1 and %d", v+1, wins, conflicts, writers-1)
		}
	}
	evs, err := s.ReadStream(ctx, "race-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != rounds {
		t.Fatalf("stream has %d events, want %d", len(evs), rounds)
	}
	for i, e := range evs {
		if e.Version != int64(i+1) {
			t.Fatalf("event %d has version %d: versions have a gap", i, e.Version)
		}
	}
}

func TestExpectedVersionAheadOfStreamIsAConflict(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	if _, err := s.Append(ctx, one("ahead", 0, "a")); err != nil {
		t.Fatal(err)
	}
	_, err := s.Append(ctx, one("ahead", 5, "skip"))
	if !errors.Is(err, domain.ErrConcurrencyConflict) {
		t.Fatalf("append past the end: got %v, want ErrConcurrencyConflict", err)
	}
}

func TestMultiStreamAppendIsAllOrNothing(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	if _, err := s.Append(ctx, one("b", 0, "b1")); err != nil {
		t.Fatal(err)
	}
	batch := app.Batch{Streams: []app.StreamAppend{
		{StreamID: "a", ExpectedVersion: 0, Events: []domain.Event{noted{Text: "a1"}, noted{Text: "a2"}}},
		{StreamID: "b", ExpectedVersion: 0, Events: []domain.Event{noted{Text: "stale"}}}, // b is at 1
	}}
	if _, err := s.Append(ctx, batch); !errors.Is(err, domain.ErrConcurrencyConflict) {
		t.Fatalf("got %v, want conflict", err)
	}
	for _, stream := range []string{"a", "b"} {
		evs, err := s.ReadStream(ctx, stream)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"a": 0, "b": 1}[stream]
		if len(evs) != want {
			t.Fatalf("stream %s has %d events after a failed batch, want %d", stream, len(evs), want)
		}
	}
	// The same holds when side records ride along (the pipelined path).
	batch.Streams[1].ExpectedVersion = 1
	batch.Records = []app.Record{app.Claim{Scope: "test", Value: "x", Owner: uuid.New()}}
	if _, err := s.Append(ctx, batch); err != nil {
		t.Fatal(err)
	}
	batch.Streams = []app.StreamAppend{{StreamID: "c", Events: []domain.Event{noted{}}}}
	var taken *app.ClaimTakenError
	if _, err := s.Append(ctx, batch); !errors.As(err, &taken) || taken.Value != "x" || taken.Scope != "test" {
		t.Fatalf("second claim: got %v, want ClaimTakenError test/x", err)
	}
	if evs, _ := s.ReadStream(ctx, "c"); len(evs) != 0 {
		t.Fatal("events of a batch whose claim failed were kept")
	}
}

func TestLogRefusesUpdateDeleteTruncate(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	if _, err := s.Append(ctx, one("immutable", 0, "x", "y")); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE events SET payload = '{"text":"forged"}'`,
		`DELETE FROM events`,
		`TRUNCATE events`,
	} {
		if _, err := s.Pool().Exec(ctx, stmt); err == nil {
			t.Errorf("%s succeeded on the append-only log", stmt)
		}
	}
	evs, err := s.ReadStream(ctx, "immutable")
	if err != nil || len(evs) != 2 || evs[0].Event.(noted).Text != "x" {
		t.Fatalf("log changed: %v %+v", err, evs)
	}
	// The application role holds no such privilege in the first place.
	var can bool
	if err := s.Pool().QueryRow(ctx, `SELECT has_table_privilege('sharehub_app', 'events', 'UPDATE')
		OR has_table_privilege('sharehub_app', 'events', 'DELETE')
		OR has_table_privilege('sharehub_app', 'events', 'TRUNCATE')`).Scan(&can); err != nil {
		t.Fatal(err)
	}
	if can {
		t.Fatal("role sharehub_app may change the log")
	}
}

func TestHashChainsVerifyAndTamperingIsFound(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	for i := 0; i < 5; i++ {
		stream := fmt.Sprintf("chain-%d", i)
		if _, err := s.Append(ctx, one(stream, 0, "a", "b", "c")); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Append(ctx, one(stream, 3, "d")); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := audit.VerifyChains(ctx, s.Pool(), nil)
	if err != nil || !rep.OK || rep.EventsChecked != 20 {
		t.Fatalf("clean log: %+v %v", rep, err)
	}

	tamper := func(stmt string) {
		t.Helper()
		_, err := s.Pool().Exec(ctx, `ALTER TABLE events DISABLE TRIGGER ALL`)
		if err == nil {
			_, err = s.Pool().Exec(ctx, stmt)
		}
		if _, err2 := s.Pool().Exec(ctx, `ALTER TABLE events ENABLE TRIGGER ALL`); err2 != nil {
			t.Fatal(err2)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	tamper(`UPDATE events SET payload = '{"text":"forged","n":0}' WHERE stream_id = 'chain-3' AND stream_version = 2`)
	rep, err = audit.VerifyChains(ctx, s.Pool(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK || rep.FirstBroken == nil || rep.FirstBroken.StreamID != "chain-3" || rep.FirstBroken.Version != 2 {
		t.Fatalf("edited payload: got %+v", rep.FirstBroken)
	}

	tamper(`DELETE FROM events WHERE stream_id = 'chain-1' AND stream_version = 2`)
	rep, _ = audit.VerifyChains(ctx, s.Pool(), nil)
	if rep.FirstBroken == nil || rep.FirstBroken.StreamID != "chain-1" || rep.FirstBroken.Version != 3 {
		t.Fatalf("deleted row: got %+v", rep.FirstBroken)
	}
}

// TestSubscriberSeesEveryCommittedEventOnceInCommitOrder runs writers whose
// transactions commit (or roll back) in random order after random delays, so that
// positions are allocated in one order and committed in another. The subscriber
// must still deliver every committed event exactly once and never a rolled-back one.
func TestSubscriberSeesEveryCommittedEventOnceInCommitOrder(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)

	var (
		mu        sync.Mutex
		delivered = map[uuid.UUID]int{}
		byStream  = map[string]int64{}
		orderErrs []string
	)
	subCtx, stop := context.WithCancel(ctx)
	subDone := make(chan error, 1)
	go func() {
		subDone <- s.Subscribe(subCtx, eventstore.SubscriptionConfig{ConsumerGroup: "test", PollInterval: 5 * time.Millisecond},
			func(ctx context.Context, tx pgx.Tx, ev domain.Recorded) error {
				mu.Lock()
				defer mu.Unlock()
				delivered[ev.EventID]++
				if ev.Version != byStream[ev.StreamID]+1 {
					orderErrs = append(orderErrs, fmt.Sprintf("%s v%d after v%d", ev.StreamID, ev.Version, byStream[ev.StreamID]))
				}
				byStream[ev.StreamID] = ev.Version
				return nil
			})
	}()

	const writers, perWriter = 8, 30
	var (
		wg        sync.WaitGroup
		cmu       sync.Mutex
		committed = map[string]bool{}
		rolled    = map[string]bool{}
	)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			stream := fmt.Sprintf("writer-%d", w)
			version := int64(0)
			for i := 0; i < perWriter; i++ {
				text := fmt.Sprintf("%d-%d", w, i)
				rollback := rng.IntN(5) == 0
				err := pgx.BeginFunc(ctx, s.Pool(), func(tx pgx.Tx) error {
					if _, err := s.AppendWith(ctx, tx, one(stream, version, text)); err != nil {
						return err
					}
					time.Sleep(time.Duration(rng.IntN(15)) * time.Millisecond)
					if rollback {
						return errRollback
					}
					return nil
				})
				cmu.Lock()
				switch {
				case err == nil:
					committed[text] = true
					version++
				case errors.Is(err, errRollback):
					rolled[text] = true
				default:
					t.Errorf("append: %v", err)
				}
				cmu.Unlock()
			}
		}()
	}
	wg.Wait()

	all, err := s.ReadAll(ctx, 0, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(committed) {
		t.Fatalf("log has %d events, %d were committed", len(all), len(committed))
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(delivered)
		mu.Unlock()
		if n >= len(all) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	if err := <-subDone; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, e := range all {
		if delivered[e.EventID] != 1 {
			t.Errorf("event %d (%s) delivered %d times", e.Position, e.Event.(noted).Text, delivered[e.EventID])
		}
		if rolled[e.Event.(noted).Text] {
			t.Errorf("rolled-back event %s is in the log", e.Event.(noted).Text)
		}
	}
	if len(delivered) != len(all) {
		t.Errorf("delivered %d distinct events, log has %d", len(delivered), len(all))
	}
	for _, e := range orderErrs {
		t.Errorf("out of stream order: %s", e)
	}
}

var errRollback = errors.New("rollback on purpose")

// TestSubscriberStopsOnPoisonEvent: a handler that keeps failing on one event stops
// its consumer with the event named and nothing of its batch applied; once the handler
// is fixed, a new run applies every event exactly once.
func TestSubscriberStopsOnPoisonEvent(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	if _, err := s.Pool().Exec(ctx, `CREATE TABLE applied (text text PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	res, err := s.Append(ctx, one("poison", 0, "ok", "bad", "after"))
	if err != nil {
		t.Fatal(err)
	}
	handler := func(failOn string) eventstore.Handler {
		return func(ctx context.Context, tx pgx.Tx, ev domain.Recorded) error {
			text := ev.Event.(noted).Text
			if text == failOn {
				return errors.New("cannot apply")
			}
			_, err := tx.Exec(ctx, `INSERT INTO applied VALUES ($1)`, text) // fails if applied twice
			return err
		}
	}
	cfg := eventstore.SubscriptionConfig{ConsumerGroup: "p", PollInterval: 5 * time.Millisecond,
		MaxAttempts: 3, RetryDelay: time.Millisecond}
	err = s.Subscribe(ctx, cfg, handler("bad"))
	var poison *eventstore.PoisonEventError
	if !errors.As(err, &poison) || poison.Position != res.Positions[1] || poison.Type != "test.Noted" {
		t.Fatalf("got %v, want PoisonEventError at %d", err, res.Positions[1])
	}
	if ok, err := s.Applied(ctx, "p", res.Positions[1]); err != nil || ok {
		t.Fatalf("poison event counted as applied (%v)", err)
	}

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Subscribe(runCtx, cfg, handler("")) }()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if ok, _ := s.Applied(ctx, "p", res.LastPosition); ok {
			break
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM applied`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("applied %d events (%v), want 3", n, err)
	}
}
