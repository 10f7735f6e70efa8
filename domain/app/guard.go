package app

import (
	"slices"
	"strings"

	"github.com/sharehub/sharehub/domain"
)

// StreamGuard is a side record that makes a batch depend on a stream it does not
// append to: the batch commits only if StreamID is still at Version when it
// commits. Batches that append to a guarded stream carry a StreamLock for it, and
// a guard and a lock of one stream never overlap, so a guarded batch and a write
// to the stream it depends on are ordered: if the write commits first, the guarded
// batch fails with domain.ErrConcurrencyConflict (and its command retries from a
// fresh load); otherwise the write waits for the guarded batch to commit.
//
// It is what lets an access record (LinkOpened, in a stream of its own) stay out of
// the link's stream and still never be recorded after the link's cancellation
// committed. Guards of one stream do not exclude one another: concurrent opens of
// one link never conflict.
type StreamGuard struct {
	StreamID string
	Version  int64
}

// StreamLock is a side record of a batch that appends to StreamID: it waits for the
// batches guarding StreamID to finish, and holds guarded batches back until it
// commits. See StreamGuard.
type StreamLock struct {
	StreamID string
}

func (StreamGuard) isRecord() {}
func (StreamLock) isRecord()  {}

// guarded reports whether batches guard a stream, so that every append to it must
// lock it: link streams, whose opens are recorded elsewhere, user streams, which
// a deactivation guards for its actor (SetStaffActive), and the customer, share
// and document streams a portal write or a download relies on (reads.go).
func guarded(stream string) bool {
	for _, kind := range []string{domain.KindLink, domain.KindUser, domain.KindCustomer, domain.KindShare, domain.KindDocument} {
		if strings.HasPrefix(stream, kind+"-") {
			return true
		}
	}
	return false
}

// lockGuarded adds a StreamLock for every guarded stream the unit appends to, and
// drops the guards of those streams: the append's expected version already
// checks them, and a guard and a lock of one stream must not overlap.
func (u *unit) lockGuarded(records []Record) []Record {
	records = slices.DeleteFunc(records, func(r Record) bool {
		g, ok := r.(StreamGuard)
		_, written := u.index[g.StreamID]
		return ok && written
	})
	for _, s := range u.out {
		if guarded(s.StreamID) {
			records = append(records, StreamLock{StreamID: s.StreamID})
		}
	}
	return records
}
