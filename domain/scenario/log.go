package scenario

import (
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/domain"
)

// Log is the pure sink: it keeps the events as a store would record them
// (positions in order, stream versions checked, one event id each), for tests that
// need a realistic log without a database.
type Log struct {
	Events   []domain.Recorded
	versions map[string]int64
}

// Record appends a batch, refusing a change whose expected version is not the
// stream's (as the store's constraint would).
func (l *Log) Record(b Batch) error {
	if l.versions == nil {
		l.versions = map[string]int64{}
	}
	for _, ch := range b.Changes {
		if v := l.versions[ch.Stream]; v != ch.Version {
			return domain.ErrConcurrencyConflict
		}
		for _, e := range ch.Events {
			l.versions[ch.Stream]++
			l.Events = append(l.Events, domain.Recorded{
				EventID: uuid.New(), Position: int64(len(l.Events) + 1), StreamID: ch.Stream,
				Version: l.versions[ch.Stream], Type: e.EventType(), Event: e, Meta: b.Meta, RecordedAt: b.At,
			})
		}
	}
	return nil
}
