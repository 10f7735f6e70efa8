package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Without KEY_ENCRYPTION_KEY, serve and migrate make one key file under DATA_DIR
// (processes starting together agree on it), the other commands only read it, and
// KEY_ENCRYPTION_KEY wins over the file.
func TestKeyEncryptionKeyFromEnvironmentOrFile(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := filepath.Join(t.TempDir(), "data")
	cfg := Config{DataDir: dir}
	if _, err := loadKEK(cfg, false, log); err == nil {
		t.Fatal("a command other than serve made a key")
	}
	ids := make([]string, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			k, err := loadKEK(cfg, true, log)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = k.ID()
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("processes starting together made different keys: %q", ids)
		}
	}
	st, err := os.Stat(filepath.Join(dir, kekFileName))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("left behind: %v", entries)
	}
	if k, err := loadKEK(cfg, false, log); err != nil || k.ID() != ids[0] {
		t.Fatalf("read back: %v", err)
	}
	cfg.KeyEncryptionKey = testKEK
	if k, err := loadKEK(cfg, true, log); err != nil || k.ID() == ids[0] {
		t.Fatalf("KEY_ENCRYPTION_KEY did not win: %v", err)
	}
	cfg.KeyEncryptionKey = "too short"
	if _, err := loadKEK(cfg, true, log); err == nil {
		t.Fatal("a malformed KEY_ENCRYPTION_KEY was accepted")
	}
}
