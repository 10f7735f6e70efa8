package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

const workers = 4

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// background runs the load until the returned stop is called (stop waits for it).
func background(ctx context.Context, l *load) (stop func()) {
	lctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		l.run(lctx, workers)
	}()
	return func() { cancel(); wg.Wait() }
}

// runKill: SIGKILL the server mid-load, restart it on the same address, go on.
func (h *harness) runKill(ctx context.Context, d time.Duration) result {
	r := result{name: "kill -9"}
	rg, err := h.rig(ctx, "kill", rigOptions{})
	if err != nil {
		return r.error(err)
	}
	defer rg.close()
	dbURL, l := rg.dbURL, rg.l
	stopLoad := background(ctx, l)
	sleepCtx(ctx, d/2)
	before := l.ackCount()
	rg.s.kill()
	killed := time.Now()
	h.logf("killed with %d writes acknowledged", before)
	sleepCtx(ctx, 500*time.Millisecond)
	if rg.s, err = h.start(ctx, dbURL, rg.blobDir, rg.s.addr); err != nil {
		stopLoad()
		return r.error(fmt.Errorf("restart after SIGKILL: %w", err))
	}
	restart := time.Since(killed)
	atRestart := l.ackCount()
	sleepCtx(ctx, d/2)
	stopLoad()
	after := l.ackCount() - atRestart
	v := h.check(ctx, l, dbURL, rg.s.base())
	if after == 0 {
		v.fail("no write acknowledged after the restart; the restarted server logged: %s", firstLoggedErr(rg.s.log))
	}
	r.verdict(v)
	r.figures = fmt.Sprintf("%s; killed after %d acks, back in %.1fs, %d acks after; answers %s",
		v.figures(), before, restart.Seconds(), after, l.statusSummary())
	return r
}

// runPGRestart: stop PostgreSQL (pg_ctl -m fast) mid-load for a few seconds and
// start it again; the server must answer 503 meanwhile and recover by itself.
func (h *harness) runPGRestart(ctx context.Context, d time.Duration) result {
	r := result{name: "postgres restart"}
	dir := filepath.Join(h.repo, faultCluster)
	url, err := h.pgdevCmd(ctx, "up", dir, true)
	if err != nil {
		return r.error(err)
	}
	defer func() {
		if !h.keep && !h.dedicated { // with -dedicated, main stops it after the last run
			_, _ = h.pgdevCmd(context.WithoutCancel(ctx), "stop", dir, false)
		}
	}()
	rg, err := h.rig(ctx, "pg", rigOptions{baseURL: url})
	if err != nil {
		return r.error(err)
	}
	defer rg.close() // runs before the cluster stops
	dbURL, s, l := rg.dbURL, rg.s, rg.l
	var (
		phase     atomic.Int32 // 0 before, 1 database down, 2 after up
		mu        sync.Mutex
		downCodes = map[string]int{}
		upAt      time.Time
		recovered time.Duration
	)
	l.sample = func(status int, code string) {
		switch phase.Load() {
		case 1:
			k := strings.TrimSpace(fmt.Sprintf("%d %s", status, code))
			if status == 0 {
				k = "transport error"
			}
			mu.Lock()
			downCodes[k]++
			mu.Unlock()
		case 2:
			if status >= 200 && status < 300 {
				mu.Lock()
				if recovered == 0 {
					recovered = time.Since(upAt)
				}
				mu.Unlock()
			}
		}
	}
	stopLoad := background(ctx, l)
	sleepCtx(ctx, d/3)
	before := l.ackCount()
	phase.Store(1)
	if _, err := h.pgdevCmd(ctx, "stop", dir, false); err != nil {
		stopLoad()
		return r.error(err)
	}
	sleepCtx(ctx, 4*time.Second)
	if _, err := h.pgdevCmd(ctx, "up", dir, true); err != nil {
		stopLoad()
		return r.error(err)
	}
	mu.Lock()
	upAt = time.Now()
	mu.Unlock()
	phase.Store(2)
	h.logf("postgres back up")
	atUp := l.ackCount()
	sleepCtx(ctx, d/2)
	stopLoad()
	after := l.ackCount() - atUp

	v := &verdict{}
	if s.exited() {
		v.fail("the server process exited while PostgreSQL was down (%v): %s", s.err, lastLines(tail(s.log), 3))
	} else {
		v = h.check(ctx, l, dbURL, s.base())
	}
	mu.Lock()
	var parts []string
	n503 := 0
	for k, n := range downCodes {
		parts = append(parts, fmt.Sprintf("%s:%d", k, n))
		if strings.HasPrefix(k, "503 ") {
			n503 += n
		}
	}
	rec := recovered
	mu.Unlock()
	if n503 == 0 {
		v.fail("no 503 answered while PostgreSQL was down (answers: %s)", strings.Join(parts, " "))
	}
	if after == 0 || rec == 0 {
		v.fail("the server logged: %s", firstLoggedErr(s.log))
	}
	if bad, which := l.count5xx("503 database_unavailable", "503 unavailable", "503 projection_lagging", "503 not_ready"); bad > 0 {
		v.fail("5xx answers other than 503 problem+json: %s", strings.Join(which, " "))
	}
	if after == 0 || rec == 0 {
		v.fail("no write acknowledged after PostgreSQL came back")
	}
	r.verdict(v)
	r.figures = fmt.Sprintf("%s; %d acks before the stop, %d after; from the stop until up: %s; first write acknowledged %.1fs after PostgreSQL was up; answers %s",
		v.figures(), before, after, strings.Join(parts, " "), rec.Seconds(), l.statusSummary())
	return r
}

// runReplicas: three serve processes on one database, load round robin.
func (h *harness) runReplicas(ctx context.Context, d time.Duration) result {
	r := result{name: "3 replicas"}
	// The blob folder is shared, as it would be in production.
	rg, err := h.rig(ctx, "replicas", rigOptions{replicas: 3})
	if err != nil {
		return r.error(err)
	}
	defer rg.close()
	dbURL, l, servers := rg.dbURL, rg.l, rg.all()
	bases := []string{rg.s.base()}
	stopLoad := background(ctx, l)
	sleepCtx(ctx, d)
	stopLoad()
	v := h.check(ctx, l, dbURL, bases[0])
	for i, s := range servers {
		if s.exited() {
			v.fail("server %d exited: %v", i, s.err)
		}
	}
	if bad, which := l.count5xx(); bad > 0 {
		v.fail("5xx answers: %s", strings.Join(which, " "))
	}
	r.verdict(v)
	r.figures = fmt.Sprintf("%s; answers %s", v.figures(), l.statusSummary())
	return r
}

// runDiskFull: the blob folder on a 2 MiB tmpfs; upload until it is full.
func (h *harness) runDiskFull(ctx context.Context) result {
	r := result{name: "disk full (blobs)"}
	mnt := filepath.Join(h.tmp, "blobs-full")
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		return r.error(err)
	}
	if out, err := exec.CommandContext(ctx, "mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt).CombinedOutput(); err != nil {
		r.status = "SKIP"
		r.figures = fmt.Sprintf("cannot mount a 2 MiB tmpfs (%v: %s): not faked", err, strings.TrimSpace(string(out)))
		return r
	}
	defer func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "shfaults: umount %s: %v: %s\n", mnt, err, out)
		}
	}()
	rg, err := h.rig(ctx, "disk", rigOptions{blobDir: mnt, fileSize: 192 << 10})
	if err != nil {
		return r.error(err)
	}
	defer rg.close()
	dbURL, s, l := rg.dbURL, rg.s, rg.l
	var folder struct {
		ID string `json:"id"`
	}
	if _, err := l.json(ctx, "folder", "POST", "/api/v1/folders", l.providerToken, map[string]string{"name": "full"}, &folder); err != nil {
		return r.error(err)
	}
	var (
		ok, full, other int
		docs            []string
		otherErrs       []string
	)
	for i := 0; i < 40 && full < 4; i++ {
		var err error
		var id string
		if len(docs) > 0 && i%3 == 2 {
			_, _, err = l.upload(ctx, "", docs[len(docs)-1], l.fileSize)
		} else if id, _, err = l.upload(ctx, folder.ID, "", l.fileSize); err == nil {
			docs = append(docs, id)
		}
		ae, isAPI := err.(*apiError)
		switch {
		case err == nil:
			ok++
		case isAPI && ae.status == http.StatusInsufficientStorage && ae.code == "insufficient_storage":
			full++
		default:
			other++
			otherErrs = append(otherErrs, err.Error())
		}
	}
	// The server must still serve once the disk is full.
	alive := false
	if resp, err := l.http.Get(s.base() + "/healthz"); err == nil {
		resp.Body.Close()
		alive = resp.StatusCode == http.StatusOK
	}
	v := h.check(ctx, l, dbURL, s.base())
	if ok == 0 || full == 0 {
		v.fail("expected uploads to succeed, then 507: %d ok, %d x 507", ok, full)
	}
	if other > 0 {
		v.fail("%d uploads failed otherwise than 507 insufficient_storage: %s", other, lastLines(strings.Join(otherErrs, "\n"), 2))
	}
	if !alive {
		v.fail("/healthz does not answer 200 once the disk is full")
	}
	checked, missing, temps := h.blobsReferenced(ctx, dbURL, mnt, v)
	r.verdict(v)
	r.figures = fmt.Sprintf("%d uploads stored, %d answered 507 insufficient_storage, %d otherwise; %d file events checked, %d refer to a missing blob, %d temporary files left; %s",
		ok, full, other, checked, missing, temps, v.figures())
	return r
}

// blobsReferenced checks that every DocumentAdded/DocumentVersionAdded refers to a
// blob file that exists (<root>/sha256/<2 hex>/<62 hex>).
func (h *harness) blobsReferenced(ctx context.Context, dbURL, root string, v *verdict) (checked, missing, temps int) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		v.fail("connect: %v", err)
		return
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT position, event_type, coalesce(payload->>'sha256', '')
		FROM events WHERE event_type IN ('DocumentAdded', 'DocumentVersionAdded') ORDER BY position`)
	if err != nil {
		v.fail("query: %v", err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var pos int64
		var typ, sha string
		if err := rows.Scan(&pos, &typ, &sha); err != nil {
			v.fail("scan: %v", err)
			return
		}
		checked++
		if len(sha) != 64 {
			missing++
			v.fail("%s at %d has no sha256 in its payload", typ, pos)
			continue
		}
		if _, err := os.Stat(filepath.Join(root, "sha256", sha[:2], sha[2:])); err != nil {
			missing++
			v.fail("%s at %d refers to blob %s: %v", typ, pos, sha, err)
		}
	}
	if err := rows.Err(); err != nil {
		v.fail("query: %v", err)
	}
	if checked == 0 {
		v.fail("no DocumentAdded event to check")
	}
	entries, _ := os.ReadDir(filepath.Join(root, "sha256"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".upload-") {
			temps++
		}
	}
	return
}

// firstLoggedErr returns the "err" of the first line of a server log that has one.
func firstLoggedErr(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	for _, line := range strings.Split(string(b), "\n") {
		var m struct {
			Msg string `json:"msg"`
			Err string `json:"err"`
		}
		if json.Unmarshal([]byte(line), &m) == nil && m.Err != "" {
			if len(m.Err) > 300 {
				m.Err = m.Err[:300] + "..."
			}
			return m.Msg + ": " + m.Err
		}
	}
	return "(nothing)"
}
