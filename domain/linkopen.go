package domain

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// LinkOpen is one recorded open of a link: a stream holding its LinkOpened. Opens
// live outside the link's stream so that deciding an open never replays the
// link's past opens (an open costs the same on the first and the millionth).
type LinkOpen struct {
	base
	ID     uuid.UUID
	LinkID uuid.UUID
}

// Replay applies the aggregate's stored events in order.
func (x *LinkOpen) Replay(events ...Event) { x.replay(x.apply, events) }

// StreamID is the aggregate's stream.
func (x *LinkOpen) StreamID() string { return LinkOpenStream(x.ID) }

func (x *LinkOpen) apply(e Event) {
	if e, ok := e.(LinkOpened); ok {
		x.ID, x.LinkID = e.OpenID, e.LinkID
	}
}

// RecordOpen records an open already decided by Open (password checked, version
// chosen), at instant now. The link is read again at this point, so a cancel or
// expiry since the check wins: ErrLinkGone. checkedPasswordHash is the password
// hash the visitor's password was checked against ("" for a link without one);
// if the link's password changed since, the check no longer holds:
// ErrPasswordRejected (and nothing to record: the visitor's password was right
// when given).
func (l *Link) RecordOpen(openID uuid.UUID, checkedPasswordHash string, version int, now time.Time) ([]Event, error) {
	if err := l.live(now); err != nil {
		return nil, err
	}
	if openID == uuid.Nil {
		return nil, fmt.Errorf("open %s: no open id", l.ID)
	}
	if l.PasswordHash != checkedPasswordHash { // hashes, not secrets: no constant time needed
		return nil, fmt.Errorf("link %s: password changed: %w", l.ID, ErrPasswordRejected)
	}
	if version < 1 {
		return nil, fmt.Errorf("link %s: version %d: %w", l.ID, version, ErrNotFound)
	}
	return []Event{LinkOpened{OpenID: openID, LinkID: l.ID, ProviderID: l.ProviderID, DocumentID: l.DocumentID, Version: version, OpenedAt: now}}, nil
}

// LinkOpens counts the recorded opens of a link: those in streams of their own and
// those recorded, before opens had their own streams, in the link's stream.
func (s *State) LinkOpens(linkID uuid.UUID) int {
	n := s.Link(linkID).Opens
	for _, a := range s.streams {
		if o, ok := a.(*LinkOpen); ok && o.LinkID == linkID {
			n++
		}
	}
	return n
}
