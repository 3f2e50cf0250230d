package kubetest

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// component is one running program of the cluster, in a process group of
// its own so that Stop reaches anything it started.
type component struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd has exited; then err is set
	err     error
}

// stopGrace is how long a component gets to stop on SIGTERM before SIGKILL.
const stopGrace = 10 * time.Second

// start runs binDir/name with args, its output appended to dir/name.log and,
// when log is not nil, copied there line by line prefixed with its name.
func start(binDir, dir, name string, log io.Writer, args ...string) (*component, error) {
	logPath := filepath.Join(dir, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("kubetest: %w", err)
	}
	var out io.Writer = f
	var prefixed *prefixWriter
	if log != nil {
		prefixed = &prefixWriter{w: log, prefix: "[" + name + "] "}
		out = io.MultiWriter(f, prefixed)
	}
	cmd := exec.Command(filepath.Join(binDir, name), args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid: true,
		// If the test process dies without calling Stop (killed, or a
		// timeout's panic), the component dies with it.
		Pdeathsig: syscall.SIGKILL,
	}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("kubetest: start %s: %w", name, err)
	}
	c := &component{name: name, logPath: logPath, cmd: cmd, exited: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		f.Close()
		if prefixed != nil {
			prefixed.flush()
		}
		close(c.exited)
	}()
	return c, nil
}

// running says nil while the component runs, else how it ended with the end
// of its log: for a wait to give up at once on a component that died.
func (c *component) running() error {
	select {
	case <-c.exited:
		return fmt.Errorf("kubetest: %s exited (%v); the end of %s:\n%s", c.name, c.err, c.logPath, c.tail(20))
	default:
		return nil
	}
}

// stop ends the component's process group, politely first, and waits.
func (c *component) stop() {
	pgid := c.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(stopGrace):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-c.exited
	}
}

// tail is the last n lines of the component's log.
func (c *component) tail(n int) string {
	data, err := os.ReadFile(c.logPath)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// logHas says whether the component's log contains s.
func (c *component) logHas(s string) bool {
	data, err := os.ReadFile(c.logPath)
	return err == nil && bytes.Contains(data, []byte(s))
}

// prefixWriter writes whole lines, each prefixed, so that the output of
// several components stays readable when interleaved.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		line := append([]byte(p.prefix), p.buf[:i+1]...)
		p.buf = p.buf[i+1:]
		if _, err := p.w.Write(line); err != nil {
			// A broken log must not stop the component: drop it.
			p.w = io.Discard
		}
	}
	return len(b), nil
}

func (p *prefixWriter) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.buf) > 0 {
		p.w.Write(append([]byte(p.prefix), append(p.buf, '\n')...))
		p.buf = nil
	}
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
