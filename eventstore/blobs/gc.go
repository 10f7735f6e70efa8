package blobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// gcPrefix marks a blob GC moved aside to decide on it: <dir>/.gc-<digest>.
const gcPrefix = ".gc-"

// GCStats is what one GC pass did.
type GCStats struct {
	Blobs        int   // blob files found
	Candidates   int   // untouched for the grace period
	Removed      int   // unreferenced and removed
	RemovedBytes int64 // their size
	Temps        int   // stale temporary files removed
}

// GC removes the blobs that no committed event references and that nobody wrote
// or re-uploaded for grace, and the temporary files older than grace (uploads a
// crash interrupted). referenced is called after the blobs are listed and must
// return every digest a committed event names.
//
// Why it never removes a blob that is, or is about to be, referenced:
//   - A committed reference is in referenced's answer: the blob stays.
//   - An upload whose event is still being appended wrote (or touched, when the
//     content was stored already: Put) its blob less than grace ago, as long as
//     an upload's request lasts less than grace: its modification time is after
//     the cutoff, and the blob stays.
//   - The modification time is checked again after the blob is moved aside under
//     a name of its own (an atomic rename): if an upload touched it meanwhile, it
//     is moved back; if an upload found it gone, that upload published its own
//     copy (Put retries). A pass that crashed with a blob moved aside puts it back
//     at the start of the next.
func (s *Store) GC(ctx context.Context, grace time.Duration, referenced func(context.Context) (map[string]bool, error)) (GCStats, error) {
	var st GCStats
	if grace < 0 {
		return st, errors.New("blobs: gc grace must not be negative")
	}
	if err := s.restoreMovedAside(); err != nil {
		return st, err
	}
	cutoff := s.clock().Add(-grace)
	var candidates []string
	err := filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || filepath.Dir(filepath.Dir(path)) != s.dir {
			return nil // the sha256 folder's own files are temporary ones
		}
		sha := filepath.Base(filepath.Dir(path)) + d.Name()
		if !ValidDigest(sha) {
			return nil
		}
		st.Blobs++
		if info, err := d.Info(); err == nil && info.ModTime().Before(cutoff) {
			candidates = append(candidates, sha)
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("blobs: gc: list: %w", err)
	}
	st.Candidates = len(candidates)
	if len(candidates) > 0 {
		refs, err := referenced(ctx)
		if err != nil {
			return st, fmt.Errorf("blobs: gc: references: %w", err)
		}
		for _, sha := range candidates {
			if err := ctx.Err(); err != nil {
				return st, err
			}
			if refs[sha] {
				continue
			}
			size, removed, err := s.removeIfUntouched(sha, cutoff)
			if err != nil {
				return st, err
			}
			if removed {
				st.Removed++
				st.RemovedBytes += size
			}
		}
	}
	if st.Temps, err = s.RemoveStaleTemp(ctx, grace); err != nil {
		return st, err
	}
	return st, nil
}

// removeIfUntouched moves the blob aside, then removes it if it is still older
// than cutoff, or puts it back.
func (s *Store) removeIfUntouched(sha string, cutoff time.Time) (int64, bool, error) {
	final, aside := s.path(sha), filepath.Join(s.dir, gcPrefix+sha)
	if err := os.Rename(final, aside); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return 0, false, nil // another pass took it
		}
		return 0, false, fmt.Errorf("blobs: gc: move %s aside: %w", sha, err)
	}
	info, err := os.Stat(aside)
	if err != nil {
		return 0, false, fmt.Errorf("blobs: gc: %w", err)
	}
	if !info.ModTime().Before(cutoff) {
		return 0, false, s.putBack(sha)
	}
	if err := os.Remove(aside); err != nil {
		return 0, false, fmt.Errorf("blobs: gc: remove %s: %w", sha, err)
	}
	s.log.Info("blobs: removed an unreferenced blob", "sha256", sha, "size", info.Size())
	return info.Size(), true, nil
}

// putBack returns a blob GC moved aside; if an upload published the same content
// meanwhile, that copy is kept.
func (s *Store) putBack(sha string) error {
	final, aside := s.path(sha), filepath.Join(s.dir, gcPrefix+sha)
	if err := os.Link(aside, final); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("blobs: gc: put %s back: %w", sha, err)
	}
	if err := os.Remove(aside); err != nil {
		return fmt.Errorf("blobs: gc: %w", err)
	}
	return nil
}

// restoreMovedAside puts back what a pass that did not finish left aside.
func (s *Store) restoreMovedAside() error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("blobs: gc: %w", err)
	}
	for _, e := range entries {
		if sha, ok := strings.CutPrefix(e.Name(), gcPrefix); ok && ValidDigest(sha) {
			if err := os.MkdirAll(filepath.Dir(s.path(sha)), 0o750); err != nil {
				return fmt.Errorf("blobs: gc: %w", err)
			}
			if err := s.putBack(sha); err != nil {
				return err
			}
		}
	}
	return nil
}
