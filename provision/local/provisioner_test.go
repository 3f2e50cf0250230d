package local

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/sqlite"
)

// What can be tested of the local provisioner without a JVM: placement and
// port reservation, the files it writes, and finding, adopting and stopping
// processes (a shell stands in for a broker). Starting and formatting real
// brokers is covered end to end (./e2e).

func newTestProvisioner(t *testing.T, cfg Config) *Provisioner {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "store.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if cfg.Root == "" {
		cfg.Root = filepath.Join(t.TempDir(), "instances")
	}
	return New(cfg, db, nil, nil)
}

func testInstance(brokers ...int) *streamplane.Instance {
	inst := &streamplane.Instance{ID: "3f0e8a4c-1111-4222-8333-444455556666", Name: "orders", SecurityProtocol: streamplane.ProtocolPlaintext}
	for _, id := range brokers {
		inst.Brokers = append(inst.Brokers, streamplane.Broker{ID: id, State: streamplane.BrokerStarting})
	}
	return inst
}

// freePortRange returns the first of n ports nothing listens on right now,
// from a port the kernel picked.
func freePortRange(t *testing.T, n int) int {
	t.Helper()
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lo := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if lo+n > 65535 {
			continue
		}
		ok := true
		for p := lo; p < lo+n && ok; p++ {
			if l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p))); err != nil {
				ok = false
			} else {
				l.Close()
			}
		}
		if ok {
			return lo
		}
	}
	t.Skip("no free port range")
	return 0
}

func TestPlace(t *testing.T) {
	t.Parallel()
	per := len(streamplane.PortPurposes)
	lo := freePortRange(t, 4*per)
	// Something else listens on the second port of the range: it is skipped.
	busy, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(lo+1)))
	if err != nil {
		t.Skipf("port %d was taken meanwhile: %v", lo+1, err)
	}
	defer busy.Close()

	p := newTestProvisioner(t, Config{Host: "127.0.0.1", PublicHost: "127.0.0.2", PortLo: lo, PortHi: lo + 4*per - 1})
	inst := testInstance(0, 1, 2)
	inst.PublicAccess = true
	if err := p.Place(context.Background(), inst); err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, b := range inst.Brokers {
		if len(b.Ports) != per {
			t.Fatalf("broker %d ports %v, want one per purpose %v", b.ID, b.Ports, streamplane.PortPurposes)
		}
		for purpose, port := range b.Ports {
			if port < lo || port > lo+4*per-1 || port == lo+1 || seen[port] {
				t.Errorf("broker %d %s port %d: outside the range, busy or given twice", b.ID, purpose, port)
			}
			seen[port] = true
		}
		wantEndpoints := map[string]string{
			streamplane.ListenerPrivatePlaintext: net.JoinHostPort("127.0.0.1", strconv.Itoa(b.Ports[streamplane.PortPrivate])),
			streamplane.ListenerPublicPlaintext:  net.JoinHostPort("127.0.0.2", strconv.Itoa(b.Ports[streamplane.PortPublic])),
		}
		if b.Host != "127.0.0.1" || b.Port != b.Ports[streamplane.PortPrivate] || !reflect.DeepEqual(b.Endpoints, wantEndpoints) {
			t.Errorf("broker %d: host %s port %d endpoints %v; want 127.0.0.1, the private port, %v", b.ID, b.Host, b.Port, b.Endpoints, wantEndpoints)
		}
	}

	// Placing again (a step run twice) gives the same ports.
	again := testInstance(0, 1, 2)
	again.ID = inst.ID
	if err := p.Place(context.Background(), again); err != nil {
		t.Fatal(err)
	}
	for i := range inst.Brokers {
		if !reflect.DeepEqual(again.Brokers[i].Ports, inst.Brokers[i].Ports) {
			t.Errorf("broker %d placed again: %v, first %v", i, again.Brokers[i].Ports, inst.Brokers[i].Ports)
		}
	}

	// Another instance gets none of these ports; the range has only one
	// broker's worth left, so two brokers do not fit.
	other := testInstance(0, 1)
	other.ID = "3f0e8a4c-1111-4222-8333-777777777777"
	if err := p.Place(context.Background(), other); err == nil {
		t.Errorf("placed a second instance in a full range: %v", other.Brokers)
	}

	// Destroy gives the ports back.
	if err := p.Destroy(context.Background(), inst); err != nil {
		t.Fatal(err)
	}
	if err := p.Place(context.Background(), other); err != nil {
		t.Fatalf("after Destroy: %v", err)
	}
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	p := newTestProvisioner(t, Config{Host: "10.0.0.1", PublicHost: "203.0.113.7", ControlHost: "127.0.0.1"})
	inst := testInstance(0, 1)
	inst.SecurityProtocol = streamplane.ProtocolSASLSSL
	inst.Brokers[0].Ports = map[string]int{streamplane.PortInternal: 9000, streamplane.PortPrivate: 9002, streamplane.PortPublic: 9003, streamplane.PortMetrics: 9004}
	inst.Brokers[1].Ports = map[string]int{streamplane.PortInternal: 9010, streamplane.PortPrivate: 9012, streamplane.PortPublic: 9013, streamplane.PortMetrics: 9014}
	inst.Brokers[1].State = streamplane.BrokerDeleted

	if got, want := p.Endpoints(inst, &inst.Brokers[0]), map[string]string{streamplane.ListenerPrivateSASLSSL: "10.0.0.1:9002"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Endpoints without public access = %v, want %v", got, want)
	}
	inst.PublicAccess = true
	if got, want := p.Endpoints(inst, &inst.Brokers[0]), map[string]string{
		streamplane.ListenerPrivateSASLSSL: "10.0.0.1:9002", streamplane.ListenerPublicSASLSSL: "203.0.113.7:9003"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Endpoints with public access = %v, want %v", got, want)
	}
	if got, want := p.ControlEndpoints(inst), []string{"127.0.0.1:9000"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ControlEndpoints = %v, want %v (a deleted broker has none)", got, want)
	}
	if got, want := p.MetricsEndpoints(inst), map[int]string{0: "http://127.0.0.1:9004/metrics"}; !reflect.DeepEqual(got, want) {
		t.Errorf("MetricsEndpoints = %v, want %v", got, want)
	}
	if got, want := p.ClientHosts(nil), []string{"10.0.0.1", "203.0.113.7", "localhost"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ClientHosts = %v, want %v", got, want)
	}
}

func TestWriteFiles(t *testing.T) {
	t.Parallel()
	p := newTestProvisioner(t, Config{})
	inst := testInstance(0, 1)
	inst.SecurityProtocol = streamplane.ProtocolSASLSSL
	inst.SASLMechanisms = []string{streamplane.MechanismPlain}
	files := streamplane.BrokerFiles{Keystores: map[int][]byte{0: []byte("key 0"), 1: []byte("key 1")}, ClientsCA: []byte("ca"), PlainUsers: []byte("users")}
	if err := p.WriteFiles(context.Background(), inst, files); err != nil {
		t.Fatal(err)
	}
	for _, b := range inst.Brokers {
		for path, want := range map[string]string{
			p.layout.keystoreFile(inst.ID, b.ID):   "key " + strconv.Itoa(b.ID),
			p.layout.truststoreFile(inst.ID, b.ID): "ca",
			p.layout.plainUsersFile(inst.ID, b.ID): "users",
		} {
			raw, err := os.ReadFile(path)
			if err != nil || string(raw) != want {
				t.Errorf("%s = %q, %v; want %q", path, raw, err, want)
				continue
			}
			if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %v; it holds secrets, want 0600", path, st.Mode().Perm())
			}
		}
		for _, dir := range []string{p.layout.dataDir(inst.ID, b.ID), p.layout.logDir(inst.ID, b.ID)} {
			if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
				t.Errorf("%s: %v, %v; want a 0700 directory", dir, st, err)
			}
		}
	}
	if _, err := os.Stat(p.layout.keystoreFile(inst.ID, 0) + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a temporary file is left behind: %v", err)
	}

	delete(files.Keystores, 1)
	if err := p.WriteFiles(context.Background(), inst, files); err == nil {
		t.Error("WriteFiles without broker 1's keystore succeeded")
	}
}

func TestFormatChecksTheClusterID(t *testing.T) {
	t.Parallel()
	p := newTestProvisioner(t, Config{})
	inst := testInstance(0)
	b := &inst.Brokers[0]
	if err := p.Format(context.Background(), inst, b, streamplane.Credentials{}); err == nil {
		t.Error("Format without a cluster id succeeded")
	}
	inst.ClusterID = "MkU3OEVBNTcwNTJENDM2Qk"
	dir := p.layout.dataDir(inst.ID, b.ID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	meta := "version=1\nnode.id=0\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\n"
	if err := os.WriteFile(filepath.Join(dir, "meta.properties"), []byte(meta), 0o600); err != nil {
		t.Fatal(err)
	}
	// Formatted already with the same id: nothing to do (no runtime needed).
	if err := p.Format(context.Background(), inst, b, streamplane.Credentials{}); err != nil {
		t.Errorf("Format of formatted storage: %v", err)
	}
	inst.ClusterID = "AAAAAAAAAAAAAAAAAAAAAA"
	if err := p.Format(context.Background(), inst, b, streamplane.Credentials{}); err == nil {
		t.Error("Format of storage that belongs to another cluster succeeded")
	}
}

func TestLogs(t *testing.T) {
	t.Parallel()
	p := newTestProvisioner(t, Config{})
	inst := testInstance(0)
	b := &inst.Brokers[0]
	if _, err := p.Logs(context.Background(), inst, b, 10); streamplane.ErrorCode(err) != streamplane.ENOTFOUND {
		t.Errorf("Logs before any log: %v, want %s", err, streamplane.ENOTFOUND)
	}
	if err := os.MkdirAll(p.layout.logDir(inst.ID, b.ID), 0o700); err != nil {
		t.Fatal(err)
	}
	var log []byte
	for i := range 100000 {
		log = strconv.AppendInt(log, int64(i), 10)
		log = append(log, '\n')
	}
	if err := os.WriteFile(p.layout.serverLog(inst.ID, b.ID), log, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := p.Logs(context.Background(), inst, b, 3)
	if err != nil || got != "99997\n99998\n99999\n" {
		t.Errorf("Logs(3) = %q, %v", got, err)
	}
}
