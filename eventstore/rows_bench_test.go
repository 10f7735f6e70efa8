package eventstore

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
	"github.com/sharehub/sharehub/domain/app"
)

type benchEv struct {
	DocumentID uuid.UUID `json:"document_id"`
	Note       string    `json:"note"`
}

func (benchEv) EventType() string { return "bench.Ev" }

func init() { domain.RegisterEvent(benchEv{}, 1) }

// BenchmarkRowsOf measures the client-side cost of preparing one appended event
// (encoding, chaining, hashing), without the database.
func BenchmarkRowsOf(b *testing.B) {
	s := &Store{now: time.Now}
	meta := domain.Metadata{ActorID: uuid.New(), ActorKind: domain.ActorUser, TenantID: uuid.New(), CorrelationID: uuid.New()}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, err := s.rowsOf(context.Background(), nil, app.Batch{Meta: meta, Streams: []app.StreamAppend{
			{StreamID: "s", Events: []domain.Event{benchEv{DocumentID: uuid.New(), Note: "benchmark payload of a typical share event"}}}}})
		if err != nil {
			b.Fatal(err)
		}
	}
}
