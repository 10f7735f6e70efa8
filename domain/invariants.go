package domain

import (
	"errors"
	"fmt"
)

// CheckLog replays a log (every event, in position order) and reports every
// violated invariant:
//   - each event sits in the stream it names, at the next contiguous version;
//   - nothing follows a terminal event in its stream (ShareCancelled,
//     LinkCancelled, SharingRevoked, DocumentRemoved);
//   - no active share belongs to a revoked customer or to a removed document, and
//     no live link to a removed document or tracked by a revoked customer;
//   - each customer tracks exactly its active shares.
//
// Property tests run it over random command sequences; operators can run it over
// a real log.
func CheckLog(log []Recorded) error {
	s := NewState()
	terminal := map[string]string{}
	var errs []error
	for _, r := range log {
		if got := StreamOf(r.Event); got != r.StreamID {
			errs = append(errs, fmt.Errorf("position %d: %s names stream %s, stored in %s", r.Position, r.Type, got, r.StreamID))
		}
		if want := s.Version(r.StreamID) + 1; r.Version != want {
			errs = append(errs, fmt.Errorf("position %d: %s at version %d, want %d", r.Position, r.StreamID, r.Version, want))
		}
		if t, ok := terminal[r.StreamID]; ok {
			errs = append(errs, fmt.Errorf("position %d: %s follows %s in %s", r.Position, r.Type, t, r.StreamID))
		}
		switch r.Event.(type) {
		case ShareCancelled, LinkCancelled, SharingRevoked, DocumentRemoved:
			terminal[r.StreamID] = r.Type
		}
		if err := s.Apply(r.Event); err != nil {
			errs = append(errs, fmt.Errorf("position %d: %w", r.Position, err))
		}
	}
	return errors.Join(append(errs, s.checkEnd()...)...)
}

func (s *State) checkEnd() []error {
	var errs []error
	for _, sh := range s.Shares() {
		c := s.Customer(sh.CustomerID)
		_, tracked := c.Shares[sh.ID]
		switch {
		case sh.Active() && c.Status == StatusRevoked:
			errs = append(errs, fmt.Errorf("share %s active on revoked customer %s", sh.ID, c.ID))
		case sh.Active() && sh.DocumentID != [16]byte{} && s.Document(sh.DocumentID).Removed:
			errs = append(errs, fmt.Errorf("share %s active on removed document %s", sh.ID, sh.DocumentID))
		case sh.Active() != tracked:
			errs = append(errs, fmt.Errorf("share %s active=%v but tracked=%v by customer %s", sh.ID, sh.Active(), tracked, c.ID))
		}
	}
	for _, c := range s.Customers() {
		for id := range c.Shares {
			if sh := s.Share(id); !sh.Active() || sh.CustomerID != c.ID {
				errs = append(errs, fmt.Errorf("customer %s tracks share %s, which is not its active share", c.ID, id))
			}
		}
	}
	for _, l := range s.Links() {
		if d := s.Document(l.DocumentID); d.Removed && !l.GoneAt(d.RemovedAt) {
			errs = append(errs, fmt.Errorf("link %s live on removed document %s", l.ID, d.ID))
		}
	}
	for _, c := range s.Customers() {
		if c.Status != StatusRevoked {
			continue
		}
		for _, id := range c.Links {
			// (A link with an expiry may have expired before the revoke, which then
			// had nothing to cancel.)
			if l := s.Link(id); !l.Cancelled && l.ExpiresAt.IsZero() {
				errs = append(errs, fmt.Errorf("link %s to the workspace of revoked customer %s not cancelled", id, c.ID))
			}
		}
	}
	return errs
}
