package local

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaconfig"
	"github.com/streamplane/streamplane/poll"
)

// Start starts a broker as a detached process, or adopts the one running.
func (p *Provisioner) Start(ctx context.Context, inst *streamplane.Instance, b *streamplane.Broker) (streamplane.Process, error) {
	key := inst.ID + "/" + strconv.Itoa(b.ID)
	p.mu.Lock()
	if p.starting[key] {
		p.mu.Unlock()
		return streamplane.Process{}, fmt.Errorf("local: broker %d of %s is being started already", b.ID, inst.Name)
	}
	p.starting[key] = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.starting, key)
		p.mu.Unlock()
	}()

	dir, logDir := p.layout.brokerDir(inst.ID, b.ID), p.layout.logDir(inst.ID, b.ID)
	// Servers sharing the data directory may both decide to start this
	// broker (the watch of its instance changing hands): the second waits
	// for the first, then finds its process and adopts it.
	unlock, err := lockFile(filepath.Join(dir, "start.lock"))
	if err != nil {
		return streamplane.Process{}, fmt.Errorf("local: broker %d of %s: %w", b.ID, inst.Name, err)
	}
	defer unlock()
	if proc, ok := p.Inspect(inst, b); ok {
		return proc, nil
	}
	rt, err := p.runtime(inst.BrokerVersion(b)) // the broker's own: an upgrade rolls brokers one by one
	if err != nil {
		return streamplane.Process{}, err
	}
	flavor, ok := streamplane.LookupFlavor(inst.Flavor)
	if !ok {
		return streamplane.Process{}, fmt.Errorf("local: unknown flavor %q", inst.Flavor)
	}
	_, _, logFlag := rt.LogConfig(logDir, dir)
	classpath, err := p.classpath(ctx, rt)
	if err != nil {
		return streamplane.Process{}, err
	}
	args := append(kafkaconfig.JVMFlags(flavor.HeapMB),
		"-Dkafka.logs.dir="+logDir, logFlag,
		"-Dstreamplane.instance="+inst.ID, "-Dstreamplane.node="+strconv.Itoa(b.ID),
		// Metrics over HTTP on the control host, for Streamplane only.
		fmt.Sprintf("-javaagent:%s=%s:%d:%s", rt.MetricsAgentJar(), p.cfg.ControlHost, b.Ports[streamplane.PortMetrics], p.layout.metricsConfigFile(inst.ID, b.ID)))
	if archive := p.classArchive(ctx, rt); archive != "" {
		args = append(args, "-XX:SharedArchiveFile="+archive) // cds.go
	}
	args = append(args, "-cp", classpath, "kafka.Kafka", p.layout.configFile(inst.ID, b.ID))
	proc, err := startDetached(p.cfg.Java, args, dir, p.layout.stdoutLog(inst.ID, b.ID), fmt.Sprintf("broker %d", b.ID))
	if err != nil {
		return streamplane.Process{}, err
	}
	if err := writePidFile(p.layout.pidFile(inst.ID, b.ID), proc); err != nil {
		return streamplane.Process{}, err
	}
	p.log.Info("broker started", "instance", inst.Name, "node", b.ID, "pid", proc.pid)
	return streamplane.Process{PID: proc.pid, StartedAt: proc.startedAt()}, nil
}

// Inspect reports the broker's process, if it runs.
func (p *Provisioner) Inspect(inst *streamplane.Instance, b *streamplane.Broker) (streamplane.Process, bool) {
	proc, ok := p.find(inst, b)
	if !ok {
		return streamplane.Process{}, false
	}
	return streamplane.Process{PID: proc.pid, StartedAt: proc.startedAt()}, true
}

// Stop sends SIGTERM (Kafka's controlled shutdown), waits up to graceful,
// then sends SIGKILL. A zero graceful kills at once.
func (p *Provisioner) Stop(ctx context.Context, inst *streamplane.Instance, b *streamplane.Broker, graceful time.Duration) error {
	proc, ok := p.find(inst, b)
	if !ok {
		return nil
	}
	clean, err := stopProcess(ctx, proc, graceful, fmt.Sprintf("broker %d", b.ID))
	switch {
	case err != nil:
		return err
	case clean:
		p.log.Info("broker stopped", "instance", inst.Name, "node", b.ID, "pid", proc.pid)
	case graceful > 0:
		p.log.Warn("broker did not stop in time; killed it", "instance", inst.Name, "node", b.ID, "pid", proc.pid, "waited", graceful)
	}
	return nil
}

// find returns the broker's live process (findProcess).
func (p *Provisioner) find(inst *streamplane.Instance, b *streamplane.Broker) (procInfo, bool) {
	return findProcess(p.layout.configFile(inst.ID, b.ID), p.layout.pidFile(inst.ID, b.ID))
}

// waitGone waits until the process has exited (or is a zombie about to be
// reaped), up to timeout.
func waitGone(ctx context.Context, proc procInfo, timeout time.Duration) bool {
	return poll.Until(ctx, 100*time.Millisecond, timeout, func(context.Context) error {
		if cur, ok := readProc(proc.pid); ok && cur.startTick == proc.startTick && cur.alive() {
			return fmt.Errorf("process %d still runs", proc.pid)
		}
		return nil
	}) == nil
}

// killUnder kills every process whose command line mentions a path under dir.
func killUnder(ctx context.Context, dir string) error {
	prefix := dir + string(filepath.Separator)
	return eachLiveProc(func(proc procInfo) bool {
		for _, a := range proc.cmdline {
			if strings.HasPrefix(a, prefix) {
				signal(proc.pid, syscall.SIGKILL)
				waitGone(ctx, proc, 30*time.Second)
				break
			}
		}
		return true
	})
}

// runJava runs a short-lived Kafka tool and returns its output as the error
// if it fails; tool names it in that error.
func runJava(ctx context.Context, java, dir, tool string, args []string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, java, args...)
	cmd.Dir = dir
	cmd.Env = childEnv()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("local: %s: %w: %s", tool, err, strings.TrimSpace(lastLines(out.String(), 10)))
	}
	return nil
}

// childEnv is the server's environment without Streamplane's own settings,
// which may carry secrets the brokers have no business seeing.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "STREAMPLANE_") {
			env = append(env, kv)
		}
	}
	return env
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// lockFile takes an exclusive lock on path (created if missing), shared
// with other processes, and returns its release. The descriptor is not
// inherited by the processes started meanwhile (close-on-exec).
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
