package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sharehub/sharehub/eventstore/devdb"
)

// harness holds what every run shares: the built binaries and a scratch folder.
type harness struct {
	tmp     string
	bin     string // sharehub
	pgdev   string
	repo    string // the module root (where .data lives)
	baseURL string // DATABASE_URL
	verbose bool
	nserver int
	// poolMax, when positive, is passed to the servers as pool_max_conns (pgxpool's
	// default is max(4, CPUs)).
	poolMax int
	keep    bool // keep scratch databases and the fault cluster running
	// dedicated: every run uses the fault cluster (faultCluster), not DATABASE_URL's.
	dedicated bool
}

// faultCluster is the cluster of the PostgreSQL restart run (and of every run with
// -dedicated), never shared with tests or benchmarks.
const faultCluster = ".data/pg-faults"

// scratch creates an empty database beside the one of baseURL (the server migrates
// it); drop removes it, or keeps it with -keep.
func (h *harness) scratch(ctx context.Context, baseURL, prefix string) (string, func(), error) {
	db, err := devdb.Create(ctx, baseURL, prefix, devdb.Options{Keep: h.keep})
	if err != nil {
		return "", nil, err
	}
	if h.keep {
		fmt.Println("scratch database (kept):", db.URL)
	}
	return db.URL, func() {
		if err := db.Drop(context.Background()); err != nil {
			fmt.Fprintf(os.Stderr, "shfaults: %v\n", err)
		}
	}, nil
}

// build compiles sharehub and pgdev once for all runs.
func (h *harness) build(ctx context.Context) error {
	h.bin = filepath.Join(h.tmp, "sharehub")
	h.pgdev = filepath.Join(h.tmp, "pgdev")
	for out, pkg := range map[string]string{h.bin: "./cmd/sharehub", h.pgdev: "./cmd/pgdev"} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Dir = h.repo
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
		}
	}
	return nil
}

func (h *harness) logf(format string, args ...any) {
	if h.verbose {
		fmt.Fprintf(os.Stderr, "  "+format+"\n", args...)
	}
}

// server is one `sharehub serve` process.
type server struct {
	cmd  *exec.Cmd
	addr string
	log  string
	done chan struct{}
	err  error // of Wait, once done is closed
}

func (s *server) base() string { return "http://" + s.addr }

func (s *server) exited() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// start runs `sharehub serve` on addr (a free loopback port when empty) and waits
// until /healthz answers.
func (h *harness) start(ctx context.Context, dbURL, blobDir, addr string, env ...string) (*server, error) {
	if addr == "" {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		addr = p
	}
	h.nserver++
	logPath := filepath.Join(h.tmp, fmt.Sprintf("server-%02d.log", h.nserver))
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	if h.poolMax > 0 {
		sep := "?"
		if strings.Contains(dbURL, "?") {
			sep = "&"
		}
		dbURL += sep + "pool_max_conns=" + strconv.Itoa(h.poolMax)
	}
	cmd := exec.Command(h.bin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "HTTP_ADDR="+addr, "BLOB_DIR="+blobDir,
		"LOG_LEVEL=warn", "SIGNUP=open", "PUBLIC_BASE_URL=http://"+addr, "SMTP_URL=",
		"METRICS_ADDR=127.0.0.1:0") // several servers run at once: no fixed metrics port
	cmd.Env = append(cmd.Env, env...) // a run's own settings win (the last of a name counts)
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	s := &server{cmd: cmd, addr: addr, log: logPath, done: make(chan struct{})}
	go func() {
		s.err = cmd.Wait()
		lf.Close()
		close(s.done)
	}()
	c := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if s.exited() {
			return nil, fmt.Errorf("sharehub serve exited at start (%v); log %s: %s", s.err, logPath, tail(logPath))
		}
		if resp, err := c.Get(s.base() + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				h.logf("server %d up on %s (log %s)", h.nserver, addr, logPath)
				return s, nil
			}
		}
		select {
		case <-ctx.Done():
			s.kill()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	s.kill()
	return nil, fmt.Errorf("sharehub serve on %s not healthy within 90s; log %s", addr, logPath)
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// stop asks for a graceful shutdown (SIGTERM), killing after 25s.
func (s *server) stop() {
	if s.exited() {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(25 * time.Second):
		s.kill()
	}
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// pgdevCmd runs the pgdev binary (up, stop) on dir and returns what it printed.
func (h *harness) pgdevCmd(ctx context.Context, verb, dir string, fast bool) (string, error) {
	args := []string{verb, "--dir", dir}
	if fast {
		args = append(args, "--fast")
	}
	cmd := exec.CommandContext(ctx, h.pgdev, args...)
	cmd.Dir = h.repo
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("pgdev %s: %v: %s", verb, err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

func randomHex(n int) string { return devdb.RandomName(n) }
