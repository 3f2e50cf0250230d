package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaconfig"
	"github.com/streamplane/streamplane/poll"
)

// Start makes a broker's pod, or adopts the one there, and waits until its
// broker container runs. The pod starts with the configuration Configure
// wrote last; a pod being deleted is waited out first, and a pod that has
// ended is replaced.
func (p *Provisioner) Start(ctx context.Context, inst *streamplane.Instance, b *streamplane.Broker) (streamplane.Process, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.StartTimeout)
	defer cancel()
	pods := p.client.CoreV1().Pods(p.namespace(inst))
	name := podName(b.ID)
	cur, err := pods.Get(ctx, name, metav1.GetOptions{})
	switch {
	case err == nil:
		gone, err := p.makeWay(ctx, cur)
		if err != nil {
			return streamplane.Process{}, err
		}
		if !gone {
			return p.waitContainerRunning(ctx, cur.Namespace, name, containerName)
		}
	case !apierrors.IsNotFound(err):
		return streamplane.Process{}, fmt.Errorf("kubernetes: read pod %s: %w", name, err)
	}
	pod, err := p.desiredPod(ctx, inst, b)
	if err != nil {
		return streamplane.Process{}, err
	}
	if err := p.applyClaim(ctx, inst, b.ID); err != nil {
		return streamplane.Process{}, err
	}
	if _, err := p.apply(ctx, pod); err != nil {
		return streamplane.Process{}, err
	}
	p.log.Info("broker pod created", "instance", inst.Name, "node", b.ID, "namespace", pod.Namespace, "image", pod.Spec.Containers[0].Image)
	return p.waitContainerRunning(ctx, pod.Namespace, name, containerName)
}

// makeWay clears the way for a new pod in place of cur: it waits out a
// pod being deleted, and deletes one that has ended (evicted, say), which
// never runs again whatever its restart policy, while no controller owns
// Streamplane's pods to replace it. It reports whether cur is gone; if
// not, cur is the pod to adopt.
func (p *Provisioner) makeWay(ctx context.Context, cur *corev1.Pod) (gone bool, err error) {
	if cur.DeletionTimestamp == nil && !ended(cur) {
		return false, nil
	}
	if cur.DeletionTimestamp == nil {
		p.log.Warn("replacing a pod that ended", "namespace", cur.Namespace, "pod", cur.Name, "reason", cur.Status.Reason, "message", cur.Status.Message)
		err := p.client.CoreV1().Pods(cur.Namespace).Delete(ctx, cur.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &cur.UID}})
		if ignoreNotFound(err) != nil && !apierrors.IsConflict(err) {
			return false, fmt.Errorf("kubernetes: delete pod %s/%s: %w", cur.Namespace, cur.Name, err)
		}
	}
	return true, p.waitPodGone(ctx, cur.Namespace, cur.Name, cur.UID)
}

// desiredPod is the broker's pod as its stored configuration has it.
func (p *Provisioner) desiredPod(ctx context.Context, inst *streamplane.Instance, b *streamplane.Broker) (*corev1.Pod, error) {
	secret, err := p.client.CoreV1().Secrets(p.namespace(inst)).Get(ctx, brokerSecret(b.ID), metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("kubernetes: read broker %d's configuration: %w", b.ID, err)
	}
	return p.podFromSecret(inst, b, secret)
}

// podFromSecret is the broker's pod for the configuration in its Secret:
// the pod binds the listeners server.properties names.
func (p *Provisioner) podFromSecret(inst *streamplane.Instance, b *streamplane.Broker, secret *corev1.Secret) (*corev1.Pod, error) {
	decoded, err := kafkaconfig.Decode(string(secret.Data[serverProperties]))
	if err != nil {
		return nil, fmt.Errorf("kubernetes: broker %d's configuration: %w", b.ID, err)
	}
	props := &kafkaconfig.Properties{}
	if listeners, ok := decoded["listeners"]; ok {
		props.Set("listeners", listeners)
	}
	rt, err := release(inst.BrokerVersion(b))
	if err != nil {
		return nil, err
	}
	return p.podObject(inst, b, props, rt)
}

// waitContainerRunning waits until the pod's container runs, and fails at
// once on what will not pass by itself (an image that cannot be pulled); a
// pod that cannot be scheduled yet is waited on, its reason in the error.
func (p *Provisioner) waitContainerRunning(ctx context.Context, namespace, name, container string) (streamplane.Process, error) {
	var proc streamplane.Process
	pods := p.client.CoreV1().Pods(namespace)
	err := poll.Until(ctx, 250*time.Millisecond, 0, func(ctx context.Context) error {
		pod, err := pods.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("pod %s: %w", name, err)
		}
		if started, ok := containerRunning(pod, container); ok {
			proc = streamplane.Process{StartedAt: started}
			return nil
		}
		if why := stuck(pod); why != "" {
			return poll.Stop(fmt.Errorf("kubernetes: pod %s/%s cannot start: %s", namespace, name, why))
		}
		return fmt.Errorf("pod %s is %s%s", name, pod.Status.Phase, conditionNote(pod))
	})
	if err != nil && ctx.Err() != nil {
		return proc, fmt.Errorf("kubernetes: pod %s/%s did not start within %s: %w", namespace, name, p.cfg.StartTimeout, err)
	}
	return proc, err
}

// containerRunning reports whether the pod's container runs, and since when.
func containerRunning(pod *corev1.Pod, container string) (time.Time, bool) {
	if pod.DeletionTimestamp != nil || pod.Status.Phase != corev1.PodRunning {
		return time.Time{}, false
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name == container && cs.State.Running != nil {
			return cs.State.Running.StartedAt.Time, true
		}
	}
	return time.Time{}, false
}

// ended reports whether a pod has stopped for good (evicted, say): its
// containers never run again.
func ended(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodSucceeded
}

// stuck names what keeps a pod from starting that waiting will not mend.
// crashLoopRestarts is how many restarts of a crashing container stuck
// waits out before it gives up on the pod.
const crashLoopRestarts = 3

func stuck(pod *corev1.Pod) string {
	if ended(pod) {
		return fmt.Sprintf("it has ended (%s): %s %s", pod.Status.Phase, pod.Status.Reason, pod.Status.Message)
	}
	for _, cs := range append(append([]corev1.ContainerStatus(nil), pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...) {
		if w := cs.State.Waiting; w != nil {
			switch w.Reason {
			case "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError":
				return fmt.Sprintf("container %s: %s: %s", cs.Name, w.Reason, w.Message)
			case "CrashLoopBackOff":
				// The kubelet keeps restarting it, but a broker that
				// failed to start three times will not start by waiting:
				// say why, rather than hold the caller (the supervisor
				// checks every instance in turn) for the whole timeout.
				if cs.RestartCount >= crashLoopRestarts {
					why := ""
					if t := cs.LastTerminationState.Terminated; t != nil {
						why = fmt.Sprintf(" (last exit %d: %s)", t.ExitCode, strings.TrimSpace(t.Reason+" "+t.Message))
					}
					return fmt.Sprintf("container %s keeps crashing: %d restarts%s", cs.Name, cs.RestartCount, why)
				}
			}
		}
	}
	return ""
}

// Stop deletes the broker's pod with graceful as its grace period (Kafka's
// controlled shutdown runs on SIGTERM), and waits until the kubelet has
// ended its containers and the pod is gone.
func (p *Provisioner) Stop(ctx context.Context, inst *streamplane.Instance, b *streamplane.Broker, graceful time.Duration) error {
	return p.deletePod(ctx, p.namespace(inst), podName(b.ID), graceful)
}

// deletePod deletes a pod with graceful as its grace period and waits
// until it is gone.
func (p *Provisioner) deletePod(ctx context.Context, namespace, name string, graceful time.Duration) error {
	pods := p.client.CoreV1().Pods(namespace)
	cur, err := pods.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kubernetes: read pod %s: %w", name, err)
	}
	// Zero would have the API server drop the pod at once, before the
	// kubelet has stopped its containers: one second asks for SIGKILL soon.
	grace := max(int64(graceful/time.Second), 1)
	err = pods.Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &grace, Preconditions: &metav1.Preconditions{UID: &cur.UID}})
	if ignoreNotFound(err) != nil && !apierrors.IsConflict(err) {
		return fmt.Errorf("kubernetes: delete pod %s: %w", name, err)
	}
	wait, cancel := context.WithTimeout(ctx, graceful+2*time.Minute)
	defer cancel()
	return p.waitPodGone(wait, namespace, name, cur.UID)
}

// waitPodGone waits until the pod with uid no longer exists.
func (p *Provisioner) waitPodGone(ctx context.Context, namespace, name string, uid types.UID) error {
	pods := p.client.CoreV1().Pods(namespace)
	err := poll.Until(ctx, 250*time.Millisecond, 0, func(ctx context.Context) error {
		pod, err := pods.Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			return nil
		case err != nil:
			return err
		case pod.UID != uid:
			return nil
		}
		return fmt.Errorf("pod %s is terminating", name)
	})
	if err != nil {
		return fmt.Errorf("kubernetes: pod %s/%s is still there: %w", namespace, name, err)
	}
	return nil
}

// Inspect reports whether the broker's container runs, from the watch's
// cache: the supervisor asks often.
func (p *Provisioner) Inspect(inst *streamplane.Instance, b *streamplane.Broker) (streamplane.Process, bool) {
	if p.pods == nil {
		return streamplane.Process{}, false
	}
	pod, err := p.pods.Pods(p.namespace(inst)).Get(podName(b.ID))
	if err != nil {
		return streamplane.Process{}, false
	}
	started, ok := containerRunning(pod, containerName)
	return streamplane.Process{StartedAt: started}, ok
}

// Destroy deletes the instance's namespace and waits until Kubernetes has
// deleted everything in it: pods (their brokers stopped), volume claims
// and their volumes (per the storage class's reclaim policy), Secrets,
// Services.
func (p *Provisioner) Destroy(ctx context.Context, inst *streamplane.Instance) error {
	ns := p.namespace(inst)
	namespaces := p.client.CoreV1().Namespaces()
	err := namespaces.Delete(ctx, ns, metav1.DeleteOptions{})
	if ignoreNotFound(err) != nil {
		return fmt.Errorf("kubernetes: delete namespace %s: %w", ns, err)
	}
	err = poll.Until(ctx, 500*time.Millisecond, 0, func(ctx context.Context) error {
		_, err := namespaces.Get(ctx, ns, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("namespace %s is terminating", ns)
	})
	if err != nil {
		return fmt.Errorf("kubernetes: namespace %s is still being deleted: %w", ns, err)
	}
	return nil
}

// Forget deletes a broker scaled in: its pod first (its broker stopped),
// then its volume, configuration and public Service.
func (p *Provisioner) Forget(ctx context.Context, inst *streamplane.Instance, b *streamplane.Broker) error {
	if err := p.Stop(ctx, inst, b, 0); err != nil {
		return err
	}
	ns, core := p.namespace(inst), p.client.CoreV1()
	deletes := []struct {
		what string
		del  func() error
	}{
		{"PersistentVolumeClaim " + dataClaim(b.ID), func() error {
			return core.PersistentVolumeClaims(ns).Delete(ctx, dataClaim(b.ID), metav1.DeleteOptions{})
		}},
		{"Secret " + brokerSecret(b.ID), func() error { return core.Secrets(ns).Delete(ctx, brokerSecret(b.ID), metav1.DeleteOptions{}) }},
		{"Secret " + brokerTLSSecret(b.ID), func() error { return core.Secrets(ns).Delete(ctx, brokerTLSSecret(b.ID), metav1.DeleteOptions{}) }},
		{"ConfigMap " + brokerConfigMap(b.ID), func() error {
			return core.ConfigMaps(ns).Delete(ctx, brokerConfigMap(b.ID), metav1.DeleteOptions{})
		}},
		{"Service " + publicServiceName(b.ID), func() error {
			return core.Services(ns).Delete(ctx, publicServiceName(b.ID), metav1.DeleteOptions{})
		}},
	}
	for _, d := range deletes {
		if err := ignoreNotFound(d.del()); err != nil {
			return fmt.Errorf("kubernetes: delete %s: %w", d.what, err)
		}
	}
	return nil
}

// Logs returns the last lines of the broker container's output (its log:
// brokers in pods log to stdout).
func (p *Provisioner) Logs(ctx context.Context, inst *streamplane.Instance, b *streamplane.Broker, lines int) (string, error) {
	out, err := p.podLog(ctx, p.namespace(inst), podName(b.ID), containerName, lines)
	if apierrors.IsNotFound(err) {
		return "", streamplane.Errorf(streamplane.ENOTFOUND, "broker %d of %s has no pod", b.ID, inst.Name)
	}
	return out, err
}

// podLog returns the last lines of a container's output, at most 4 MiB.
// A missing pod is the API's NotFound error, for the caller to name.
func (p *Provisioner) podLog(ctx context.Context, namespace, pod, container string, lines int) (string, error) {
	n := int64(lines)
	stream, err := p.client.CoreV1().Pods(namespace).GetLogs(pod, &corev1.PodLogOptions{Container: container, TailLines: &n}).Stream(ctx)
	if apierrors.IsNotFound(err) {
		return "", err
	}
	if err != nil {
		return "", fmt.Errorf("kubernetes: read the log of pod %s: %w", pod, err)
	}
	defer stream.Close()
	var out strings.Builder
	if _, err := io.Copy(&out, io.LimitReader(stream, 4<<20)); err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return out.String(), nil
}

// conditionNote is why a pending pod waits, as its conditions say
// (unschedulable, unbound volume claims), for the wait's error.
func conditionNote(pod *corev1.Pod) string {
	for _, c := range pod.Status.Conditions {
		if c.Status == corev1.ConditionFalse && c.Message != "" {
			return fmt.Sprintf(" (%s: %s)", c.Type, c.Message)
		}
	}
	return ""
}
