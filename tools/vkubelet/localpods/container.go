package localpods

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A container is the state of one container of a pod across its runs.
// podRun.mu guards every field.
type container struct {
	name         string
	init         bool
	image        string // of the current or last run
	restartCount int32
	state        corev1.ContainerState
	last         corev1.ContainerState
	ready        bool
	started      bool // the startup probe passed (or there is none)
	proc         *process
	exec         *execContext // how the current run was started, for exec and probes
	respec       bool         // stopped for a new image: restart at once
	killReason   string       // why vkubelet stopped the current run, if it did
	backoff      time.Duration
}

// An execContext is what a command in a container runs with.
type execContext struct {
	env     []string
	rw      *rewriter
	workDir string
}

func newContainer(spec corev1.Container, init bool) *container {
	return &container{
		name:  spec.Name,
		init:  init,
		image: spec.Image,
		state: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}},
	}
}

// A startError keeps a container waiting instead of running.
type startError struct {
	reason  string
	message string
	// final: trying again cannot help (an image vkubelet does not know).
	final bool
}

func (e *startError) Error() string { return e.reason + ": " + e.message }

// runInit runs an init container until it exits 0, restarting it after a
// failure with the backoff (Init:CrashLoopBackOff), or failing the pod under
// restartPolicy Never. It tells whether the pod may go on.
func (r *podRun) runInit(ctx context.Context, c *container, vols map[string]*volume) bool {
	for {
		exit, ok := r.runOnce(ctx, c, vols)
		if !ok {
			return false
		}
		if exit == 0 {
			return true
		}
		if r.currentPod().Spec.RestartPolicy == corev1.RestartPolicyNever {
			r.mu.Lock()
			r.failed = true
			r.mu.Unlock()
			r.changed()
			return false
		}
		if !r.backOff(ctx, c) {
			return false
		}
	}
}

// supervise runs a container and restarts it as its pod's restartPolicy
// says, with the backoff between crashes.
func (r *podRun) supervise(ctx context.Context, c *container, vols map[string]*volume) {
	for {
		exit, ok := r.runOnce(ctx, c, vols)
		if !ok {
			return
		}
		r.mu.Lock()
		respec := c.respec
		c.respec = false
		policy := r.pod.Spec.RestartPolicy
		r.mu.Unlock()
		switch {
		case respec:
			r.restartNow(c)
		case policy == corev1.RestartPolicyNever, policy == corev1.RestartPolicyOnFailure && exit == 0:
			return
		default:
			if !r.backOff(ctx, c) {
				return
			}
		}
	}
}

// runOnce starts the container and waits for its process to end. It
// returns the exit code, or false when the pod is stopping (the process,
// if one ran, has then been stopped).
func (r *podRun) runOnce(ctx context.Context, c *container, vols map[string]*volume) (int32, bool) {
	for {
		proc, err := r.start(ctx, c, vols)
		if ctx.Err() != nil {
			if proc != nil {
				r.stopProcess(proc, c)
				r.finished(c, proc)
			}
			return 0, false
		}
		var se *startError
		if errors.As(err, &se) {
			r.mu.Lock()
			c.state = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: se.reason, Message: se.message}}
			r.mu.Unlock()
			r.changed()
			if se.final {
				<-ctx.Done()
				return 0, false
			}
			if !sleep(ctx, r.p.cfg.Backoff.Initial) {
				return 0, false
			}
			continue
		}
		if err != nil {
			// The process could not start: like a runtime's StartError.
			return r.startFailed(c, err), true
		}
		probeCtx, stopProbes := context.WithCancel(ctx)
		go r.runProbes(probeCtx, c, proc)
		select {
		case <-proc.exited:
		case <-ctx.Done():
			stopProbes()
			r.stopProcess(proc, c)
			r.finished(c, proc)
			return 0, false
		}
		stopProbes()
		return r.finished(c, proc), true
	}
}

// start prepares and starts one run of the container.
func (r *podRun) start(ctx context.Context, c *container, vols map[string]*volume) (*process, error) {
	r.mu.Lock()
	pod := r.pod
	spec := r.specLocked(c)
	r.mu.Unlock()
	if spec == nil {
		return nil, &startError{reason: "CreateContainerError", message: "container is gone from the pod spec", final: true}
	}
	imageRules, known := r.p.imageRules(spec.Image)
	if !known {
		return nil, &startError{
			reason:  "ErrImagePull",
			message: fmt.Sprintf("image %q is not known to vkubelet on node %s: start vkubelet with --image %s=IMAGEPATH:LOCALDIR", spec.Image, r.p.cfg.NodeName, spec.Image),
			final:   true,
		}
	}
	env, err := r.p.resolveEnv(ctx, pod, spec, r.ip)
	if err != nil {
		return nil, &startError{reason: "CreateContainerConfigError", message: err.Error()}
	}
	rw := newRewriter(mountRules(spec, vols), imageRules)
	lookup := func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
	var argv []string
	for _, a := range append(append([]string(nil), spec.Command...), spec.Args...) {
		argv = append(argv, rw.rewrite(expand(a, lookup)))
	}
	if len(argv) == 0 {
		return nil, &startError{reason: "CreateContainerError", message: "container has no command: vkubelet cannot read an image's entrypoint, so pods must set command (or args)", final: true}
	}
	workDir := filepath.Join(r.dir, "containers", c.name)
	if spec.WorkingDir != "" {
		workDir = rw.rewrite(spec.WorkingDir)
	}
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return nil, err
	}
	procEnv := r.p.processEnv(pod, env, rw)
	ec := &execContext{env: procEnv, rw: rw, workDir: workDir}
	path, err := lookPath(argv[0], procEnv)
	if err != nil {
		return nil, err
	}

	r.mu.Lock()
	run := c.restartCount
	r.mu.Unlock()
	logFile, err := openLog(r.logDir, c.name, run)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := &exec.Cmd{Path: path, Args: argv, Env: procEnv, Dir: workDir, Stdout: logFile, Stderr: logFile}
	proc, err := r.p.spawner.start(cmd, r.p.procDir, procRecord{Pod: r.key, Container: c.name})
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	c.proc = proc
	c.exec = ec
	c.image = spec.Image
	c.killReason = ""
	c.started = spec.StartupProbe == nil
	c.ready = false
	c.state = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(proc.startedAt)}}
	r.mu.Unlock()
	r.changed()
	return proc, nil
}

// finished records the end of a run and returns its exit code.
func (r *podRun) finished(c *container, proc *process) int32 {
	<-proc.exited
	r.mu.Lock()
	reason := "Completed"
	if proc.exitCode != 0 {
		reason = "Error"
	}
	message := c.killReason
	if message == "" && proc.signal != 0 {
		message = "killed by signal " + proc.signal.String()
	}
	c.state = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode:    proc.exitCode,
		Signal:      int32(proc.signal),
		Reason:      reason,
		Message:     message,
		StartedAt:   metav1.NewTime(proc.startedAt),
		FinishedAt:  metav1.NewTime(proc.finishedAt),
		ContainerID: containerID(proc),
	}}
	c.ready = false
	r.mu.Unlock()
	r.changed()
	return proc.exitCode
}

// startFailed records a process that could not start, as a container
// runtime reports one: terminated with exit code 128 and reason StartError.
func (r *podRun) startFailed(c *container, err error) int32 {
	now := metav1.Now()
	r.mu.Lock()
	c.proc = nil
	c.ready = false
	c.state = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: 128, Reason: "StartError", Message: err.Error(), StartedAt: now, FinishedAt: now,
	}}
	r.mu.Unlock()
	r.changed()
	return 128
}

// backOff waits before the container's next run, showing it as waiting in
// CrashLoopBackOff, and tells whether the pod still runs.
func (r *podRun) backOff(ctx context.Context, c *container) bool {
	b := r.p.cfg.Backoff
	r.mu.Lock()
	if t := c.state.Terminated; t != nil && t.FinishedAt.Sub(t.StartedAt.Time) >= b.Reset {
		c.backoff = 0
	}
	if c.backoff == 0 {
		c.backoff = b.Initial
	} else {
		c.backoff = min(2*c.backoff, b.Max)
	}
	delay := c.backoff
	c.last = c.state
	c.state = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
		Reason:  "CrashLoopBackOff",
		Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", delay, c.name, r.pod.Name, r.pod.Namespace, r.uid),
	}}
	r.mu.Unlock()
	r.changed()
	if !sleep(ctx, delay) {
		return false
	}
	r.mu.Lock()
	c.restartCount++
	r.mu.Unlock()
	return true
}

// restartNow counts a restart without a backoff, for a new image.
func (r *podRun) restartNow(c *container) {
	r.mu.Lock()
	c.last = c.state
	c.restartCount++
	r.mu.Unlock()
}

// kill stops the container's current run for a failed liveness or startup
// probe; supervise then restarts it as the restart policy says.
func (r *podRun) kill(c *container, proc *process, reason string) {
	r.mu.Lock()
	if c.proc != proc {
		r.mu.Unlock()
		return
	}
	c.killReason = reason
	spec := r.specLocked(c)
	grace := podGrace(r.pod)
	r.mu.Unlock()
	r.runPreStopSpec(spec, c)
	proc.stop(grace)
}

// runPreStop runs the container's preStop exec hook, if any, bounded by
// the pod's deadline.
func (r *podRun) runPreStop(c *container) {
	r.mu.Lock()
	spec := r.specLocked(c)
	r.mu.Unlock()
	r.runPreStopSpec(spec, c)
}

func (r *podRun) runPreStopSpec(spec *corev1.Container, c *container) {
	if spec == nil || spec.Lifecycle == nil || spec.Lifecycle.PreStop == nil || spec.Lifecycle.PreStop.Exec == nil {
		return
	}
	r.mu.Lock()
	ec := c.exec
	deadline := r.deadline
	if !r.terminating {
		deadline = time.Now().Add(podGrace(r.pod))
	}
	r.mu.Unlock()
	if ec == nil {
		return
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	_, _ = runCommand(ctx, ec, spec.Lifecycle.PreStop.Exec.Command, nil, nil, nil)
}

func containerID(proc *process) string {
	return "vkubelet://" + strconv.Itoa(proc.pid)
}

// lookPath finds a command as the container would, in its PATH (rewritten
// like every variable), which falls back to vkubelet's own.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		if _, err := os.Stat(name); err != nil {
			return "", fmt.Errorf("exec: %q: %w", name, err)
		}
		return name, nil
	}
	pathEnv, _ := envLookup(env, "PATH")
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("exec: %q: executable file not found in $PATH", name)
}

func openLog(logDir, container string, run int32) (*os.File, error) {
	dir := filepath.Join(logDir, container)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(filepath.Join(dir, strconv.Itoa(int(run))+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
}

func logPath(logDir, container string, run int32) string {
	return filepath.Join(logDir, container, strconv.Itoa(int(run))+".log")
}
