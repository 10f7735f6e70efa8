package httpapi

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestPortalArchiveMemoryIsFlat (opt-in: SHAREHUB_ARCHIVE_MIB=1024 for the
// 1 GiB figure; it writes that much to the test's temp dir twice) streams a
// folder of incompressible documents as a ZIP and checks that the process's
// heap does not grow with the archive: the peak heap in use while streaming
// stays within 64 MiB of the heap before. It logs the peak RSS (VmHWM, reset
// before the download), the peak heap and the time, which are the figures the
// README reports; the time is not asserted.
func TestPortalArchiveMemoryIsFlat(t *testing.T) {
	mib, _ := strconv.Atoi(os.Getenv("SHAREHUB_ARCHIVE_MIB"))
	if mib <= 0 {
		t.Skip("set SHAREHUB_ARCHIVE_MIB (e.g. 1024) to measure a large folder archive")
	}
	const docs = 8
	per := int64(mib) << 20 / docs
	w := newArchiveWorld(t, func(c *Config) { c.MaxUploadBytes = per + 1<<20; c.MaxArchiveBytes = int64(mib)<<20 + 1<<30 })
	big := w.s.newFolder(w.provider, `{"name":"Big"}`)
	for i := range docs {
		streamUpload(t, w.s.ts, w.provider, big.ID.String(), fmt.Sprintf("part-%d.bin", i), per)
	}
	w.s.share(w.provider, w.carlaID, "folder_id", big.ID, "view")
	w.s.pos = w.s.ts.lastPosition(t)
	w.s.get(&w.carla, "/api/v1/portal/providers") // wait for the projections

	runtime.GC()
	debug.FreeOSMemory()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	resetPeakRSS(t)
	var peakHeap atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peakHeap.Load() {
				peakHeap.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()

	start := time.Now()
	req, err := http.NewRequestWithContext(ctxFor(t), "GET", w.s.ts.url+w.archivePath(big.ID), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = w.carla.bearer()
	req.Header.Set("X-Min-Position", strconv.FormatInt(w.s.pos, 10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	elapsed := time.Since(start)
	close(stop)
	<-sampled
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("archive: %d, %d bytes, %v", resp.StatusCode, n, err)
	}
	if want := int64(docs) * per; n < want {
		t.Fatalf("archive of %d bytes, want at least %d", n, want)
	}
	growth := int64(peakHeap.Load()) - int64(before.HeapInuse)
	t.Logf("archive of %d MiB (%d documents, stored) in %s (%.0f MiB/s); heap in use before %d MiB, peak while streaming %d MiB (growth %d MiB); peak RSS while streaming %s",
		n>>20, docs, elapsed.Round(time.Millisecond), float64(n)/(1<<20)/elapsed.Seconds(), before.HeapInuse>>20, peakHeap.Load()>>20, growth>>20, peakRSS(t))
	if growth > 64<<20 {
		t.Fatalf("the heap grew by %d MiB while streaming a %d MiB archive", growth>>20, n>>20)
	}
}

// streamUpload uploads size pseudo-random bytes as one document, generated
// while sent (never held in memory).
func streamUpload(t *testing.T, ts *testServer, who account, folder, name string, size int64) {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		_ = mw.WriteField("folder_id", folder)
		fw, err := mw.CreateFormFile("file", name)
		if err == nil {
			bw := bufio.NewWriterSize(fw, 1<<20)
			rng := rand.New(rand.NewPCG(uint64(size), uint64(len(name))))
			buf := make([]byte, 1<<16)
			for left := size; left > 0 && err == nil; left -= int64(len(buf)) {
				for i := 0; i+8 <= len(buf); i += 8 {
					v := rng.Uint64()
					for j := range 8 {
						buf[i+j] = byte(v >> (8 * j))
					}
				}
				_, err = bw.Write(buf[:min(int64(len(buf)), left)])
			}
			if err == nil {
				err = bw.Flush()
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", ts.url+"/api/v1/documents", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = who.bearer()
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 201 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("upload %s: %d %s", name, resp.StatusCode, b)
	}
}

// resetPeakRSS resets VmHWM (Linux: clear_refs 5), so that peakRSS reports the
// peak since this call.
func resetPeakRSS(t *testing.T) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Logf("reset peak RSS: %v", err)
	}
}

func peakRSS(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.Join(strings.Fields(strings.TrimPrefix(line, "VmHWM:")), " ")
		}
	}
	return "unknown"
}
