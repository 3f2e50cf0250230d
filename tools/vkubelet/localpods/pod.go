package localpods

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// A podRun is one pod on this node, from CreatePod until its processes
// have ended and DeletePod forgot it.
type podRun struct {
	p         *Provider
	key       string
	namespace string
	uid       types.UID
	ip        string
	dir       string // volumes and working directories
	logDir    string

	ctx    context.Context // ends when the pod is to stop
	cancel context.CancelFunc
	done   chan struct{} // closed when no process of the pod runs any more
	kick   chan struct{} // the status changed

	mu           sync.Mutex
	pod          *corev1.Pod // the latest from the API server
	startTime    metav1.Time
	volumesReady bool
	initialized  bool
	failed       bool // an init container failed under restartPolicy Never
	conditions   []corev1.PodCondition
	containers   []*container // init containers, then the others
	terminating  bool
	deadline     time.Time     // SIGKILL time once terminating
	shortened    chan struct{} // closed when the deadline moves earlier
}

func newPodRun(p *Provider, pod *corev1.Pod, ip string) *podRun {
	ctx, cancel := context.WithCancel(context.Background())
	base := fmt.Sprintf("%s_%s_%s", pod.Namespace, pod.Name, pod.UID)
	r := &podRun{
		p:         p,
		key:       pod.Namespace + "/" + pod.Name,
		namespace: pod.Namespace,
		uid:       pod.UID,
		ip:        ip,
		dir:       filepath.Join(p.podsDir, base),
		logDir:    filepath.Join(p.logsDir, base),
		ctx:       ctx,
		cancel:    cancel,
		done:      make(chan struct{}),
		kick:      make(chan struct{}, 1),
		pod:       pod.DeepCopy(),
		startTime: metav1.Now(),
		shortened: make(chan struct{}),
	}
	for _, c := range pod.Spec.InitContainers {
		r.containers = append(r.containers, newContainer(c, true))
	}
	for _, c := range pod.Spec.Containers {
		r.containers = append(r.containers, newContainer(c, false))
	}
	return r
}

func (r *podRun) currentPod() *corev1.Pod {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pod
}

// update takes a newer version of the pod. A container whose image changed
// is restarted, as the kubelet restarts a container whose spec changed.
func (r *podRun) update(pod *corev1.Pod) {
	r.mu.Lock()
	r.pod = pod.DeepCopy()
	for _, c := range r.containers {
		spec := r.specLocked(c)
		if spec != nil && spec.Image != c.image && c.proc != nil && !c.proc.done() {
			c.respec = true
			go c.proc.stop(podGrace(pod))
		}
	}
	r.mu.Unlock()
	r.changed()
}

// specLocked returns a container's spec in the latest pod.
func (r *podRun) specLocked(c *container) *corev1.Container {
	list := r.pod.Spec.Containers
	if c.init {
		list = r.pod.Spec.InitContainers
	}
	for i := range list {
		if list[i].Name == c.name {
			return &list[i]
		}
	}
	return nil
}

// changed wakes the notifier, which reports the status as it is then.
func (r *podRun) changed() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// terminate stops the pod: its processes get SIGTERM and, grace later,
// SIGKILL. Called again with a shorter grace, it brings SIGKILL forward, as
// a second `kubectl delete --grace-period` does.
func (r *podRun) terminate(grace time.Duration) {
	r.mu.Lock()
	deadline := time.Now().Add(grace)
	switch {
	case !r.terminating:
		r.terminating = true
		r.deadline = deadline
		r.cancel()
	case deadline.Before(r.deadline):
		r.deadline = deadline
		close(r.shortened)
		r.shortened = make(chan struct{})
	}
	r.mu.Unlock()
	// A terminating pod is not Ready: Services stop naming it at once.
	r.changed()
}

// stopProcess ends a process of the terminating pod at the pod's deadline.
func (r *podRun) stopProcess(proc *process, c *container) {
	r.runPreStop(c)
	proc.signalGroup(syscall.SIGTERM)
	for {
		r.mu.Lock()
		deadline, shortened := r.deadline, r.shortened
		r.mu.Unlock()
		t := time.NewTimer(time.Until(deadline))
		select {
		case <-proc.exited:
			t.Stop()
			return
		case <-t.C:
			proc.signalGroup(syscall.SIGKILL)
			<-proc.exited
			return
		case <-shortened:
			t.Stop()
		}
	}
}

// run is the pod's life: volumes, init containers in order, then the
// containers side by side until they end or the pod is deleted.
func (r *podRun) run() {
	go r.notifier()
	defer close(r.done)
	defer r.changed()
	ctx := r.ctx
	var vols map[string]*volume
	for {
		var err error
		if vols, err = r.setUpVolumes(ctx, r.currentPod()); err == nil {
			break
		}
		r.setWaiting("ContainerCreating", err.Error())
		if !sleep(ctx, time.Second) {
			return
		}
	}
	r.mu.Lock()
	r.volumesReady = true
	r.mu.Unlock()
	r.setWaiting("PodInitializing", "")
	go r.refreshLoop(ctx, vols)

	for _, c := range r.containers {
		if c.init && !r.runInit(ctx, c, vols) {
			return
		}
	}
	r.mu.Lock()
	r.initialized = true
	r.mu.Unlock()
	r.changed()

	var wg sync.WaitGroup
	for _, c := range r.containers {
		if !c.init {
			wg.Go(func() { r.supervise(ctx, c, vols) })
		}
	}
	wg.Wait()
}

// notifier reports the status every time it changes, the last time when
// the pod's processes are gone. One goroutine per pod keeps the reports in
// order.
func (r *podRun) notifier() {
	for {
		select {
		case <-r.kick:
			r.p.send(r.snapshot())
		case <-r.done:
			r.p.send(r.snapshot())
			return
		}
	}
}

// refreshLoop writes ConfigMap, Secret and downward API volumes again when
// their sources change: within a second, where the kubelet takes up to a
// minute or so.
func (r *podRun) refreshLoop(ctx context.Context, vols map[string]*volume) {
	for sleep(ctx, time.Second) {
		r.refreshVolumes(ctx, vols)
	}
}

// setWaiting shows every container that has not started yet as waiting.
func (r *podRun) setWaiting(reason, message string) {
	r.mu.Lock()
	for _, c := range r.containers {
		if c.state.Running == nil && c.state.Terminated == nil && c.restartCount == 0 && c.last.Terminated == nil {
			c.state = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}}
		}
	}
	r.mu.Unlock()
	r.changed()
}

// cleanUp removes the pod's volumes and working directories; its logs stay
// under the root's logs directory.
func (r *podRun) cleanUp() {
	os.RemoveAll(r.dir)
}

// sleep waits d or until ctx ends, and tells whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
