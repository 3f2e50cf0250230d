package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaconfig"
)

// mirrorMainClass is MirrorMaker 2's dedicated mode, in connect-mirror,
// which every runtime installs.
const mirrorMainClass = "org.apache.kafka.connect.mirror.MirrorMaker"

// MirrorDir is where the migration's files live: under its instance, so
// that Destroy removes them and killUnder stops the process with them.
func (p *Provisioner) MirrorDir(m *streamplane.Migration) string {
	return p.layout.mirrorDir(m.InstanceID, m.ID)
}

// ConfigureMirror writes mm2.properties and the files beside it, each
// private to the server's user (the properties hold both clusters'
// passwords) and replaced atomically.
func (p *Provisioner) ConfigureMirror(ctx context.Context, m *streamplane.Migration, files streamplane.MirrorFiles) error {
	if err := checkMirrorIDs(m); err != nil {
		return err
	}
	if len(files.Properties) == 0 {
		return fmt.Errorf("local: migration %s: no mm2.properties to write", m.Name)
	}
	for name := range files.Files {
		if name == "" || name != filepath.Base(name) || name == "." || name == ".." || reservedMirrorFile(name) {
			return fmt.Errorf("local: migration %s: %q cannot be a file beside mm2.properties", m.Name, name)
		}
	}
	dir := p.MirrorDir(m)
	for _, d := range []string{dir, p.layout.mirrorLogDir(m.InstanceID, m.ID)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("local: create %s: %w", d, err)
		}
	}
	for name, body := range files.Files {
		if err := writeFileAtomic(filepath.Join(dir, name), body); err != nil {
			return err
		}
	}
	// The properties last: they name the other files, which must be there
	// when a MirrorMaker (re)started meanwhile reads them.
	return writeFileAtomic(p.layout.mirrorConfigFile(m.InstanceID, m.ID), files.Properties)
}

// reservedMirrorFile reports whether name is one of the runner's own files.
func reservedMirrorFile(name string) bool {
	return slices.Contains([]string{"mm2.properties", "mm2.pid", "logs", "log4j.properties", "log4j2.properties"}, name) ||
		strings.HasSuffix(name, ".tmp")
}

// StartMirror starts MirrorMaker 2 as a detached process with the
// instance's runtime, or adopts the one running.
func (p *Provisioner) StartMirror(ctx context.Context, inst *streamplane.Instance, m *streamplane.Migration) (streamplane.Process, error) {
	if err := checkMirrorIDs(m); err != nil {
		return streamplane.Process{}, err
	}
	if m.InstanceID != inst.ID {
		return streamplane.Process{}, fmt.Errorf("local: migration %s belongs to instance %s, not %s", m.Name, m.InstanceID, inst.ID)
	}
	key := "mirror/" + m.ID
	p.mu.Lock()
	if p.starting[key] {
		p.mu.Unlock()
		return streamplane.Process{}, fmt.Errorf("local: MirrorMaker of migration %s is being started already", m.Name)
	}
	p.starting[key] = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.starting, key)
		p.mu.Unlock()
	}()

	if proc, ok := p.InspectMirror(m); ok {
		return proc, nil
	}
	config := p.layout.mirrorConfigFile(m.InstanceID, m.ID)
	if _, err := os.Stat(config); err != nil {
		return streamplane.Process{}, fmt.Errorf("local: migration %s is not configured: %w", m.Name, err)
	}
	// The instance's version: during an upgrade that is the runtime the
	// brokers are moving to, installed before the upgrade began.
	rt, err := p.runtime(inst.Version)
	if err != nil {
		return streamplane.Process{}, err
	}
	dir, logDir := p.MirrorDir(m), p.layout.mirrorLogDir(m.InstanceID, m.ID)
	if err := os.MkdirAll(logDir, 0o700); err != nil {
		return streamplane.Process{}, fmt.Errorf("local: create %s: %w", logDir, err)
	}
	name, body, logFlag := rt.LogConfig(logDir, dir)
	if err := writeFileAtomic(filepath.Join(dir, name), body); err != nil {
		return streamplane.Process{}, err
	}
	args := append(mirrorJVMFlags(),
		"-Dkafka.logs.dir="+logDir, logFlag,
		"-Dstreamplane.instance="+inst.ID, "-Dstreamplane.migration="+m.ID,
		// No broker plugin: MirrorMaker is a client of both clusters. No
		// class archive either: the brokers' is for their longer classpath,
		// which the JVM would refuse (with a warning) for this one.
		"-cp", rt.Classpath(), mirrorMainClass, config, "--clusters", m.TargetAlias())
	proc, err := startDetached(p.cfg.Java, args, dir, p.layout.mirrorStdoutLog(m.InstanceID, m.ID), "MirrorMaker of migration "+m.Name)
	if err != nil {
		return streamplane.Process{}, err
	}
	if err := writePidFile(p.layout.mirrorPidFile(m.InstanceID, m.ID), proc); err != nil {
		return streamplane.Process{}, err
	}
	p.log.Info("MirrorMaker started", "instance", inst.Name, "migration", m.Name, "pid", proc.pid)
	return streamplane.Process{PID: proc.pid, StartedAt: proc.startedAt()}, nil
}

// mirrorJVMFlags are the brokers' JVM settings with a small heap. Records
// pass through in batches bounded by each task's consumer fetches (50 MiB
// at most) and producer buffer (32 MiB): 384 MiB holds two tasks' worth
// with room to spare, while the brokers keep the machine's memory. The heap
// starts at 128 MiB and grows only if the copy needs it.
func mirrorJVMFlags() []string {
	flags := slices.DeleteFunc(kafkaconfig.JVMFlags(384), func(f string) bool { return strings.HasPrefix(f, "-Xms") })
	return append(flags, "-Xms128m")
}

// InspectMirror reports MirrorMaker's process, if it runs.
func (p *Provisioner) InspectMirror(m *streamplane.Migration) (streamplane.Process, bool) {
	proc, ok := p.findMirror(m)
	if !ok {
		return streamplane.Process{}, false
	}
	return streamplane.Process{PID: proc.pid, StartedAt: proc.startedAt()}, true
}

// StopMirror sends SIGTERM (Connect stops its tasks and commits their
// offsets), waits up to graceful, then sends SIGKILL. A zero graceful
// kills at once.
func (p *Provisioner) StopMirror(ctx context.Context, m *streamplane.Migration, graceful time.Duration) error {
	proc, ok := p.findMirror(m)
	if !ok {
		return nil
	}
	clean, err := stopProcess(ctx, proc, graceful, "MirrorMaker of migration "+m.Name)
	switch {
	case err != nil:
		return err
	case clean:
		p.log.Info("MirrorMaker stopped", "migration", m.Name, "pid", proc.pid)
	case graceful > 0:
		p.log.Warn("MirrorMaker did not stop in time; killed it", "migration", m.Name, "pid", proc.pid, "waited", graceful)
	}
	return nil
}

// ForgetMirror kills MirrorMaker (and anything else running from its
// directory) and removes its files and logs.
func (p *Provisioner) ForgetMirror(ctx context.Context, m *streamplane.Migration) error {
	if err := checkMirrorIDs(m); err != nil {
		return err
	}
	if err := p.StopMirror(ctx, m, 0); err != nil {
		return err
	}
	dir := p.MirrorDir(m)
	if err := killUnder(ctx, dir); err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("local: remove MirrorMaker files of migration %s: %w", m.Name, err)
	}
	return nil
}

// MirrorLogs returns the last lines of MirrorMaker's server.log, or of its
// stdout.log while there is no server.log: what the JVM printed before
// logging started (a missing class, a bad flag) is only there.
func (p *Provisioner) MirrorLogs(ctx context.Context, m *streamplane.Migration, lines int) (string, error) {
	if err := checkMirrorIDs(m); err != nil {
		return "", err
	}
	for _, path := range []string{p.layout.mirrorServerLog(m.InstanceID, m.ID), p.layout.mirrorStdoutLog(m.InstanceID, m.ID)} {
		if st, err := os.Stat(path); err == nil && st.Size() > 0 {
			return tailFile(path, lines)
		}
	}
	return "", streamplane.Errorf(streamplane.ENOTFOUND, "MirrorMaker of migration %s has written no log yet", m.Name)
}

// findMirror returns MirrorMaker's live process: by its pid file when that
// is current, else by scanning /proc for its mm2.properties.
func (p *Provisioner) findMirror(m *streamplane.Migration) (procInfo, bool) {
	if checkMirrorIDs(m) != nil {
		return procInfo{}, false
	}
	return findProcess(p.layout.mirrorConfigFile(m.InstanceID, m.ID), p.layout.mirrorPidFile(m.InstanceID, m.ID))
}

// checkMirrorIDs refuses ids that would put the files elsewhere: they
// become path elements.
func checkMirrorIDs(m *streamplane.Migration) error {
	for _, id := range []string{m.InstanceID, m.ID} {
		if id == "" || id == "." || id == ".." || strings.ContainsAny(id, `/\`) {
			return errors.New("local: a migration needs an id and its instance's id")
		}
	}
	return nil
}

var _ streamplane.MirrorRunner = (*Provisioner)(nil)
