package httpapi

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The stories without X-Min-Position (issue 15): a client that never sends the
// header must still read its own writes. TestStoriesWithoutMinPosition runs every
// story again with no read sending it.
//
// The header also covers writes by others, which the session does not: when
// Otto reads right after Anna wrote, only time (a mail, a phone call, Anna's
// "done") makes Otto's read see Anna's write. So a read whose reader did not itself
// receive the newest write's answer first waits, out of band, for the projections
// to apply it (the time that passes between two people), and then reads without
// the header. A read whose session received the newest answer itself does not
// wait at all: only the session's own floor makes it see its writes. Each story
// must have reads of that kind (it logs how many of each);
// TestSessionReadsItsOwnWritesWithoutHeader makes the same point with projections
// slow enough that a read without the wait would fail.
func TestStoriesWithoutMinPosition(t *testing.T) {
	t.Parallel()
	for name, story := range map[string]func(*testing.T){
		"Ecratum":          TestStoryEcratumCustomerAccess,
		"JarvisDrive":      TestStoryJarvisDriveCustomerPortal,
		"CommTrak":         TestStoryCommTrakDocumentSharing,
		"QUBEdocs":         TestStoryQUBEdocsBusinessPartners,
		"CACloudDesk":      TestStoryCACloudDeskCustomerDocument,
		"CommTrakCopyLink": TestStoryCommTrakCopyLinkAgain,
	} {
		t.Run(name, story)
	}
}

// withoutMinPosition is the state of a story run without the header.
type withoutMinPosition struct {
	mu      sync.Mutex
	acked   map[string]int64 // per session token: newest position its answers carried
	own     int              // reads that relied on the session alone
	settled int              // reads after an out-of-band wait for others' writes
}

// withoutMinPositionFor is non-nil for a story run by TestStoriesWithoutMinPosition.
func withoutMinPositionFor(t *testing.T) *withoutMinPosition {
	if !strings.HasPrefix(t.Name(), "TestStoriesWithoutMinPosition/") {
		return nil
	}
	m := &withoutMinPosition{acked: map[string]int64{}}
	t.Cleanup(func() {
		t.Logf("reads: %d by the session's own floor alone, %d after others' writes settled", m.own, m.settled)
		if !t.Failed() && m.own == 0 {
			t.Error("no read relied on the session alone: the mode tests nothing")
		}
	})
	return m
}

// acked notes that who's session received a's X-Position.
func (s *story) acked(who *account, a answer) answer {
	if s.noMin == nil || who == nil {
		return a
	}
	if p, err := strconv.ParseInt(a.header.Get("X-Position"), 10, 64); err == nil && a.status < 400 {
		s.noMin.mu.Lock()
		s.noMin.acked[who.Token] = max(s.noMin.acked[who.Token], p)
		s.noMin.mu.Unlock()
	}
	return a
}

// signedIn notes a session the story just obtained: it starts acknowledged up to
// everything committed before it (auth.Sessions.CreateFor), so up to s.pos.
func (s *story) signedIn(acc account) {
	if s.noMin == nil {
		return
	}
	s.noMin.mu.Lock()
	s.noMin.acked[acc.Token] = max(s.noMin.acked[acc.Token], s.pos)
	s.noMin.mu.Unlock()
}

// read issues a GET without X-Min-Position.
func (m *withoutMinPosition) read(s *story, who *account, path string) answer {
	s.t.Helper()
	m.mu.Lock()
	own := who != nil && m.acked[who.Token] >= s.pos
	m.mu.Unlock()
	if own {
		m.own++
	} else {
		m.settled++
		m.settle(s)
	}
	return s.ts.readAt(s.t, who, path, 0)
}

// settle waits until the read models applied the newest write of the story.
func (m *withoutMinPosition) settle(s *story) {
	s.t.Helper()
	if s.pos == 0 {
		return
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, g := range readGroups {
		for {
			ok, err := s.ts.store.Applied(ctxFor(s.t), g, s.pos)
			if err != nil {
				s.t.Fatal(err)
			}
			if ok {
				break
			}
			if time.Now().After(deadline) {
				s.t.Fatalf("read model %s did not apply %d", g, s.pos)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}
