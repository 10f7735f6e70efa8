package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"github.com/sharehub/sharehub/httpapi/client"
	mrand "math/rand/v2"
	"mime/multipart"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ack is one acknowledged write: 2xx with X-Position.
type ack struct {
	op  string
	pos int64
}

// wantTypes is the event type an acknowledged write's X-Position must point at.
var wantTypes = map[string][]string{
	"signup":      {"UserRegistered", "CompanyRegistered"},
	"connect":     {"CustomerConnected", "ProviderCustomerAdded"},
	"folder":      {"FolderCreated"},
	"upload":      {"DocumentAdded"},
	"version":     {"DocumentVersionAdded"},
	"share":       {"PortalShareGranted", "DocumentShareAdded", "CustomerShareAdded"},
	"cancel":      {"ShareCancelled", "CustomerShareRemoved"},
	"link":        {"LinkCreated", "DocumentLinkAdded"},
	"link-cancel": {"LinkCancelled"},
}

type customer struct {
	id        string // the provider's customer id
	companyID string
	token     string // of the customer company's admin
}

// shareRec is a share the load granted: each shares one document, or one folder
// holding one document, that nothing else shares.
type shareRec struct {
	id          string
	customer    int
	document    string
	cancelAcked bool // the cancel was acknowledged
	cancelTried bool // a cancel was sent (its outcome may be unknown)
}

// apiError is a non-2xx answer.
type apiError struct {
	status int
	ctype  string
	code   string
	body   string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s %s", e.status, e.code, e.body) }

// load drives the write workload and records what was acknowledged.
type load struct {
	http  *http.Client
	mu    sync.Mutex
	bases []string
	rr    atomic.Uint64

	providerID    string
	providerToken string
	customers     []customer
	acks          []ack
	shares        []*shareRec
	statuses      map[string]int // "201", "503 database_unavailable", "transport", ...
	fileSize      int
	nsignup       atomic.Int64
	retried       atomic.Int64 // 503s with Retry-After asked again (load shed by the server)

	// sample, when set, is called with every answer (status 0: transport error).
	sample func(status int, code string)
}

func newLoad(bases ...string) *load {
	return &load{
		http: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
			MaxIdleConns: 64, MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second}},
		bases: bases, statuses: map[string]int{}, fileSize: 4 << 10,
	}
}

func (l *load) setBases(bases ...string) {
	l.mu.Lock()
	l.bases = bases
	l.mu.Unlock()
}

func (l *load) base() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bases[int(l.rr.Add(1))%len(l.bases)]
}

// do sends one request to the next server (round robin). A 2xx answer with an
// X-Position is recorded as acknowledged under op (when op is not empty).
func (l *load) do(ctx context.Context, op, method, path, token string, body []byte, ctype string, hdr http.Header, out any) (int64, error) {
	// A 503 with Retry-After is the server shedding load (a bound on password
	// hashes, say): a well-behaved client waits as told and asks again, a few
	// times; only the answer it ends with counts.
	a := l.client().Do(ctx, client.Request{Method: method, Path: path, Token: token, Body: body, ContentType: ctype, Header: hdr})
	l.retried.Add(int64(a.Retries))
	if a.Status == 0 {
		l.note(0, "")
		return 0, a.Err
	}
	if a.Status >= 300 {
		e := &apiError{status: a.Status, ctype: a.Header.Get("Content-Type"), code: a.Code, body: string(a.Body)}
		if strings.HasPrefix(e.code, "http_") {
			e.code = "" // a problem without a code
		}
		if !strings.HasPrefix(e.ctype, "application/problem+json") {
			e.code = "(not problem+json)"
		}
		l.note(a.Status, e.code)
		return 0, e
	}
	l.note(a.Status, "")
	if out != nil {
		if err := json.Unmarshal(a.Body, out); err != nil {
			return a.Position, fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	if op != "" && a.Position > 0 {
		l.mu.Lock()
		l.acks = append(l.acks, ack{op: op, pos: a.Position})
		l.mu.Unlock()
	}
	return a.Position, nil
}

// client is the API client over l's connections and servers (round robin).
func (l *load) client() *client.Client {
	return &client.Client{Pick: l.base, HTTP: l.http, ShedRetries: 4, MaxShedWait: 2 * time.Second}
}

func (l *load) note(status int, code string) {
	k := "transport error"
	if status != 0 {
		k = strconv.Itoa(status)
		if code != "" {
			k += " " + code
		}
	}
	l.mu.Lock()
	l.statuses[k]++
	f := l.sample
	l.mu.Unlock()
	if f != nil {
		f(status, code)
	}
}

func (l *load) json(ctx context.Context, op, method, path, token string, in, out any) (int64, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return 0, err
	}
	return l.do(ctx, op, method, path, token, b, "application/json", nil, out)
}

// upload posts a random file of size bytes into folder (or a new version of doc).
func (l *load) upload(ctx context.Context, folder, doc string, size int) (string, int64, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	path, op := "/api/v1/documents", "upload"
	if doc != "" {
		path, op = "/api/v1/documents/"+doc+"/versions", "version"
	} else {
		_ = mw.WriteField("folder_id", folder)
	}
	fw, _ := mw.CreateFormFile("file", "fault-"+randomHex(4)+".bin")
	content := make([]byte, size)
	_, _ = rand.Read(content)
	_, _ = fw.Write(content)
	_ = mw.Close()
	var out struct {
		ID string `json:"id"`
	}
	pos, err := l.do(ctx, op, "POST", path, l.providerToken, body.Bytes(), mw.FormDataContentType(), nil, &out)
	return out.ID, pos, err
}

type signedUp struct {
	CompanyID string `json:"company_id"`
	UserID    string `json:"user_id"`
	Token     string `json:"token"`
}

func (l *load) signup(ctx context.Context, what string) (signedUp, error) {
	var s signedUp
	n := l.nsignup.Add(1)
	id := randomHex(4)
	_, err := l.json(ctx, "signup", "POST", "/api/v1/signup", "", map[string]string{
		"company_name": fmt.Sprintf("Fault %s %d %s", what, n, id), "name": "Fault Tester",
		"email": fmt.Sprintf("%s-%d-%s@faults.test", what, n, id), "password": "a long fault-run password"}, &s)
	return s, err
}

// setup signs the provider up and connects two customers.
func (l *load) setup(ctx context.Context) error {
	prov, err := l.signup(ctx, "provider")
	if err != nil {
		return fmt.Errorf("signup: %w", err)
	}
	l.providerID, l.providerToken = prov.CompanyID, prov.Token
	for range 2 {
		if err := l.addCustomer(ctx); err != nil {
			return err
		}
	}
	return nil
}

// addCustomer signs a company up and connects it as a customer of the provider.
func (l *load) addCustomer(ctx context.Context) error {
	co, err := l.signup(ctx, "customer")
	if err != nil {
		return fmt.Errorf("customer signup: %w", err)
	}
	var c struct {
		ID string `json:"id"`
	}
	if _, err := l.json(ctx, "connect", "POST", "/api/v1/customers", l.providerToken, map[string]string{"company_id": co.CompanyID}, &c); err != nil {
		return fmt.Errorf("connect customer: %w", err)
	}
	l.mu.Lock()
	l.customers = append(l.customers, customer{id: c.ID, companyID: co.CompanyID, token: co.Token})
	l.mu.Unlock()
	return nil
}

// run drives workers goroutines until ctx ends. Errors are expected while a fault
// lasts: an iteration stops at its first failed step and the worker backs off.
func (l *load) run(ctx context.Context, workers int) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := mrand.New(mrand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for i := 0; ctx.Err() == nil; i++ {
				if err := l.iteration(ctx, rnd, w, i); err != nil && ctx.Err() == nil {
					select {
					case <-ctx.Done():
					case <-time.After(100 * time.Millisecond):
					}
				}
			}
		}()
	}
	wg.Wait()
}

func (l *load) iteration(ctx context.Context, rnd *mrand.Rand, w, i int) error {
	if i%40 == 20 && w < 2 {
		if err := l.addCustomer(ctx); err != nil {
			return err
		}
	}
	var folder struct {
		ID string `json:"id"`
	}
	if _, err := l.json(ctx, "folder", "POST", "/api/v1/folders", l.providerToken,
		map[string]string{"name": "faults " + randomHex(4)}, &folder); err != nil {
		return err
	}
	doc, _, err := l.upload(ctx, folder.ID, "", l.fileSize)
	if err != nil {
		return err
	}
	if rnd.IntN(4) == 0 {
		if _, _, err := l.upload(ctx, "", doc, l.fileSize); err != nil {
			return err
		}
	}
	l.mu.Lock()
	ci := rnd.IntN(len(l.customers))
	cust := l.customers[ci]
	l.mu.Unlock()
	in := map[string]string{"customer_id": cust.id, "permission": "view"}
	if rnd.IntN(2) == 0 {
		in["folder_id"] = folder.ID
	} else {
		in["document_id"] = doc
	}
	var sh struct {
		ID string `json:"id"`
	}
	if _, err := l.json(ctx, "share", "POST", "/api/v1/shares", l.providerToken, in, &sh); err != nil {
		return err
	}
	rec := &shareRec{id: sh.ID, customer: ci, document: doc}
	l.mu.Lock()
	l.shares = append(l.shares, rec)
	l.mu.Unlock()
	if rnd.IntN(2) == 0 {
		l.mu.Lock()
		rec.cancelTried = true
		l.mu.Unlock()
		if _, err := l.json(ctx, "cancel", "POST", "/api/v1/shares/"+sh.ID+"/cancel", l.providerToken, map[string]string{}, nil); err != nil {
			return err
		}
		l.mu.Lock()
		rec.cancelAcked = true
		l.mu.Unlock()
	}
	if rnd.IntN(3) == 0 {
		var link struct {
			ID string `json:"id"`
		}
		if _, err := l.json(ctx, "link", "POST", "/api/v1/documents/"+doc+"/links", l.providerToken, map[string]string{}, &link); err != nil {
			return err
		}
		if rnd.IntN(2) == 0 {
			if _, err := l.json(ctx, "link-cancel", "POST", "/api/v1/links/"+link.ID+"/cancel", l.providerToken, map[string]string{}, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// snapshot copies what was acknowledged so far.
func (l *load) snapshot() (acks []ack, shares []shareRec, customers []customer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	acks = append(acks, l.acks...)
	for _, s := range l.shares {
		shares = append(shares, *s)
	}
	customers = append(customers, l.customers...)
	return
}

func (l *load) ackCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acks)
}

// statusSummary is "201:310 200:80 503 database_unavailable:12 ...", most frequent first.
func (l *load) statusSummary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	keys := make([]string, 0, len(l.statuses))
	for k := range l.statuses {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return l.statuses[keys[i]] > l.statuses[keys[j]] })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s:%d", k, l.statuses[k]))
	}
	return strings.Join(parts, " ")
}

// count5xx counts answers with a 5xx status other than those allowed.
func (l *load) count5xx(allowed ...string) (n int, which []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, v := range l.statuses {
		if !strings.HasPrefix(k, "5") {
			continue
		}
		ok := false
		for _, a := range allowed {
			if k == a {
				ok = true
			}
		}
		if !ok {
			n += v
			which = append(which, fmt.Sprintf("%s:%d", k, v))
		}
	}
	sort.Strings(which)
	return n, which
}
