package blobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func newStore(t *testing.T) (*Store, string) {
	t.Helper()
	root := t.TempDir()
	s, err := New(Config{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	return s, root
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// tempFiles lists what uploads left in the store's directory besides blobs.
func tempFiles(t *testing.T, root string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(root, "sha256", tempPrefix+"*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPutStoresUnderDigestAndReadsBack(t *testing.T) {
	t.Parallel()
	s, root := newStore(t)
	ctx := ctxFor(t)
	content := []byte("%PDF-1.7\n" + strings.Repeat("x", 200_000)) // several copy chunks
	info, err := s.Put(ctx, bytes.NewReader(content), 1<<20, "")
	if err != nil {
		t.Fatal(err)
	}
	want := digest(content)
	if info.SHA256 != want || info.Size != int64(len(content)) || info.MediaType != "application/pdf" {
		t.Fatalf("info = %+v, want sha %s size %d application/pdf", info, want, len(content))
	}
	if _, err := os.Stat(filepath.Join(root, "sha256", want[:2], want[2:])); err != nil {
		t.Fatalf("blob not at its content address: %v", err)
	}
	f, err := s.Open(want)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// The reader seeks, as http.ServeContent needs for Range requests.
	if _, err := f.Seek(9, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(f)
	if err != nil || !bytes.Equal(got, content[9:]) {
		t.Fatalf("read back %d bytes (%v), want %d", len(got), err, len(content)-9)
	}
	if ok, err := s.Exists(want); !ok || err != nil {
		t.Fatalf("Exists = %v, %v", ok, err)
	}
	if left := tempFiles(t, root); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestPutKeepsGivenMediaType(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	info, err := s.Put(ctxFor(t), strings.NewReader("a,b\n1,2\n"), 0, "text/csv")
	if err != nil || info.MediaType != "text/csv" {
		t.Fatalf("info = %+v, %v", info, err)
	}
}

func TestPutDeduplicatesConcurrentIdenticalContent(t *testing.T) {
	t.Parallel()
	s, root := newStore(t)
	ctx := ctxFor(t)
	content := bytes.Repeat([]byte("same bytes "), 10_000)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			info, err := s.Put(ctx, bytes.NewReader(content), 0, "")
			if err == nil && info.SHA256 != digest(content) {
				err = errors.New("wrong digest " + info.SHA256)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	sha := digest(content)
	entries, err := os.ReadDir(filepath.Join(root, "sha256", sha[:2]))
	if err != nil || len(entries) != 1 {
		t.Fatalf("want exactly one blob file, got %v (%v)", entries, err)
	}
	if left := tempFiles(t, root); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestPutEnforcesLimitAndLeavesNothing(t *testing.T) {
	t.Parallel()
	s, root := newStore(t)
	ctx := ctxFor(t)
	if _, err := s.Put(ctx, strings.NewReader("12345678901"), 10, ""); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("11 bytes over a 10 byte limit: %v, want ErrTooLarge", err)
	}
	if _, err := s.Put(ctx, strings.NewReader("1234567890"), 10, ""); err != nil {
		t.Fatalf("exactly the limit: %v", err)
	}
	if ok, _ := s.Exists(digest([]byte("12345678901"))); ok {
		t.Fatal("oversized blob was stored")
	}
	if left := tempFiles(t, root); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestPutStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	s, root := newStore(t)
	ctx, cancel := context.WithCancel(ctxFor(t))
	r := &cancellingReader{cancel: cancel}
	if _, err := s.Put(ctx, r, 0, ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if r.reads > 2 {
		t.Fatalf("kept reading %d times after cancel", r.reads)
	}
	if left := tempFiles(t, root); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

type cancellingReader struct {
	cancel func()
	reads  int
}

func (r *cancellingReader) Read(p []byte) (int, error) {
	r.reads++
	r.cancel()
	return copy(p, "chunk"), nil
}

// A full disk is reported as ErrNoSpace (507), not as a generic failure. The error
// is the kernel's own: writes to /dev/full fail with ENOSPC.
func TestPutReportsFullDiskAsNoSpace(t *testing.T) {
	t.Parallel()
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("/dev/full: %v", err)
	}
	defer full.Close()
	s, root := newStore(t)
	s.wrap = func(io.Writer) io.Writer { return full }
	_, err = s.Put(ctxFor(t), strings.NewReader("does not fit"), 0, "")
	if !errors.Is(err, ErrNoSpace) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("got %v, want ErrNoSpace wrapping ENOSPC", err)
	}
	if left := tempFiles(t, root); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func TestOpenRejectsAnythingButADigest(t *testing.T) {
	t.Parallel()
	s, root := newStore(t)
	// A file outside the blob tree that a traversal would reach.
	if err := os.WriteFile(filepath.Join(root, "secret"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		"", "../secret", "../../secret", "sha256/../secret",
		strings.Repeat("A", 64), strings.Repeat("g", 64), strings.Repeat("a", 63),
		"../" + strings.Repeat("a", 61), "/etc/passwd",
	} {
		if _, err := s.Open(name); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open(%q) = %v, want ErrNotFound", name, err)
		}
		if ok, err := s.Exists(name); ok || err != nil {
			t.Errorf("Exists(%q) = %v, %v", name, ok, err)
		}
	}
	if _, err := s.Open(digest([]byte("never stored"))); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing blob: %v", err)
	}
}

func TestRemoveStaleTemp(t *testing.T) {
	t.Parallel()
	now := time.Now()
	root := t.TempDir()
	s, err := New(Config{Root: root, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(root, "sha256", tempPrefix+"old")
	fresh := filepath.Join(root, "sha256", tempPrefix+"fresh")
	for _, p := range []string{old, fresh} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(old, now.Add(-2*time.Hour), now.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	n, err := s.RemoveStaleTemp(ctxFor(t), time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("removed %d (%v), want 1", n, err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Fatal("an upload in progress was removed")
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if _, err := New(Config{}); err == nil {
		t.Fatal("empty root accepted")
	}
}
