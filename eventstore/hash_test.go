package eventstore_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/eventstore"
)

var hashID = uuid.MustParse("0192f0c4-6a4e-7c1d-9a53-1f0f5c1a2b3c")

func hashOf(t testing.TB, payload []byte) ([]byte, error) {
	return eventstore.EventHash(eventstore.GenesisHash, hashID, "s-1", 3, "test.Noted", 1, payload,
		[]byte(`{"actor_kind":"user"}`), time.Date(2026, 11, 22, 13, 0, 0, 123456000, time.UTC))
}

// The hash must not depend on how the same JSON value is written: jsonb hands back
// another key order, other escapes, other number forms.
func TestEventHashSurvivesJSONBRoundTrip(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	ctx := ctxFor(t)
	payloads := []string{
		`{"b":1,"a":2}`,
		`{"name":"Gr\u00fc\u00dfe \"quoted\" <tag> & \\ \/ \t tab","emoji":"\ud83d\ude00"}`,
		`{"size":1048576,"neg":-42,"big":9007199254740993,"f":1.50,"e":1e2,"z":0.000001}`,
		`{"nested":{"z":[3,2,1,{"y":null,"x":true}],"a":{}},"empty":[]}`,
		`{"long key with spaces":"v","k":"línea\nnueva"}`,
	}
	for _, p := range payloads {
		var back []byte
		if err := s.Pool().QueryRow(ctx, `SELECT $1::jsonb::text`, p).Scan(&back); err != nil {
			t.Fatal(err)
		}
		h1, err1 := hashOf(t, []byte(p))
		h2, err2 := hashOf(t, back)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", p, err1, err2)
		}
		if !bytes.Equal(h1, h2) {
			t.Errorf("hash differs after jsonb round trip:\n sent %s\n back %s", p, back)
		}
	}
}

// FuzzEventHashIsCanonical: any JSON object hashes the same after being decoded and
// re-encoded (other key order, escapes and white space), and hashing never panics.
func FuzzEventHashIsCanonical(f *testing.F) {
	for _, seed := range []string{`{"a":1}`, `{"b":"x","a":[1,2,{"c":null}]}`, `{"u":"\u00e9\u2028"}`, `{}`, `[1]`, `{"n":1e400}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		h1, err := hashOf(t, payload)
		if err != nil {
			return // not a JSON value the canonical form accepts
		}
		dec := json.NewDecoder(bytes.NewReader(payload))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return
		}
		again, err := json.Marshal(v)
		if err != nil {
			return
		}
		h2, err := hashOf(t, again)
		if err != nil {
			t.Fatalf("re-encoded %q no longer hashes: %v", again, err)
		}
		if !bytes.Equal(h1, h2) {
			t.Fatalf("hash of %q differs from hash of its re-encoding %q", payload, again)
		}
	})
}
