package main

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/eventstore"
)

// testKEK is the key-encryption key the commands under test are given (as
// KEY_ENCRYPTION_KEY), so that no test writes a key file into the repository.
const testKEK = "c2hhcmVodWIgY21kIHRlc3RzIGtlayAzMiBieXRlcyE="

// testStore is a store that reads what the commands under test wrote (they wrap
// company keys with testKEK).
func testStore(t *testing.T, pool *pgxpool.Pool) *eventstore.Store {
	t.Helper()
	k, err := eventstore.ParseKeyEncryptionKey(testKEK)
	if err != nil {
		t.Fatal(err)
	}
	s := eventstore.New(pool, nil)
	s.UseKeyEncryptionKey(k)
	return s
}
