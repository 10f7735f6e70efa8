package client_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/sharehub/sharehub/domain/app"
	"github.com/sharehub/sharehub/eventstore"
	"github.com/sharehub/sharehub/eventstore/blobs"
	"github.com/sharehub/sharehub/eventstore/pgtest"
	"github.com/sharehub/sharehub/httpapi"
	"github.com/sharehub/sharehub/httpapi/apitest"
	"github.com/sharehub/sharehub/httpapi/auth"
	"github.com/sharehub/sharehub/httpapi/client"
	"github.com/sharehub/sharehub/projections"
)

// Every operation the client offers is documented, under its operationId, with
// the same method and path: the client cannot call a route the contract lacks.
func TestOperationsAreDocumented(t *testing.T) {
	t.Parallel()
	doc := apitest.Load(t, httpapi.OpenAPISpec()).Doc()
	seen := map[string]bool{}
	for _, op := range client.Operations() {
		if seen[op.ID] {
			t.Errorf("%s listed twice", op.ID)
		}
		seen[op.ID] = true
		item := doc.Paths.Find(op.Path)
		if item == nil {
			t.Errorf("%s: path %s is not in openapi.yaml", op.ID, op.Path)
			continue
		}
		o := item.GetOperation(op.Method)
		if o == nil {
			t.Errorf("%s: openapi.yaml has no %s %s", op.ID, op.Method, op.Path)
			continue
		}
		if o.OperationID != op.ID {
			t.Errorf("%s %s is %q in openapi.yaml, the client calls it %q", op.Method, op.Path, o.OperationID, op.ID)
		}
	}
	// The same table drives the tools: an operation added to the client but not
	// to Operations would escape this test.
	if n := len(client.Operations()); n < 20 {
		t.Fatalf("only %d operations listed", n)
	}
}

// The typed operations against the real router and PostgreSQL, every answer
// validated against openapi.yaml: what the client decodes is what is documented.
func TestTypedOperationsAgainstTheServer(t *testing.T) {
	t.Parallel()
	url, pool := newServer(t)
	spec := apitest.Load(t, httpapi.OpenAPISpec())
	c := client.New(url, spec.Client(t, &http.Client{Transport: &http.Transport{}}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	prov, a, err := c.Signup(ctx, client.SignupInput{CompanyName: "Client Provider", Name: "Pat", Email: "pat@client.test", Password: "a long client password"})
	if err != nil || prov.Token == "" || a.Status != 201 || a.Position == 0 || a.RequestID == "" {
		t.Fatalf("signup: %+v %d %v", prov, a.Status, err)
	}
	cust, _, err := c.Signup(ctx, client.SignupInput{CompanyName: "Client Customer", Name: "Cat", Email: "cat@client.test", Password: "a long client password"})
	if err != nil {
		t.Fatal(err)
	}
	if s, _, err := c.SignIn(ctx, "pat@client.test", "a long client password"); err != nil || s.UserID != prov.UserID {
		t.Fatalf("sign in: %+v %v", s, err)
	}
	customer, _, err := c.ConnectCustomer(ctx, prov.Token, cust.CompanyID)
	if err != nil || customer.CompanyID != cust.CompanyID {
		t.Fatalf("connect: %+v %v", customer, err)
	}
	folder, _, err := c.CreateFolder(ctx, prov.Token, "Reports", nil)
	if err != nil || folder.Name != "Reports" {
		t.Fatalf("folder: %+v %v", folder, err)
	}
	doc, _, err := c.UploadDocument(ctx, prov.Token, folder.ID, "q1.pdf", []byte("first quarter"))
	if err != nil || doc.Version != 1 || doc.FolderID != folder.ID {
		t.Fatalf("upload: %+v %v", doc, err)
	}
	if v, _, err := c.AddVersion(ctx, prov.Token, doc.ID, "q1.pdf", []byte("first quarter, corrected")); err != nil || v.Version != 2 {
		t.Fatalf("version: %+v %v", v, err)
	}
	share, a, err := c.GrantShare(ctx, prov.Token, client.GrantShareInput{CustomerID: customer.ID, DocumentID: &doc.ID, Permission: "view"})
	if err != nil || share.Status != "active" {
		t.Fatalf("share: %+v %v", share, err)
	}
	listing := c.Get(ctx, client.PortalDocumentsPath(prov.CompanyID), cust.Token, a.Position)
	if listing.Status != 200 || !strings.Contains(string(listing.Body), doc.ID.String()) {
		t.Fatalf("portal listing after the share: %d %s", listing.Status, listing.Body)
	}
	if a := c.Get(ctx, client.PortalContentPath(doc.ID), cust.Token, 0); a.Status != 200 || string(a.Body) != "first quarter, corrected" {
		t.Fatalf("portal content: %d %q", a.Status, a.Body)
	}
	link, _, err := c.CreateLink(ctx, prov.Token, doc.ID)
	if err != nil || link.Token() == "" {
		t.Fatalf("link: %+v %v", link, err)
	}
	if a := c.Get(ctx, client.LinkPath(link.Token()), "", 0); a.Status != 200 {
		t.Fatalf("link metadata: %d", a.Status)
	}
	lats, err := c.OpenLinkRepeatedly(ctx, link.Token(), 3)
	if err != nil || len(lats) != 3 {
		t.Fatalf("opens: %v %v", lats, err)
	}
	if l, _, err := c.CancelLink(ctx, prov.Token, link.ID); err != nil || l.Status != "cancelled" {
		t.Fatalf("cancel link: %+v %v", l, err)
	}
	if _, err := c.OpenLinkRepeatedly(ctx, link.Token(), 1); err == nil {
		t.Fatal("a cancelled link opened")
	}
	cancelled, a, err := c.CancelShare(ctx, prov.Token, share.ID)
	if err != nil || cancelled.Status != "cancelled" {
		t.Fatalf("cancel share: %+v %v", cancelled, err)
	}
	// An error answer: an *Error with the problem code, and nothing changed.
	_, again, err := c.CancelShare(ctx, prov.Token, share.ID)
	var ce *client.Error
	if err == nil || !asError(err, &ce) || ce.Status != 409 || ce.Code != "share_cancelled" || again.Code != "share_cancelled" {
		t.Fatalf("cancelling twice: %v", err)
	}
	_, _, err = c.CancelShare(ctx, cust.Token, uuid.New())
	if err == nil {
		t.Fatal("cancelling an unknown share succeeded")
	}
	var last int64
	if err := pool.QueryRow(ctx, `SELECT max(position) FROM events`).Scan(&last); err != nil || last != a.Position {
		t.Fatalf("the refused cancels appended: last position %d, the cancel's %d (%v)", last, a.Position, err)
	}
}

func asError(err error, target **client.Error) bool {
	e, ok := err.(*client.Error)
	if ok {
		*target = e
	}
	return ok
}

// A shed request (503 with Retry-After) is asked again up to ShedRetries times;
// other answers are not.
func TestShedRetries(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := calls.Add(1); n <= 3 {
			w.Header().Set("Retry-After", "0")
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(503)
			_, _ = w.Write([]byte(`{"code":"overloaded"}`))
			return
		}
		w.WriteHeader(204)
	}))
	defer srv.Close()
	c := client.New(srv.URL, srv.Client())
	if a := c.Get(context.Background(), "/x", "", 0); a.Status != 503 || a.Code != "overloaded" || a.Retries != 0 {
		t.Fatalf("without retries: %+v", a)
	}
	c.ShedRetries = 3
	if a := c.Get(context.Background(), "/x", "", 0); a.Status != 204 || a.Retries != 2 || !a.OK() {
		t.Fatalf("with retries: %d after %d retries", a.Status, a.Retries)
	}
	if n := calls.Load(); n != 4 {
		t.Fatalf("%d calls, want 4 (one, then three)", n)
	}
}

func newServer(t *testing.T) (string, *pgxpool.Pool) {
	t.Helper()
	pool, _ := pgtest.NewDatabase(t)
	log := slog.New(slog.DiscardHandler)
	store := eventstore.New(pool, log)
	blobStore, err := blobs.New(blobs.Config{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := auth.NewArgon2id(auth.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := app.New(app.Config{Store: store, Hasher: hasher})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	readModels := projections.NewReadModels(pool, store)
	api, err := httpapi.New(httpapi.Config{Logger: log, Pool: pool, Store: store, Blobs: blobStore, Hasher: hasher, App: svc,
		ReadModels: readModels, PrincipalResolver: httpapi.NewPrincipalResolver(readModels), Registerer: reg, Gatherer: reg, PublicBaseURL: "http://127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = (&projections.Runner{Store: store, Pool: pool, Log: log}).Run(ctx); close(done) }()
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(func() { srv.Close(); stop(); <-done })
	return srv.URL, pool
}

func TestMedian(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := client.Median(tc.in); got != tc.want {
			t.Errorf("Median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
