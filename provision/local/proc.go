package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// procInfo is what /proc tells of a process.
type procInfo struct {
	pid       int
	startTick uint64 // start time in clock ticks since boot: with the pid, a process's identity
	state     byte
	cmdline   []string
}

// readProc reads /proc/<pid>; ok is false if the process does not exist.
func readProc(pid int) (procInfo, bool) {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return procInfo{}, false
	}
	// The command name (field 2) may hold spaces; fields after it follow the last ')'.
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return procInfo{}, false
	}
	fields := strings.Fields(string(stat[end+1:]))
	if len(fields) < 20 {
		return procInfo{}, false
	}
	start, err := strconv.ParseUint(fields[19], 10, 64) // field 22 overall
	if err != nil {
		return procInfo{}, false
	}
	raw, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	var args []string
	for _, a := range bytes.Split(bytes.TrimRight(raw, "\x00"), []byte{0}) {
		args = append(args, string(a))
	}
	return procInfo{pid: pid, startTick: start, state: fields[0][0], cmdline: args}, true
}

// alive reports whether the process still runs (a zombie does not).
func (p procInfo) alive() bool { return p.state != 'Z' && p.state != 'X' }

// runs reports whether the process's command line names the config file.
func (p procInfo) runs(configFile string) bool {
	for _, a := range p.cmdline {
		if a == configFile {
			return true
		}
	}
	return false
}

// eachLiveProc calls fn for every live process but this server, until fn
// returns false.
func eachLiveProc(fn func(procInfo) bool) error {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if p, ok := readProc(pid); ok && p.alive() && !fn(p) {
			return nil
		}
	}
	return nil
}

// findByConfig scans /proc for a live process started with configFile; it
// finds a broker whose pid file was never written (the server died between
// starting it and writing the file).
func findByConfig(configFile string) (found procInfo, ok bool) {
	eachLiveProc(func(p procInfo) bool {
		found, ok = p, p.runs(configFile)
		return !ok
	})
	return found, ok
}

// writePidFile writes broker.pid: "<pid> <start tick>".
func writePidFile(path string, p procInfo) error {
	return writeFileAtomic(path, fmt.Appendf(nil, "%d %d\n", p.pid, p.startTick))
}

func readPidFile(path string) (pid int, startTick uint64, err error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	fields := strings.Fields(string(raw))
	if len(fields) != 2 {
		return 0, 0, errors.New("malformed pid file")
	}
	if pid, err = strconv.Atoi(fields[0]); err != nil {
		return 0, 0, err
	}
	startTick, err = strconv.ParseUint(fields[1], 10, 64)
	return pid, startTick, err
}

// bootTime is when the machine booted, to turn start ticks into times. It
// is read once: every Inspect needs it, and it does not change.
var bootTime = sync.OnceValue(func() time.Time {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			sec, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return time.Unix(sec, 0)
		}
	}
	return time.Time{}
})

// clockTicks is USER_HZ; 100 on every Linux this runs on.
const clockTicks = 100

func (p procInfo) startedAt() time.Time {
	return bootTime().Add(time.Duration(p.startTick) * time.Second / clockTicks)
}

// signal sends sig to pid, ignoring a process that is already gone.
func signal(pid int, sig syscall.Signal) error {
	err := syscall.Kill(pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// findProcess returns the live process started with configFile: by its
// pid file when that is current (pid and start time match, command line
// names the config), else by scanning /proc, rewriting the pid file then.
func findProcess(configFile, pidFile string) (procInfo, bool) {
	if pid, tick, err := readPidFile(pidFile); err == nil {
		if proc, ok := readProc(pid); ok && proc.startTick == tick && proc.alive() && proc.runs(configFile) {
			return proc, true
		}
	}
	proc, ok := findByConfig(configFile)
	if ok {
		writePidFile(pidFile, proc)
	}
	return proc, ok
}

// stopProcess sends SIGTERM, waits up to graceful, then sends SIGKILL; a
// zero graceful kills at once. It reports whether the process left on
// SIGTERM; what names the process in the error of one that survives.
func stopProcess(ctx context.Context, proc procInfo, graceful time.Duration, what string) (clean bool, err error) {
	if graceful > 0 {
		if err := signal(proc.pid, syscall.SIGTERM); err != nil {
			return false, err
		}
		if waitGone(ctx, proc, graceful) {
			return true, nil
		}
	}
	if err := signal(proc.pid, syscall.SIGKILL); err != nil {
		return false, err
	}
	if !waitGone(ctx, proc, 30*time.Second) {
		return false, fmt.Errorf("local: %s (pid %d) survived SIGKILL", what, proc.pid)
	}
	return false, nil
}

// startDetached starts a JVM in its own session with its output appended
// to stdoutLog (a file, not a pipe: the process must outlive the server)
// and returns it once /proc shows it alive; what names it in errors.
func startDetached(java string, args []string, dir, stdoutLog, what string) (procInfo, error) {
	out, err := os.OpenFile(stdoutLog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return procInfo{}, fmt.Errorf("local: open stdout log: %w", err)
	}
	defer out.Close()
	cmd := exec.Command(java, args...)
	cmd.Dir = dir
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return procInfo{}, fmt.Errorf("local: start %s: %w", what, err)
	}
	pid := cmd.Process.Pid
	go cmd.Wait() // reap it if it dies while this server runs
	proc, ok := readProc(pid)
	if !ok || !proc.alive() {
		return procInfo{}, fmt.Errorf("local: %s exited at once; see %s", what, stdoutLog)
	}
	return proc, nil
}
