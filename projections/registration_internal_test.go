package projections

import (
	"testing"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/eventstore/pgtest"
)

// Statements name tables unqualified, so one SQL text could mean tables of two
// projections; pgx caches a prepared statement (with its parameter types) by its
// text per connection, and connections serve every consumer. No statement text
// is therefore shared by two projections.
func TestNoStatementTextIsSharedByTwoProjections(t *testing.T) {
	owner := map[string]string{}
	for _, p := range Served() {
		for _, typ := range p.Types() {
			ev, err := domain.ZeroEvent(typ)
			if err != nil {
				t.Fatal(err)
			}
			q := NewQueue(p.Schema())
			if err := p.Apply(q, domain.Recorded{Type: typ, Event: ev, Version: 1}); err != nil {
				t.Fatalf("%s %s: %v", p.Name, typ, err)
			}
			for _, s := range q.Batch().QueuedQueries {
				if o, ok := owner[s.SQL]; ok && o != p.Name {
					t.Errorf("%s and %s both run:\n%s", o, p.Name, s.SQL)
				}
				owner[s.SQL] = p.Name
			}
		}
	}
	if len(owner) < 40 {
		t.Fatalf("only %d statements seen", len(owner))
	}
}

// The live consumer skips what a projection did not register without decoding
// it, but lets through a type the codec does not know, for the codec to refuse.
func TestConsumerSkipsUnregisteredButNotUnknownTypes(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		want bool
	}{
		{"UserInvited", true},             // registered
		{"CustomerUserInvited", true},     // a guard accounts registered (legacy upcast)
		{"SharingPaused", false},          // known, not registered
		{"CustomerShareAdded", false},     // a guard, not registered
		{"ProjectionEventSkipped", false}, // operations on read models
		{"NoSuchEventTypeEver", true},     // unknown to the codec
	} {
		if got := Accounts.handles(tc.typ); got != tc.want {
			t.Errorf("accounts handles %s: %v, want %v", tc.typ, got, tc.want)
		}
	}
}

func TestMailIDIsTheOneTheSQLDerived(t *testing.T) {
	pool, _ := pgtest.NewDatabase(t)
	for range 3 {
		event, user := uuid.New(), uuid.New()
		var want uuid.UUID
		if err := pool.QueryRow(t.Context(), `SELECT md5($1::text || $2::text)::uuid`, event, user).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if got := mailID(event, user); got != want {
			t.Fatalf("mailID(%s, %s) = %s, the SQL said %s", event, user, got, want)
		}
	}
}
