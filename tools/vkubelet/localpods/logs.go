package localpods

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	"github.com/virtual-kubelet/virtual-kubelet/node/api"
)

// GetContainerLogs serves `kubectl logs` (the API server's pods/log) from
// the log file of the container's current run, or of the run before with
// Previous. It supports Tail, LimitBytes and Follow; Timestamps, SinceTime
// and SinceSeconds are ignored (the files hold the output as written).
func (p *Provider) GetContainerLogs(ctx context.Context, namespace, podName, containerName string, opts api.ContainerLogOpts) (io.ReadCloser, error) {
	r := p.run(namespace, podName)
	if r == nil {
		return nil, errdefs.NotFoundf("pod %s/%s is not on this node", namespace, podName)
	}
	r.mu.Lock()
	var c *container
	for _, cc := range r.containers {
		if cc.name == containerName {
			c = cc
		}
	}
	if c == nil {
		r.mu.Unlock()
		return nil, errdefs.NotFoundf("container %s is not in pod %s/%s", containerName, namespace, podName)
	}
	run := c.restartCount
	proc := c.proc
	r.mu.Unlock()
	if opts.Previous {
		if run == 0 {
			return nil, errdefs.InvalidInputf("previous terminated container %q in pod %q not found", containerName, podName)
		}
		run--
		proc = nil
	}
	f, err := os.Open(logPath(r.logDir, containerName, run))
	if err != nil {
		if os.IsNotExist(err) {
			return nil, errdefs.InvalidInputf("container %q in pod %q is waiting to start", containerName, podName)
		}
		return nil, err
	}
	if opts.Tail > 0 {
		if err := seekTail(f, opts.Tail); err != nil {
			f.Close()
			return nil, err
		}
	}
	var rc io.ReadCloser = f
	if opts.Follow && proc != nil {
		rc = &followReader{ctx: ctx, f: f, exited: proc.exited}
	}
	if opts.LimitBytes > 0 {
		rc = struct {
			io.Reader
			io.Closer
		}{io.LimitReader(rc, int64(opts.LimitBytes)), rc}
	}
	return rc, nil
}

// seekTail moves f to the start of its last n lines.
func seekTail(f *os.File, n int) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	end := st.Size()
	// A last line without its newline counts as a line too.
	if end > 0 {
		var last [1]byte
		if _, err := f.ReadAt(last[:], end-1); err != nil {
			return err
		}
		if last[0] == '\n' {
			end--
		}
	}
	buf := make([]byte, 32<<10)
	pos := end
	for pos > 0 {
		k := int64(len(buf))
		if pos < k {
			k = pos
		}
		pos -= k
		if _, err := f.ReadAt(buf[:k], pos); err != nil {
			return err
		}
		for i := k - 1; i >= 0; i-- {
			if buf[i] != '\n' {
				continue
			}
			n--
			if n == 0 {
				_, err := f.Seek(pos+i+1, io.SeekStart)
				return err
			}
		}
	}
	_, err = f.Seek(0, io.SeekStart)
	return err
}

// followReader reads a log file as it grows, until the process that
// writes it has exited and everything it wrote is read, or ctx ends.
type followReader struct {
	ctx    context.Context
	f      *os.File
	exited <-chan struct{}
}

func (r *followReader) Read(b []byte) (int, error) {
	for {
		n, err := r.f.Read(b)
		if n > 0 || (err != nil && err != io.EOF) {
			return n, err
		}
		select {
		case <-r.exited:
			// One more read for what it wrote last.
			n, err := r.f.Read(b)
			if n > 0 {
				return n, nil
			}
			if err == nil {
				err = io.EOF
			}
			return 0, err
		case <-r.ctx.Done():
			return 0, io.EOF
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (r *followReader) Close() error { return r.f.Close() }
