// Command pgdev manages the local PostgreSQL cluster that `make run` and `make test`
// use when DATABASE_URL is unset: a cluster of the system's own PostgreSQL (15+)
// under a git-ignored folder of the repository, listening on loopback only, on a free
// port chosen once and kept.
//
//	pgdev up   --dir .data/pg-run [--fast]   start (creating if needed); prints the URL
//	pgdev url  --dir .data/pg-run [--role app]
//	                                         prints the URL of a running cluster
//	pgdev stop --dir .data/pg-run            stops it
//
// The URL is the owner's (migrations, operator commands: MIGRATE_DATABASE_URL);
// with --role app it is that of sharehub_serve, a login role whose only privilege
// is its membership in sharehub_app, the role serve runs as (DATABASE_URL). `up`
// creates both roles, with generated passwords kept beside the cluster.
//
// When the server binaries are missing and pgdev runs as root with apt-get available,
// it installs Debian's postgresql package (SHAREHUB_NO_INSTALL=1 forbids that).
// PostgreSQL refuses to run as root, so as root the cluster belongs to the system's
// postgres user.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "pgdev:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: pgdev up|url|stop --dir DIR [--fast]")
	}
	fs := flag.NewFlagSet("pgdev "+args[0], flag.ContinueOnError)
	dir := fs.String("dir", ".data/pg-run", "cluster folder")
	fast := fs.Bool("fast", false, "trade durability for speed (test clusters only)")
	role := fs.String("role", "owner", "whose URL to print: owner (migrations) or app (serve)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		return err
	}
	c := &cluster{dir: abs, fast: *fast}
	switch args[0] {
	case "up":
		if err := c.up(); err != nil {
			return err
		}
	case "url":
		if !c.running() {
			return fmt.Errorf("no cluster running in %s (run: pgdev up --dir %s)", abs, *dir)
		}
	case "stop":
		return c.stop()
	default:
		return fmt.Errorf("unknown command %q", args[0])
	}
	var url string
	switch *role {
	case "owner":
		url, err = c.url()
	case "app":
		url, err = c.appURL()
	default:
		return fmt.Errorf("--role %q: owner or app", *role)
	}
	if err != nil {
		return err
	}
	fmt.Println(url)
	return nil
}

type cluster struct {
	dir    string // ours: password, port; PGDATA is dir/data
	fast   bool
	bindir string
	owner  *user.User // nil: the current user runs the server
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *cluster) up() error {
	if err := c.findBinaries(); err != nil {
		return err
	}
	if err := c.chooseOwner(); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(c.data(), "PG_VERSION")); err != nil {
		if err := c.initdb(); err != nil {
			return err
		}
	}
	if !c.running() {
		if err := c.start(); err != nil {
			return err
		}
	}
	return c.ensureDatabase()
}

// findBinaries locates initdb and pg_ctl of PostgreSQL 15 or newer.
func (c *cluster) findBinaries() error {
	candidates := []string{}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	globbed, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(globbed, func(i, j int) bool { return pgMajor(globbed[i]) > pgMajor(globbed[j]) })
	candidates = append(candidates, globbed...)
	for _, d := range candidates {
		if fileExists(filepath.Join(d, "initdb")) && fileExists(filepath.Join(d, "pg_ctl")) {
			if v := serverMajor(filepath.Join(d, "postgres")); v >= 15 {
				c.bindir = d
				return nil
			}
		}
	}
	if os.Geteuid() == 0 && os.Getenv("SHAREHUB_NO_INSTALL") == "" {
		if _, err := exec.LookPath("apt-get"); err == nil {
			fmt.Fprintln(os.Stderr, "pgdev: PostgreSQL server not found; installing Debian's postgresql package")
			if err := install(); err != nil {
				return fmt.Errorf("install postgresql: %w", err)
			}
			globbed, _ = filepath.Glob("/usr/lib/postgresql/*/bin")
			for _, d := range globbed {
				if pgMajor(d) >= 15 && fileExists(filepath.Join(d, "initdb")) {
					c.bindir = d
					return nil
				}
			}
		}
	}
	return errors.New("PostgreSQL 15+ server binaries (initdb, pg_ctl) not found: install them " +
		"(Debian/Ubuntu: sudo apt-get install -y postgresql) or set DATABASE_URL to an existing database")
}

func install() error {
	env := append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	for _, args := range [][]string{{"update"}, {"install", "-y", "--no-install-recommends", "postgresql"}} {
		cmd := exec.Command("apt-get", args...)
		cmd.Env, cmd.Stdout, cmd.Stderr = env, os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("apt-get %s: %w", args[0], err)
		}
	}
	return nil
}

func pgMajor(bindir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(bindir)))
	return n
}

func serverMajor(postgres string) int {
	out, err := exec.Command(postgres, "--version").Output()
	if err != nil {
		return 0
	}
	// "postgres (PostgreSQL) 15.18 (Debian ...)"
	fields := strings.Fields(string(out))
	if len(fields) < 3 {
		return 0
	}
	n, _ := strconv.Atoi(strings.SplitN(fields[2], ".", 2)[0])
	return n
}

// chooseOwner picks the account the server runs as: PostgreSQL refuses root.
func (c *cluster) chooseOwner() error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		if out, err := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres").CombinedOutput(); err != nil {
			return fmt.Errorf("create user postgres: %v: %s", err, out)
		}
		if u, err = user.Lookup("postgres"); err != nil {
			return err
		}
	}
	c.owner = u
	return nil
}

// pg runs a PostgreSQL program as the cluster's owner.
func (c *cluster) pg(name string, args ...string) *exec.Cmd {
	bin := filepath.Join(c.bindir, name)
	if c.owner != nil {
		return exec.Command("runuser", append([]string{"-u", c.owner.Username, "--", bin}, args...)...)
	}
	return exec.Command(bin, args...)
}

func (c *cluster) chown(path string) error {
	if c.owner == nil {
		return nil
	}
	uid, _ := strconv.Atoi(c.owner.Uid)
	gid, _ := strconv.Atoi(c.owner.Gid)
	return os.Chown(path, uid, gid)
}

func (c *cluster) initdb() error {
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return err
	}
	if c.owner != nil {
		// The server's account must be able to reach the folder through every parent.
		check := exec.Command("runuser", "-u", c.owner.Username, "--", "test", "-x", c.dir)
		if err := check.Run(); err != nil {
			return fmt.Errorf("user %s cannot reach %s (a parent folder is not searchable): "+
				"make it searchable or set DATABASE_URL", c.owner.Username, c.dir)
		}
	}
	_ = os.RemoveAll(c.data())
	if err := os.Mkdir(c.data(), 0o700); err != nil {
		return err
	}
	if err := c.chown(c.data()); err != nil {
		return err
	}
	password := randomHex(16)
	pwfile := filepath.Join(c.dir, "initdb.pwfile")
	if err := os.WriteFile(pwfile, []byte(password+"\n"), 0o600); err != nil {
		return err
	}
	if err := c.chown(pwfile); err != nil {
		return err
	}
	out, err := c.pg("initdb", "-D", c.data(), "-U", "sharehub", "--pwfile", pwfile,
		"--auth=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-instructions").CombinedOutput()
	_ = os.Remove(pwfile)
	if err != nil {
		return fmt.Errorf("initdb: %v\n%s", err, out)
	}
	return os.WriteFile(filepath.Join(c.dir, "password"), []byte(password), 0o600)
}

func (c *cluster) running() bool {
	if c.bindir == "" {
		if err := c.findBinaries(); err != nil {
			return false
		}
		if err := c.chooseOwner(); err != nil {
			return false
		}
	}
	return c.pg("pg_ctl", "-D", c.data(), "status").Run() == nil
}

func (c *cluster) start() error {
	for attempt := 0; attempt < 3; attempt++ {
		port, err := c.port(attempt > 0)
		if err != nil {
			return err
		}
		opts := []string{
			"-c listen_addresses=127.0.0.1",
			"-p " + strconv.Itoa(port),
			"-c unix_socket_directories=''",
			"-c max_connections=300",
		}
		if c.fast {
			opts = append(opts, "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off")
		}
		out, err := c.pg("pg_ctl", "-D", c.data(), "-l", filepath.Join(c.data(), "server.log"),
			"-w", "-t", "60", "-o", strings.Join(opts, " "), "start").CombinedOutput()
		if err == nil {
			return nil
		}
		fmt.Fprintf(os.Stderr, "pgdev: start on port %d failed (%v): %s\n", port, err, out)
	}
	return fmt.Errorf("could not start PostgreSQL in %s; see %s", c.data(), filepath.Join(c.data(), "server.log"))
}

func (c *cluster) stop() error {
	if !c.running() {
		return nil
	}
	out, err := c.pg("pg_ctl", "-D", c.data(), "-m", "fast", "-w", "stop").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %v: %s", err, out)
	}
	return nil
}

// port returns the cluster's port, choosing a free one the first time (or when fresh).
func (c *cluster) port(fresh bool) (int, error) {
	file := filepath.Join(c.dir, "port")
	if b, err := os.ReadFile(file); err == nil && !fresh {
		if p, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			return p, nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	p := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	return p, os.WriteFile(file, []byte(strconv.Itoa(p)), 0o644)
}

func (c *cluster) url() (string, error) {
	pw, err := os.ReadFile(filepath.Join(c.dir, "password"))
	if err != nil {
		return "", err
	}
	port, err := c.port(false)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("postgres://sharehub:%s@127.0.0.1:%d/sharehub?sslmode=disable", pw, port), nil
}

func (c *cluster) ensureDatabase() error {
	url, err := c.url()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, strings.Replace(url, "/sharehub?", "/postgres?", 1))
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'sharehub')`).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if _, err := conn.Exec(ctx, `CREATE DATABASE sharehub`); err != nil {
			return err
		}
	}
	return c.ensureAppRole(ctx, conn)
}

// appRole is the login role serve connects as; it holds nothing but membership in
// sharehub_app (the migrations grant that role what the service needs).
const appRole = "sharehub_serve"

// ensureAppRole creates sharehub_app (as migrations/00001 would) and the login
// role in it, with a generated password kept in dir/app-password.
func (c *cluster) ensureAppRole(ctx context.Context, conn *pgx.Conn) error {
	if _, err := conn.Exec(ctx, `DO $$ BEGIN CREATE ROLE sharehub_app NOLOGIN;
		EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`); err != nil {
		return fmt.Errorf("create role sharehub_app: %w", err)
	}
	file := filepath.Join(c.dir, "app-password")
	pw, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		pw = []byte(randomHex(16))
		if err := os.WriteFile(file, pw, 0o600); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, appRole).Scan(&exists); err != nil {
		return err
	}
	verb := "CREATE"
	if exists {
		verb = "ALTER"
	}
	// The password is ours (hex), so it can be spelled in the statement.
	if _, err := conn.Exec(ctx, fmt.Sprintf(`%s ROLE %s LOGIN PASSWORD '%s'`, verb, appRole, strings.TrimSpace(string(pw)))); err != nil {
		return fmt.Errorf("role %s: %w", appRole, err)
	}
	if _, err := conn.Exec(ctx, `GRANT sharehub_app TO `+appRole); err != nil {
		return fmt.Errorf("role %s: %w", appRole, err)
	}
	return nil
}

// appURL is the URL of the login role serve runs as.
func (c *cluster) appURL() (string, error) {
	pw, err := os.ReadFile(filepath.Join(c.dir, "app-password"))
	if err != nil {
		return "", fmt.Errorf("no app role yet (run: pgdev up --dir %s): %w", c.dir, err)
	}
	port, err := c.port(false)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/sharehub?sslmode=disable", appRole, strings.TrimSpace(string(pw)), port), nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
