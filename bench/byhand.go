package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// byHand starts 3 brokers the way a person with the same jars would, as
// the reference for Streamplane's create: `kafka-storage format` for each
// broker in turn, then `kafka-server-start` for all three at once, then a
// client polling until all three are registered and unfenced (what
// Streamplane's create waits for too). Same jars (the runtime's lib
// directory), same heap and JVM flags as Streamplane's brokers
// (kafka-run-class's defaults), the same logging configuration; a plain
// KRaft configuration (combined roles, static quorum, PLAINTEXT) with
// Kafka's default timeouts, as a person would write it.
type byHand struct {
	java   string
	rt     kafkaruntime.Runtime
	heapMB int
}

// start runs the procedure in a fresh directory and returns how long it
// took until all 3 brokers were registered; the brokers are stopped and the
// directory removed afterwards, outside the measured time.
func (h byHand) start(ctx context.Context) (time.Duration, error) {
	dir, err := os.MkdirTemp("", "streamplane-byhand-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	ports, err := freePorts(6)
	if err != nil {
		return 0, err
	}
	var voters, seeds []string
	for n := range 3 {
		voters = append(voters, fmt.Sprintf("%d@127.0.0.1:%d", n, ports[3+n]))
		seeds = append(seeds, fmt.Sprintf("127.0.0.1:%d", ports[n]))
	}
	configs := make([]string, 3)
	for n := range 3 {
		nodeDir := filepath.Join(dir, strconv.Itoa(n))
		if err := os.MkdirAll(filepath.Join(nodeDir, "logs"), 0o700); err != nil {
			return 0, err
		}
		configs[n] = filepath.Join(nodeDir, "server.properties")
		props := strings.Join([]string{
			"process.roles=broker,controller",
			"node.id=" + strconv.Itoa(n),
			"controller.quorum.voters=" + strings.Join(voters, ","),
			fmt.Sprintf("listeners=PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d", ports[n], ports[3+n]),
			"controller.listener.names=CONTROLLER",
			"log.dirs=" + filepath.Join(nodeDir, "data"),
			"",
		}, "\n")
		if err := os.WriteFile(configs[n], []byte(props), 0o600); err != nil {
			return 0, err
		}
	}
	var procs []*exec.Cmd
	defer func() {
		for _, p := range procs {
			p.Process.Signal(syscall.SIGTERM)
		}
		for _, p := range procs {
			p.Wait()
		}
	}()

	start := time.Now()
	clusterID := "YnlIYW5kLWJlbmNobWFyazA"
	for n := range 3 {
		// kafka-storage.sh: kafka-run-class's tool heap, 256 MB.
		if err := h.run(ctx, n, dir, "-Xmx256m", "kafka.tools.StorageTool", "format", "-t", clusterID, "-c", configs[n]); err != nil {
			return 0, err
		}
	}
	for n := range 3 {
		cmd, err := h.jvm(n, dir, append(benchBrokerJVMFlags(h.heapMB), "kafka.Kafka", configs[n])...)
		if err != nil {
			return 0, err
		}
		if err := cmd.Start(); err != nil {
			return 0, err
		}
		procs = append(procs, cmd)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("by hand: the brokers did not register in 3 minutes:\n%s", h.logTails(dir))
		}
		// A fresh Metadata request each time (kadm's answers from the
		// client's metadata cache): it lists the unfenced brokers.
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		req := kmsg.NewPtrMetadataRequest()
		req.Topics = []kmsg.MetadataRequestTopic{}
		m, err := req.RequestWith(rctx, cl)
		cancel()
		if err == nil && len(m.Brokers) == 3 {
			return time.Since(start), nil
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// logTails is the end of each node's log, for a failure.
func (h byHand) logTails(dir string) string {
	var b strings.Builder
	for n := range 3 {
		for _, name := range []string{"stdout.log", "server.log"} {
			raw, _ := os.ReadFile(filepath.Join(dir, strconv.Itoa(n), "logs", name))
			lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
			fmt.Fprintf(&b, "node %d %s:\n%s\n", n, name, strings.Join(lines[max(0, len(lines)-5):], "\n"))
		}
	}
	return b.String()
}

// jvm prepares a JVM of node n with the runtime's jars and logging.
func (h byHand) jvm(n int, dir string, args ...string) (*exec.Cmd, error) {
	nodeDir := filepath.Join(dir, strconv.Itoa(n))
	logs := filepath.Join(nodeDir, "logs")
	name, body, flag := h.rt.LogConfig(logs, nodeDir)
	if err := os.WriteFile(filepath.Join(nodeDir, name), body, 0o600); err != nil {
		return nil, err
	}
	// The options go before the main class, which is the first non-flag.
	main := 0
	for main < len(args) && strings.HasPrefix(args[main], "-") {
		main++
	}
	full := append(append(append([]string{}, args[:main]...), "-Dkafka.logs.dir="+logs, flag, "-cp", h.rt.Classpath()), args[main:]...)
	cmd := exec.Command(h.java, full...)
	cmd.Dir = nodeDir
	out, err := os.OpenFile(filepath.Join(logs, "stdout.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = out, out
	return cmd, nil
}

func (h byHand) run(ctx context.Context, n int, dir string, args ...string) error {
	cmd, err := h.jvm(n, dir, args...)
	if err != nil {
		return err
	}
	if err := cmd.Run(); err != nil {
		out, _ := os.ReadFile(filepath.Join(dir, strconv.Itoa(n), "logs", "stdout.log"))
		return fmt.Errorf("by hand: %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// benchBrokerJVMFlags are Streamplane's broker JVM settings
// (provision/local), which are kafka-run-class's.
func benchBrokerJVMFlags(heapMB int) []string {
	return []string{
		fmt.Sprintf("-Xmx%dm", heapMB), fmt.Sprintf("-Xms%dm", heapMB),
		"-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
		"-XX:+ExplicitGCInvokesConcurrent", "-XX:MaxInlineLevel=15", "-XX:+ExitOnOutOfMemoryError",
		"-Djava.awt.headless=true",
	}
}

// freePorts returns n ports nothing listens on right now, below the
// kernel's ephemeral range (32768 and up on Linux): a port picked there can
// be taken by some outgoing connection before the broker binds it.
func freePorts(n int) ([]int, error) {
	var ports []int
	for port := 29000 + rand.IntN(2000); port < 32000 && len(ports) < n; port++ {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		l.Close()
		ports = append(ports, port)
	}
	if len(ports) < n {
		return nil, fmt.Errorf("no %d free ports in 29000-31999", n)
	}
	return ports, nil
}
