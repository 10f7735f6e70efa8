package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Forged-credential flood (issue 12): 200 clients, each from an address of its own
// (127.0.1.x: the whole 127/8 is loopback on Linux, so the per-address throttle
// sees 200 clients, as a botnet would look), send well-formed but forged
// credential requests for the whole run: invitation tokens with a real
// invitation's id and a forged secret, group codes with the real name and guessed
// digits, sign-ins to unknown addresses (each costs a dummy hash), signups with a
// registered address. Meanwhile a signed-in user reads the staff list every 100 ms.
//
// PASS: the server's resident memory grows by less than 64 MiB over its level
// before the flood, every signed-in read succeeds within 1 s, no answer is a 5xx
// other than 503 with Retry-After, and the flood appended no event.
const (
	floodClients     = 200
	floodMemoryBound = 64 << 20
	floodReadBound   = time.Second
)

func (h *harness) runCredentialFlood(ctx context.Context, d time.Duration) result {
	r := result{name: "forged-credential flood"}
	rg, err := h.rig(ctx, "flood", rigOptions{noLoad: true})
	if err != nil {
		return r.error(err)
	}
	defer rg.close()
	dbURL, s := rg.dbURL, rg.s
	base := s.base()
	c := &http.Client{Timeout: 15 * time.Second}

	// The targets: a provider, an open staff invitation, a group, a registered address.
	var prov struct {
		Token string `json:"token"`
	}
	if err := call(ctx, c, base, "POST", "/api/v1/signup", "", `{"company_name":"Flood Target","name":"Fay","email":"fay@flood.test","password":"a long fault-run password"}`, &prov); err != nil {
		return r.error(fmt.Errorf("signup: %w", err))
	}
	var inv struct {
		URL string `json:"invitation_url"`
	}
	if err := call(ctx, c, base, "POST", "/api/v1/staff/invitations", prov.Token, `{"name":"Mel","email":"mel@flood.test"}`, &inv); err != nil {
		return r.error(fmt.Errorf("invite: %w", err))
	}
	token := inv.URL[strings.LastIndexByte(inv.URL, '/')+1:]
	var group struct {
		Name string `json:"name"`
	}
	if err := call(ctx, c, base, "POST", "/api/v1/groups", prov.Token, `{"name":"Flood"}`, &group); err != nil {
		return r.error(fmt.Errorf("group: %w", err))
	}
	eventsBefore, err := countAllEvents(ctx, dbURL)
	if err != nil {
		return r.error(err)
	}
	pid := s.cmd.Process.Pid
	sleepCtx(ctx, time.Second) // let the start-up settle
	baseRSS, err := rssOf(pid)
	if err != nil {
		return r.error(err)
	}

	// The same reads before the flood: the machine's own latency, for comparison.
	var quiet []time.Duration
	for range 10 {
		t0 := time.Now()
		if st, code, _ := send(ctx, c, base, "GET", "/api/v1/staff", "", prov.Token); st != 200 {
			return r.error(fmt.Errorf("signed-in read before the flood: %d %s", st, code))
		}
		quiet = append(quiet, time.Since(t0))
		sleepCtx(ctx, 100*time.Millisecond)
	}
	slices.Sort(quiet)

	fctx, stop := context.WithTimeout(ctx, d)
	defer stop()
	var peakRSS atomic.Uint64
	peakRSS.Store(baseRSS)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // memory sampler
		defer wg.Done()
		for fctx.Err() == nil {
			if v, err := rssOf(pid); err == nil && v > peakRSS.Load() {
				peakRSS.Store(v)
			}
			sleepCtx(fctx, 10*time.Millisecond)
		}
	}()
	var mu sync.Mutex
	statuses := map[string]int{}
	var sent atomic.Int64
	var bad5xx []string
	for i := range floodClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fc := clientFrom(i)
			defer fc.CloseIdleConnections()
			for n := 0; fctx.Err() == nil; n++ {
				method, path, body := forgedRequest(token, group.Name, i*100000+n)
				st, code, retry := send(fctx, fc, base, method, path, body, "")
				if fctx.Err() != nil {
					return
				}
				sent.Add(1)
				mu.Lock()
				statuses[strconv.Itoa(st)+" "+code]++
				if st >= 500 && (st != 503 || retry == "") || st == 0 {
					bad5xx = append(bad5xx, fmt.Sprintf("%s %s: %d %s", method, path, st, code))
				}
				mu.Unlock()
			}
		}()
	}
	// The signed-in reader.
	var reads []time.Duration
	var readFailures []string
	for fctx.Err() == nil {
		t0 := time.Now()
		st, code, _ := send(ctx, c, base, "GET", "/api/v1/staff", "", prov.Token)
		took := time.Since(t0)
		reads = append(reads, took)
		if st != 200 {
			readFailures = append(readFailures, fmt.Sprintf("%d %s", st, code))
		}
		sleepCtx(fctx, 100*time.Millisecond)
	}
	wg.Wait()
	eventsAfter, err := countAllEvents(ctx, dbURL)
	if err != nil {
		return r.error(err)
	}

	v := &verdict{}
	growth := int64(peakRSS.Load()) - int64(baseRSS)
	if growth >= floodMemoryBound {
		v.fail("resident memory grew by %.0f MiB (bound %d MiB)", float64(growth)/(1<<20), floodMemoryBound>>20)
	}
	slices.Sort(reads)
	var p50, worst time.Duration
	if len(reads) > 0 {
		p50, worst = reads[len(reads)/2], reads[len(reads)-1]
	}
	if len(reads) == 0 || worst >= floodReadBound {
		v.fail("signed-in read took up to %v (bound %v)", worst, floodReadBound)
	}
	if len(readFailures) > 0 {
		v.fail("%d signed-in reads failed: %v", len(readFailures), readFailures[:min(5, len(readFailures))])
	}
	if len(bad5xx) > 0 {
		v.fail("%d answers were 5xx other than 503 with Retry-After (or no answer): %v", len(bad5xx), bad5xx[:min(5, len(bad5xx))])
	}
	if eventsAfter != eventsBefore {
		v.fail("the flood appended %d events", eventsAfter-eventsBefore)
	}
	r.verdict(v)
	keys := make([]string, 0, len(statuses))
	for k := range statuses {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return statuses[b] - statuses[a] })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s:%d", k, statuses[k]))
	}
	r.figures = fmt.Sprintf("%d forged requests from %d addresses in %s; RSS %.0f -> peak %.0f MiB (growth %.1f MiB, bound %d); "+
		"signed-in reads %d, p50 %.1f ms, max %.1f ms (bound %v; before the flood p50 %.1f ms, max %.1f ms); answers %s",
		sent.Load(), floodClients, d, float64(baseRSS)/(1<<20), float64(peakRSS.Load())/(1<<20), float64(growth)/(1<<20),
		floodMemoryBound>>20, len(reads), float64(p50.Microseconds())/1000, float64(worst.Microseconds())/1000, floodReadBound,
		float64(quiet[len(quiet)/2].Microseconds())/1000, float64(quiet[len(quiet)-1].Microseconds())/1000, strings.Join(parts, " "))
	return r
}

// forgedRequest is request n of the flood: the four kinds in turn.
func forgedRequest(token, groupName string, n int) (method, path, body string) {
	const pw = "correct horse battery staple"
	switch n % 4 {
	case 0:
		return "POST", "/api/v1/invitations/" + token[:len(token)-8] + fmt.Sprintf("%08d", n%100000000) + "/accept", `{"password":"` + pw + `"}`
	case 1:
		return "POST", "/api/v1/register", fmt.Sprintf(`{"group_code":"%s-%04d","company_name":"X","name":"Y","email":"r%d@flood.test","password":"%s"}`,
			groupName, n%10000, n, pw)
	case 2:
		return "POST", "/api/v1/sessions", fmt.Sprintf(`{"email":"nobody%d@flood.test","password":"%s"}`, n, pw)
	default:
		return "POST", "/api/v1/signup", `{"company_name":"X","name":"Y","email":"fay@flood.test","password":"` + pw + `"}`
	}
}

// clientFrom is an HTTP client whose connections leave from 127.0.1.(i+1) (and
// further /24s past 254): one client address each.
func clientFrom(i int) *http.Client {
	ip := net.IPv4(127, 0, byte(1+i/254), byte(1+i%254))
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 5 * time.Second}
	return &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 2}}
}

// send issues one request and answers status, problem code and Retry-After
// (status 0: no answer).
func send(ctx context.Context, c *http.Client, base, method, path, body, token string) (int, string, string) {
	req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
	if err != nil {
		return 0, err.Error(), ""
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "transport", ""
	}
	defer resp.Body.Close()
	// The flood client shares the machine with the server: read the problem's code
	// without decoding the whole answer.
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	code := ""
	if _, rest, ok := bytes.Cut(b, []byte(`"code":"`)); ok {
		if c, _, ok := bytes.Cut(rest, []byte(`"`)); ok {
			code = string(c)
		}
	}
	return resp.StatusCode, code, resp.Header.Get("Retry-After")
}

// call is a setup request that must succeed (2xx); out receives the answer.
func call(ctx context.Context, c *http.Client, base, method, path, token, body string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return json.Unmarshal(b, out)
}

// rssOf reads a process's resident set size from /proc (Linux).
func rssOf(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("resident memory of %d: %w (Linux /proc needed)", pid, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, err := strconv.ParseUint(f[1], 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("resident memory of %d: no VmRSS", pid)
}

func countAllEvents(ctx context.Context, dbURL string) (int64, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var n int64
	err = conn.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&n)
	return n, err
}
