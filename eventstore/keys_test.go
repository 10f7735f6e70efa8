package eventstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore/pgtest"
)

// personNoted carries personal data of the people of Company.
type personNoted struct {
	Company uuid.UUID `json:"company"`
	Email   string    `json:"email"`
}

func (personNoted) EventType() string                 { return "keystest.PersonNoted" }
func (e *personNoted) PersonalDataSubject() uuid.UUID { return e.Company }
func (e *personNoted) PersonalDataFields() []*string  { return []*string{&e.Email} }

func init() { domain.RegisterEvent(personNoted{}, 1) }

func testKEK(t *testing.T) *KeyEncryptionKey {
	t.Helper()
	text, err := GenerateKeyEncryptionKey()
	if err != nil {
		t.Fatal(err)
	}
	k, err := ParseKeyEncryptionKey(text)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func keysCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func notePerson(t *testing.T, s *Store, stream string, company uuid.UUID, email string, records ...app.Record) error {
	t.Helper()
	_, err := s.Append(keysCtx(t), app.Batch{
		Streams: []app.StreamAppend{{StreamID: stream, Events: []domain.Event{personNoted{Company: company, Email: email}}}},
		Meta:    domain.Metadata{ActorKind: domain.ActorSystem, CorrelationID: uuid.New()},
		Records: records,
	})
	return err
}

func readEmail(t *testing.T, s *Store, stream string) (string, error) {
	t.Helper()
	evs, err := s.ReadStream(keysCtx(t), stream)
	if err != nil {
		return "", err
	}
	return evs[0].Event.(personNoted).Email, nil
}

func storedKey(t *testing.T, pool *pgxpool.Pool, company uuid.UUID) []byte {
	t.Helper()
	var key []byte
	if err := pool.QueryRow(keysCtx(t), `SELECT key FROM subject_keys WHERE subject_id = $1`, company).Scan(&key); err != nil {
		t.Fatal(err)
	}
	return key
}

// Finding (issue 11): company keys sat unwrapped beside the data they protect. A
// store with a key-encryption key stores them wrapped; without that key (a copy of
// the database) or with another one, nothing decrypts.
func TestCompanyKeysAreWrappedByTheKeyEncryptionKey(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewDatabase(t)
	kek := testKEK(t)
	s := New(pool, nil)
	s.UseKeyEncryptionKey(kek)
	company := uuid.New()
	if err := notePerson(t, s, "p-1", company, "jane@acme.example"); err != nil {
		t.Fatal(err)
	}
	if got, err := readEmail(t, s, "p-1"); err != nil || got != "jane@acme.example" {
		t.Fatalf("read back %q %v", got, err)
	}
	if k := storedKey(t, pool, company); len(k) != wrappedKeyLen {
		t.Fatalf("stored key has %d bytes, want a wrapped %d", len(k), wrappedKeyLen)
	}
	if err := CheckKeyEncryptionKey(keysCtx(t), pool, kek); err != nil {
		t.Fatal(err)
	}

	bare := New(pool, nil) // a copy of the database, without the key
	if _, err := readEmail(t, bare, "p-1"); !errors.Is(err, ErrNoKeyEncryptionKey) {
		t.Fatalf("without the key-encryption key: %v", err)
	}
	other := New(pool, nil)
	wrong := testKEK(t)
	other.UseKeyEncryptionKey(wrong)
	if _, err := readEmail(t, other, "p-1"); !errors.Is(err, ErrWrongKeyEncryptionKey) {
		t.Fatalf("with another key-encryption key: %v", err)
	}
	if err := CheckKeyEncryptionKey(keysCtx(t), pool, wrong); !errors.Is(err, ErrWrongKeyEncryptionKey) {
		t.Fatalf("check with another key: %v", err)
	}
	// A wrapped key moved to another company's row does not open.
	victim := uuid.New()
	if _, err := pool.Exec(keysCtx(t), `INSERT INTO subject_keys (subject_id, key) SELECT $2, key FROM subject_keys WHERE subject_id = $1`,
		company, victim); err != nil {
		t.Fatal(err)
	}
	if _, err := openKey(kek, victim, storedKey(t, pool, victim)); !errors.Is(err, ErrWrongKeyEncryptionKey) {
		t.Fatalf("moved key: %v", err)
	}
}

// Keys stored before wrapping keep working: WrapPlainKeys (run after the
// migrations) wraps them in place, and what they encrypted still reads.
func TestPlainKeysAreWrappedOnUpgrade(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewDatabase(t)
	old := New(pool, nil) // before the upgrade
	a, b := uuid.New(), uuid.New()
	if err := notePerson(t, old, "p-a", a, "ann@a.example"); err != nil {
		t.Fatal(err)
	}
	if err := notePerson(t, old, "p-b", b, "bob@b.example"); err != nil {
		t.Fatal(err)
	}
	if err := old.ForgetSubject(keysCtx(t), b); err != nil {
		t.Fatal(err)
	}
	plain := storedKey(t, pool, a)
	if len(plain) != plainKeyLen {
		t.Fatalf("old key has %d bytes", len(plain))
	}
	kek := testKEK(t)
	if n, err := WrapPlainKeys(keysCtx(t), pool, kek); err != nil || n != 1 {
		t.Fatalf("wrapped %d (%v), want 1", n, err)
	}
	if n, err := WrapPlainKeys(keysCtx(t), pool, kek); err != nil || n != 0 {
		t.Fatalf("second run wrapped %d (%v)", n, err)
	}
	wrapped := storedKey(t, pool, a)
	if len(wrapped) != wrappedKeyLen || strings.Contains(hex.EncodeToString(wrapped), hex.EncodeToString(plain)) {
		t.Fatalf("key not wrapped: %x", wrapped)
	}
	s := New(pool, nil)
	s.UseKeyEncryptionKey(kek)
	if got, err := readEmail(t, s, "p-a"); err != nil || got != "ann@a.example" {
		t.Fatalf("after wrapping: %q %v", got, err)
	}
	if got, err := readEmail(t, s, "p-b"); err != nil || got != domain.Forgotten {
		t.Fatalf("forgotten after wrapping: %q %v", got, err)
	}
}

// Finding (issue 11): claims kept an unsalted SHA-256 of each e-mail, which anyone
// holding a copy of the table could confirm a guessed address against. Claims are
// now keyed digests; claims stored before keep holding their values.
func TestClaimsAreKeyedDigests(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewDatabase(t)
	old := New(pool, nil)
	s := New(pool, nil)
	s.UseKeyEncryptionKey(testKEK(t))
	claim := func(v string) app.Claim { return app.Claim{Scope: "user-email", Value: v, Owner: uuid.New()} }
	unkeyed := func(v string) string {
		sum := sha256.Sum256([]byte("user-email\x00" + v))
		return hex.EncodeToString(sum[:])
	}
	company := uuid.New()
	if err := notePerson(t, s, "c-1", company, "x", claim("jane@acme.example")); err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := pool.QueryRow(keysCtx(t), `SELECT value FROM claims`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored, "h1:") || strings.Contains(stored, unkeyed("jane@acme.example")) {
		t.Fatalf("claim stored as %q (the unkeyed digest confirms the address)", stored)
	}
	var taken *app.ClaimTakenError
	if err := notePerson(t, s, "c-2", company, "x", claim("jane@acme.example")); !errors.As(err, &taken) ||
		taken.Scope != "user-email" || taken.Value != "jane@acme.example" {
		t.Fatalf("claimed twice: %v", err)
	}
	// A value claimed before the upgrade is still taken, and nothing is appended.
	if err := notePerson(t, old, "c-3", uuid.New(), "", claim("old@acme.example")); err != nil {
		t.Fatal(err)
	}
	if err := notePerson(t, s, "c-4", company, "x", claim("old@acme.example")); !errors.As(err, &taken) || taken.Value != "old@acme.example" {
		t.Fatalf("a value claimed before keyed claims was claimed again: %v", err)
	}
	var n int
	if err := pool.QueryRow(keysCtx(t), `SELECT count(*) FROM events WHERE stream_id IN ('c-2', 'c-4')`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d events appended by refused claims (%v)", n, err)
	}

	// Upgrade: an old claim whose value the database holds in plain elsewhere (the
	// login's address) is keyed in place; it stays taken.
	if err := notePerson(t, old, "c-5", uuid.New(), "", claim("login@acme.example"),
		app.Credential{UserID: uuid.New(), CompanyID: uuid.New(), Email: "login@acme.example", PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	if upgraded, err := UpgradeClaims(keysCtx(t), pool, s.keys.kek); err != nil || upgraded != 1 {
		t.Fatalf("upgraded %d claims (%v), want the one with a login", upgraded, err)
	}
	var unkeyedLeft int
	if err := pool.QueryRow(keysCtx(t), `SELECT count(*) FROM claims WHERE value IN ($1, $2)`,
		unkeyed("login@acme.example"), unkeyed("old@acme.example")).Scan(&unkeyedLeft); err != nil || unkeyedLeft != 1 {
		t.Fatalf("%d unkeyed claims left (%v), want only the one no plain value is known of", unkeyedLeft, err)
	}
	if err := notePerson(t, s, "c-6", company, "x", claim("login@acme.example")); !errors.As(err, &taken) {
		t.Fatalf("an upgraded claim was claimed again: %v", err)
	}
	if again, err := UpgradeClaims(keysCtx(t), pool, s.keys.kek); err != nil || again != 0 {
		t.Fatalf("second upgrade changed %d (%v)", again, err)
	}
}

// Finding (issue 11): after `company forget`, a serving process kept the
// decrypted key for up to 30 s. A store that watches forgets drops it as soon as
// the forget commits, in any process.
func TestForgetReachesAWatchingProcessAtOnce(t *testing.T) {
	t.Parallel()
	pool, url := pgtest.NewDatabase(t)
	kek := testKEK(t)
	serving := New(pool, nil)
	serving.UseKeyEncryptionKey(kek)
	seen := make(chan struct{}, 1)
	serving.keys.mu.Lock()
	serving.keys.seen = seen
	serving.keys.mu.Unlock()
	ctx, cancel := context.WithCancel(keysCtx(t))
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() { defer close(done); serving.WatchForgets(ctx) }()
	// Wait until it listens (the state flips to up).
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		serving.keys.mu.Lock()
		up := serving.keys.watch == watchUp
		serving.keys.mu.Unlock()
		if up {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the watcher never listened")
		}
	}
	company := uuid.New()
	if err := notePerson(t, serving, "p-1", company, "jane@acme.example"); err != nil {
		t.Fatal(err)
	}
	if got, err := readEmail(t, serving, "p-1"); err != nil || got != "jane@acme.example" { // now cached
		t.Fatalf("%q %v", got, err)
	}

	// Another process (its own pool) forgets the company.
	otherPool, err := pgxpool.New(keysCtx(t), url)
	if err != nil {
		t.Fatal(err)
	}
	defer otherPool.Close()
	other := New(otherPool, nil)
	other.UseKeyEncryptionKey(kek)
	if err := other.ForgetSubject(keysCtx(t), company); err != nil {
		t.Fatal(err)
	}
	select {
	case <-seen:
	case <-time.After(30 * time.Second):
		t.Fatal("the forget was never notified")
	}
	if got, err := readEmail(t, serving, "p-1"); err != nil || got != domain.Forgotten {
		t.Fatalf("the serving process still decrypts after the forget: %q %v", got, err)
	}
}
