package blobs

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// gcStore is a store on a clock the test moves.
func gcStore(t *testing.T) (*Store, func(time.Duration)) {
	t.Helper()
	var mu sync.Mutex
	now := time.Now()
	s, err := New(Config{Root: t.TempDir(), Clock: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	if err != nil {
		t.Fatal(err)
	}
	return s, func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
}

func put(t *testing.T, s *Store, content string) string {
	t.Helper()
	info, err := s.Put(ctxFor(t), bytes.NewReader([]byte(content)), 0, "")
	if err != nil {
		t.Fatal(err)
	}
	// Files get the real clock's time; age them to the store's clock.
	now := s.clock()
	if err := os.Chtimes(s.path(info.SHA256), now, now); err != nil {
		t.Fatal(err)
	}
	return info.SHA256
}

func refs(shas ...string) func(context.Context) (map[string]bool, error) {
	return func(context.Context) (map[string]bool, error) {
		m := map[string]bool{}
		for _, s := range shas {
			m[s] = true
		}
		return m, nil
	}
}

func exists(t *testing.T, s *Store, sha string) bool {
	t.Helper()
	ok, err := s.Exists(sha)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestGCRemovesOnlyOldUnreferencedBlobs(t *testing.T) {
	t.Parallel()
	s, advance := gcStore(t)
	referenced := put(t, s, "referenced by an event")
	orphan := put(t, s, "stored, then refused")
	staleTemp := filepath.Join(s.dir, tempPrefix+"crashed")
	if err := os.WriteFile(staleTemp, []byte("half an upload"), 0o600); err != nil {
		t.Fatal(err)
	}
	now := s.clock()
	_ = os.Chtimes(staleTemp, now, now)
	advance(2 * time.Hour)
	fresh := put(t, s, "an upload whose event is being appended")
	freshTemp := filepath.Join(s.dir, tempPrefix+"writing")
	if err := os.WriteFile(freshTemp, []byte("being written"), 0o600); err != nil {
		t.Fatal(err)
	}
	now = s.clock()
	_ = os.Chtimes(freshTemp, now, now)

	st, err := s.GC(ctxFor(t), time.Hour, refs(referenced))
	if err != nil {
		t.Fatal(err)
	}
	if !exists(t, s, referenced) || exists(t, s, orphan) || !exists(t, s, fresh) {
		t.Fatalf("referenced %v, orphan %v, fresh %v", exists(t, s, referenced), exists(t, s, orphan), exists(t, s, fresh))
	}
	if _, err := os.Stat(staleTemp); !os.IsNotExist(err) {
		t.Fatal("a stale temporary file stayed")
	}
	if _, err := os.Stat(freshTemp); err != nil {
		t.Fatal("a temporary file being written was removed")
	}
	if st.Blobs != 3 || st.Candidates != 2 || st.Removed != 1 || st.RemovedBytes != int64(len("stored, then refused")) || st.Temps != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestGCKeepsAReuploadedBlob: an old orphan uploaded again (its event not yet
// committed) is touched by Put, so GC keeps it.
func TestGCKeepsAReuploadedBlob(t *testing.T) {
	t.Parallel()
	s, advance := gcStore(t)
	sha := put(t, s, "same content twice")
	advance(2 * time.Hour)
	if _, err := s.Put(ctxFor(t), bytes.NewReader([]byte("same content twice")), 0, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GC(ctxFor(t), time.Hour, refs()); err != nil {
		t.Fatal(err)
	}
	if !exists(t, s, sha) {
		t.Fatal("GC removed a blob an upload had just stored again")
	}
}

// TestGCRaceWithUpload: the moments between GC moving a blob aside and deciding.
func TestGCRaceWithUpload(t *testing.T) {
	t.Parallel()
	s, advance := gcStore(t)
	sha := put(t, s, "raced content")
	advance(2 * time.Hour)
	cutoff := s.clock().Add(-time.Hour)
	// GC moved it aside; an upload of the same content then finds no blob and
	// publishes its own; GC decides on its old copy and removes only that.
	if err := os.Rename(s.path(sha), filepath.Join(s.dir, gcPrefix+sha)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctxFor(t), bytes.NewReader([]byte("raced content")), 0, ""); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(s.dir, gcPrefix+sha)); err != nil {
		t.Fatal(err)
	}
	if !exists(t, s, sha) {
		t.Fatal("the upload's copy is gone")
	}
	// The upload touched it before GC moved it aside: GC puts it back.
	now := s.clock()
	_ = os.Chtimes(s.path(sha), now, now)
	if _, removed, err := s.removeIfUntouched(sha, cutoff); err != nil || removed || !exists(t, s, sha) {
		t.Fatalf("a touched blob: removed %v, err %v", removed, err)
	}
	// A pass that crashed with the blob aside: the next one puts it back first.
	if err := os.Rename(s.path(sha), filepath.Join(s.dir, gcPrefix+sha)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GC(ctxFor(t), time.Hour, refs(sha)); err != nil {
		t.Fatal(err)
	}
	if !exists(t, s, sha) {
		t.Fatal("a blob left aside by a crashed pass was not put back")
	}
}
