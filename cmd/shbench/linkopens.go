package main

import (
	"context"
	"fmt"
	"github.com/sharehub/sharehub/httpapi/client"
	"strings"
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
	c := client.New(apiURL, loopbackClient())
	token, err := linkToSmallDocument(ctx, c, "lin")
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	// Warm the server up on another link first (connections, prepared statements,
	// caches), so the first 100 opens measured are not slow for reasons of their own.
	warm, err := linkToSmallDocument(ctx, c, "warm")
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	if _, err := c.OpenLinkRepeatedly(ctx, warm, 300); err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	fmt.Printf("link opens: %d opens of one link in a row ...\n", n)
	lats, err := c.OpenLinkRepeatedly(ctx, token, n)
	if err != nil {
		return nil, err
	}
	var opens int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM events WHERE event_type = 'LinkOpened' AND payload->>'link_id' = (
		SELECT payload->>'link_id' FROM events WHERE event_type = 'LinkCreated' ORDER BY position LIMIT 1)`).Scan(&opens); err != nil {
		return nil, err
	}
	first, last := client.Median(lats[:100]), client.Median(lats[len(lats)-100:])
	ratio := last / first
	verdict := "ok"
	if ratio > linkOpenTarget {
		verdict = "MISSED"
	}
	return []result{{name: "Link open latency, last 100 / first 100", ours: last, raw: first, unit: "ms",
		notes: fmt.Sprintf("median of the last 100 of %d opens / median of the first 100 = %.2f (target <= %.1f: %s); first %.2f ms, last %.2f ms, median of all %.2f ms; %d LinkOpened recorded",
			n, ratio, linkOpenTarget, verdict, first, last, client.Median(lats), opens)}}, nil
}

// linkToSmallDocument signs a provider up, uploads a small document and creates a
// link to it; it returns the link's token.
func linkToSmallDocument(ctx context.Context, c *client.Client, who string) (string, error) {
	prov, _, err := c.Signup(ctx, client.SignupInput{CompanyName: "Link Bench " + who,
		Name: "Lin Bench", Email: who + "@links.bench.test", Password: "a long bench password"})
	if err != nil {
		return "", err
	}
	folder, _, err := c.CreateFolder(ctx, prov.Token, "Links", nil)
	if err != nil {
		return "", err
	}
	doc, _, err := c.UploadDocument(ctx, prov.Token, folder.ID, "leaflet.pdf", []byte(strings.Repeat("leaflet ", 512)))
	if err != nil {
		return "", err
	}
	link, _, err := c.CreateLink(ctx, prov.Token, doc.ID)
	if err != nil {
		return "", err
	}
	return link.Token(), nil
}
