package main

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/domain/scenario"
	"github.com/sharehub/sharehub/eventstore/bulkload"
)

// generateLog writes a realistic, valid log of exactly nEvents events (the
// scenario generator's, from seed) straight into the events table of a fresh
// database (bulkload.Load: one COPY in one transaction, indexes and
// constraints rebuilt after it, no Append; no claims or credentials rows are
// written). Payloads are encoded as Append encodes them (personal data
// encrypted). The same seed gives the same log (event ids and hashes aside).
func generateLog(ctx context.Context, pool *pgxpool.Pool, nEvents int, seed int64) error {
	// The generator allocates a lot of short-lived garbage beside a large live
	// state: collecting less often buys speed for some memory.
	defer debug.SetGCPercent(debug.SetGCPercent(200))
	_, err := bulkload.Load(ctx, pool, bulkload.Options{RebuildIndexes: true}, func(b *bulkload.BulkLoader) error {
		return scenario.New(bulkSink{b}, nEvents, seed).Run(ctx)
	})
	return err
}

// bulkSink is the scenario's store sink for benchmarks: batches go to the bulk
// loader, whose stream versions must agree with the generator's.
type bulkSink struct{ b *bulkload.BulkLoader }

func (s bulkSink) Record(batch scenario.Batch) error {
	for _, ch := range batch.Changes {
		if v := s.b.Version(ch.Stream); v != ch.Version {
			return fmt.Errorf("generator: %s at version %d, command expects %d", ch.Stream, v, ch.Version)
		}
		if err := s.b.Add(batch.Meta, batch.At, ch.Stream, ch.Events...); err != nil {
			return err
		}
	}
	return nil
}
