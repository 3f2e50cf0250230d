package kafkaplugin

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
)

// testBroker is a single-node KRaft broker whose CLIENT listener checks
// PLAIN logins with the plugin.
type testBroker struct {
	client   string // SASL_PLAINTEXT, PLAIN through the plugin
	internal string // PLAINTEXT, for the test's admin calls
	logDir   string
}

// freePorts returns n ports that were free a moment ago on 127.0.0.1.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// clusterID returns a random Kafka cluster id: a base64url UUID, not
// starting with '-', which StorageTool would take for a flag.
func clusterID() string {
	for {
		var uuid [16]byte
		rand.Read(uuid[:])
		id := base64.RawURLEncoding.EncodeToString(uuid[:])
		if id[0] != '-' {
			return id
		}
	}
}

// writeProperties writes a java.util.Properties file; the test's values
// need only backslashes escaped.
func writeProperties(t *testing.T, path string, props map[string]string) {
	t.Helper()
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(props)) {
		fmt.Fprintf(&b, "%s=%s\n", k, strings.ReplaceAll(props[k], `\`, `\\`))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startBroker formats and starts a broker with the plugin jar on its
// classpath and extra settings, and waits until it takes requests;
// t.Cleanup kills it.
func startBroker(t *testing.T, rt kafkaruntime.Runtime, jar, credentials string, extra map[string]string) *testBroker {
	t.Helper()
	dir := t.TempDir()
	logDir, dataDir := filepath.Join(dir, "logs"), filepath.Join(dir, "data")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	ports := freePorts(t, 3)
	b := &testBroker{
		client:   fmt.Sprintf("127.0.0.1:%d", ports[0]),
		internal: fmt.Sprintf("127.0.0.1:%d", ports[1]),
		logDir:   logDir,
	}
	controller := fmt.Sprintf("127.0.0.1:%d", ports[2])
	props := map[string]string{
		"process.roles":                            "broker,controller",
		"node.id":                                  "1",
		"controller.quorum.voters":                 "1@" + controller,
		"listeners":                                "CLIENT://" + b.client + ",INTERNAL://" + b.internal + ",CONTROLLER://" + controller,
		"advertised.listeners":                     "CLIENT://" + b.client + ",INTERNAL://" + b.internal,
		"listener.security.protocol.map":           "CLIENT:SASL_PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
		"inter.broker.listener.name":               "INTERNAL",
		"controller.listener.names":                "CONTROLLER",
		"sasl.enabled.mechanisms":                  "PLAIN",
		"log.dirs":                                 dataDir,
		"num.partitions":                           "1",
		"offsets.topic.replication.factor":         "1",
		"transaction.state.log.replication.factor": "1",
		"transaction.state.log.min.isr":            "1",
		"group.initial.rebalance.delay.ms":         "0",
	}
	maps.Copy(props, ListenerConfig("CLIENT", credentials))
	for k, v := range extra {
		props[k] = strings.ReplaceAll(v, internalListener, b.internal)
	}
	config := filepath.Join(dir, "server.properties")
	writeProperties(t, config, props)
	logName, logConfig, logFlag := rt.LogConfig(logDir, dir)
	if err := os.WriteFile(filepath.Join(dir, logName), logConfig, 0o644); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "java", "-Xmx256m", logFlag, "-Dkafka.logs.dir="+logDir,
		"-cp", rt.Classpath()+string(os.PathListSeparator)+jar, "kafka.tools.StorageTool", "format", "-t", clusterID(), "-c", config).CombinedOutput()
	if err != nil {
		t.Fatalf("formatting: %v\n%s", err, out)
	}
	t.Logf("formatted in %v", time.Since(start).Round(time.Millisecond))

	console, err := os.Create(filepath.Join(logDir, "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer console.Close() // the broker has its own copy
	cmd := exec.Command("java", "-Xmx256m", "-Xms256m", "-XX:+UseG1GC", "-Djava.awt.headless=true",
		logFlag, "-Dkafka.logs.dir="+logDir,
		"-cp", rt.Classpath()+string(os.PathListSeparator)+jar, "kafka.Kafka", config)
	cmd.Stdout, cmd.Stderr = console, console
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})

	// Up means the broker creates a topic: it has registered and been
	// unfenced by its own controller.
	admin, err := kgo.NewClient(kgo.SeedBrokers(b.internal))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	adm := kadm.NewClient(admin)
	deadline := time.Now().Add(45 * time.Second)
	for {
		attempt, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		_, err := adm.CreateTopic(attempt, 1, 1, nil, "test")
		cancel()
		if err == nil || errors.Is(err, kerr.TopicAlreadyExists) {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the broker exited: %v\n%s", err, tail(b.logFile(), 30))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the broker did not come up in 45s (last: %v)\n%s", err, tail(b.logFile(), 30))
		}
		time.Sleep(200 * time.Millisecond) // poll interval
	}
	t.Logf("broker up in %v", time.Since(start).Round(time.Millisecond))
	return b
}

func (b *testBroker) logFile() string { return filepath.Join(b.logDir, "server.log") }

func tail(path string, n int) string {
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// login connects to the CLIENT listener as user and produces one record.
// Each call opens new connections, so each authenticates anew.
func (b *testBroker) login(t *testing.T, user, password string) error {
	t.Helper()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(b.client),
		kgo.SASL(plain.Auth{User: user, Pass: password}.AsMechanism()),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := cl.Ping(ctx); err != nil {
		return err
	}
	return cl.ProduceSync(ctx, &kgo.Record{Topic: "test", Value: []byte("from " + user)}).FirstErr()
}

func (b *testBroker) expectLogin(t *testing.T, user, password string) {
	t.Helper()
	start := time.Now()
	if err := b.login(t, user, password); err != nil {
		t.Errorf("%s cannot log in and produce: %v", user, err)
		return
	}
	t.Logf("%s logged in and produced in %v", user, time.Since(start).Round(time.Millisecond))
}

func (b *testBroker) expectRefused(t *testing.T, user, password string) {
	t.Helper()
	err := b.login(t, user, password)
	if !errors.Is(err, kerr.SaslAuthenticationFailed) {
		t.Errorf("login as %s with %q: got %v, want SASL authentication failed", user, password, err)
	}
}

// TestBrokerLiveUsers proves the point of the plugin on a real broker:
// PLAIN users are added, changed and removed by rewriting the file, and
// the broker follows without a restart.
func TestBrokerLiveUsers(t *testing.T) {
	jar := testJar(t)
	rt := testRuntime(t)
	t.Logf("Kafka %s", rt.Version)

	// A directory name that needs JAAS quoting, to prove ListenerConfig's.
	dir := filepath.Join(t.TempDir(), `odd "dir"; \x`)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "plain-users")
	users := testUsers(t, "alice", "alice-secret")
	if err := WriteFile(file, users); err != nil {
		t.Fatal(err)
	}
	b := startBroker(t, rt, jar, file, nil)

	b.expectLogin(t, "alice", "alice-secret")
	b.expectRefused(t, "alice", "wrong")
	b.expectRefused(t, "bob", "bob-secret")

	users["bob"] = testUsers(t, "bob", "bob-secret")["bob"]
	if err := WriteFile(file, users); err != nil {
		t.Fatal(err)
	}
	b.expectLogin(t, "bob", "bob-secret")

	users["alice"] = testUsers(t, "alice", "alice-new")["alice"]
	if err := WriteFile(file, users); err != nil {
		t.Fatal(err)
	}
	b.expectRefused(t, "alice", "alice-secret")
	b.expectLogin(t, "alice", "alice-new")

	delete(users, "bob")
	if err := WriteFile(file, users); err != nil {
		t.Fatal(err)
	}
	b.expectRefused(t, "bob", "bob-secret")
	b.expectLogin(t, "alice", "alice-new")

	log, _ := os.ReadFile(b.logFile())
	// Kafka makes a handler per network thread; they share one reader.
	if n := strings.Count(string(log), "Streamplane PLAIN credentials: loaded"); n != 4 {
		t.Errorf("the broker loaded the file %d times, want 4 (start and three changes)", n)
	}
	for _, password := range []string{"alice-secret", "alice-new", "bob-secret", "wrong"} {
		if strings.Contains(string(log), password) {
			t.Errorf("the broker log shows the password %q", password)
		}
	}
}
