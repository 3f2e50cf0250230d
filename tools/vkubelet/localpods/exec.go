package localpods

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"

	dto "github.com/prometheus/client_model/go"
	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	"github.com/virtual-kubelet/virtual-kubelet/node/api"
	statsv1alpha1 "k8s.io/kubelet/pkg/apis/stats/v1alpha1"
)

// RunInContainer serves `kubectl exec`: the command runs as a process
// with the container's environment, rewritten paths and working directory.
// A TTY is not given; the command runs without one.
func (p *Provider) RunInContainer(ctx context.Context, namespace, podName, containerName string, cmd []string, attach api.AttachIO) error {
	r := p.run(namespace, podName)
	if r == nil {
		return errdefs.NotFoundf("pod %s/%s is not on this node", namespace, podName)
	}
	r.mu.Lock()
	var ec *execContext
	for _, c := range r.containers {
		if c.name == containerName && c.state.Running != nil {
			ec = c.exec
		}
	}
	r.mu.Unlock()
	if ec == nil {
		return errdefs.InvalidInputf("container %s of pod %s/%s is not running", containerName, namespace, podName)
	}
	var stdin io.Reader
	if attach.Stdin() != nil {
		stdin = attach.Stdin()
	}
	stdout, stderr := io.Writer(io.Discard), io.Writer(io.Discard)
	if attach.Stdout() != nil {
		stdout = attach.Stdout()
	}
	if attach.Stderr() != nil {
		stderr = attach.Stderr()
	}
	_, err := runCommand(ctx, ec, cmd, stdin, stdout, stderr)
	return err
}

// AttachToContainer is not supported: a process's output goes to its log
// file only.
func (p *Provider) AttachToContainer(context.Context, string, string, string, api.AttachIO) error {
	return fmt.Errorf("attach is not supported by vkubelet: use logs --follow")
}

// PortForward serves `kubectl port-forward` by connecting to the port on
// the pod's address.
func (p *Provider) PortForward(ctx context.Context, namespace, podName string, port int32, stream io.ReadWriteCloser) error {
	defer stream.Close()
	r := p.run(namespace, podName)
	if r == nil {
		return errdefs.NotFoundf("pod %s/%s is not on this node", namespace, podName)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(r.ip, strconv.Itoa(int(port))))
	if err != nil {
		return err
	}
	defer conn.Close()
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(conn, stream); done <- struct{}{} }()
	go func() { _, _ = io.Copy(stream, conn); done <- struct{}{} }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	return nil
}

// GetStatsSummary reports no usage: vkubelet does not measure its processes.
func (p *Provider) GetStatsSummary(context.Context) (*statsv1alpha1.Summary, error) {
	return &statsv1alpha1.Summary{}, nil
}

// GetMetricsResource reports no metrics, for the same reason.
func (p *Provider) GetMetricsResource(context.Context) ([]*dto.MetricFamily, error) {
	return nil, nil
}
