package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/sharehub/sharehub/projections"
)

// benchHTTP runs the API in this process on loopback, builds a provider, a
// customer with a shared folder holding a 1 MiB document, and a link, then drives
// 16 clients for d against each of: the portal listing, the 1 MiB portal download
// and link resolution. The raw baseline is the same client against a chi handler
// on loopback that answers a constant of the same size, in the same run.
func benchHTTP(ctx context.Context, baseURL string, d time.Duration) ([]result, error) {
	srv, closeServer, err := startBenchServer(ctx, baseURL, "bench_http")
	if err != nil {
		return nil, err
	}
	defer closeServer()
	apiURL := srv.url
	runCtx, stop := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		_ = (&projections.Runner{Store: srv.store, Pool: srv.pool, Log: srv.log}).Run(runCtx)
		close(stopped)
	}()
	defer func() { stop(); <-stopped }()

	c := &benchClient{base: apiURL, http: loopbackClient()}
	fx, err := c.setup(ctx)
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}

	rawMux := chi.NewRouter()
	rawMux.Get("/const/{size}", func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		switch chi.URLParam(r, "size") {
		case "listing":
			body = fx.listingBody
		case "file":
			body = fx.file
		default:
			body = fx.linkBody
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(body)
	})
	rawURL, closeRaw, err := serveLoopback(rawMux)
	if err != nil {
		return nil, err
	}
	defer closeRaw()

	cases := []struct {
		name, path, raw string
		header          http.Header
	}{
		{"portal listing", "/api/v1/portal/providers/" + fx.provider + "/documents?flat=true", "/const/listing", fx.customerAuth},
		{"portal download 1 MiB", "/api/v1/portal/documents/" + fx.document + "/content", "/const/file", fx.customerAuth},
		{"link resolution", "/l/" + fx.linkToken, "/const/link", nil},
	}
	var out []result
	for _, tc := range cases {
		fmt.Printf("http: %s, 16 clients, %s ...\n", tc.name, d)
		ours, err := load(ctx, c.http, apiURL+tc.path, tc.header, 16, d)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tc.name, err)
		}
		raw, err := load(ctx, c.http, rawURL+tc.raw, nil, 16, d)
		if err != nil {
			return nil, fmt.Errorf("%s raw: %w", tc.name, err)
		}
		out = append(out, result{name: tc.name + " (req/s)", ours: ours.rps, raw: raw.rps, unit: "r/s",
			notes: fmt.Sprintf("sharehub p50 %.2f ms p99 %.2f ms (%d requests); raw constant handler p50 %.2f ms p99 %.2f ms",
				ours.p50, ours.p99, ours.n, raw.p50, raw.p99)})
	}
	return out, nil
}

type loadResult struct {
	rps, p50, p99 float64
	n             int
}

// load runs clients goroutines issuing GET url back to back for d; every answer
// must be 200 with its body read whole.
func load(ctx context.Context, client *http.Client, url string, h http.Header, clients int, d time.Duration) (loadResult, error) {
	var (
		mu    sync.Mutex
		lats  []float64
		first error
		wg    sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []float64
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				for k, v := range h {
					req.Header[k] = v
				}
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
					if err == nil && resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
					}
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
				mine = append(mine, float64(time.Since(t0).Microseconds())/1000)
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if first != nil {
		return loadResult{}, first
	}
	if len(lats) == 0 {
		return loadResult{}, fmt.Errorf("no request completed")
	}
	slices.Sort(lats)
	q := func(p float64) float64 { return lats[min(len(lats)-1, int(p*float64(len(lats))))] }
	return loadResult{rps: float64(len(lats)) / time.Since(start).Seconds(), p50: q(0.5), p99: q(0.99), n: len(lats)}, nil
}

func loopbackClient() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}}
}

func serveLoopback(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

type benchClient struct {
	base string
	http *http.Client
}

type fixture struct {
	provider, document, linkToken string
	customerAuth                  http.Header
	file, listingBody, linkBody   []byte
}

func (c *benchClient) call(ctx context.Context, method, path string, h http.Header, body io.Reader, contentType string, out any) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return resp.Header, nil
}

func (c *benchClient) json(ctx context.Context, method, path string, h http.Header, in, out any) (http.Header, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	return c.call(ctx, method, path, h, bytes.NewReader(b), "application/json", out)
}

// setup builds the fixture through the API, as a client would.
func (c *benchClient) setup(ctx context.Context) (fixture, error) {
	var fx fixture
	type signedUp struct {
		CompanyID string `json:"company_id"`
		UserID    string `json:"user_id"`
		Token     string `json:"token"`
	}
	var prov, cust signedUp
	if _, err := c.json(ctx, "POST", "/api/v1/signup", nil, map[string]string{"company_name": "Bench Provider",
		"name": "Pat Provider", "email": "pat@provider.bench.test", "password": "a long bench password"}, &prov); err != nil {
		return fx, err
	}
	if _, err := c.json(ctx, "POST", "/api/v1/signup", nil, map[string]string{"company_name": "Bench Customer",
		"name": "Cat Customer", "email": "cat@customer.bench.test", "password": "a long bench password"}, &cust); err != nil {
		return fx, err
	}
	pa := http.Header{"Authorization": {"Bearer " + prov.Token}}
	fx.customerAuth = http.Header{"Authorization": {"Bearer " + cust.Token}}
	fx.provider = prov.CompanyID
	var customer struct {
		ID string `json:"id"`
	}
	if _, err := c.json(ctx, "POST", "/api/v1/customers", pa, map[string]string{"company_id": cust.CompanyID}, &customer); err != nil {
		return fx, err
	}
	var folder struct {
		ID string `json:"id"`
	}
	if _, err := c.json(ctx, "POST", "/api/v1/folders", pa, map[string]string{"name": "Bench"}, &folder); err != nil {
		return fx, err
	}
	fx.file = make([]byte, 1<<20)
	if _, err := rand.Read(fx.file); err != nil {
		return fx, err
	}
	for i := range 20 {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("folder_id", folder.ID)
		fw, _ := mw.CreateFormFile("file", fmt.Sprintf("report-%02d.pdf", i))
		content := fx.file
		if i > 0 {
			content = []byte(strings.Repeat(fmt.Sprint(i), 1000))
		}
		_, _ = fw.Write(content)
		_ = mw.Close()
		var doc struct {
			ID string `json:"id"`
		}
		if _, err := c.call(ctx, "POST", "/api/v1/documents", pa, &body, mw.FormDataContentType(), &doc); err != nil {
			return fx, err
		}
		if i == 0 {
			fx.document = doc.ID
		}
	}
	if _, err := c.json(ctx, "POST", "/api/v1/shares", pa, map[string]string{"customer_id": customer.ID, "folder_id": folder.ID, "permission": "view"}, nil); err != nil {
		return fx, err
	}
	var link struct {
		URL string `json:"url"`
	}
	h, err := c.json(ctx, "POST", "/api/v1/documents/"+fx.document+"/links", pa, map[string]string{}, &link)
	if err != nil {
		return fx, err
	}
	fx.linkToken = link.URL[strings.LastIndex(link.URL, "/")+1:]
	// Wait for the share to reach the portal, then record the bodies the raw
	// baseline answers with.
	wait := http.Header{"X-Min-Position": h["X-Position"]}
	for k, v := range fx.customerAuth {
		wait[k] = v
	}
	if _, err := c.call(ctx, "GET", "/api/v1/portal/providers/"+fx.provider+"/documents?flat=true", wait, nil, "", nil); err != nil {
		return fx, err
	}
	fx.listingBody, err = c.body(ctx, "/api/v1/portal/providers/"+fx.provider+"/documents?flat=true", fx.customerAuth)
	if err != nil {
		return fx, err
	}
	if fx.linkBody, err = c.body(ctx, "/l/"+fx.linkToken, nil); err != nil {
		return fx, err
	}
	return fx, nil
}

func (c *benchClient) body(ctx context.Context, path string, h http.Header) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return b, err
}
