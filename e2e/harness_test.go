// Package e2e drives a real streamplane server binary, with real Kafka
// brokers, through the public Go client and stock Kafka clients. Tests
// share one running instance where they do not interfere: JVMs are slow to
// start on two cores.
package e2e

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/identity"
	"github.com/streamplane/streamplane/kafkaruntime"
)

var (
	binary  string // the streamplane binary under test
	workDir string // everything the tests write

	portLocks []*os.File // port blocks this process holds
	portMu    sync.Mutex
)

// kafkaVersion is the Kafka version the tests run (the recommended one
// unless STREAMPLANE_TEST_KAFKA_VERSION says otherwise).
var kafkaVersion = envOr("STREAMPLANE_TEST_KAFKA_VERSION", kafkaruntime.Recommended().Version)

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("e2e: skipped in -short mode")
		os.Exit(0)
	}
	var err error
	workDir, err = os.MkdirTemp("", "streamplane-e2e-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(workDir, "streamplane")
	build := exec.Command("go", "build", "-o", binary, "../cmd/streamplane")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Println("e2e: build failed:", err)
		os.Exit(1)
	}
	code := m.Run()
	stopChromium()
	shared.close(code != 0)
	closeKube(code != 0)
	stopPostgres()
	// Safety net: nothing a test started may outlive the suite.
	killUnder(workDir)
	if code == 0 {
		os.RemoveAll(workDir)
	} else {
		fmt.Println("e2e: kept", workDir, "for inspection")
	}
	os.Exit(code)
}

// Server is one streamplane server process with its own data directory and
// port range.
type Server struct {
	t         testing.TB
	Dir       string
	PortRange string
	Client    *client.Client
	URL       string
	// Token is the admin's API token, which the first start wrote to
	// Dir/admin.token; every client and CLI run of the tests signs in with it.
	Token string

	args []string // more server flags (ServerOptions.Args)
	// The files this server writes its address and log to: a second
	// server on the same data directory takes the data directory's second
	// slot (server.addr.2).
	addrName, logName string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	exit int
}

// ServerOptions tune a server.
type ServerOptions struct {
	Ports int // size of the port range; default 400
	// Args are more server flags, for every start.
	Args []string
	// ShareDataWith makes this a second server on the data directory and
	// the port range of a running one (the local provisioner's rule for
	// servers sharing a store); it must share its --store too.
	ShareDataWith *Server
}

// NewServer prepares and starts a server.
func NewServer(t testing.TB, opts ServerOptions) *Server {
	t.Helper()
	if opts.Ports == 0 {
		opts.Ports = 400
	}
	if other := opts.ShareDataWith; other != nil {
		s := &Server{t: t, Dir: other.Dir, PortRange: other.PortRange, args: opts.Args, addrName: "server.addr.2", logName: "server-2.log"}
		s.Start()
		return s
	}
	lo := claimPortBlock(t)
	dir, err := os.MkdirTemp(workDir, "server-")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, Dir: dir, PortRange: fmt.Sprintf("%d-%d", lo, lo+opts.Ports-1), args: opts.Args, addrName: "server.addr", logName: "server.log"}
	s.Start()
	return s
}

// claimPortBlock returns the first port of a 400-port block below the
// ephemeral range that no other test process holds, holding it (by flock)
// until this process exits: test runs may overlap on one machine.
func claimPortBlock(t testing.TB) int {
	portMu.Lock()
	defer portMu.Unlock()
	dir := filepath.Join(os.TempDir(), "streamplane-e2e-ports")
	os.MkdirAll(dir, 0o755)
	for block := 0; block < 30; block++ {
		f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("%d.lock", block)), os.O_CREATE|os.O_RDWR, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			f.Close()
			continue
		}
		portLocks = append(portLocks, f)
		return 20000 + block*400
	}
	t.Fatal("e2e: every port block is held by other test processes")
	return 0
}

// Start starts the server process (again) and waits until it answers.
// env adds environment variables for this start only.
func (s *Server) Start(env ...string) {
	s.t.Helper()
	cmd := exec.Command(binary, append([]string{"server", "--data", s.Dir, "--listen", "127.0.0.1:0", "--port-range", s.PortRange,
		"--supervisor-interval", "1s", "--log-level", "debug"}, s.args...)...)
	cmd.Env = append(os.Environ(), env...)
	logFile, err := os.OpenFile(filepath.Join(s.Dir, s.logName), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	os.Remove(filepath.Join(s.Dir, s.addrName))
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	logFile.Close()
	done := make(chan struct{})
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	go func() {
		err := cmd.Wait()
		code := 0
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			code = exitErr.ExitCode()
		}
		s.mu.Lock()
		s.exit = code
		s.mu.Unlock()
		close(done)
	}()
	eventually(s.t, 30*time.Second, func() (bool, string) {
		select {
		case <-done:
			s.t.Fatalf("server exited at start (code %d); log:\n%s", s.exitCode(), s.LogTail(40))
		default:
		}
		raw, err := os.ReadFile(filepath.Join(s.Dir, s.addrName))
		if err != nil {
			return false, "no " + s.addrName + " yet"
		}
		s.URL = strings.TrimSpace(string(raw))
		// The server writes the token before its address, and keeps the
		// file across restarts: the admin already exists then.
		token, err := os.ReadFile(filepath.Join(s.Dir, identity.AdminTokenFile))
		if err != nil {
			return false, "no admin token: " + err.Error()
		}
		s.Token = strings.TrimSpace(string(token))
		s.Client, err = client.NewWithOptions(s.URL, client.Options{Token: s.Token})
		if err != nil {
			s.t.Fatal(err)
		}
		s.Client.HTTP.Transport = &contractTransport{server: s, base: http.DefaultTransport}
		if _, err := s.Client.Flavors(context.Background()); err != nil {
			return false, err.Error()
		}
		return true, ""
	})
}

// CLIEnv is the environment a CLI run against the server needs: its
// address and the admin's token.
func (s *Server) CLIEnv() []string {
	return []string{"STREAMPLANE_SERVER=" + s.URL, "STREAMPLANE_TOKEN=" + s.Token}
}

// Authorize signs a hand-made request in as the admin, as the client does
// its own.
func (s *Server) Authorize(req *http.Request) *http.Request {
	req.Header.Set("Authorization", "Bearer "+s.Token)
	return req
}

func (s *Server) exitCode() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exit
}

// Kill kills the server with SIGKILL, as a crash would.
func (s *Server) Kill() { s.signal(syscall.SIGKILL) }

// Stop stops the server gracefully.
func (s *Server) Stop() { s.signal(syscall.SIGTERM) }

func (s *Server) signal(sig syscall.Signal) {
	s.t.Helper()
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		s.t.Fatalf("server did not exit after %s", sig)
	}
}

// WaitExit waits for the server to exit by itself and returns its code.
func (s *Server) WaitExit(timeout time.Duration) int {
	s.t.Helper()
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	select {
	case <-done:
		return s.exitCode()
	case <-time.After(timeout):
		s.t.Fatalf("server still running after %s; log:\n%s", timeout, s.LogTail(30))
		return -1
	}
}

// LogTail returns the last lines of the server's log.
func (s *Server) LogTail(n int) string {
	raw, _ := os.ReadFile(filepath.Join(s.Dir, s.logName))
	return lastLines(raw, n)
}

// lastLines returns the last n lines of a text.
func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Close deletes every instance the server has and stops it. After a failed
// test it only stops the processes, keeping the brokers' data and logs.
func (s *Server) Close() {
	if s.Client != nil && s.exitCode() == 0 && !s.t.Failed() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if list, err := s.Client.Instances(ctx, client.ListOptions{}); err == nil {
			for _, inst := range list.Instances {
				if t, err := s.Client.DeleteInstance(ctx, inst.ID); err == nil {
					s.Client.WaitTask(ctx, t.ID, nil)
				}
			}
		}
	}
	s.Stop()
	killUnder(s.Dir)
}

// eventually polls cond until it holds or timeout passes; cond says what
// it is waiting for, for the failure message.
func eventually(t testing.TB, timeout time.Duration, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var why string
	for {
		var ok bool
		if ok, why = cond(); ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting: %s", timeout, why)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// wantErrorCode checks that err is the API's answer with the HTTP status,
// the code, a message and, unless field is "", the field at fault, and
// returns it for further checks.
func wantErrorCode(t testing.TB, err error, status int, code, field string) *client.Error {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want HTTP %d %s (field %q)", err, status, code, field)
	}
	if e.StatusCode != status || e.App.Code != code || (field != "" && e.App.Field != field) || e.App.Message == "" {
		t.Fatalf("got HTTP %d %s field %q (%s), want HTTP %d %s field %q", e.StatusCode, e.App.Code, e.App.Field, e.App.Message, status, code, field)
	}
	return e
}

// createInstance creates an instance and waits until it is RUNNING.
func createInstance(t testing.TB, s *Server, spec streamplane.InstanceSpec) *streamplane.Instance {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	inst, task, err := s.Client.CreateInstance(ctx, spec)
	if err != nil {
		t.Fatalf("create %s: %v", spec.Name, err)
	}
	if _, err := s.Client.WaitTask(ctx, task.ID, nil); err != nil {
		t.Fatalf("create %s: %v\nserver log:\n%s", spec.Name, err, s.LogTail(40))
	}
	inst, err = s.Client.Instance(ctx, inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	if inst.Status != streamplane.InstanceRunning {
		t.Fatalf("instance %s is %s after creation, want RUNNING", inst.Name, inst.Status)
	}
	return inst
}

// ownInstance creates an instance of the test's own, as createInstance
// does, and deletes it when the test ends.
func ownInstance(t *testing.T, s *Server, spec streamplane.InstanceSpec) *streamplane.Instance {
	t.Helper()
	inst := createInstance(t, s, spec)
	t.Cleanup(func() {
		ctx := context.Background()
		if task, err := s.Client.DeleteInstance(ctx, inst.ID); err == nil {
			s.Client.WaitTask(ctx, task.ID, nil)
		}
	})
	return inst
}

// devSpec is a 3-broker dev instance over three zones.
func devSpec(name string, brokers int) streamplane.InstanceSpec {
	zones := []string{"az1", "az2", "az3"}
	if brokers < 3 {
		zones = zones[:1]
	}
	return streamplane.InstanceSpec{Name: name, Version: kafkaVersion, Flavor: streamplane.DevFlavor,
		BrokerCount: brokers, StorageGBPerBroker: 10, Zones: zones}
}

// runtimeLib returns the jar directory of the server's installed Kafka
// runtime of version.
func runtimeLib(t *testing.T, s *Server, version string) string {
	t.Helper()
	runtimes, err := s.Client.Runtimes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runtimes {
		if r.Version == version && r.Path != "" {
			return filepath.Join(r.Path, "lib")
		}
	}
	t.Fatalf("runtime %s is not installed: %+v", version, runtimes)
	return ""
}

// waitStatus waits until the instance has the status.
func waitStatus(t testing.TB, s *Server, id string, want streamplane.InstanceStatus, timeout time.Duration) *streamplane.Instance {
	t.Helper()
	var inst *streamplane.Instance
	eventually(t, timeout, func() (bool, string) {
		var err error
		inst, err = s.Client.Instance(context.Background(), id)
		if err != nil {
			return false, err.Error()
		}
		return inst.Status == want, fmt.Sprintf("instance %s is %s (%s), want %s", inst.Name, inst.Status, inst.StatusReason, want)
	})
	return inst
}

// brokerProcesses returns the pids of live processes whose command line
// mentions a path under dir.
func brokerProcesses(dir string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil || strings.Contains(string(stat), ") Z ") {
			continue
		}
		raw, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		for _, arg := range strings.Split(string(raw), "\x00") {
			if strings.HasPrefix(arg, dir+"/") {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

func killUnder(dir string) {
	for _, pid := range brokerProcesses(dir) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

// procStart returns a process's start time in clock ticks, to tell whether
// a pid still names the same process.
func procStart(pid int) (string, bool) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return "", false
	}
	defer f.Close()
	line, _ := bufio.NewReader(f).ReadString('\n')
	end := strings.LastIndexByte(line, ')')
	fields := strings.Fields(line[end+1:])
	if len(fields) < 20 {
		return "", false
	}
	return fields[19], true
}
