package httpapi

import (
	"context"

	"github.com/sharehub/sharehub/eventstore"
)

// appliedByDefinition answers read-your-writes for the consumer group of the
// read-model definition the request reads: each definition has its own consumer
// (issue 13 §7), which groupOf (Config.ConsumerGroup) names.
func appliedByDefinition(store *eventstore.Store, groupOf func(context.Context, string) string) func(ctx context.Context, group string, position int64) (bool, error) {
	return func(ctx context.Context, group string, position int64) (bool, error) {
		if groupOf != nil {
			group = groupOf(ctx, group)
		}
		return store.Applied(ctx, group, position)
	}
}
