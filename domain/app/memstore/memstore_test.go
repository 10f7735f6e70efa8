package memstore_test

import (
	"testing"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/domain/app/memstore"
	"github.com/sharehub/sharehub/domain/app/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T) app.EventStore { return memstore.New(nil) })
}
