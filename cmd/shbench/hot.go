package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/sharehub/sharehub/httpapi"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/client"
	"github.com/sharehub/sharehub/projections"
)

// benchHot measures issue 15's hot paths other than the portal listing (group
// "hot"): link resolution, the 1 MiB portal download, the customers and shares
// lists and a share history page (16 clients each, against a raw handler of the
// same answer in the same run), then, with one client, the latency a session adds
// over an unauthenticated route, and a provider's write and read latency (the
// cost of session read-your-writes: compare a run before and after).
//
// The tenant: one provider with 200 customers (one registered, 199 invited), a
// folder of 21 documents (one of 1 MiB) shared with the registered customer, the
// 1 MiB document shared with 60 customers of which 30 shares were cancelled again
// (its share history holds 90 entries), and a link to it.
func benchHot(ctx context.Context, baseURL string, d time.Duration) ([]result, error) {
	srv, closeServer, err := startBenchServer(ctx, baseURL, "bench_hot")
	if err != nil {
		return nil, err
	}
	defer closeServer()
	runCtx, stop := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		_ = (&projections.Runner{Store: srv.store, Pool: srv.pool, Log: srv.log}).Run(runCtx)
		close(stopped)
	}()
	defer func() { stop(); <-stopped }()

	hc := loopbackClient()
	c := client.New(srv.url, hc)
	fmt.Println("hot: building the tenant (200 customers, 60 shares of one document, 30 cancelled) ...")
	fx, err := setupHotFixture(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}

	// The raw baselines: a constant answer of the same bytes, and the file through
	// a plain http.ServeContent.
	modTime := time.Now()
	rawMux := chi.NewRouter()
	rawMux.Get("/const/{name}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(fx.bodies[chi.URLParam(r, "name")])
	})
	rawMux.Get("/file", func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "report.pdf", modTime, bytes.NewReader(fx.file))
	})
	rawMux.Get("/plain", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	// The same trivial handler behind the API's session check and principal
	// resolution (auth.Require with the read-model resolver, cached as the API
	// caches it).
	sessions, err := auth.NewSessions(auth.SessionsConfig{Pool: srv.pool})
	if err != nil {
		return nil, err
	}
	rawMux.With(auth.Require(sessions, hotResolver(httpapi.NewPrincipalResolver(projections.NewReadModels(srv.pool, srv.store))))).
		Get("/authenticated", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	rawURL, closeRaw, err := serveLoopback(rawMux)
	if err != nil {
		return nil, err
	}
	defer closeRaw()

	cases := []struct {
		name, path, raw string
		header          http.Header
		p99             float64 // target in ms (0: none)
		ratio           float64
	}{
		{"link resolution", fx.linkPath, "/const/link", nil, 3, 0.3},
		{"portal download 1 MiB", fx.downloadPath, "/file", fx.customerAuth, 0, 0.5},
		{"customers list", "/api/v1/customers", "/const/customers", fx.providerAuth, 5, 0},
		{"shares list", "/api/v1/shares", "/const/shares", fx.providerAuth, 5, 0},
		{"share history page", fx.historyPath, "/const/history", fx.providerAuth, 5, 0},
	}
	var out []result
	for _, tc := range cases {
		fmt.Printf("hot: %s, 16 clients, %s ...\n", tc.name, d)
		ours, err := load(ctx, hc, srv.url+tc.path, tc.header, 16, d)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tc.name, err)
		}
		raw, err := load(ctx, hc, rawURL+tc.raw, nil, 16, d)
		if err != nil {
			return nil, fmt.Errorf("%s raw: %w", tc.name, err)
		}
		out = append(out, result{name: tc.name + " (req/s)", ours: ours.rps, raw: raw.rps, unit: "r/s", target: tc.ratio,
			notes: fmt.Sprintf("sharehub p50 %.2f ms p99 %.2f ms (%d requests); raw p50 %.2f ms p99 %.2f ms",
				ours.p50, ours.p99, ours.n, raw.p50, raw.p99)})
		if tc.p99 > 0 {
			out = append(out, result{name: tc.name + " p99 (us) vs target", ours: ours.p99 * 1000, raw: tc.p99 * 1000,
				unit: "us", target: 1, inverted: true})
		}
	}

	// One client: what a session costs over an unauthenticated route.
	fmt.Printf("hot: authenticated vs plain trivial route, 1 client, %s each ...\n", d)
	plain, err := load(ctx, hc, rawURL+"/plain", nil, 1, d)
	if err != nil {
		return nil, err
	}
	authd, err := load(ctx, hc, rawURL+"/authenticated", fx.providerAuth, 1, d)
	if err != nil {
		return nil, err
	}
	over := max(1, (authd.p50-plain.p50)*1000)
	out = append(out, result{name: "auth overhead p50 (us) vs 300 us", ours: over, raw: 300, unit: "us", target: 1, inverted: true,
		notes: fmt.Sprintf("plain p50 %.3f ms p99 %.3f ms; session + principal p50 %.3f ms p99 %.3f ms",
			plain.p50, plain.p99, authd.p50, authd.p99)})

	// One client: a provider's write, then its read (session read-your-writes).
	fmt.Printf("hot: write (create folder) and read (customer), 1 client, %s each ...\n", d)
	writes, err := writeLoad(ctx, c, fx.providerToken, d)
	if err != nil {
		return nil, err
	}
	reads, err := load(ctx, hc, srv.url+"/api/v1/customers/"+fx.customerID, fx.providerAuth, 1, d)
	if err != nil {
		return nil, err
	}
	out = append(out, result{name: "write p50 (us), 1 client", ours: writes.p50 * 1000, unit: "us",
		notes: fmt.Sprintf("POST /api/v1/folders p50 %.3f ms p99 %.3f ms (%d)", writes.p50, writes.p99, writes.n)},
		result{name: "read p50 (us), 1 client", ours: reads.p50 * 1000, unit: "us",
			notes: fmt.Sprintf("GET /api/v1/customers/{id} p50 %.3f ms p99 %.3f ms (%d)", reads.p50, reads.p99, reads.n)})
	return out, nil
}

// writeLoad creates folders back to back for d, one at a time.
func writeLoad(ctx context.Context, c *client.Client, token string, d time.Duration) (loadResult, error) {
	var lats []float64
	start := time.Now()
	for i := 0; time.Since(start) < d && ctx.Err() == nil; i++ {
		t0 := time.Now()
		if _, _, err := c.CreateFolder(ctx, token, fmt.Sprintf("bench folder %d", i), nil); err != nil {
			return loadResult{}, err
		}
		lats = append(lats, float64(time.Since(t0).Microseconds())/1000)
	}
	return quantiles(lats, time.Since(start)), nil
}

func quantiles(lats []float64, took time.Duration) loadResult {
	if len(lats) == 0 {
		return loadResult{}
	}
	s := append([]float64(nil), lats...)
	sortFloats(s)
	q := func(p float64) float64 { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return loadResult{rps: float64(len(s)) / took.Seconds(), p50: q(0.5), p99: q(0.99), n: len(s)}
}

type hotFixture struct {
	providerToken, customerID           string
	providerAuth, customerAuth          http.Header
	linkPath, downloadPath, historyPath string
	file                                []byte
	bodies                              map[string][]byte
}

func setupHotFixture(ctx context.Context, c *client.Client) (hotFixture, error) {
	fx := hotFixture{bodies: map[string][]byte{}}
	prov, _, err := c.Signup(ctx, client.SignupInput{CompanyName: "Hot Provider", Name: "Pat Provider",
		Email: "pat@provider.hot.test", Password: "a long bench password"})
	if err != nil {
		return fx, err
	}
	cust, _, err := c.Signup(ctx, client.SignupInput{CompanyName: "Hot Customer", Name: "Cat Customer",
		Email: "cat@customer.hot.test", Password: "a long bench password"})
	if err != nil {
		return fx, err
	}
	fx.providerToken = prov.Token
	fx.providerAuth = http.Header{"Authorization": {"Bearer " + prov.Token}}
	fx.customerAuth = http.Header{"Authorization": {"Bearer " + cust.Token}}
	customer, _, err := c.ConnectCustomer(ctx, prov.Token, cust.CompanyID)
	if err != nil {
		return fx, err
	}
	fx.customerID = customer.ID.String()
	customers := []uuid.UUID{customer.ID}
	for i := range 199 {
		var inv struct {
			ID uuid.UUID `json:"id"`
		}
		a := c.JSON(ctx, http.MethodPost, "/api/v1/customers/invitations", prov.Token, map[string]string{
			"company_name": fmt.Sprintf("Invited %03d", i), "contact_name": "Ivy", "email": fmt.Sprintf("ivy%03d@invited.hot.test", i)})
		if inv, err = client.Decode[struct {
			ID uuid.UUID `json:"id"`
		}](a, "inviteCustomer"); err != nil {
			return fx, err
		}
		customers = append(customers, inv.ID)
	}
	folder, _, err := c.CreateFolder(ctx, prov.Token, "Hot", nil)
	if err != nil {
		return fx, err
	}
	fx.file = make([]byte, 1<<20)
	for i := range fx.file {
		fx.file[i] = byte(i * 7)
	}
	var big uuid.UUID
	for i := range 21 {
		content := fx.file
		if i > 0 {
			content = []byte(fmt.Sprintf("document %d\n", i))
		}
		doc, _, err := c.UploadDocument(ctx, prov.Token, folder.ID, fmt.Sprintf("report-%02d.pdf", i), content)
		if err != nil {
			return fx, err
		}
		if i == 0 {
			big = doc.ID
		}
	}
	if _, _, err := c.GrantShare(ctx, prov.Token, client.GrantShareInput{CustomerID: customer.ID, FolderID: &folder.ID, Permission: "view"}); err != nil {
		return fx, err
	}
	for i, cu := range customers[1:61] {
		sh, _, err := c.GrantShare(ctx, prov.Token, client.GrantShareInput{CustomerID: cu, DocumentID: &big, Permission: "view"})
		if err != nil {
			return fx, fmt.Errorf("share with invited customer: %w", err)
		}
		if i%2 == 0 {
			if _, _, err := c.CancelShare(ctx, prov.Token, sh.ID); err != nil {
				return fx, err
			}
		}
	}
	link, a, err := c.CreateLink(ctx, prov.Token, big)
	if err != nil {
		return fx, err
	}
	fx.linkPath = client.LinkPath(link.Token())
	fx.downloadPath = client.PortalContentPath(big)
	fx.historyPath = "/api/v1/documents/" + big.String() + "/share-history"
	// Everything applied, then the answers the raw baseline repeats.
	if err := c.Get(ctx, "/api/v1/customers", prov.Token, a.Position).Check("listCustomers"); err != nil {
		return fx, err
	}
	for name, path := range map[string]string{"link": fx.linkPath, "customers": "/api/v1/customers",
		"shares": "/api/v1/shares", "history": fx.historyPath} {
		token := prov.Token
		if name == "link" {
			token = ""
		}
		if fx.bodies[name], err = body(ctx, c, path, token); err != nil {
			return fx, err
		}
	}
	return fx, nil
}

func sortFloats(s []float64) { slices.Sort(s) }

// hotResolver is the principal resolution the API runs (httpapi.New).
func hotResolver(r auth.PrincipalResolver) auth.PrincipalResolver {
	return auth.CachePrincipals(r, time.Second, nil)
}
