package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sharehub/sharehub/projections"
)

// verdict is what the check of one run found.
type verdict struct {
	acked     int
	lost      int
	wrongType int
	cancelled int // shares acknowledged as cancelled, checked
	active    int // shares never cancelled, checked visible
	rebuild   string
	problems  []string
}

func (v *verdict) fail(format string, args ...any) {
	if len(v.problems) < 12 {
		v.problems = append(v.problems, fmt.Sprintf(format, args...))
	} else if len(v.problems) == 12 {
		v.problems = append(v.problems, "...")
	}
}

func (v *verdict) ok() bool { return len(v.problems) == 0 }

func (v *verdict) figures() string {
	return fmt.Sprintf("%d acked writes, %d lost, %d wrong type; %d cancelled shares gone from portal, %d active shares visible; rebuild %s",
		v.acked, v.lost, v.wrongType, v.cancelled, v.active, v.rebuild)
}

// check verifies, with the servers stopped or running (base must answer for the
// portal listings): every acknowledged write is in the log with its event type;
// every share acknowledged as cancelled is cancelled in rm_portal.shares and
// absent from the customer's portal; every share never cancelled is visible; then
// `sharehub projections rebuild --all` finds the rebuilt tables identical.
func (h *harness) check(ctx context.Context, l *load, dbURL, base string) *verdict {
	v := &verdict{}
	acks, shares, customers := l.snapshot()
	v.acked = len(acks)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		v.fail("connect: %v", err)
		return v
	}
	defer conn.Close(ctx)

	positions := make([]int64, len(acks))
	var maxPos int64
	for i, a := range acks {
		positions[i] = a.pos
		maxPos = max(maxPos, a.pos)
	}
	types := map[int64]string{}
	rows, err := conn.Query(ctx, `SELECT position, event_type FROM events WHERE position = ANY($1)`, positions)
	if err != nil {
		v.fail("query events: %v", err)
		return v
	}
	for rows.Next() {
		var p int64
		var t string
		if err := rows.Scan(&p, &t); err != nil {
			v.fail("scan: %v", err)
			return v
		}
		types[p] = t
	}
	if err := rows.Err(); err != nil {
		v.fail("query events: %v", err)
		return v
	}
	for _, a := range acks {
		t, ok := types[a.pos]
		switch {
		case !ok:
			v.lost++
			v.fail("acknowledged %s at position %d is not in the log", a.op, a.pos)
		case !slices.Contains(wantTypes[a.op], t):
			v.wrongType++
			v.fail("acknowledged %s at position %d is a %s, want %v", a.op, a.pos, t, wantTypes[a.op])
		}
	}

	// Read models: rm_portal.shares, then each customer's portal as that customer,
	// waiting (X-Min-Position) for everything acknowledged.
	byCustomer := map[int][]shareRec{}
	for _, s := range shares {
		byCustomer[s.customer] = append(byCustomer[s.customer], s)
	}
	// Listings first: they wait for the projections to apply everything acknowledged.
	listDeadline := time.Now().Add(15 * time.Second)
	var listFailed int
	var firstListErr error
	for ci, list := range byCustomer {
		visible, err := portalDocuments(ctx, l, base, customers[ci], l.providerID, maxPos, listDeadline)
		if err != nil {
			if listFailed++; firstListErr == nil {
				firstListErr = err
			}
			continue
		}
		for _, s := range list {
			switch {
			case s.cancelAcked:
				v.cancelled++
				if visible[s.document] {
					v.fail("share %s was acknowledged cancelled but document %s is in the portal of customer %s", s.id, s.document, customers[ci].id)
				}
			case !s.cancelTried:
				v.active++
				if !visible[s.document] {
					v.fail("share %s is active but document %s is not in the portal of customer %s", s.id, s.document, customers[ci].id)
				}
			}
		}
	}
	if listFailed > 0 {
		v.fail("portal listing failed for %d of %d customers (waiting for position %d): %v; projections: %s",
			listFailed, len(byCustomer), maxPos, firstListErr, h.statusLine(ctx, dbURL))
	}
	schemas, err := projections.LookupSchemas(ctx, conn)
	if err != nil {
		v.fail("read-model schemas: %v", err)
	}
	sharesTable := pgx.Identifier{schemas.Portal, "shares"}.Sanitize()
	for _, s := range shares {
		if !s.cancelAcked {
			continue
		}
		var cancelled bool
		err := conn.QueryRow(ctx, `SELECT cancelled FROM `+sharesTable+` WHERE id = $1`, s.id).Scan(&cancelled)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			v.fail("share %s acknowledged cancelled is missing from rm_portal.shares", s.id)
		case err != nil:
			v.fail("rm_portal.shares: %v", err)
		case !cancelled:
			v.fail("share %s acknowledged cancelled is not cancelled in rm_portal.shares", s.id)
		}
	}
	h.projectionStatus(ctx, dbURL, v)
	v.rebuild = h.rebuild(ctx, dbURL, v)
	return v
}

// statusLine condenses `sharehub projections status` to "name state position lag; ...".
func (h *harness) statusLine(ctx context.Context, dbURL string) string {
	cmd := exec.CommandContext(ctx, h.bin, "projections", "status")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "LOG_LEVEL=warn")
	out, _ := cmd.CombinedOutput()
	var parts []string
	for _, line := range strings.Split(string(out), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) == 0 {
			break // the table ends; explanations follow
		}
		if len(f) >= 6 {
			parts = append(parts, fmt.Sprintf("%s %s at %s, %s events behind, %s held back", f[0], f[1], f[2], f[3], f[5]))
		}
	}
	return strings.Join(parts, "; ")
}

// projectionStatus fails the run when `sharehub projections status` shows a
// projection stopped (state failed).
func (h *harness) projectionStatus(ctx context.Context, dbURL string, v *verdict) {
	cmd := exec.CommandContext(ctx, h.bin, "projections", "status")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "LOG_LEVEL=warn")
	out, err := cmd.CombinedOutput()
	if err != nil {
		v.fail("projections status: %v: %s", err, lastLines(string(out), 3))
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[1] == "failed" {
			v.fail("projection %s is stopped (failed): %s", f[0], stoppedReason(string(out), f[0]))
		}
	}
}

func stoppedReason(status, name string) string {
	for _, line := range strings.Split(status, "\n") {
		if strings.HasPrefix(line, name+" stopped: ") {
			r := strings.TrimPrefix(line, name+" stopped: ")
			if len(r) > 300 {
				r = r[:300] + "..."
			}
			return r
		}
	}
	return "(no reason shown)"
}

// portalDocuments lists, as the customer, every document it sees of the provider,
// page after page.
func portalDocuments(ctx context.Context, l *load, base string, c customer, provider string, minPos int64, deadline time.Time) (map[string]bool, error) {
	m := map[string]bool{}
	cursor := ""
	for {
		var out struct {
			Documents []struct {
				ID string `json:"id"`
			} `json:"documents"`
			NextCursor *string `json:"next_cursor"`
		}
		path := "/api/v1/portal/providers/" + provider + "/documents?flat=true&limit=500"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		for {
			one := newLoad(base)
			one.http = l.http
			_, err := one.do(ctx, "", "GET", path, c.token, nil, "",
				http.Header{"X-Min-Position": {strconv.FormatInt(minPos, 10)}}, &out)
			if err == nil {
				break
			}
			var ae *apiError
			if !errors.As(err, &ae) || ae.status != 503 || time.Now().After(deadline) {
				return nil, err
			}
			time.Sleep(500 * time.Millisecond)
		}
		for _, d := range out.Documents {
			m[d.ID] = true
		}
		if out.NextCursor == nil || *out.NextCursor == "" {
			return m, nil
		}
		cursor = *out.NextCursor
	}
}

// rebuild execs `sharehub projections rebuild --all`, which refuses the swap (and
// exits non-zero) when the rebuilt tables differ from the live ones.
func (h *harness) rebuild(ctx context.Context, dbURL string, v *verdict) string {
	cctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, h.bin, "projections", "rebuild", "--all")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "LOG_LEVEL=warn")
	out, err := cmd.CombinedOutput()
	text := strings.TrimSpace(string(out))
	var identical, total int
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, ": rebuilt from ") {
			total++
			if strings.Contains(line, "identical to the live tables") {
				identical++
			}
		}
	}
	h.logf("rebuild: %s", text)
	if err != nil {
		v.fail("projections rebuild --all: %v: %s", err, lastLines(text, 4))
		return fmt.Sprintf("FAILED (%d/%d identical before the refusal)", identical, total)
	}
	if identical != total || total == 0 {
		v.fail("projections rebuild --all: %s", lastLines(text, 4))
	}
	return strconv.Itoa(identical) + "/" + strconv.Itoa(total) + " projections identical"
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
