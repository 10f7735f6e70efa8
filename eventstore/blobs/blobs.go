// Package blobs stores file contents on disk, addressed by their SHA-256: each
// distinct content is written once, at <root>/sha256/<first two hex digits>/<the rest>,
// and never changed afterwards. The log records only the digest (domain.FileInfo), so
// a blob may be shared by any number of documents, versions and tenants.
//
// It owns the blob directory and nothing else: it knows no events, no HTTP and no
// database, and must not import domain, httpapi, projections or pgx.
package blobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// ErrTooLarge is returned by Put when the content exceeds the limit it was given.
var ErrTooLarge = errors.New("blob exceeds the size limit")

// ErrNoSpace is returned by Put when the disk (or the quota) is full: a condition an
// operator must fix, distinct from a bad request.
var ErrNoSpace = errors.New("no space left for blobs")

// ErrNotFound is returned by Open for a digest that is not stored (or not a digest).
var ErrNotFound = errors.New("blob not found")

// Info describes a stored blob.
type Info struct {
	SHA256    string // lower-case hex, 64 characters
	Size      int64
	MediaType string
}

// Config configures a Store.
type Config struct {
	// Root is the directory holding the blobs; it is created if missing.
	Root   string
	Logger *slog.Logger
	// Clock is used to age temporary files (default time.Now).
	Clock func() time.Time
}

// Validate reports what is missing.
func (c Config) Validate() error {
	if strings.TrimSpace(c.Root) == "" {
		return errors.New("blobs: Root is required")
	}
	return nil
}

// Store is a content-addressed blob directory. It is safe for concurrent use, also by
// several processes sharing the directory: blobs are published with an atomic link
// or rename, and identical contents are identical files.
type Store struct {
	dir   string // <root>/sha256
	log   *slog.Logger
	clock func() time.Time
	// wrap lets tests put a failing writer between Put and its temporary file.
	wrap func(io.Writer) io.Writer
}

// tempPrefix marks files being written; they live in the same directory tree as the
// blobs so that publishing them is a rename on one file system.
const tempPrefix = ".upload-"

// New opens (creating if needed) the blob directory.
func New(cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Store{dir: filepath.Join(cfg.Root, "sha256"), log: cfg.Logger, clock: cfg.Clock}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if err := os.MkdirAll(s.dir, 0o750); err != nil {
		return nil, fmt.Errorf("blobs: %w", classify(err))
	}
	return s, nil
}

// Put streams r into the store and returns the blob's digest, size and media type.
// At most maxBytes are accepted (ErrTooLarge beyond; maxBytes <= 0 means no limit).
// The content is hashed while it is written to a temporary file, which is synced to
// disk before it is published under its digest, so a crash never leaves a partial
// blob under a valid name; nothing is held in memory but one buffer. When the blob
// already exists the temporary file is dropped (deduplication).
//
// mediaType, when not empty, is recorded as given; otherwise it is sniffed from the
// first 512 bytes with http.DetectContentType.
func (s *Store) Put(ctx context.Context, r io.Reader, maxBytes int64, mediaType string) (info Info, err error) {
	tmp, err := os.CreateTemp(s.dir, tempPrefix+"*")
	if err != nil {
		return Info{}, fmt.Errorf("blobs: create temp: %w", classify(err))
	}
	published := false
	defer func() {
		if !published {
			_ = tmp.Close()
			if rmErr := os.Remove(tmp.Name()); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
				s.log.Warn("blobs: temporary file left behind", "file", tmp.Name(), "err", rmErr)
			}
		}
	}()

	h := sha256.New()
	sniff := &sniffer{}
	var dst io.Writer = tmp
	if s.wrap != nil {
		dst = s.wrap(tmp)
	}
	src := r
	if maxBytes > 0 {
		src = io.LimitReader(r, maxBytes+1) // one byte more tells "too large" from "exactly full"
	}
	n, err := copyCtx(ctx, io.MultiWriter(dst, h, sniff), src)
	if err != nil {
		return Info{}, fmt.Errorf("blobs: write: %w", classify(err))
	}
	if maxBytes > 0 && n > maxBytes {
		return Info{}, ErrTooLarge
	}
	if err := tmp.Sync(); err != nil {
		return Info{}, fmt.Errorf("blobs: sync: %w", classify(err))
	}
	if err := tmp.Close(); err != nil {
		return Info{}, fmt.Errorf("blobs: close: %w", classify(err))
	}
	info = Info{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n, MediaType: mediaType}
	if info.MediaType == "" {
		info.MediaType = http.DetectContentType(sniff.buf)
	}
	final := s.path(info.SHA256)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return Info{}, fmt.Errorf("blobs: %w", classify(err))
	}
	if err := s.publish(tmp.Name(), final); err != nil {
		return Info{}, err
	}
	published = true
	return info, nil
}

// publish makes the temporary file the blob. A hard link never replaces an existing
// file, so a blob is written exactly once even when two uploads of the same content
// race; the temporary name is removed either way.
//
// A blob that exists already is touched (its modification time set to now): it is
// about to be referenced again, and GC removes only blobs untouched for its grace
// period. If GC moved it aside at that instant, ours is published instead.
func (s *Store) publish(tmp, final string) error {
	err := os.Link(tmp, final)
	for attempt := 0; errors.Is(err, fs.ErrExist) && attempt < 3; attempt++ {
		now := s.clock()
		if err = os.Chtimes(final, now, now); errors.Is(err, fs.ErrNotExist) {
			err = os.Link(tmp, final)
		}
	}
	switch {
	case err == nil:
		if rmErr := os.Remove(tmp); rmErr != nil {
			s.log.Warn("blobs: temporary file left behind", "file", tmp, "err", rmErr)
		}
	default:
		// File systems without hard links: a rename over an identical file is harmless.
		if err := os.Rename(tmp, final); err != nil {
			return fmt.Errorf("blobs: publish: %w", classify(err))
		}
	}
	if err := syncDir(filepath.Dir(final)); err != nil {
		return fmt.Errorf("blobs: sync dir: %w", classify(err))
	}
	return nil
}

// Open returns the blob for reading. *os.File is an io.ReadSeeker, as
// http.ServeContent needs for Range requests; the caller closes it.
func (s *Store) Open(sha string) (*os.File, error) {
	if !ValidDigest(sha) {
		return nil, fmt.Errorf("blobs: open %q: %w", sha, ErrNotFound)
	}
	f, err := os.Open(s.path(sha))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blobs: open %s: %w", sha, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("blobs: open %s: %w", sha, err)
	}
	return f, nil
}

// Exists reports whether the blob is stored. Anything that is not a digest does not
// exist.
func (s *Store) Exists(sha string) (bool, error) {
	if !ValidDigest(sha) {
		return false, nil
	}
	_, err := os.Stat(s.path(sha))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("blobs: stat %s: %w", sha, err)
	}
}

// RemoveStaleTemp deletes temporary files older than age: what uploads interrupted
// by a crash left behind. It returns how many it removed.
func (s *Store) RemoveStaleTemp(ctx context.Context, age time.Duration) (int, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return 0, fmt.Errorf("blobs: %w", err)
	}
	cutoff := s.clock().Add(-age)
	removed := 0
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return removed, err
		}
		if !strings.HasPrefix(e.Name(), tempPrefix) || e.IsDir() {
			continue
		}
		fi, err := e.Info()
		if err != nil || fi.ModTime().After(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(s.dir, e.Name())); err == nil {
			removed++
		}
	}
	return removed, nil
}

// path is only ever called with a validated digest: hex digits cannot spell "..",
// a separator or anything else that leaves the directory.
func (s *Store) path(sha string) string {
	return filepath.Join(s.dir, sha[:2], sha[2:])
}

// ValidDigest reports whether s is a lower-case hex SHA-256 digest.
func ValidDigest(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// classify turns a full disk or exhausted quota into ErrNoSpace, keeping the cause.
func classify(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", ErrNoSpace, err)
	}
	return err
}

// copyCtx is io.Copy that stops between chunks once ctx is done, so an abandoned
// upload does not keep writing.
func copyCtx(ctx context.Context, dst io.Writer, src io.Reader) (int64, error) {
	buf := make([]byte, 64<<10)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		nr, rerr := src.Read(buf)
		if nr > 0 {
			nw, werr := dst.Write(buf[:nr])
			n += int64(nw)
			if werr != nil {
				return n, werr
			}
			if nw != nr {
				return n, io.ErrShortWrite
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// sniffer keeps the first 512 bytes, all http.DetectContentType looks at.
type sniffer struct{ buf []byte }

func (s *sniffer) Write(p []byte) (int, error) {
	if room := 512 - len(s.buf); room > 0 {
		s.buf = append(s.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}
