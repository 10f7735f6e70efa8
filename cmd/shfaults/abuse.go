package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/sharehub/sharehub/httpapi/client"
)

// linkOpenTarget: the median latency of the last 100 opens of a link may be at
// most this many times that of its first 100 (issue 12).
const linkOpenTarget = 1.2

// runLinkOpenGrowth opens one link n times in a row against a real `sharehub
// serve` (LINK_OPEN_LIMIT=0), after a warm-up on another link, and compares the
// median latency of the last 100 opens with the first 100. It also checks that
// every open was recorded, each in a stream of its own, and none in the link's.
func (h *harness) runLinkOpenGrowth(ctx context.Context, n int) result {
	r := result{name: "link-open growth"}
	if n < 200 {
		return r.error(fmt.Errorf("-link-opens must be at least 200"))
	}
	rg, err := h.rig(ctx, "links", rigOptions{env: []string{"LINK_OPEN_LIMIT=0"}, fileSize: 4 << 10})
	if err != nil {
		return r.error(err)
	}
	defer rg.close()
	dbURL, l := rg.dbURL, rg.l
	warm, _, err := l.linkToNewDocument(ctx)
	if err != nil {
		return r.error(err)
	}
	if _, err := l.client().OpenLinkRepeatedly(ctx, warm, 300); err != nil {
		return r.error(fmt.Errorf("warm-up: %w", err))
	}
	token, linkID, err := l.linkToNewDocument(ctx)
	if err != nil {
		return r.error(err)
	}
	t0 := time.Now()
	lats, err := l.client().OpenLinkRepeatedly(ctx, token, n)
	if err != nil {
		return r.error(err)
	}
	took := time.Since(t0)
	first, last := client.Median(lats[:100]), client.Median(lats[len(lats)-100:])
	ratio := last / first
	v := &verdict{}
	if ratio > linkOpenTarget {
		v.fail("median of the last 100 opens %.2f ms is %.2f x the first 100 (%.2f ms): more than %.1f", last, ratio, first, linkOpenTarget)
	}
	recorded, inLinkStream, err := countOpens(ctx, dbURL, linkID)
	if err != nil {
		return r.error(err)
	}
	if recorded != n {
		v.fail("%d opens answered 200, %d recorded as LinkOpened", n, recorded)
	}
	if inLinkStream != 0 {
		v.fail("%d opens recorded in the link's own stream", inLinkStream)
	}
	r.verdict(v)
	r.figures = fmt.Sprintf("ratio %.2f (last 100 median %.2f ms / first 100 median %.2f ms, target <= %.1f); %d opens in %.1fs (%.0f/s), all recorded, none in the link's stream",
		ratio, last, first, linkOpenTarget, n, took.Seconds(), float64(n)/took.Seconds())
	return r
}

// linkToNewDocument uploads a small document and creates a link to it.
func (l *load) linkToNewDocument(ctx context.Context) (token, linkID string, err error) {
	var folder struct {
		ID string `json:"id"`
	}
	if _, err := l.json(ctx, "folder", "POST", "/api/v1/folders", l.providerToken, map[string]string{"name": "links " + randomHex(3)}, &folder); err != nil {
		return "", "", err
	}
	doc, _, err := l.upload(ctx, folder.ID, "", l.fileSize)
	if err != nil {
		return "", "", err
	}
	var link struct {
		ID  string `json:"id"`
		URL string `json:"url"`
	}
	if _, err := l.json(ctx, "link", "POST", "/api/v1/documents/"+doc+"/links", l.providerToken, map[string]string{}, &link); err != nil {
		return "", "", err
	}
	return link.URL[strings.LastIndex(link.URL, "/")+1:], link.ID, nil
}

func countOpens(ctx context.Context, dbURL, linkID string) (recorded, inLinkStream int, err error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close(ctx)
	err = conn.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE stream_id = 'link-' || $1)
		FROM events WHERE event_type = 'LinkOpened' AND payload->>'link_id' = $1`, linkID).Scan(&recorded, &inLinkStream)
	return recorded, inLinkStream, err
}

// dirBytes sums the sizes of the regular files below root.
func dirBytes(root string) (files int, bytes int64) {
	_ = filepath.WalkDir(root, func(_ string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			files++
			bytes += info.Size()
		}
		return nil
	})
	return files, bytes
}

// runUploadFlood: a signed-in company floods another provider's folder with 5 MiB
// uploads from 8 clients at once (and a few uploads into its own folder that are
// stored, then refused for a bad field after the file: orphans). Every foreign
// upload must answer 404 without the file reaching the disk; `sharehub blobs gc`
// then removes the orphans, and the blob folder holds exactly what it held before,
// every blob an event references included.
func (h *harness) runUploadFlood(ctx context.Context, total int) result {
	r := result{name: "upload flood into foreign folders"}
	rg, err := h.rig(ctx, "uploads", rigOptions{env: []string{"BLOB_GC_INTERVAL=0"}})
	if err != nil {
		return r.error(err)
	}
	defer rg.close()
	dbURL, blobDir, s, l := rg.dbURL, rg.blobDir, rg.s, rg.l
	var victim struct {
		ID string `json:"id"`
	}
	if _, err := l.json(ctx, "folder", "POST", "/api/v1/folders", l.providerToken, map[string]string{"name": "victim"}, &victim); err != nil {
		return r.error(err)
	}
	for range 3 { // the victim's own files: referenced, must survive
		if _, _, err := l.upload(ctx, victim.ID, "", 64<<10); err != nil {
			return r.error(err)
		}
	}
	attacker, err := l.signup(ctx, "attacker")
	if err != nil {
		return r.error(err)
	}
	var own struct {
		ID string `json:"id"`
	}
	if _, err := l.json(ctx, "folder", "POST", "/api/v1/folders", attacker.Token, map[string]string{"name": "own"}, &own); err != nil {
		return r.error(err)
	}
	filesBefore, bytesBefore := dirBytes(blobDir)

	const size = 5 << 20
	statuses := map[int]int{}
	var mu sync.Mutex
	jobs := make(chan int)
	done := make(chan struct{})
	t0 := time.Now()
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range jobs {
				st := floodOnce(ctx, l, s.base(), attacker.Token, victim.ID, size)
				mu.Lock()
				statuses[st]++
				mu.Unlock()
			}
		}()
	}
	for i := range total {
		jobs <- i
	}
	close(jobs)
	for range 8 {
		<-done
	}
	took := time.Since(t0)
	filesFlood, bytesFlood := dirBytes(blobDir)

	// Orphans: authorized, stored, then refused for a bad name after the file.
	orphans := 0
	for i := range 3 {
		if st := orphanOnce(ctx, l, s.base(), attacker.Token, own.ID, 1<<20, i); st == http.StatusBadRequest {
			orphans++
		}
	}
	filesOrphans, bytesOrphans := dirBytes(blobDir)
	gc := exec.CommandContext(ctx, h.bin, "blobs", "gc", "--grace", "0s")
	gc.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "BLOB_DIR="+blobDir, "LOG_LEVEL=warn")
	gcOut, gcErr := gc.CombinedOutput()
	filesAfter, bytesAfter := dirBytes(blobDir)

	v := &verdict{}
	if statuses[http.StatusNotFound]+statuses[-1] != total {
		v.fail("foreign uploads answered %v, want %d x 404", statuses, total)
	}
	if filesFlood != filesBefore || bytesFlood != bytesBefore {
		v.fail("the flood changed the blob folder: %d files, %d bytes before; %d, %d after", filesBefore, bytesBefore, filesFlood, bytesFlood)
	}
	if orphans != 3 || filesOrphans != filesBefore+3 {
		v.fail("orphan uploads: %d answered 400, %d files added (want 3 and 3)", orphans, filesOrphans-filesBefore)
	}
	if gcErr != nil {
		v.fail("blobs gc: %v: %s", gcErr, strings.TrimSpace(string(gcOut)))
	}
	if filesAfter != filesBefore || bytesAfter != bytesBefore {
		v.fail("after gc: %d files, %d bytes; before the flood %d, %d", filesAfter, bytesAfter, filesBefore, bytesBefore)
	}
	checked, missing, temps := h.blobsReferenced(ctx, dbURL, blobDir, v)
	r.verdict(v)
	r.figures = fmt.Sprintf("%d x 5 MiB foreign uploads from 8 clients in %.1fs: %v (-1: connection closed by the server); blob folder %d files/%d bytes before, %d/%d after the flood, %d/%d with %d orphans, %d/%d after gc (%s); %d file events checked, %d missing blobs, %d temporary files",
		total, took.Seconds(), statuses, filesBefore, bytesBefore, filesFlood, bytesFlood, filesOrphans, bytesOrphans, orphans, filesAfter, bytesAfter,
		strings.TrimSpace(string(gcOut)), checked, missing, temps)
	return r
}

// floodOnce posts a file of size bytes into folder (folder_id first, as clients
// send it) and answers the status (-1: the server closed the connection while the
// body was still being sent, having answered without reading it).
func floodOnce(ctx context.Context, l *load, base, token, folder string, size int) int {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		_ = mw.WriteField("folder_id", folder)
		fw, _ := mw.CreateFormFile("file", "flood.bin")
		chunk := bytes.Repeat([]byte{'f'}, 64<<10)
		for sent := 0; sent < size; sent += len(chunk) {
			if _, err := fw.Write(chunk); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	status := postDocument(ctx, l, base, token, pr, mw.FormDataContentType(), func(err error) { pr.CloseWithError(err) })
	pr.CloseWithError(io.ErrClosedPipe)
	return status
}

// postDocument sends a multipart upload and answers its status: 0 when the
// request cannot be made, -1 when it got no answer (after failed(err)).
func postDocument(ctx context.Context, l *load, base, token string, body io.Reader, contentType string, failed func(error)) int {
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/api/v1/documents", body)
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	resp, err := l.http.Do(req)
	if err != nil {
		failed(err)
		return -1
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// orphanOnce uploads into the caller's own folder with a "name" part after the
// file holding a control character: the file is stored, then the request refused.
func orphanOnce(ctx context.Context, l *load, base, token, folder string, size, i int) int {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("folder_id", folder)
	fw, _ := mw.CreateFormFile("file", "orphan.bin")
	content := make([]byte, size)
	_, _ = rand.Read(content)
	_, _ = fw.Write(content)
	_ = mw.WriteField("name", fmt.Sprintf("bad\x01name-%d", i))
	_ = mw.Close()
	return postDocument(ctx, l, base, token, &body, mw.FormDataContentType(), func(error) {})
}
