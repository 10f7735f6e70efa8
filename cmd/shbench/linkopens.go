package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"time"
)

// linkOpenTarget: the median of the last 100 opens of a link may be at most this
// many times the median of its first 100 (issue 12: an open costs O(1) whatever
// the link's history).
const linkOpenTarget = 1.2

// benchLinkOpens opens one link n times in a row (GET /l/{token}/content, each a
// recorded LinkOpened) through the real router on loopback, throttling off
// (LINK_OPEN_LIMIT=0), and compares the median latency of the last 100 opens with
// the first 100 (after a warm-up on another link). The result's "raw" is the first
// median, "ours" the last: the ratio printed is last/first (target <= 1.2).
func benchLinkOpens(ctx context.Context, baseURL string, n int) ([]result, error) {
	if n < 200 {
		return nil, fmt.Errorf("link opens: need at least 200, got %d", n)
	}
	srv, closeServer, err := startBenchServer(ctx, baseURL, "bench_links")
	if err != nil {
		return nil, err
	}
	defer closeServer()
	pool, apiURL := srv.pool, srv.url
	c := &benchClient{base: apiURL, http: loopbackClient()}
	token, err := c.linkToSmallDocument(ctx, "lin")
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	// Warm the server up on another link first (connections, prepared statements,
	// caches), so the first 100 opens measured are not slow for reasons of their own.
	warm, err := c.linkToSmallDocument(ctx, "warm")
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	if _, err := openRepeatedly(ctx, c.http, apiURL+"/l/"+warm+"/content", 300); err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	fmt.Printf("link opens: %d opens of one link in a row ...\n", n)
	lats, err := openRepeatedly(ctx, c.http, apiURL+"/l/"+token+"/content", n)
	if err != nil {
		return nil, err
	}
	var opens int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE event_type = 'LinkOpened' AND payload->>'link_id' = (
		SELECT payload->>'link_id' FROM events WHERE event_type = 'LinkCreated' ORDER BY position LIMIT 1)`).Scan(&opens); err != nil {
		return nil, err
	}
	first, last := median(lats[:100]), median(lats[len(lats)-100:])
	ratio := last / first
	verdict := "ok"
	if ratio > linkOpenTarget {
		verdict = "MISSED"
	}
	return []result{{name: "Link open latency, last 100 / first 100", ours: last, raw: first, unit: "ms",
		notes: fmt.Sprintf("median of the last 100 of %d opens / median of the first 100 = %.2f (target <= %.1f: %s); first %.2f ms, last %.2f ms, median of all %.2f ms; %d LinkOpened recorded",
			n, ratio, linkOpenTarget, verdict, first, last, median(lats), opens)}}, nil
}

// openRepeatedly GETs url n times in a row and returns each latency in ms; every
// answer must be 200.
func openRepeatedly(ctx context.Context, client *http.Client, url string, n int) ([]float64, error) {
	lats := make([]float64, 0, n)
	for i := range n {
		req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
		if err != nil {
			return nil, err
		}
		t0 := time.Now()
		resp, err := client.Do(req)
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

// linkToSmallDocument signs a provider up, uploads a small document and creates a
// link to it; it returns the link's token.
func (c *benchClient) linkToSmallDocument(ctx context.Context, who string) (string, error) {
	var prov struct {
		Token string `json:"token"`
	}
	if _, err := c.json(ctx, "POST", "/api/v1/signup", nil, map[string]string{"company_name": "Link Bench " + who,
		"name": "Lin Bench", "email": who + "@links.bench.test", "password": "a long bench password"}, &prov); err != nil {
		return "", err
	}
	pa := http.Header{"Authorization": {"Bearer " + prov.Token}}
	var folder struct {
		ID string `json:"id"`
	}
	if _, err := c.json(ctx, "POST", "/api/v1/folders", pa, map[string]string{"name": "Links"}, &folder); err != nil {
		return "", err
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("folder_id", folder.ID)
	fw, _ := mw.CreateFormFile("file", "leaflet.pdf")
	_, _ = fw.Write([]byte(strings.Repeat("leaflet ", 512)))
	_ = mw.Close()
	var doc struct {
		ID string `json:"id"`
	}
	if _, err := c.call(ctx, "POST", "/api/v1/documents", pa, &body, mw.FormDataContentType(), &doc); err != nil {
		return "", err
	}
	var link struct {
		URL string `json:"url"`
	}
	if _, err := c.json(ctx, "POST", "/api/v1/documents/"+doc.ID+"/links", pa, map[string]string{}, &link); err != nil {
		return "", err
	}
	return link.URL[strings.LastIndex(link.URL, "/")+1:], nil
}
