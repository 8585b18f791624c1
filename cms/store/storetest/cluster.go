package storetest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// Cluster is a private PostgreSQL server, for tests that stop and start
// the database under a running CMS. It runs on a free port of its own
// (never the shared 5432), in a temporary directory removed at the end.
type Cluster struct {
	// URL reaches the cluster's postgres database as user postgres.
	URL string

	t    testing.TB
	bin  string // the directory of pg_ctl
	dir  string
	port int
}

// NewCluster initialises and starts a private cluster, stopped and
// removed when the test ends. Without PostgreSQL's server binaries
// (/usr/lib/postgresql/*/bin) the test is skipped, or fails when
// CMS_TEST_REQUIRE_POSTGRES=1. As root, the server runs as the postgres
// OS user (PostgreSQL refuses to run as root).
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(bins) == 0 {
		if os.Getenv("CMS_TEST_REQUIRE_POSTGRES") == "1" {
			t.Fatal("PostgreSQL required, but no server binaries under /usr/lib/postgresql/*/bin")
		}
		t.Skip("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
	}
	sort.Slice(bins, func(i, j int) bool { return pgVersion(bins[i]) < pgVersion(bins[j]) })
	c := newCluster(t, filepath.Dir(bins[len(bins)-1]))
	// initdb -A trust also trusts replication connections from
	// 127.0.0.1, and wal_level is replica by default: Replica needs both.
	if out, err := c.run(filepath.Join(c.bin, "initdb"), "-D", c.data(), "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--no-sync", "--no-instructions"); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	c.Start()
	return c
}

// newCluster makes the directory of a cluster, removed (and the cluster
// stopped) when the test ends.
func newCluster(t testing.TB, bin string) *Cluster {
	t.Helper()
	// Not t.TempDir: its parents are private to root, and the server may
	// run as another user.
	dir, err := os.MkdirTemp("", "cms-pgcluster-")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{t: t, bin: bin, dir: dir, port: freePort(t)}
	t.Cleanup(func() {
		c.pgctl("stop", "-m", "immediate") // may already be stopped
		os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs a postgres OS user: %v", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	c.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable&connect_timeout=2", c.port)
	return c
}

// Replica makes a streaming replica of the running cluster with
// pg_basebackup -R (a hot standby following it) and starts it on a port
// of its own; it is stopped and removed when the test ends, before the
// primary. Without pg_basebackup the test is skipped, or fails when
// CMS_TEST_REQUIRE_POSTGRES=1.
func (c *Cluster) Replica() *Cluster {
	c.t.Helper()
	if _, err := os.Stat(filepath.Join(c.bin, "pg_basebackup")); err != nil {
		if os.Getenv("CMS_TEST_REQUIRE_POSTGRES") == "1" {
			c.t.Fatalf("PostgreSQL required, but no pg_basebackup beside %s", c.bin)
		}
		c.t.Skipf("no pg_basebackup beside %s", c.bin)
	}
	r := newCluster(c.t, c.bin)
	if out, err := r.run(filepath.Join(c.bin, "pg_basebackup"), "-h", "127.0.0.1", "-p", strconv.Itoa(c.port), "-U", "postgres",
		"-D", r.data(), "-R", "-X", "stream", "--no-sync", "-c", "fast"); err != nil {
		c.t.Fatalf("pg_basebackup: %v\n%s", err, out)
	}
	r.Start()
	return r
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }

// Start starts the cluster and waits until it accepts connections.
func (c *Cluster) Start() {
	c.t.Helper()
	// The socket directory is the cluster's own, and fsync is off: a
	// stopped server loses nothing the kernel already holds, which is all
	// these tests stop (the process, not the machine).
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100", c.port, c.dir)
	if out, err := c.pgctl("start", "-w", "-t", "30", "-l", filepath.Join(c.dir, "log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		c.t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
}

// Stop stops the cluster in pg_ctl's mode: "fast" (sessions are
// terminated with an error, then the server shuts down cleanly) or
// "immediate" (at once, the way a crash would: connections drop without
// goodbye, and the next start recovers from the WAL).
func (c *Cluster) Stop(mode string) {
	c.t.Helper()
	if out, err := c.pgctl("stop", "-w", "-m", mode); err != nil {
		c.t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

func (c *Cluster) pgctl(args ...string) ([]byte, error) {
	return c.run(filepath.Join(c.bin, "pg_ctl"), append([]string{"-D", c.data()}, args...)...)
}

// run runs a PostgreSQL program, as the postgres OS user when root.
func (c *Cluster) run(prog string, args ...string) ([]byte, error) {
	cmd := exec.Command(prog, args...)
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", prog}, args...)...)
	}
	cmd.Dir = c.dir
	return cmd.CombinedOutput()
}

func pgVersion(pgctl string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(pgctl))))
	return n
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
