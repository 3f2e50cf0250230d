// Package pgtest runs a real PostgreSQL server for tests: a new cluster in
// a temporary directory, listening on 127.0.0.1 only, fast rather than
// durable (no fsync). The binaries come from the machine (Debian's
// postgresql package; scripts/install-deps.sh installs it): without them
// the tests fail rather than skip. As root, the server runs as the
// unprivileged postgres user, since PostgreSQL refuses to run as root.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/streamplane/streamplane/poll"
)

// Server is one PostgreSQL server (a postmaster and its cluster).
type Server struct {
	// Dir holds the cluster (data/), the server's socket and its log.
	Dir  string
	Port int

	bin   string
	cred  *syscall.Credential // nil: run as this process's user
	admin *sql.DB             // to the "postgres" database
	dbs   atomic.Int64        // databases created, for unique names

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
}

// Main runs a package's tests with one server for them all, set in *srv
// before they run, and exits with their status. Call it from TestMain.
func Main(m *testing.M, srv **Server) {
	s, err := New()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*srv = s
	code := m.Run()
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = max(code, 1)
	}
	os.Exit(code)
}

// Start is New for one test: it fails the test if the server cannot
// start, and stops it and removes its directory when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// New creates a cluster in a new temporary directory and starts its
// server. Close stops it and removes the directory.
func New() (*Server, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s := &Server{Dir: dir, bin: bin, cred: cred}
	if err := s.create(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// A port free when chosen may be taken before the server binds it:
	// then another one.
	for attempt := 1; ; attempt++ {
		if s.Port, err = freePort(); err == nil {
			if s.admin != nil {
				s.admin.Close()
			}
			if s.admin, err = sql.Open("pgx", s.URL("postgres")); err == nil {
				err = s.Start()
			}
		}
		if err == nil {
			return s, nil
		}
		if attempt == 5 || !strings.Contains(err.Error(), "could not bind") {
			s.Close()
			return nil, err
		}
	}
}

// binDir is the directory of initdb and postgres: pg_config's, else the
// newest of Debian's /usr/lib/postgresql/<version>/bin, else PATH's.
func binDir() (string, error) {
	has := func(dir string) bool {
		for _, name := range []string{"initdb", "postgres"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				return false
			}
		}
		return true
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); has(dir) {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	best, bestVersion := "", -1.0
	for _, dir := range dirs {
		v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
		if err == nil && v > bestVersion && has(dir) {
			best, bestVersion = dir, v
		}
	}
	if best != "" {
		return best, nil
	}
	if path, err := exec.LookPath("initdb"); err == nil && has(filepath.Dir(path)) {
		return filepath.Dir(path), nil
	}
	return "", errors.New("pgtest: no PostgreSQL server (initdb and postgres) on this machine; run scripts/install-deps.sh")
}

// credential is the postgres user's when running as root: PostgreSQL
// refuses to run as root.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root needs the postgres user to run PostgreSQL as (run scripts/install-deps.sh): %w", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// create runs initdb. Databases sort text the way an English locale does
// (ICU), unlike SQLite, so that a query that relies on byte order without
// saying so (COLLATE "C") fails its tests; on a server built without ICU,
// they sort as C.
func (s *Server) create() error {
	if s.cred != nil {
		if err := os.Chown(s.Dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return fmt.Errorf("pgtest: %w", err)
		}
	}
	args := []string{"-D", s.dataDir(), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync"}
	err := s.run("initdb", append(args, "--locale=C", "--locale-provider=icu", "--icu-locale=en-US")...)
	if err != nil && strings.Contains(err.Error(), "ICU") {
		os.RemoveAll(s.dataDir())
		err = s.run("initdb", append(args, "--no-locale")...)
	}
	return err
}

func (s *Server) run(name string, args ...string) error {
	cmd := s.command(name, args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: %s: %w\n%s", name, err, out)
	}
	return nil
}

func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Dir = s.Dir // the postgres user may not enter this process's directory
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	// If this process dies without stopping the server (a test timed out,
	// or was killed), the server shuts down at once rather than outlive it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Pdeathsig: syscall.SIGQUIT}
	return cmd
}

func (s *Server) dataDir() string { return filepath.Join(s.Dir, "data") }

// LogPath is the server's log, appended to by every start.
func (s *Server) LogPath() string { return filepath.Join(s.Dir, "postgres.log") }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start starts the server, on its port and cluster, and waits until it
// accepts connections. After Stop, it is a restart: the data is kept.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("pgtest: the server is running already")
	}
	logFile, err := os.OpenFile(s.LogPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logFile.Close()
	logStart, _ := logFile.Seek(0, io.SeekEnd)
	cmd := s.command("postgres", "-D", s.dataDir(),
		"-c", "listen_addresses=127.0.0.1", "-c", "port="+strconv.Itoa(s.Port),
		"-c", "unix_socket_directories="+s.Dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "shared_buffers=16MB", "-c", "max_connections=100",
		"-c", "logging_collector=off", "-c", "log_min_messages=warning")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	s.cmd, s.exited = cmd, exited

	err = poll.Until(context.Background(), 20*time.Millisecond, time.Minute, func(ctx context.Context) error {
		select {
		case <-exited:
			return poll.Stop(fmt.Errorf("pgtest: postgres exited (%v):\n%s", cmd.ProcessState, s.logSince(logStart)))
		default:
		}
		return s.admin.PingContext(ctx)
	})
	if err != nil {
		s.stopLocked()
		return fmt.Errorf("pgtest: postgres did not start: %w", err)
	}
	return nil
}

func (s *Server) logSince(offset int64) string {
	b, _ := os.ReadFile(s.LogPath())
	if offset < int64(len(b)) {
		b = b[offset:]
	}
	return string(b)
}

// Stop shuts the server down (connections are cut, transactions under way
// roll back) and waits until it has exited. Stopping a stopped server
// does nothing.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stopLocked()
}

func (s *Server) stopLocked() error {
	if s.cmd == nil {
		return nil
	}
	cmd, exited := s.cmd, s.exited
	s.cmd, s.exited = nil, nil
	// SIGINT is PostgreSQL's fast shutdown, SIGQUIT its immediate one.
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGQUIT, syscall.SIGKILL} {
		cmd.Process.Signal(sig)
		select {
		case <-exited:
			return nil
		case <-time.After(30 * time.Second):
		}
	}
	return fmt.Errorf("pgtest: postgres (pid %d) does not exit", cmd.Process.Pid)
}

func (s *Server) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil
}

// Close stops the server and removes its directory.
func (s *Server) Close() error {
	err := s.Stop()
	if s.admin != nil {
		s.admin.Close()
	}
	if err == nil {
		err = os.RemoveAll(s.Dir)
	}
	return err
}

// URL is the address of a database on the server, as user postgres (no
// password: the server trusts loopback connections).
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.Port, db)
}

var notIdentifier = regexp.MustCompile(`[^a-z0-9_]+`)

// CreateDatabase creates a new, empty database named after name (made
// unique) and returns its URL. It is dropped when the test ends, along
// with any connection still open to it, if the server still runs.
func (s *Server) CreateDatabase(t testing.TB, name string) string {
	t.Helper()
	name = notIdentifier.ReplaceAllString(strings.ToLower(name), "_")
	name = fmt.Sprintf("%.40s_%d", name, s.dbs.Add(1))
	if _, err := s.admin.Exec(`CREATE DATABASE "` + name + `"`); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if !s.running() {
			return // stopped or closed by the test: nothing to drop from
		}
		if _, err := s.admin.Exec(`DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)`); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return s.URL(name)
}
