package localpods

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A process is one run of a container: a process group led by the
// container's command, standing in for the container's PID namespace.
type process struct {
	pid       int
	startedAt time.Time
	exited    chan struct{} // closed once the leader is reaped
	// Set before exited is closed.
	exitCode   int32
	signal     syscall.Signal
	finishedAt time.Time
}

// spawner starts every process from one goroutine locked to its OS thread
// for the life of vkubelet. Processes get Pdeathsig SIGKILL, and Linux sends
// it when the *thread* that forked them ends: on a Go thread that may end
// any time, a broker would be killed for nothing.
type spawner struct {
	reqs chan spawnReq
}

type spawnReq struct {
	cmd  *exec.Cmd
	done chan error
}

func newSpawner() *spawner {
	s := &spawner{reqs: make(chan spawnReq)}
	go func() {
		runtime.LockOSThread() // never unlocked: the thread lives as long as vkubelet
		for req := range s.reqs {
			req.done <- req.cmd.Start()
		}
	}()
	return s
}

// start runs cmd in a process group of its own, killed when vkubelet dies,
// records it under procDir so a later vkubelet can kill what this one left,
// and reaps it in the background.
func (s *spawner) start(cmd *exec.Cmd, procDir string, record procRecord) (*process, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	done := make(chan error, 1)
	s.reqs <- spawnReq{cmd: cmd, done: done}
	if err := <-done; err != nil {
		return nil, err
	}
	p := &process{pid: cmd.Process.Pid, startedAt: time.Now(), exited: make(chan struct{})}
	record.PID = p.pid
	record.Start = procStartTime(p.pid)
	recordFile := filepath.Join(procDir, strconv.Itoa(p.pid)+".json")
	if data, err := json.Marshal(record); err == nil {
		_ = writeFileAtomic(recordFile, data, 0o644)
	}
	go func() {
		err := cmd.Wait()
		var exitErr *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &exitErr):
			ws := exitErr.Sys().(syscall.WaitStatus)
			if ws.Signaled() {
				p.signal = ws.Signal()
				p.exitCode = 128 + int32(ws.Signal())
			} else {
				p.exitCode = int32(ws.ExitStatus())
			}
		default:
			p.exitCode = -1
		}
		// When a container's main process ends, its PID namespace ends and
		// takes every other process in it along; the run is over when they
		// are gone too, so their ports are free for the next.
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
		waitGroupGone(p.pid, 10*time.Second)
		p.finishedAt = time.Now()
		os.Remove(recordFile)
		close(p.exited)
	}()
	return p, nil
}

// stop ends the process group: SIGTERM, then SIGKILL at the deadline. It
// returns once the leader is reaped.
func (p *process) stop(grace time.Duration) {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = syscall.Kill(-p.pid, syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.exited:
	case <-t.C:
		_ = syscall.Kill(-p.pid, syscall.SIGKILL)
		<-p.exited
	}
}

func (p *process) done() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// A procRecord is what the root directory keeps of a running process.
type procRecord struct {
	PID       int    `json:"pid"`
	Start     uint64 `json:"start"` // clock ticks after boot, from /proc/PID/stat
	Pod       string `json:"pod"`
	Container string `json:"container"`
}

// procStartTime reads a process's start time, which tells it from a later
// process that got the same PID.
func procStartTime(pid int) uint64 {
	_, start, ok := procStat(pid)
	if !ok {
		return 0
	}
	return start
}

// procStat reads a process's group and start time from /proc/PID/stat.
func procStat(pid int) (pgrp int, start uint64, ok bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	// The command name is in parentheses and may hold spaces.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state): pgrp is field 5, starttime field 22.
	if len(f) < 20 {
		return 0, 0, false
	}
	pgrp, err1 := strconv.Atoi(f[2])
	start, err2 := strconv.ParseUint(f[19], 10, 64)
	return pgrp, start, err1 == nil && err2 == nil
}

// killLeftovers kills the process groups that a previous vkubelet with this
// root directory recorded and did not end (it was killed with SIGKILL, say).
// A group counts as ours when its leader still has the
// recorded start time, or, the leader gone, for members that started after
// it. It waits, boundedly, for them to go, so their ports are free.
func killLeftovers(procDir string) error {
	entries, err := os.ReadDir(procDir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	var pids []int
	for _, e := range entries {
		name := filepath.Join(procDir, e.Name())
		var rec procRecord
		data, err := os.ReadFile(name)
		if err == nil && json.Unmarshal(data, &rec) == nil && rec.PID > 0 {
			for _, pid := range groupMembers(rec) {
				if syscall.Kill(pid, syscall.SIGKILL) == nil {
					pids = append(pids, pid)
				}
			}
		}
		os.Remove(name)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for time.Now().Before(deadline) {
			if _, _, alive := procStat(pid); !alive || isZombie(pid) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

// waitGroupGone waits, at most timeout, until no live process is left in
// the process group. (kill(-pgid, 0) would count zombies, which a PID 1
// that does not reap keeps for ever.)
func waitGroupGone(pgid int, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for len(liveGroupMembers(pgid, 0)) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
}

// liveGroupMembers lists the processes of group pgid that started at or
// after start (ticks after boot) and are no zombies.
func liveGroupMembers(pgid int, start uint64) []int {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		pgrp, st, ok := procStat(pid)
		if ok && pgrp == pgid && st >= start && !isZombie(pid) {
			out = append(out, pid)
		}
	}
	return out
}

// groupMembers lists the live processes of a recorded group.
func groupMembers(rec procRecord) []int {
	if _, start, ok := procStat(rec.PID); ok && start != rec.Start {
		return nil // the PID, and so the group id, belongs to someone else now
	}
	return liveGroupMembers(rec.PID, rec.Start)
}

func isZombie(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] == 'Z'
}

// signalGroup sends sig to every process of the group.
func (p *process) signalGroup(sig syscall.Signal) {
	_ = syscall.Kill(-p.pid, sig)
}
