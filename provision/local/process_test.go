package local

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// fakeBroker starts a shell that runs until killed and names configFile on
// its command line, as a broker's java command does. The "; :" keeps the
// shell from replacing itself with sleep, which would drop the config from
// the command line.
func fakeBroker(t *testing.T, configFile string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", "sleep 300; :", configFile)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }() // reap it, as the server does
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the shell and its sleep
		<-done
	})
	return cmd
}

func TestInspectAdoptsABrokerByItsConfig(t *testing.T) {
	t.Parallel()
	p := newTestProvisioner(t, Config{})
	inst := testInstance(0, 1)
	b := &inst.Brokers[0]
	if _, ok := p.Inspect(inst, b); ok {
		t.Fatal("Inspect found a process before any started")
	}
	if err := os.MkdirAll(p.layout.brokerDir(inst.ID, b.ID), 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := fakeBroker(t, p.layout.configFile(inst.ID, b.ID))
	pid := cmd.Process.Pid

	// No pid file (the server died before writing it): found by scanning.
	proc, ok := p.Inspect(inst, b)
	if !ok || proc.PID != pid {
		t.Fatalf("Inspect = %+v, %v; want pid %d", proc, ok, pid)
	}
	if age := time.Since(proc.StartedAt); age < -time.Minute || age > time.Minute {
		t.Errorf("StartedAt = %s, %s ago; want about now", proc.StartedAt, age)
	}
	// ... and the pid file is written for next time.
	filePID, tick, err := readPidFile(p.layout.pidFile(inst.ID, b.ID))
	if err != nil || filePID != pid || tick == 0 {
		t.Fatalf("pid file: pid %d tick %d, %v; want pid %d", filePID, tick, err, pid)
	}
	// The other broker's config names no process.
	if _, ok := p.Inspect(inst, &inst.Brokers[1]); ok {
		t.Error("broker 1 found running")
	}
}

// A pid file whose pid was reused by another process (a different start
// time or command line) is not trusted.
func TestInspectDistrustsAStalePidFile(t *testing.T) {
	t.Parallel()
	p := newTestProvisioner(t, Config{})
	inst := testInstance(0)
	b := &inst.Brokers[0]
	if err := os.MkdirAll(p.layout.brokerDir(inst.ID, b.ID), 0o700); err != nil {
		t.Fatal(err)
	}
	pidFile := p.layout.pidFile(inst.ID, b.ID)
	other := fakeBroker(t, "/elsewhere/server.properties")
	otherProc, ok := readProc(other.Process.Pid)
	if !ok {
		t.Fatal("cannot read the other process")
	}
	for name, body := range map[string]string{
		"OtherCommandLine": fmt.Sprintf("%d %d\n", otherProc.pid, otherProc.startTick),
		"OtherStartTime":   fmt.Sprintf("%d %d\n", otherProc.pid, otherProc.startTick+1),
		"Malformed":        "12 34 56\n",
	} {
		if err := os.WriteFile(pidFile, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if proc, ok := p.Inspect(inst, b); ok {
			t.Errorf("%s: Inspect adopted pid %d from pid file %q", name, proc.PID, body)
		}
	}
	// With the pid file naming the wrong process, the broker that does run
	// is still found.
	cmd := fakeBroker(t, p.layout.configFile(inst.ID, b.ID))
	if proc, ok := p.Inspect(inst, b); !ok || proc.PID != cmd.Process.Pid {
		t.Errorf("Inspect = %+v, %v; want pid %d", proc, ok, cmd.Process.Pid)
	}
}

func TestStop(t *testing.T) {
	t.Parallel()
	p := newTestProvisioner(t, Config{})
	inst := testInstance(0)
	b := &inst.Brokers[0]
	if err := p.Stop(context.Background(), inst, b, time.Second); err != nil {
		t.Errorf("Stop of a broker that does not run: %v", err)
	}
	if err := os.MkdirAll(p.layout.brokerDir(inst.ID, b.ID), 0o700); err != nil {
		t.Fatal(err)
	}
	fakeBroker(t, p.layout.configFile(inst.ID, b.ID))
	if err := p.Stop(context.Background(), inst, b, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if proc, ok := p.Inspect(inst, b); ok {
		t.Errorf("pid %d still runs after Stop", proc.PID)
	}
}

// Destroy kills whatever runs from the instance's directory, even a process
// no broker record names, and removes the directory.
func TestDestroyKillsStrayProcesses(t *testing.T) {
	t.Parallel()
	p := newTestProvisioner(t, Config{})
	inst := testInstance(0)
	dir := p.layout.brokerDir(inst.ID, 7) // a broker the record does not have
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	stray := fakeBroker(t, filepath.Join(dir, "server.properties"))
	if err := p.Destroy(context.Background(), inst); err != nil {
		t.Fatal(err)
	}
	if cur, ok := readProc(stray.Process.Pid); ok && cur.alive() {
		t.Errorf("stray pid %d survived Destroy", stray.Process.Pid)
	}
	if _, err := os.Stat(p.layout.instanceDir(inst.ID)); !os.IsNotExist(err) {
		t.Errorf("instance directory left: %v", err)
	}
}

func TestChildEnvDropsStreamplaneSettings(t *testing.T) {
	t.Setenv("STREAMPLANE_SECRET_KEY", "s3cret")
	t.Setenv("JAVA_HOME", "/opt/java")
	env := childEnv()
	for _, kv := range env {
		if kv == "STREAMPLANE_SECRET_KEY=s3cret" {
			t.Error("a broker would see STREAMPLANE_SECRET_KEY")
		}
	}
	found := false
	for _, kv := range env {
		found = found || kv == "JAVA_HOME=/opt/java"
	}
	if !found {
		t.Error("JAVA_HOME is not passed on")
	}
}
