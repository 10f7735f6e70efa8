package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/httpapi/client"
	"github.com/sharehub/sharehub/projections"
)

// benchHTTP runs the API in this process on loopback, builds the realistic
// tenant (setupTenant) for the portal listing paths and, for the others, a
// provider, a
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

	hc := loopbackClient()
	fx, err := setupFixture(ctx, client.New(apiURL, hc))
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}

	fmt.Println("http: building the bench tenant (200 customers, 10,000 documents) ...")
	ten, err := setupTenant(ctx, client.New(apiURL, hc), srv.store)
	if err != nil {
		return nil, fmt.Errorf("tenant: %w", err)
	}
	fmt.Printf("http: tenant of %d events appended and projected in %s\n", ten.events, ten.built.Round(time.Millisecond))

	rawMux := chi.NewRouter()
	rawMux.Get("/const/{size}", func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		switch chi.URLParam(r, "size") {
		case "level":
			body = ten.levelBody
		case "flat":
			body = ten.flatBody
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
		{"portal listing one level 50 items (tenant)", "/api/v1/portal/providers/" + ten.provider + "/documents" + tenantLevelQuery + ten.level, "/const/level", ten.auth},
		{"portal listing flat 500 items (tenant)", "/api/v1/portal/providers/" + ten.provider + "/documents" + tenantFlatQuery, "/const/flat", ten.auth},
		{"portal download 1 MiB", "/api/v1/portal/documents/" + fx.document + "/content", "/const/file", fx.customerAuth},
		{"link resolution", "/l/" + fx.linkToken, "/const/link", nil},
	}
	var out []result
	for _, tc := range cases {
		fmt.Printf("http: %s, 16 clients, %s ...\n", tc.name, d)
		ours, err := load(ctx, hc, apiURL+tc.path, tc.header, 16, d)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tc.name, err)
		}
		raw, err := load(ctx, hc, rawURL+tc.raw, nil, 16, d)
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

type fixture struct {
	provider, document, linkToken string
	customerAuth                  http.Header
	file, listingBody, linkBody   []byte
}

// setupFixture builds the fixture through the API, as a client would.
func setupFixture(ctx context.Context, c *client.Client) (fixture, error) {
	var fx fixture
	prov, _, err := c.Signup(ctx, client.SignupInput{CompanyName: "Bench Provider", Name: "Pat Provider",
		Email: "pat@provider.bench.test", Password: "a long bench password"})
	if err != nil {
		return fx, err
	}
	cust, _, err := c.Signup(ctx, client.SignupInput{CompanyName: "Bench Customer", Name: "Cat Customer",
		Email: "cat@customer.bench.test", Password: "a long bench password"})
	if err != nil {
		return fx, err
	}
	fx.customerAuth = http.Header{"Authorization": {"Bearer " + cust.Token}}
	fx.provider = prov.CompanyID.String()
	customer, _, err := c.ConnectCustomer(ctx, prov.Token, cust.CompanyID)
	if err != nil {
		return fx, err
	}
	folder, _, err := c.CreateFolder(ctx, prov.Token, "Bench", nil)
	if err != nil {
		return fx, err
	}
	fx.file = make([]byte, 1<<20)
	if _, err := rand.Read(fx.file); err != nil {
		return fx, err
	}
	var first uuid.UUID // the 1 MiB document
	for i := range 20 {
		content := fx.file
		if i > 0 {
			content = []byte(strings.Repeat(fmt.Sprint(i), 1000))
		}
		doc, _, err := c.UploadDocument(ctx, prov.Token, folder.ID, fmt.Sprintf("report-%02d.pdf", i), content)
		if err != nil {
			return fx, err
		}
		if i == 0 {
			first = doc.ID
		}
	}
	if _, _, err := c.GrantShare(ctx, prov.Token, client.GrantShareInput{CustomerID: customer.ID, FolderID: &folder.ID, Permission: "view"}); err != nil {
		return fx, err
	}
	fx.document = first.String()
	link, a, err := c.CreateLink(ctx, prov.Token, first)
	if err != nil {
		return fx, err
	}
	fx.linkToken = link.Token()
	// Wait for the share to reach the portal, then record the bodies the raw
	// baseline answers with.
	listing := client.PortalDocumentsPath(prov.CompanyID)
	if err := c.Get(ctx, listing, cust.Token, a.Position).Check("portalDocuments"); err != nil {
		return fx, err
	}
	if fx.listingBody, err = body(ctx, c, listing, cust.Token); err != nil {
		return fx, err
	}
	if fx.linkBody, err = body(ctx, c, client.LinkPath(fx.linkToken), ""); err != nil {
		return fx, err
	}
	return fx, nil
}

// body GETs path and returns its body, which must come with a 200.
func body(ctx context.Context, c *client.Client, path, token string) ([]byte, error) {
	a := c.Get(ctx, path, token, 0)
	if err := a.Check("GET " + path); err != nil {
		return nil, err
	}
	if a.Status != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d", path, a.Status)
	}
	return a.Body, nil
}
