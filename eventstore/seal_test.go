package eventstore_test

import (
	"testing"
	"time"

	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/audit"
)

func TestSealsDetectAMissingTailAndARewrittenChain(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	for _, stream := range []string{"s-a", "s-b", "s-c"} {
		if _, err := s.Append(ctx, one(stream, 0, "1", "2", "3")); err != nil {
			t.Fatal(err)
		}
	}
	sealUntil(t, s, 9)
	if again, err := audit.SealLog(ctx, s.Pool()); err != nil || again != nil {
		t.Fatalf("nothing new to seal, got %+v %v", again, err)
	}
	if _, err := s.Append(ctx, one("s-d", 0, "1")); err != nil {
		t.Fatal(err)
	}
	sealUntil(t, s, 1)
	rep, err := audit.VerifySeals(ctx, s.Pool(), nil)
	if err != nil || !rep.OK || rep.SealsChecked < 2 {
		t.Fatalf("clean log: %+v %v", rep, err)
	}
	exported, err := audit.Seals(ctx, s.Pool())
	if err != nil {
		t.Fatal(err)
	}

	superuser := func(stmts ...string) {
		t.Helper()
		for _, q := range append(append([]string{`ALTER TABLE events DISABLE TRIGGER ALL`, `ALTER TABLE log_seals DISABLE TRIGGER ALL`}, stmts...),
			`ALTER TABLE events ENABLE TRIGGER ALL`, `ALTER TABLE log_seals ENABLE TRIGGER ALL`) {
			if _, err := s.Pool().Exec(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
	}
	// Dropping a stream's last event leaves every chain intact: only a seal sees it.
	superuser(`DELETE FROM events WHERE stream_id = 's-b' AND stream_version = 3`)
	chains, err := audit.VerifyChains(ctx, s.Pool(), nil)
	if err != nil || !chains.OK {
		t.Fatalf("a dropped tail should not break a chain: %+v %v", chains, err)
	}
	rep, err = audit.VerifySeals(ctx, s.Pool(), nil)
	if err != nil || rep.OK || rep.FirstBroken == nil {
		t.Fatalf("dropped tail not reported: %+v %v", rep, err)
	}
	broken := rep.FirstBroken.ID

	// Rewriting the seals too is caught by seals exported before.
	superuser(`DELETE FROM log_seals`)
	if rep, _ := audit.VerifySeals(ctx, s.Pool(), nil); !rep.OK {
		t.Fatalf("with no seals stored there is nothing to compare: %+v", rep)
	}
	rep, err = audit.VerifySeals(ctx, s.Pool(), exported)
	if err != nil || rep.OK || rep.FirstBroken.ID != broken {
		t.Fatalf("exported seals did not catch the change: %+v %v", rep, err)
	}
}

// An attacker who edits a payload and recomputes the whole chain of that stream
// passes the chain check, but not the seal.
func TestSealsDetectAConsistentlyRehashedStream(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	if _, err := s.Append(ctx, one("victim", 0, "a")); err != nil {
		t.Fatal(err)
	}
	sealUntil(t, s, 1)
	evs, err := s.ReadStream(ctx, "victim")
	if err != nil {
		t.Fatal(err)
	}
	e := evs[0]
	forged := []byte(`{"text":"forged","n":0}`)
	var meta []byte
	if err := s.Pool().QueryRow(ctx, `SELECT metadata::text FROM events WHERE position = $1`, e.Position).Scan(&meta); err != nil {
		t.Fatal(err)
	}
	hash, err := eventstore.EventHash(eventstore.GenesisHash, e.EventID, e.StreamID, 1, e.Type, 1, forged, meta, e.RecordedAt)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`ALTER TABLE events DISABLE TRIGGER ALL`} {
		if _, err := s.Pool().Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE events SET payload = $1, hash = $2 WHERE position = $3`, forged, hash, e.Position); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `ALTER TABLE events ENABLE TRIGGER ALL`); err != nil {
		t.Fatal(err)
	}
	if chains, _ := audit.VerifyChains(ctx, s.Pool(), nil); !chains.OK {
		t.Fatalf("the forger's chain should verify on its own: %+v", chains.FirstBroken)
	}
	if rep, _ := audit.VerifySeals(ctx, s.Pool(), nil); rep.OK {
		t.Fatal("seal did not catch a rehashed stream")
	}
}

// sealUntil seals until seals taken now cover n more events, and returns the last. A seal only covers transactions
// older than every transaction still running anywhere on the server, so while other
// tests hold transactions open it may have to wait.
func sealUntil(t *testing.T, s *eventstore.Store, n int64) *audit.Seal {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var covered int64
	for {
		seal, err := audit.SealLog(ctxFor(t), s.Pool())
		if err != nil {
			t.Fatal(err)
		}
		if seal != nil {
			covered += seal.EventsCovered
			if covered > n {
				t.Fatalf("seals cover %d events, want %d", covered, n)
			}
			if covered == n {
				return seal
			}
			continue
		}
		if time.Now().After(deadline) {
			t.Fatalf("no seal covering %d events within 30s", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
