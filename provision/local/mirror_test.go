package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/poll"
)

// fakeJava stands in for the JVM: it keeps its arguments on its command
// line (as java does), prints a line once it handles SIGTERM and exits on
// it like a JVM whose shutdown hooks ran.
const fakeJava = `#!/bin/sh
trap 'kill $child 2>/dev/null; echo "fake MirrorMaker stopping"; exit 0' TERM
echo "fake MirrorMaker $$ started"
sleep 300 & child=$!
wait $child
`

const mirrorSecret = "s3cret-Pw-91ab"

// newMirrorTest returns a provisioner whose java is fakeJava and whose
// runtimes are all "installed", an instance on 4.1.2 and its migration.
func newMirrorTest(t *testing.T) (*Provisioner, *streamplane.Instance, *streamplane.Migration) {
	t.Helper()
	java := filepath.Join(t.TempDir(), "java")
	if err := os.WriteFile(java, []byte(fakeJava), 0o755); err != nil {
		t.Fatal(err)
	}
	p := newTestProvisioner(t, Config{Java: java})
	p.runtimes = catalogRuntimes{t.TempDir()}
	inst := testInstance(0)
	inst.Version = "4.1.2"
	m := &streamplane.Migration{ID: "9a1c0f7e-1111-4222-8333-444455556666", InstanceID: inst.ID, Name: "legacy"}
	return p, inst, m
}

func mirrorFiles() streamplane.MirrorFiles {
	return streamplane.MirrorFiles{
		Properties: []byte("clusters=legacy, legacy-target\nlegacy.sasl.jaas.config=x required password=\"" + mirrorSecret + "\";\n"),
		Files:      map[string][]byte{"source-ca.pem": []byte("-----BEGIN CERTIFICATE-----\n")},
	}
}

// startMirror starts m and makes sure its process group dies with the test.
func startMirror(t *testing.T, p *Provisioner, inst *streamplane.Instance, m *streamplane.Migration) streamplane.Process {
	t.Helper()
	proc, err := p.StartMirror(context.Background(), inst, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(-proc.PID, syscall.SIGKILL) }) // Setsid: its pid is its group
	// The fake forks its sleep, and until the fork execs it too names the
	// config; a JVM forks nothing. Wait for that to pass.
	config := p.layout.mirrorConfigFile(m.InstanceID, m.ID)
	err = poll.Until(context.Background(), 5*time.Millisecond, 10*time.Second, func(context.Context) error {
		n := 0
		eachLiveProc(func(pi procInfo) bool {
			if pi.runs(config) {
				n++
			}
			return true
		})
		if n != 1 {
			return fmt.Errorf("%d processes name %s", n, config)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return proc
}

func TestMirrorLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, inst, m := newMirrorTest(t)

	if _, err := p.StartMirror(ctx, inst, m); err == nil {
		t.Fatal("StartMirror before ConfigureMirror succeeded")
	}
	if err := p.ConfigureMirror(ctx, m, mirrorFiles()); err != nil {
		t.Fatal(err)
	}
	dir := p.MirrorDir(m)
	if want := filepath.Join(p.layout.instanceDir(inst.ID), "mirrors", m.ID); dir != want {
		t.Errorf("MirrorDir = %s; want %s", dir, want)
	}
	for _, f := range []string{"mm2.properties", "source-ca.pem"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, %v; want mode 0600", f, st.Mode(), err)
		}
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("mirror directory: %v, %v; want mode 0700", st.Mode(), err)
	}

	proc := startMirror(t, p, inst, m)
	if got, ok := p.InspectMirror(m); !ok || got.PID != proc.PID {
		t.Fatalf("InspectMirror = %+v, %v; want pid %d", got, ok, proc.PID)
	}
	info, ok := readProc(proc.PID)
	if !ok {
		t.Fatal("cannot read the process")
	}
	cmdline := strings.Join(info.cmdline, " ")
	for _, want := range []string{
		"-Xmx384m", "-Xms128m", "-cp " + filepath.Join(p.runtimes.(catalogRuntimes).dir, "4.1.2", "lib", "*"),
		mirrorMainClass + " " + filepath.Join(dir, "mm2.properties") + " --clusters legacy-target",
		"-Dlog4j2.configurationFile=" + filepath.Join(dir, "log4j2.properties"),
	} {
		if !strings.Contains(cmdline, want) {
			t.Errorf("command line lacks %q:\n%s", want, cmdline)
		}
	}
	if strings.Contains(cmdline, mirrorSecret) {
		t.Error("the password is on the command line")
	}
	if _, err := os.Stat(filepath.Join(dir, "log4j2.properties")); err != nil {
		t.Errorf("no logging configuration: %v", err)
	}

	// A second start, and a restarted server (a new provisioner value),
	// adopt the running process.
	if again, err := p.StartMirror(ctx, inst, m); err != nil || again.PID != proc.PID {
		t.Errorf("second StartMirror = %+v, %v; want pid %d", again, err, proc.PID)
	}
	restarted := New(p.cfg, p.store, p.runtimes, nil)
	if got, ok := restarted.InspectMirror(m); !ok || got.PID != proc.PID {
		t.Errorf("after a restart InspectMirror = %+v, %v; want pid %d", got, ok, proc.PID)
	}
	if got, err := restarted.StartMirror(ctx, inst, m); err != nil || got.PID != proc.PID {
		t.Errorf("after a restart StartMirror = %+v, %v; want pid %d", got, err, proc.PID)
	}

	// Before log4j writes server.log, the logs are what the JVM printed.
	var logs string
	err := poll.Until(ctx, 20*time.Millisecond, 10*time.Second, func(context.Context) (err error) {
		logs, err = p.MirrorLogs(ctx, m, 10)
		if err == nil && !strings.Contains(logs, "fake MirrorMaker") {
			err = errors.New("not yet printed")
		}
		return err
	})
	if err != nil {
		t.Fatalf("MirrorLogs: %v", err)
	}
	serverLog := p.layout.mirrorServerLog(m.InstanceID, m.ID)
	if err := os.WriteFile(serverLog, []byte("[2026] INFO Kafka MirrorMaker started (org.apache.kafka.connect.mirror.MirrorMaker)\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if logs, err := p.MirrorLogs(ctx, m, 10); err != nil || !strings.Contains(logs, "Kafka MirrorMaker started") {
		t.Errorf("MirrorLogs = %q, %v; want server.log", logs, err)
	}

	// SIGTERM suffices for a process that stops.
	if err := p.StopMirror(ctx, m, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if got, ok := p.InspectMirror(m); ok {
		t.Errorf("pid %d runs after StopMirror", got.PID)
	}
	if err := p.StopMirror(ctx, m, time.Second); err != nil {
		t.Errorf("StopMirror of a stopped MirrorMaker: %v", err)
	}
	stdout, _ := os.ReadFile(p.layout.mirrorStdoutLog(m.InstanceID, m.ID))
	if !strings.Contains(string(stdout), "fake MirrorMaker stopping") {
		t.Errorf("it was not stopped by SIGTERM; stdout.log:\n%s", stdout)
	}

	// Forget kills a running one and removes everything.
	startMirror(t, p, inst, m)
	if err := p.ForgetMirror(ctx, m); err != nil {
		t.Fatal(err)
	}
	if got, ok := p.InspectMirror(m); ok {
		t.Errorf("pid %d runs after ForgetMirror", got.PID)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("mirror directory left: %v", err)
	}
	if err := p.ForgetMirror(ctx, m); err != nil {
		t.Errorf("second ForgetMirror: %v", err)
	}
	if _, err := p.MirrorLogs(ctx, m, 10); streamplane.ErrorCode(err) != streamplane.ENOTFOUND {
		t.Errorf("MirrorLogs of a forgotten migration: %v; want %s", err, streamplane.ENOTFOUND)
	}
}

// Deleting the instance takes its migrations' MirrorMakers with it:
// their command lines name files under the instance's directory.
func TestDestroyStopsMirrors(t *testing.T) {
	t.Parallel()
	p, inst, m := newMirrorTest(t)
	if err := p.ConfigureMirror(context.Background(), m, mirrorFiles()); err != nil {
		t.Fatal(err)
	}
	proc := startMirror(t, p, inst, m)
	if err := p.Destroy(context.Background(), inst); err != nil {
		t.Fatal(err)
	}
	if cur, ok := readProc(proc.PID); ok && cur.alive() {
		t.Errorf("MirrorMaker pid %d survived Destroy", proc.PID)
	}
	if _, err := os.Stat(p.MirrorDir(m)); !os.IsNotExist(err) {
		t.Errorf("mirror directory left: %v", err)
	}
}

func TestConfigureMirrorRefusesForeignPaths(t *testing.T) {
	t.Parallel()
	p, _, m := newMirrorTest(t)
	for _, name := range []string{"../escape.pem", "sub/ca.pem", "mm2.pid", "logs", "log4j2.properties", ""} {
		files := mirrorFiles()
		files.Files = map[string][]byte{name: []byte("x")}
		if err := p.ConfigureMirror(context.Background(), m, files); err == nil {
			t.Errorf("file %q accepted", name)
		}
	}
	bad := *m
	bad.ID = "../other"
	if err := p.ConfigureMirror(context.Background(), &bad, mirrorFiles()); err == nil {
		t.Error("migration id ../other accepted")
	}
	if _, err := os.Stat(filepath.Join(p.layout.instanceDir(m.InstanceID), "escape.pem")); !os.IsNotExist(err) {
		t.Error("a file was written outside the mirror directory")
	}
}
