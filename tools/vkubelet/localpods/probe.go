package localpods

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// runProbes runs a container's probes for one run of its process, until
// ctx ends: the startup probe first, then readiness and liveness side by
// side. A container without a readiness probe is ready once started.
func (r *podRun) runProbes(ctx context.Context, c *container, proc *process) {
	r.mu.Lock()
	spec := r.specLocked(c)
	ec := c.exec
	r.mu.Unlock()
	if spec == nil || ec == nil {
		return
	}
	if spec.StartupProbe != nil {
		passed := false
		watchProbe(ctx, spec.StartupProbe, func(ctx context.Context) error {
			return r.probe(ctx, spec, spec.StartupProbe, ec)
		}, func(ok bool, msg string) bool {
			if !ok {
				go r.kill(c, proc, "startup probe failed: "+msg)
				return true
			}
			r.mu.Lock()
			c.started = true
			r.mu.Unlock()
			r.changed()
			passed = true
			return true
		})
		if !passed {
			return
		}
	}
	if spec.ReadinessProbe == nil {
		r.mu.Lock()
		c.ready = c.proc == proc && c.state.Running != nil
		r.mu.Unlock()
		r.changed()
	} else {
		go watchProbe(ctx, spec.ReadinessProbe, func(ctx context.Context) error {
			return r.probe(ctx, spec, spec.ReadinessProbe, ec)
		}, func(ok bool, _ string) bool {
			r.mu.Lock()
			changed := c.proc == proc && c.ready != ok
			if changed {
				c.ready = ok
			}
			r.mu.Unlock()
			if changed {
				r.changed()
			}
			return false
		})
	}
	if spec.LivenessProbe != nil {
		go watchProbe(ctx, spec.LivenessProbe, func(ctx context.Context) error {
			return r.probe(ctx, spec, spec.LivenessProbe, ec)
		}, func(ok bool, msg string) bool {
			if ok {
				return false
			}
			go r.kill(c, proc, "liveness probe failed: "+msg)
			return true
		})
	}
}

// watchProbe runs check after the probe's initial delay and then every
// period, and calls verdict when successThreshold checks in a row passed or
// failureThreshold in a row failed; it stops when verdict returns true.
func watchProbe(ctx context.Context, pr *corev1.Probe, check func(context.Context) error, verdict func(ok bool, msg string) bool) {
	period := seconds(pr.PeriodSeconds, 10)
	timeout := seconds(pr.TimeoutSeconds, 1)
	successThreshold := max(pr.SuccessThreshold, 1)
	failureThreshold := max(pr.FailureThreshold, 1)
	if pr.FailureThreshold == 0 {
		failureThreshold = 3
	}
	if !sleep(ctx, time.Duration(pr.InitialDelaySeconds)*time.Second) {
		return
	}
	var successes, failures int32
	for {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		err := check(cctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			successes++
			failures = 0
			if successes >= successThreshold && verdict(true, "") {
				return
			}
		} else {
			failures++
			successes = 0
			if failures >= failureThreshold && verdict(false, err.Error()) {
				return
			}
		}
		if !sleep(ctx, period) {
			return
		}
	}
}

func seconds(n int32, fallback int32) time.Duration {
	if n <= 0 {
		n = fallback
	}
	return time.Duration(n) * time.Second
}

// probe runs one check of a probe: tcpSocket and httpGet against the pod's
// address (or the probe's host), exec in the container's context.
func (r *podRun) probe(ctx context.Context, spec *corev1.Container, pr *corev1.Probe, ec *execContext) error {
	switch {
	case pr.TCPSocket != nil:
		port, err := probePort(spec, pr.TCPSocket.Port)
		if err != nil {
			return err
		}
		host := pr.TCPSocket.Host
		if host == "" {
			host = r.ip
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return err
		}
		return conn.Close()
	case pr.HTTPGet != nil:
		return r.httpProbe(ctx, spec, pr.HTTPGet)
	case pr.Exec != nil:
		out, err := runCommand(ctx, ec, pr.Exec.Command, nil, nil, nil)
		if err != nil {
			return fmt.Errorf("%w: %s", err, strings.TrimSpace(out))
		}
		return nil
	case pr.GRPC != nil:
		return fmt.Errorf("grpc probes are not supported by vkubelet")
	}
	return fmt.Errorf("probe has no handler")
}

func (r *podRun) httpProbe(ctx context.Context, spec *corev1.Container, g *corev1.HTTPGetAction) error {
	port, err := probePort(spec, g.Port)
	if err != nil {
		return err
	}
	host := g.Host
	if host == "" {
		host = r.ip
	}
	scheme := strings.ToLower(string(g.Scheme))
	if scheme == "" {
		scheme = "http"
	}
	path := g.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+net.JoinHostPort(host, strconv.Itoa(port))+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "kube-probe/vkubelet")
	for _, h := range g.HTTPHeaders {
		if strings.EqualFold(h.Name, "Host") {
			req.Host = h.Value
		} else {
			req.Header.Add(h.Name, h.Value)
		}
	}
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, // as the kubelet's probes
		DisableKeepAlives: true,
	}}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 10<<10))
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("HTTP probe failed with statuscode: %d", resp.StatusCode)
	}
	return nil
}

// probePort resolves a probe's port, a number or the name of a container port.
func probePort(spec *corev1.Container, port intstr.IntOrString) (int, error) {
	if port.Type == intstr.Int {
		return port.IntValue(), nil
	}
	for _, p := range spec.Ports {
		if p.Name == port.StrVal {
			return int(p.ContainerPort), nil
		}
	}
	if n, err := strconv.Atoi(port.StrVal); err == nil {
		return n, nil
	}
	return 0, fmt.Errorf("container %s has no port named %q", spec.Name, port.StrVal)
}

// runCommand runs a command in a container's context (its environment,
// rewritten paths and working directory) in a process group of its own,
// killed when ctx ends. Without stdout it returns what the command wrote
// (the first 10 KiB).
func runCommand(ctx context.Context, ec *execContext, command []string, stdin io.Reader, stdout, stderr io.Writer) (string, error) {
	if len(command) == 0 {
		return "", fmt.Errorf("empty command")
	}
	argv := make([]string, len(command))
	for i, a := range command {
		argv[i] = ec.rw.rewrite(a)
	}
	path, err := lookPath(argv[0], ec.env)
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env = ec.env
	cmd.Dir = ec.workDir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	var out bytes.Buffer
	capture := &limitedWriter{w: &out, n: 10 << 10}
	cmd.Stdin = stdin
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if stdout == nil {
		cmd.Stdout = capture
	}
	if stderr == nil {
		cmd.Stderr = capture
	}
	err = cmd.Run()
	if err == nil {
		// The command is done: end what it left behind, as its own exit
		// would end a container's exec session.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	return out.String(), err
}

// limitedWriter keeps the first n bytes and drops the rest.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}
