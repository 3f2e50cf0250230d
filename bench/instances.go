package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/streamplane/streamplane/identity"
	"github.com/streamplane/streamplane/kafkaruntime"
)

// measureInstances runs a real server and times instance operations on
// real brokers.
func measureInstances(ctx context.Context, env *benchEnv) ([]row, error) {
	srv, err := env.Server(ctx)
	if err != nil {
		return nil, err
	}
	c, runs := srv.client, env.opts.runs
	version := kafkaruntime.Recommended().Version
	// Let the server settle before reading its idle memory.
	time.Sleep(2 * time.Second)
	idleRSS := rssMB(srv.pid())

	spec := func(name string) streamplane.InstanceSpec {
		return streamplane.InstanceSpec{Name: name, Version: version, Flavor: streamplane.DevFlavor, BrokerCount: 3,
			StorageGBPerBroker: 10, Zones: []string{"az1", "az2", "az3"}}
	}
	// Streamplane's create against the same 3 brokers started by hand,
	// alternating, so that both see the same machine.
	hand, err := newByHand(ctx, c, version)
	if err != nil {
		return nil, err
	}
	var creates, hands []time.Duration
	steps, stepOrder := map[string][]time.Duration{}, []string(nil)
	for i := 0; i < env.opts.compareRuns; i++ {
		d, inst, task, err := timeCreateTask(ctx, c, spec(fmt.Sprintf("bench-create-%d", i)))
		if err != nil {
			return nil, err
		}
		creates = append(creates, d)
		stepTimes(task, steps, &stepOrder)
		if err := deleteInstance(ctx, c, inst.ID); err != nil {
			return nil, err
		}
		h, err := hand.start(ctx)
		if err != nil {
			return nil, err
		}
		hands = append(hands, h)
	}

	_, a, err := timeCreate(ctx, c, spec("bench-a"))
	if err != nil {
		return nil, err
	}
	_, b, err := timeCreate(ctx, c, spec("bench-b"))
	if err != nil {
		return nil, err
	}
	var restarts []time.Duration
	for i := 0; i < runs; i++ {
		start := time.Now()
		task, err := c.RestartInstance(ctx, a.ID, false)
		if err != nil {
			return nil, err
		}
		if _, err := waitTask(ctx, c, task.ID); err != nil {
			return nil, err
		}
		restarts = append(restarts, time.Since(start))
	}
	roll, err := underLoad(ctx, c, a.ID, "bench-roll", func(ctx context.Context) (*streamplane.Task, error) {
		return c.RestartInstance(ctx, a.ID, false)
	})
	if err != nil {
		return nil, fmt.Errorf("rolling restart under load: %w", err)
	}
	time.Sleep(3 * time.Second)
	busyRSS := rssMB(srv.pid())
	brokerRSS := 0.0
	for _, id := range []string{a.ID, b.ID} {
		inst, err := c.Instance(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, br := range inst.Brokers {
			brokerRSS += rssMB(br.PID)
		}
	}
	for _, id := range []string{a.ID, b.ID} {
		if err := deleteInstance(ctx, c, id); err != nil {
			return nil, err
		}
	}
	return []row{
		{"create → RUNNING, 3 brokers (kafka.1u2g.dev)", "median " + median(creates).Round(100*time.Millisecond).String(), "runs: " + durations(creates)},
		{"create steps (median, those ≥ 0.1 s)", "", stepSummary(steps, stepOrder)},
		{"3 brokers by hand (format ×3, then start ×3)", "median " + median(hands).Round(100*time.Millisecond).String(),
			fmt.Sprintf("same jars, heap %d MB and JVM flags; until all 3 registered; runs: %s", hand.heapMB, durations(hands))},
		{fmt.Sprintf("create → RUNNING, Streamplane vs by hand (ratio, median of %d, alternating)", len(creates)),
			fmt.Sprintf("%.2f×", median(creates).Seconds()/median(hands).Seconds()), "target ≤ 0.6×"},
		{"rolling restart, 3 brokers, safe (ISR waits)", "median " + median(restarts).Round(100*time.Millisecond).String(), "runs: " + durations(restarts)},
		{fmt.Sprintf("rolling restart of 3 brokers under a %s rec/s acks=all producer", "2,000"), roll.took.Round(100 * time.Millisecond).String(),
			fmt.Sprintf("failed writes %d, lost %d of %d acked; produce p99 %s, max %s; per node %s; target ≤ 30 s, 0 failed",
				roll.failed, roll.lost, roll.acked, roll.p99.Round(time.Millisecond), roll.maxProduceDelay.Round(time.Millisecond), durations(roll.perNode))},
		{"server RSS, idle", fmt.Sprintf("%.0f MB", idleRSS), "no instances"},
		{"server RSS, two 3-broker instances", fmt.Sprintf("%.0f MB", busyRSS), fmt.Sprintf("the 6 broker JVMs: %.0f MB in all", brokerRSS)},
	}, nil
}

type server struct {
	cmd    *exec.Cmd
	client *client.Client
}

func (s *server) pid() int { return s.cmd.Process.Pid }

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	s.cmd.Wait()
}

// newByHand sets up the by-hand reference with the server's installed
// runtime of version and the dev flavor's heap.
func newByHand(ctx context.Context, c *client.Client, version string) (byHand, error) {
	rel, ok := kafkaruntime.Lookup(version)
	flavor, fok := streamplane.LookupFlavor(streamplane.DevFlavor)
	if !ok || !fok {
		return byHand{}, fmt.Errorf("no catalog entry or flavor for Kafka %s", version)
	}
	runtimes, err := c.Runtimes(ctx)
	if err != nil {
		return byHand{}, err
	}
	for _, r := range runtimes {
		if r.Version == version && r.Installed && r.Path != "" {
			rt := kafkaruntime.Runtime{Version: version, Dir: r.Path, LibDir: filepath.Join(r.Path, "lib"), Release: rel}
			return byHand{java: "java", rt: rt, heapMB: flavor.HeapMB}, nil
		}
	}
	return byHand{}, fmt.Errorf("the server has no Kafka %s installed", version)
}

func startServer(binary, dir string, args ...string) (*server, error) {
	return startServerAs(binary, dir, "server.addr", "server.log", append([]string{"--port-range", "36000-36399"}, args...)...)
}

// startServerAs starts a server that writes its address to addrFile (a
// second server on a data directory writes server.addr.2) and its log to
// logName.
func startServerAs(binary, dir, addrFile, logName string, args ...string) (*server, error) {
	abs, err := filepath.Abs(binary)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(abs, append([]string{"server", "--data", dir, "--listen", "127.0.0.1:0", "--install-recommended=false"}, args...)...)
	logFile, err := os.OpenFile(filepath.Join(dir, logName), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s (run `make build` first): %w", binary, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		// The first start writes the admin's token before the address.
		raw, err := os.ReadFile(filepath.Join(dir, addrFile))
		if err == nil {
			token, err := readToken(dir)
			if err != nil {
				cmd.Process.Kill()
				return nil, err
			}
			c, err := client.NewWithOptions(strings.TrimSpace(string(raw)), client.Options{Token: token})
			if err != nil {
				cmd.Process.Kill()
				return nil, err
			}
			if _, err := c.Flavors(context.Background()); err == nil {
				return &server{cmd: cmd, client: c}, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	cmd.Process.Kill()
	return nil, fmt.Errorf("server did not start; see %s", logFile.Name())
}

// readToken reads the admin's API token from a server's data directory.
func readToken(dir string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, identity.AdminTokenFile))
	if err != nil {
		return "", fmt.Errorf("the admin's token: %w", err)
	}
	return strings.TrimSpace(string(raw)), nil
}

func installRuntime(ctx context.Context, c *client.Client, version string) error {
	task, err := c.InstallRuntime(ctx, version)
	if err != nil {
		return err
	}
	_, err = c.WaitTask(ctx, task.ID, nil)
	return err
}

func timeCreate(ctx context.Context, c *client.Client, spec streamplane.InstanceSpec) (time.Duration, *streamplane.Instance, error) {
	d, inst, _, err := timeCreateTask(ctx, c, spec)
	return d, inst, err
}

// timeCreateTask is timeCreate that also returns the finished task.
func timeCreateTask(ctx context.Context, c *client.Client, spec streamplane.InstanceSpec) (time.Duration, *streamplane.Instance, *streamplane.TaskDetail, error) {
	start := time.Now()
	inst, task, err := c.CreateInstance(ctx, spec)
	if err != nil {
		return 0, nil, nil, err
	}
	done, err := waitTask(ctx, c, task.ID)
	if err != nil {
		return 0, nil, nil, err
	}
	return time.Since(start), inst, done, nil
}

// stepTimes adds each step's duration to by (by step name, in order).
func stepTimes(t *streamplane.TaskDetail, by map[string][]time.Duration, order *[]string) {
	for _, s := range t.Steps {
		if s.StartedAt == nil || s.FinishedAt == nil {
			continue
		}
		if _, ok := by[s.Name]; !ok {
			*order = append(*order, s.Name)
		}
		by[s.Name] = append(by[s.Name], s.FinishedAt.Sub(*s.StartedAt))
	}
}

// stepSummary gives the median of every step that takes 0.1 s or more.
func stepSummary(by map[string][]time.Duration, order []string) string {
	var parts []string
	for _, name := range order {
		if m := median(by[name]); m >= 100*time.Millisecond {
			parts = append(parts, fmt.Sprintf("%s %s", strings.ToLower(name), m.Round(100*time.Millisecond)))
		}
	}
	return strings.Join(parts, ", ")
}

// waitTask waits for a task like client.WaitTask, checking every 50 ms
// instead of 300: the by-hand reference checks its brokers every 100 ms,
// and a measurement should not be rounded up to the client's interval.
func waitTask(ctx context.Context, c *client.Client, id string) (*streamplane.TaskDetail, error) {
	for {
		t, err := c.Task(ctx, id)
		if err != nil {
			return nil, err
		}
		switch t.Status {
		case streamplane.TaskSucceeded:
			return t, nil
		case streamplane.TaskFailed:
			return t, fmt.Errorf("task %s %s: %s", t.Kind, t.Status, t.Error)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func deleteInstance(ctx context.Context, c *client.Client, id string) error {
	task, err := c.DeleteInstance(ctx, id)
	if err != nil {
		return err
	}
	_, err = c.WaitTask(ctx, task.ID, nil)
	return err
}
