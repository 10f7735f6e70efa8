package httpapi

import (
	"context"

	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/projections"
)

// appliedByDefinition answers read-your-writes for the consumer group of the
// read-model definition the request reads (projections.Schemas in its context):
// each definition has its own consumer (issue 13 §7).
func appliedByDefinition(store *eventstore.Store) func(ctx context.Context, group string, position int64) (bool, error) {
	return func(ctx context.Context, group string, position int64) (bool, error) {
		return store.Applied(ctx, projections.SchemasFrom(ctx).Group(group), position)
	}
}
