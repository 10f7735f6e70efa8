package eventstore_test

import (
	"testing"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/storetest"
)

// The PostgreSQL store passes the same conformance suite as the in-memory store the
// domain tests use, so both behave the same to the application services.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) app.EventStore { return newStore(t) })
}
