// Package storetest is the conformance suite every app.EventStore must pass: the
// in-memory store runs it in its tests, the PostgreSQL store in its own. Each test
// uses fresh random stream names, claim values and idempotency keys, so the suite
// may run against a store that already holds data.
//
// It depends on domain, domain/app and the standard library (plus uuid); it must
// not import any store implementation.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

// Run runs the suite. newStore is called once per subtest.
func Run(t *testing.T, newStore func(t *testing.T) app.EventStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s app.EventStore)
	}{
		{"NewStreamExpectsZero", testNewStream},
		{"MissingStreamIsEmpty", testMissingStream},
		{"WrongExpectedVersion", testWrongVersion},
		{"AllOrNothingAcrossStreams", testAllOrNothing},
		{"RacingWritersOneWinsPerVersion", testRace},
		{"RoundTripMetadataAndTime", testRoundTrip},
		{"PositionsIncreaseWithinBatch", testPositions},
		{"ClaimsAreUnique", testClaims},
		{"ClaimOwnerIsTheHolder", testClaimOwner},
		{"CredentialEmailsAreUnique", testCredentials},
		{"IdempotencyKeyAppendsOnce", testIdempotency},
		{"RejectsEmptyBatches", testEmpty},
		{"EveryRegisteredEventRoundTrips", testEveryEvent},
		{"StreamGuardHoldsOnlyAtItsVersion", testGuard},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newStore(t))
		})
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// A new random stream name per call, so the suite can share a database.
func stream(kind string) string {
	return kind + "-" + uuid.New().String()
}

func ev(stream string, n int) domain.Event {
	_, id, _ := domain.ParseStream(stream)
	return domain.LinkOpened{LinkID: id, ProviderID: id, DocumentID: id, Version: n, OpenedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func batch(streamID string, expected int64, count int) app.Batch {
	sa := app.StreamAppend{StreamID: streamID, ExpectedVersion: expected}
	for i := range count {
		sa.Events = append(sa.Events, ev(streamID, int(expected)+i+1))
	}
	return app.Batch{
		Streams:    []app.StreamAppend{sa},
		Meta:       domain.Metadata{ActorKind: domain.ActorSystem, CorrelationID: uuid.New()},
		RecordedAt: time.Now(),
	}
}

func mustAppend(t *testing.T, s app.EventStore, b app.Batch) app.AppendResult {
	t.Helper()
	res, err := s.Append(ctxFor(t), b)
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	return res
}

func read(t *testing.T, s app.EventStore, streamID string) []domain.Recorded {
	t.Helper()
	recs, err := s.ReadStream(ctxFor(t), streamID)
	if err != nil {
		t.Fatalf("read %s: %v", streamID, err)
	}
	return recs
}

// versions checks the stream holds exactly versions 1..n, in order.
func versions(t *testing.T, s app.EventStore, streamID string, n int) {
	t.Helper()
	recs := read(t, s, streamID)
	if len(recs) != n {
		t.Fatalf("%s holds %d events, want %d", streamID, len(recs), n)
	}
	for i, r := range recs {
		if r.Version != int64(i+1) || r.StreamID != streamID {
			t.Fatalf("%s event %d has version %d (stream %s): versions must be contiguous from 1", streamID, i, r.Version, r.StreamID)
		}
	}
}

func wantConflict(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, domain.ErrConcurrencyConflict) {
		t.Fatalf("got %v, want domain.ErrConcurrencyConflict", err)
	}
}

func testNewStream(t *testing.T, s app.EventStore) {
	a := stream(domain.KindLink)
	mustAppend(t, s, batch(a, 0, 2))
	versions(t, s, a, 2)
	_, err := s.Append(ctxFor(t), batch(a, 0, 1))
	wantConflict(t, err)
	mustAppend(t, s, batch(a, 2, 1))
	versions(t, s, a, 3)
}

func testMissingStream(t *testing.T, s app.EventStore) {
	recs, err := s.ReadStream(ctxFor(t), stream(domain.KindLink))
	if err != nil || len(recs) != 0 {
		t.Fatalf("a missing stream must read as empty without error, got %d events, %v", len(recs), err)
	}
}

func testWrongVersion(t *testing.T, s app.EventStore) {
	a := stream(domain.KindLink)
	_, err := s.Append(ctxFor(t), batch(a, 1, 1))
	wantConflict(t, err)
	versions(t, s, a, 0)
	mustAppend(t, s, batch(a, 0, 2))
	for _, expected := range []int64{0, 1, 3, 7} {
		_, err := s.Append(ctxFor(t), batch(a, expected, 1))
		wantConflict(t, err)
	}
	versions(t, s, a, 2)
}

func testAllOrNothing(t *testing.T, s app.EventStore) {
	a, b, c := stream(domain.KindLink), stream(domain.KindLink), stream(domain.KindLink)
	mustAppend(t, s, batch(b, 0, 1))
	mixed := batch(a, 0, 2)
	mixed.Streams = append(mixed.Streams,
		app.StreamAppend{StreamID: c, ExpectedVersion: 0, Events: []domain.Event{ev(c, 1)}},
		app.StreamAppend{StreamID: b, ExpectedVersion: 0, Events: []domain.Event{ev(b, 1)}}, // stale
	)
	_, err := s.Append(ctxFor(t), mixed)
	wantConflict(t, err)
	versions(t, s, a, 0)
	versions(t, s, b, 1)
	versions(t, s, c, 0)
}

func testRace(t *testing.T, s app.EventStore) {
	const writers, rounds = 8, 6
	a := stream(domain.KindLink)
	for v := range int64(rounds) {
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  = make([]error, writers)
		)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[w] = s.Append(ctxFor(t), batch(a, v, 1))
			}()
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, domain.ErrConcurrencyConflict):
				t.Fatalf("round %d: a losing writer must get ErrConcurrencyConflict, got %v", v, err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d writers won, want exactly 1", v, wins)
		}
	}
	versions(t, s, a, rounds)
}

func testRoundTrip(t *testing.T, s app.EventStore) {
	a := stream(domain.KindLink)
	meta := domain.Metadata{
		ActorID: uuid.New(), ActorKind: domain.ActorUser, TenantID: uuid.New(),
		CorrelationID: uuid.New(), CausationID: uuid.New(), IdempotencyKey: "key-" + uuid.NewString(),
	}
	when := time.Date(2025, 6, 7, 8, 9, 10, 123456789, time.FixedZone("CEST", 2*3600))
	b := batch(a, 0, 3)
	b.Meta, b.RecordedAt = meta, when
	mustAppend(t, s, b)
	recs := read(t, s, a)
	if len(recs) != 3 {
		t.Fatalf("read %d events, want 3", len(recs))
	}
	want := when.UTC().Truncate(time.Microsecond)
	for i, r := range recs {
		if r.Version != int64(i+1) {
			t.Errorf("event %d: version %d", i, r.Version)
		}
		if !reflect.DeepEqual(r.Event, b.Streams[0].Events[i]) {
			t.Errorf("event %d: got %#v, want %#v", i, r.Event, b.Streams[0].Events[i])
		}
		if r.Type != "LinkOpened" || r.SchemaVersion != 1 || r.EventID == uuid.Nil || r.Position <= 0 {
			t.Errorf("event %d: type %q schema %d id %s position %d", i, r.Type, r.SchemaVersion, r.EventID, r.Position)
		}
		if r.Meta != meta {
			t.Errorf("event %d: metadata %+v, want %+v", i, r.Meta, meta)
		}
		if !r.RecordedAt.Equal(want) || r.RecordedAt.Location() != time.UTC {
			t.Errorf("event %d: recorded at %v, want %v (UTC, microseconds)", i, r.RecordedAt, want)
		}
		if i > 0 && r.Position <= recs[i-1].Position {
			t.Errorf("event %d: position %d not after %d", i, r.Position, recs[i-1].Position)
		}
	}
}

func testPositions(t *testing.T, s app.EventStore) {
	a, b := stream(domain.KindLink), stream(domain.KindLink)
	mustAppend(t, s, batch(b, 0, 1))
	two := batch(a, 0, 3)
	two.Streams = append(two.Streams, app.StreamAppend{StreamID: b, ExpectedVersion: 1, Events: []domain.Event{ev(b, 2), ev(b, 3)}})
	res := mustAppend(t, s, two)
	if len(res.Positions) != 5 {
		t.Fatalf("%d positions for 5 events", len(res.Positions))
	}
	for i := 1; i < len(res.Positions); i++ {
		if res.Positions[i] <= res.Positions[i-1] {
			t.Fatalf("positions %v must increase in batch order", res.Positions)
		}
	}
	if res.LastPosition != res.Positions[4] {
		t.Fatalf("last position %d, positions %v", res.LastPosition, res.Positions)
	}
	recs := append(read(t, s, a), read(t, s, b)[1:]...)
	for i, r := range recs {
		if r.Position != res.Positions[i] {
			t.Fatalf("event %d read at position %d, append said %d", i, r.Position, res.Positions[i])
		}
	}
}

func testClaims(t *testing.T, s app.EventStore) {
	value := "v-" + uuid.NewString()
	owner := uuid.New()
	first := batch(stream(domain.KindLink), 0, 1)
	first.Records = []app.Record{app.Claim{Scope: "storetest", Value: value, Owner: owner}}
	mustAppend(t, s, first)

	a := stream(domain.KindLink)
	again := batch(a, 0, 1)
	again.Records = []app.Record{app.Claim{Scope: "storetest", Value: value, Owner: uuid.New()}}
	_, err := s.Append(ctxFor(t), again)
	var taken *app.ClaimTakenError
	if !errors.As(err, &taken) || taken.Scope != "storetest" || taken.Value != value {
		t.Fatalf("claiming a taken value: got %v, want *app.ClaimTakenError{storetest %s}", err, value)
	}
	versions(t, s, a, 0)

	other := batch(a, 0, 1)
	other.Records = []app.Record{app.Claim{Scope: "storetest-other", Value: value, Owner: uuid.New()}}
	mustAppend(t, s, other)
}

func testCredentials(t *testing.T, s app.EventStore) {
	email := uuid.NewString() + "@storetest.test"
	user, company := uuid.New(), uuid.New()
	first := batch(stream(domain.KindLink), 0, 1)
	first.Records = []app.Record{app.Credential{UserID: user, CompanyID: company, Email: email, PasswordHash: "h1"}}
	mustAppend(t, s, first)

	// The same user may replace their login...
	again := batch(stream(domain.KindLink), 0, 1)
	again.Records = []app.Record{app.Credential{UserID: user, CompanyID: company, Email: email, PasswordHash: "h2"}}
	mustAppend(t, s, again)

	// ...another user may not take the address.
	a := stream(domain.KindLink)
	other := batch(a, 0, 1)
	other.Records = []app.Record{app.Credential{UserID: uuid.New(), CompanyID: company, Email: email, PasswordHash: "h3"}}
	_, err := s.Append(ctxFor(t), other)
	var taken *app.ClaimTakenError
	if !errors.As(err, &taken) {
		t.Fatalf("a second user with the same e-mail: got %v, want *app.ClaimTakenError", err)
	}
	versions(t, s, a, 0)
}

func testIdempotency(t *testing.T, s app.EventStore) {
	tenant, key := uuid.New(), "k-"+uuid.NewString()
	a, b := stream(domain.KindLink), stream(domain.KindLink)
	first := batch(a, 0, 1)
	first.Records = []app.Record{app.Idempotency{TenantID: tenant, Key: key, RequestHash: "r"}}
	mustAppend(t, s, first)

	claim := app.Claim{Scope: "storetest", Value: "v-" + uuid.NewString(), Owner: uuid.New()}
	dup := batch(b, 0, 1)
	dup.Records = []app.Record{claim, app.Idempotency{TenantID: tenant, Key: key, RequestHash: "r"}}
	_, err := s.Append(ctxFor(t), dup)
	if !errors.Is(err, app.ErrDuplicateRequest) {
		t.Fatalf("a repeated key: got %v, want app.ErrDuplicateRequest", err)
	}
	versions(t, s, b, 0)
	versions(t, s, a, 1)
	// Nothing of the refused batch committed, not even its claim.
	free := batch(b, 0, 1)
	free.Records = []app.Record{claim}
	mustAppend(t, s, free)

	// A refused batch (conflict) does not consume its key.
	key2 := "k-" + uuid.NewString()
	stale := batch(a, 0, 1)
	stale.Records = []app.Record{app.Idempotency{TenantID: tenant, Key: key2, RequestHash: "r"}}
	_, err = s.Append(ctxFor(t), stale)
	wantConflict(t, err)
	fresh := batch(a, 1, 1)
	fresh.Records = stale.Records
	mustAppend(t, s, fresh)

	// Keys are per tenant.
	otherTenant := batch(stream(domain.KindLink), 0, 1)
	otherTenant.Records = []app.Record{app.Idempotency{TenantID: uuid.New(), Key: key, RequestHash: "r"}}
	mustAppend(t, s, otherTenant)
}

func testEmpty(t *testing.T, s app.EventStore) {
	if _, err := s.Append(ctxFor(t), app.Batch{}); err == nil {
		t.Error("an empty batch must be refused")
	}
	b := batch(stream(domain.KindLink), 0, 1)
	b.Streams[0].Events = nil
	if _, err := s.Append(ctxFor(t), b); err == nil {
		t.Error("a stream append without events must be refused")
	}
}

func testEveryEvent(t *testing.T, s app.EventStore) {
	for _, typ := range domain.EventTypes() {
		e, err := SampleEvent(typ)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		a := stream(domain.KindLink)
		mustAppend(t, s, app.Batch{Streams: []app.StreamAppend{{StreamID: a, Events: []domain.Event{e}}}, Meta: domain.Metadata{ActorKind: domain.ActorSystem}, RecordedAt: time.Now()})
		recs := read(t, s, a)
		if len(recs) != 1 {
			t.Fatalf("%s: read %d events", typ, len(recs))
		}
		_, schema, want, _ := domain.EncodeEvent(e)
		_, _, got, err := domain.EncodeEvent(recs[0].Event)
		if err != nil || string(got) != string(want) || recs[0].Type != typ || recs[0].SchemaVersion != schema {
			t.Errorf("%s did not round-trip:\n got %s (%v, type %s v%d)\nwant %s (v%d)", typ, got, err, recs[0].Type, recs[0].SchemaVersion, want, schema)
		}
		if reflect.TypeOf(recs[0].Event) != reflect.TypeOf(e) {
			t.Errorf("%s decoded as %T, want %T", typ, recs[0].Event, e)
		}
	}
}

// SampleEvent returns a value of the Go type registered for typ with every field
// set to a non-zero value (so a field the codec drops shows up in a round trip).
func SampleEvent(typ string) (domain.Event, error) {
	zero, err := domain.ZeroEvent(typ)
	if err != nil {
		return nil, err
	}
	v := reflect.New(reflect.TypeOf(zero)).Elem()
	if err := fill(v, 1); err != nil {
		return nil, fmt.Errorf("sample %s: %w", typ, err)
	}
	return v.Interface().(domain.Event), nil
}

var (
	timeType = reflect.TypeOf(time.Time{})
	uuidType = reflect.TypeOf(uuid.UUID{})
)

func fill(v reflect.Value, seed int) error {
	switch {
	case v.Type() == timeType:
		v.Set(reflect.ValueOf(time.Date(2025, 2, 3, 4, 5, 6, 7000*(seed+1), time.UTC)))
		return nil
	case v.Type() == uuidType:
		var u uuid.UUID
		for i := range u {
			u[i] = byte(seed*31 + i)
		}
		v.Set(reflect.ValueOf(u))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", seed))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(seed + 1))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(seed + 1))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(seed) + 0.5)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if err := fill(p.Elem(), seed); err != nil {
			return err
		}
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		if err := fill(s.Index(0), seed); err != nil {
			return err
		}
		v.Set(s)
	case reflect.Array:
		for i := range v.Len() {
			if err := fill(v.Index(i), seed+i); err != nil {
				return err
			}
		}
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		if err := fill(k, seed); err != nil {
			return err
		}
		if err := fill(e, seed); err != nil {
			return err
		}
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() {
				continue
			}
			if err := fill(v.Field(i), seed+i+1); err != nil {
				return err
			}
		}
	case reflect.Interface:
		// Left nil: an interface field cannot be decoded into anyway.
	default:
		return fmt.Errorf("cannot fill a %s", v.Type())
	}
	return nil
}

// guarded is a batch creating a new stream that depends on stream dep being at
// version v (a link open guarded by its link).
func guarded(dep string, v int64) (app.Batch, string) {
	own := stream(domain.KindDownload)
	b := batch(own, 0, 1)
	b.Records = []app.Record{app.StreamGuard{StreamID: dep, Version: v}}
	return b, own
}

func testGuard(t *testing.T, s app.EventStore) {
	dep := stream(domain.KindLink)
	b, own := guarded(dep, 0) // a stream that does not exist is at version 0
	mustAppend(t, s, b)
	versions(t, s, own, 1)

	locked := batch(dep, 0, 2)
	locked.Records = []app.Record{app.StreamLock{StreamID: dep}}
	mustAppend(t, s, locked)

	b, own = guarded(dep, 0)
	_, err := s.Append(ctxFor(t), b)
	wantConflict(t, err)
	versions(t, s, own, 0)
	b, own = guarded(dep, 2)
	mustAppend(t, s, b)
	versions(t, s, own, 1)
	versions(t, s, dep, 2)
}

func testClaimOwner(t *testing.T, s app.EventStore) {
	value := "Acme-" + uuid.NewString()
	owner := uuid.New()
	if _, err := s.ClaimOwner(ctxFor(t), "storetest", value); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unclaimed: got %v, want domain.ErrNotFound", err)
	}
	b := batch(stream(domain.KindLink), 0, 1)
	b.Records = []app.Record{app.Claim{Scope: "storetest", Value: value, Owner: owner}}
	mustAppend(t, s, b)
	if got, err := s.ClaimOwner(ctxFor(t), "storetest", value); err != nil || got != owner {
		t.Fatalf("owner %v, %v; want %v", got, err, owner)
	}
	// Exactly as claimed: another scope or another spelling is another claim.
	for _, c := range [][2]string{{"storetest-other", value}, {"storetest", strings.ToLower(value)}} {
		if _, err := s.ClaimOwner(ctxFor(t), c[0], c[1]); !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("%v: got %v, want domain.ErrNotFound", c, err)
		}
	}
}
