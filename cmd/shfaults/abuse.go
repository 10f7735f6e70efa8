package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
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
	dbURL, drop, err := h.scratch(ctx, h.baseURL, "faults_links")
	if err != nil {
		return r.error(err)
	}
	defer drop()
	s, err := h.start(ctx, dbURL, filepath.Join(h.tmp, "blobs-links"), "", "LINK_OPEN_LIMIT=0")
	if err != nil {
		return r.error(err)
	}
	defer func() { s.stop() }()
	l := newLoad(s.base())
	l.fileSize = 4 << 10
	if err := l.setup(ctx); err != nil {
		return r.error(err)
	}
	warm, _, err := l.linkToNewDocument(ctx)
	if err != nil {
		return r.error(err)
	}
	if _, err := l.openRepeatedly(ctx, warm, 300); err != nil {
		return r.error(fmt.Errorf("warm-up: %w", err))
	}
	token, linkID, err := l.linkToNewDocument(ctx)
	if err != nil {
		return r.error(err)
	}
	t0 := time.Now()
	lats, err := l.openRepeatedly(ctx, token, n)
	if err != nil {
		return r.error(err)
	}
	took := time.Since(t0)
	first, last := median(lats[:100]), median(lats[len(lats)-100:])
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

// openRepeatedly GETs a link's content n times in a row; latencies in ms.
func (l *load) openRepeatedly(ctx context.Context, token string, n int) ([]float64, error) {
	lats := make([]float64, 0, n)
	url := l.base() + "/l/" + token + "/content"
	for i := range n {
		req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
		if err != nil {
			return nil, err
		}
		t0 := time.Now()
		resp, err := l.http.Do(req)
		if err != nil {
			return nil, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("open %d: %d", i, resp.StatusCode)
		}
		lats = append(lats, float64(time.Since(t0).Microseconds())/1000)
	}
	return lats, nil
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

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
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
