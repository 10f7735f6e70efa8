package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sharehub/sharehub/eventstore"
)

// runRebuildUnderLoad: a steady stream of writes (grants and cancels among them)
// while `sharehub projections rebuild --all --chunk 500` runs 20 times in a row,
// the log's transaction ids crossing a decimal digit early on (nearDigit). Each rebuild
// compares the fresh tables with the live ones at the swap and refuses (exits
// non-zero) on any difference; afterwards the usual check: every cancelled share
// cancelled in the read model and absent from the portal, a last rebuild identical.
func (h *harness) runRebuildUnderLoad(ctx context.Context, d time.Duration) result {
	r := result{name: "rebuild under load"}
	rg, err := h.rig(ctx, "rebuild", rigOptions{noLoad: true})
	if err != nil {
		return r.error(err)
	}
	defer rg.close()
	dbURL, s := rg.dbURL, rg.s
	// The server migrated the database; nothing is written yet.
	digit, err := nearDigit(ctx, dbURL, 2000)
	if err != nil {
		return r.error(err)
	}
	l := newLoad(s.base())
	if err := l.setup(ctx); err != nil {
		return r.error(err)
	}
	stopLoad := background(ctx, l)
	sleepCtx(ctx, d/4) // some history first
	v := &verdict{}
	const rebuilds = 20
	var (
		done    int
		longest time.Duration
		total   time.Duration
	)
	for i := range rebuilds {
		if ctx.Err() != nil {
			break
		}
		t0 := time.Now()
		cctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		// Chunks of 500 events: the log of a 10-second run fits in one chunk of
		// the default 5,000, and a production log's rebuild reads many pages.
		cmd := exec.CommandContext(cctx, h.bin, "projections", "rebuild", "--all", "--chunk", "500")
		cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "LOG_LEVEL=warn")
		out, err := cmd.CombinedOutput()
		cancel()
		took := time.Since(t0)
		total += took
		longest = max(longest, took)
		text := strings.TrimSpace(string(out))
		h.logf("rebuild %d: %s", i+1, text)
		if err != nil {
			v.fail("rebuild %d of %d under load: %v: %s", i+1, rebuilds, err, lastLines(text, 3))
			break
		}
		if strings.Count(text, "identical to the live tables") != 2 {
			v.fail("rebuild %d of %d under load: %s", i+1, rebuilds, lastLines(text, 3))
		}
		done++
	}
	acksDuring := l.ackCount()
	stopLoad()
	final := h.check(ctx, l, dbURL, s.base())
	final.problems = append(v.problems, final.problems...)
	if s.exited() {
		final.fail("server exited: %v", s.err)
	}
	if bad, which := l.count5xx(); bad > 0 {
		final.fail("5xx answers: %s", strings.Join(which, " "))
	}
	r.verdict(final)
	avg := time.Duration(0)
	if done > 0 {
		avg = total / time.Duration(done)
	}
	r.figures = fmt.Sprintf("%s; %d/%d rebuilds under load identical (avg %.2fs, longest %.2fs), %d acks meanwhile; %s; answers %s",
		final.figures(), done, rebuilds, avg.Seconds(), longest.Seconds(), acksDuring, crossed(ctx, dbURL, digit), l.statusSummary())
	return r
}

// nearDigit moves the transaction ids the log records (txid_shift, as the
// restore check does) to `before` below the next power of ten, which it returns:
// the run then crosses a decimal digit of the ids (99999 to 100000). Paged reads
// in commit order once sorted the ids as text there (100000 before 99999), and a
// rebuild skipped a stretch of the log: the run failed only when a busy cluster
// happened to cross a digit during it. Now every run does.
func nearDigit(ctx context.Context, dbURL string, before uint64) (uint64, error) {
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return 0, err
	}
	defer pool.Close()
	var txt string
	if err := pool.QueryRow(ctx, `SELECT pg_current_xact_id()::text`).Scan(&txt); err != nil {
		return 0, err
	}
	raw, err := strconv.ParseUint(txt, 10, 64)
	if err != nil {
		return 0, err
	}
	digit := uint64(10)
	for digit <= raw+before {
		digit *= 10
	}
	if err := eventstore.SetTransactionIDShift(ctx, pool, digit-before-raw); err != nil {
		return 0, fmt.Errorf("move transaction ids below %d: %w", digit, err)
	}
	return digit, nil
}

// crossed says whether the log's transaction ids crossed digit during the run.
func crossed(ctx context.Context, dbURL string, digit uint64) string {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "ids: " + err.Error()
	}
	defer conn.Close(ctx)
	var below, above int64
	if err := conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE transaction_id < $1::text::xid8),
			count(*) FILTER (WHERE transaction_id >= $1::text::xid8) FROM events`, strconv.FormatUint(digit, 10)).Scan(&below, &above); err != nil {
		return "ids: " + err.Error()
	}
	if below == 0 || above == 0 {
		return fmt.Sprintf("transaction ids did NOT cross %d (%d events below, %d above)", digit, below, above)
	}
	return fmt.Sprintf("transaction ids crossed %d (%d events below, %d above)", digit, below, above)
}

// restoreCluster is the cluster the restore run restores into: created afresh
// (initdb) for each run, so its transaction counter starts low, as a new server's
// does, and removed afterwards.
const restoreCluster = ".data/pg-restore-faults"

// runRestore: load, then pg_dump the database, restore it into a new cluster, and
// go on writing against the restored copy. A new cluster counts transactions from
// a few hundred while the log holds the old cluster's ids: without the restore
// check, new events would sort below every checkpoint and never be delivered.
// Afterwards the usual check (every acknowledged write before and after the
// restore in the log, portal listings waiting for all of them, cancelled shares
// gone, rebuild identical), and `audit seal` + `audit verify` exit 0.
func (h *harness) runRestore(ctx context.Context, d time.Duration) result {
	r := result{name: "dump, restore, continue"}
	pgDump, err := pgBinary("pg_dump")
	if err != nil {
		return r.error(err)
	}
	pgRestore, err := pgBinary("pg_restore")
	if err != nil {
		return r.error(err)
	}
	// Files are not in the database: the restored copy keeps the rig's blobs.
	rg, err := h.rig(ctx, "restore", rigOptions{})
	if err != nil {
		return r.error(err)
	}
	defer rg.close()
	dbURL, blobDir, l := rg.dbURL, rg.blobDir, rg.l
	stopLoad := background(ctx, l)
	sleepCtx(ctx, d/2)
	stopLoad()
	rg.s.stop()
	before := l.ackCount()

	dump := filepath.Join(h.tmp, "restore.dump")
	if out, err := exec.CommandContext(ctx, pgDump, "-Fc", "-f", dump, dbURL).CombinedOutput(); err != nil {
		return r.error(fmt.Errorf("pg_dump: %v: %s", err, out))
	}
	st, _ := os.Stat(dump)

	dir := filepath.Join(h.repo, restoreCluster)
	_, _ = h.pgdevCmd(ctx, "stop", dir, false)
	if err := os.RemoveAll(dir); err != nil {
		return r.error(err)
	}
	newBase, err := h.pgdevCmd(ctx, "up", dir, true)
	if err != nil {
		return r.error(err)
	}
	if !h.keep {
		defer func() {
			_, _ = h.pgdevCmd(context.WithoutCancel(ctx), "stop", dir, false)
			_ = os.RemoveAll(dir)
		}()
	}
	restored, dropRestored, err := h.scratch(ctx, newBase, "restored")
	if err != nil {
		return r.error(err)
	}
	defer dropRestored()
	if err := execSQL(ctx, restored, `DO $$ BEGIN CREATE ROLE sharehub_app NOLOGIN;
		EXCEPTION WHEN duplicate_object THEN NULL; END $$`); err != nil {
		return r.error(err)
	}
	if out, err := exec.CommandContext(ctx, pgRestore, "--no-owner", "--exit-on-error", "-d", restored, dump).CombinedOutput(); err != nil {
		return r.error(fmt.Errorf("pg_restore: %v: %s", err, out))
	}
	cmd := exec.CommandContext(ctx, h.bin, "restore-check")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+restored, "LOG_LEVEL=error")
	checkOut, err := cmd.CombinedOutput()
	if err != nil {
		return r.error(fmt.Errorf("restore-check: %v: %s", err, checkOut))
	}
	h.logf("restore-check: %s", checkOut)

	s, err := h.start(ctx, restored, blobDir, "")
	if err != nil {
		return r.error(fmt.Errorf("serve on the restored copy: %w", err))
	}
	defer func() { s.stop() }()
	l.setBases(s.base())
	stopLoad = background(ctx, l)
	sleepCtx(ctx, d/2)
	stopLoad()
	after := l.ackCount() - before
	v := h.check(ctx, l, restored, s.base())
	if after == 0 {
		v.fail("no write acknowledged on the restored copy; its server logged: %s", firstLoggedErr(s.log))
	}
	verify := "not run"
	for _, args := range [][]string{{"audit", "seal"}, {"audit", "verify"}} {
		cmd := exec.CommandContext(ctx, h.bin, args...)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+restored, "LOG_LEVEL=error")
		out, err := cmd.CombinedOutput()
		if err != nil {
			v.fail("%s on the restored copy: %v: %s", strings.Join(args, " "), err, lastLines(strings.TrimSpace(string(out)), 3))
			verify = "FAILED"
			break
		}
		verify = "ok"
	}
	r.verdict(v)
	detected := "restore-check found nothing to do (no gap: the new cluster was not behind)"
	if strings.Contains(string(checkOut), "restored log detected") {
		detected = "restore-check raised the shift (" + strings.TrimSpace(strings.SplitN(string(checkOut), ";", 2)[0]) + ")"
	}
	var size int64
	if st != nil {
		size = st.Size()
	}
	r.figures = fmt.Sprintf("%s; %d acks before the dump (%d KiB), %d after the restore; %s; audit verify %s; answers %s",
		v.figures(), before, size/1024, after, detected, verify, l.statusSummary())
	return r
}

// pgBinary finds a PostgreSQL client program on PATH or in Debian's versioned
// folders (the newest).
func pgBinary(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(found) == 0 {
		return "", fmt.Errorf("%s not found (install PostgreSQL's client programs)", name)
	}
	slices.SortFunc(found, func(a, b string) int { return pgMajorOf(b) - pgMajorOf(a) })
	return found[0], nil
}

func pgMajorOf(path string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(path))))
	return n
}

func execSQL(ctx context.Context, url, sql string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}
