package localpods

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/node/api"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// deleting marks the pod deleted with a grace period, as the API server
// does before the node sees the deletion.
func deleting(pod *corev1.Pod, grace int64) *corev1.Pod {
	pod = pod.DeepCopy()
	now := metav1.Now()
	pod.DeletionTimestamp = &now
	pod.DeletionGracePeriodSeconds = &grace
	return pod
}

func apiOpts() api.ContainerLogOpts { return api.ContainerLogOpts{} }

func logs(t *testing.T, n *testNode, pod, container string, opts api.ContainerLogOpts) string {
	t.Helper()
	out, err := tryLogs(n, pod, container, opts)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func tryLogs(n *testNode, pod, container string, opts api.ContainerLogOpts) (string, error) {
	rc, err := n.p.GetContainerLogs(context.Background(), "default", pod, container, opts)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	return string(data), err
}

// logsAre waits until a container's log is want.
func logsAre(t *testing.T, n *testNode, pod, container string, opts api.ContainerLogOpts, want string) {
	t.Helper()
	waitFor(t, 10*time.Second, func() error {
		got, err := tryLogs(n, pod, container, opts)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("logs %q, want %q", got, want)
		}
		return nil
	})
}

func TestPodRunsAndDeleteKillsIt(t *testing.T) {
	n := newTestNode(t)
	pod := n.create(shPod("hello", "echo hi; sleep 1000"))

	st := n.waitStatus("hello", 10*time.Second, phaseIs(corev1.PodRunning))
	cs := st.Status.ContainerStatuses[0]
	if cs.State.Running == nil || !cs.Ready || cs.Started == nil || !*cs.Started {
		t.Fatalf("container not running and ready: %s", describe(st))
	}
	if condition(st, corev1.PodReady) != corev1.ConditionTrue || condition(st, corev1.ContainersReady) != corev1.ConditionTrue {
		t.Errorf("Ready/ContainersReady not true: %+v", st.Status.Conditions)
	}
	if !strings.HasPrefix(st.Status.PodIP, "127.") || st.Status.PodIP == "127.0.0.1" || st.Status.HostIP != "127.0.0.1" {
		t.Errorf("podIP %q hostIP %q", st.Status.PodIP, st.Status.HostIP)
	}
	if len(st.Status.PodIPs) != 1 || st.Status.PodIPs[0].IP != st.Status.PodIP {
		t.Errorf("podIPs %+v", st.Status.PodIPs)
	}
	logsAre(t, n, "hello", "main", api.ContainerLogOpts{}, "hi\n")
	sh := pidOf(t, cs)
	if !alive(sh) {
		t.Fatal("the container's process is not running")
	}
	// sleep, the shell's child, is in the same process group.
	var children []int
	waitFor(t, 5*time.Second, func() error {
		children = groupMembers(procRecord{PID: sh, Start: procStartTime(sh)})
		if len(children) < 2 {
			return fmt.Errorf("group %d has %v", sh, children)
		}
		return nil
	})

	start := time.Now()
	if err := n.p.DeletePod(context.Background(), deleting(pod, 30)); err != nil {
		t.Fatal(err)
	}
	// DeletePod returns once the processes are gone; sh dies of SIGTERM at once.
	for _, pid := range children {
		if alive(pid) {
			t.Errorf("process %d still alive after DeletePod", pid)
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("DeletePod took %s for a process that ends on SIGTERM", d)
	}
	final := n.waitStatus("hello", 5*time.Second, func(p *corev1.Pod) error {
		if t := p.Status.ContainerStatuses[0].State.Terminated; t == nil || t.ExitCode != 128+int32(syscall.SIGTERM) {
			return fmt.Errorf("not terminated by SIGTERM: %s", describe(p))
		}
		return nil
	})
	if final.Status.Phase != corev1.PodFailed || condition(final, corev1.PodReady) != corev1.ConditionFalse {
		t.Errorf("final phase %s ready %s", final.Status.Phase, condition(final, corev1.PodReady))
	}
	if _, err := n.p.GetPod(context.Background(), "default", "hello"); err == nil {
		t.Error("the provider still has the pod")
	}
	// The node deleted the pod from the API server, as the kubelet does.
	if _, err := n.client.CoreV1().Pods("default").Get(context.Background(), "hello", metav1.GetOptions{}); err == nil {
		t.Error("the pod is still in the API server")
	}
}

func TestDeleteKillsAfterGrace(t *testing.T) {
	n := newTestNode(t)
	pod := n.create(shPod("stubborn", "trap '' TERM; echo ready; while :; do sleep 0.1; done"))
	st := n.waitStatus("stubborn", 10*time.Second, phaseIs(corev1.PodRunning))
	pid := pidOf(t, st.Status.ContainerStatuses[0])
	logsAre(t, n, "stubborn", "main", api.ContainerLogOpts{}, "ready\n")
	start := time.Now()
	deleted := make(chan error, 1)
	go func() { deleted <- n.p.DeletePod(context.Background(), deleting(pod, 1)) }()
	// While it stops, the pod is no longer Ready: Services drop it.
	n.waitStatus("stubborn", time.Second, func(p *corev1.Pod) error {
		if condition(p, corev1.PodReady) != corev1.ConditionFalse {
			return fmt.Errorf("still Ready while terminating")
		}
		return nil
	})
	if !alive(pid) {
		t.Error("the process ended before its grace period")
	}
	if err := <-deleted; err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	if took < time.Second || took > 5*time.Second {
		t.Errorf("DeletePod took %s, want about the 1 s grace period", took)
	}
	if alive(pid) {
		t.Error("the process survived SIGKILL")
	}
	n.waitStatus("stubborn", 5*time.Second, func(p *corev1.Pod) error {
		if t := p.Status.ContainerStatuses[0].State.Terminated; t == nil || t.ExitCode != 137 {
			return fmt.Errorf("not killed: %s", describe(p))
		}
		return nil
	})
}

func TestRestartBackoff(t *testing.T) {
	n := newTestNode(t)
	stamps := filepath.Join(t.TempDir(), "starts")
	n.create(shPod("crash", "date +%s.%N >> "+stamps+"; echo run; exit 3"))

	st := n.waitStatus("crash", 15*time.Second, func(p *corev1.Pod) error {
		if rc := p.Status.ContainerStatuses[0].RestartCount; rc < 4 {
			return fmt.Errorf("restartCount %d", rc)
		}
		return nil
	})
	cs := st.Status.ContainerStatuses[0]
	if last := cs.LastTerminationState.Terminated; last == nil || last.ExitCode != 3 || last.Reason != "Error" {
		t.Errorf("lastState %+v", cs.LastTerminationState)
	}
	n.waitStatus("crash", 5*time.Second, func(p *corev1.Pod) error {
		w := p.Status.ContainerStatuses[0].State.Waiting
		if w == nil || w.Reason != "CrashLoopBackOff" || !strings.Contains(w.Message, "back-off") {
			return fmt.Errorf("not in CrashLoopBackOff: %s", describe(p))
		}
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		return nil
	})
	// Start times: 200 ms, 400 ms, 800 ms, 800 ms apart (the test's backoff).
	data, err := os.ReadFile(stamps)
	if err != nil {
		t.Fatal(err)
	}
	var times []float64
	for _, l := range strings.Fields(string(data)) {
		f, _ := strconv.ParseFloat(l, 64)
		times = append(times, f)
	}
	want := []float64{0.2, 0.4, 0.8, 0.8}
	for i := 0; i < len(want) && i+1 < len(times); i++ {
		gap := times[i+1] - times[i]
		if gap < want[i] || gap > want[i]+0.7 {
			t.Errorf("restart %d came %.2fs after the run before, want %.1fs", i+1, gap, want[i])
		}
	}
	if got := logs(t, n, "crash", "main", api.ContainerLogOpts{Previous: true}); got != "run\n" {
		t.Errorf("previous logs %q", got)
	}
}

func TestRestartPolicies(t *testing.T) {
	n := newTestNode(t)
	never := shPod("never", "exit 4")
	never.Spec.RestartPolicy = corev1.RestartPolicyNever
	n.create(never)
	onFailure := shPod("onfailure-ok", "exit 0")
	onFailure.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
	n.create(onFailure)

	st := n.waitStatus("never", 10*time.Second, phaseIs(corev1.PodFailed))
	if cs := st.Status.ContainerStatuses[0]; cs.RestartCount != 0 || cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 4 {
		t.Errorf("never: %s", describe(st))
	}
	st = n.waitStatus("onfailure-ok", 10*time.Second, phaseIs(corev1.PodSucceeded))
	if cs := st.Status.ContainerStatuses[0]; cs.RestartCount != 0 || cs.State.Terminated.Reason != "Completed" {
		t.Errorf("onfailure: %s", describe(st))
	}
}

func TestReadinessByTCP(t *testing.T) {
	n := newTestNode(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	pod := shPod("listener", "")
	pod.Spec.Containers[0].Command = []string{exe}
	pod.Spec.Containers[0].Env = []corev1.EnvVar{
		{Name: "LOCALPODS_HELPER", Value: "listen"},
		{Name: "LISTEN_DELAY", Value: "1500ms"},
		{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
		{Name: "LISTEN_ADDR", Value: "$(POD_IP):9000"},
	}
	pod.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "plain", ContainerPort: 9000}}
	pod.Spec.Containers[0].ReadinessProbe = &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("plain")}},
		PeriodSeconds: 1, FailureThreshold: 3, SuccessThreshold: 1, TimeoutSeconds: 1,
	}
	n.create(pod)

	// Running but not ready while nothing listens.
	st := n.waitStatus("listener", 10*time.Second, phaseIs(corev1.PodRunning))
	if st.Status.ContainerStatuses[0].Ready || condition(st, corev1.PodReady) == corev1.ConditionTrue {
		t.Errorf("ready before it listens: %s", describe(st))
	}
	st = n.waitStatus("listener", 10*time.Second, func(p *corev1.Pod) error {
		if condition(p, corev1.PodReady) != corev1.ConditionTrue || !p.Status.ContainerStatuses[0].Ready {
			return fmt.Errorf("not ready: %s", describe(p))
		}
		return nil
	})
	out := logs(t, n, "listener", "main", api.ContainerLogOpts{})
	if want := "listening on " + st.Status.PodIP + ":9000"; !strings.Contains(out, want) {
		t.Errorf("logs %q, want %q", out, want)
	}
}

func TestLivenessRestarts(t *testing.T) {
	n := newTestNode(t)
	pod := shPod("live", "sleep 1000")
	pod.Spec.Volumes = []corev1.Volume{{Name: "work", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	mount := []corev1.VolumeMount{{Name: "work", MountPath: "/work"}}
	pod.Spec.Containers[0].VolumeMounts = mount
	pod.Spec.InitContainers = []corev1.Container{{Name: "touch", Image: "busybox", Command: []string{"touch", "/work/alive"}, VolumeMounts: mount}}
	pod.Spec.Containers[0].LivenessProbe = &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"sh", "-c", "test -f /work/alive"}}},
		PeriodSeconds: 1, FailureThreshold: 1, SuccessThreshold: 1, TimeoutSeconds: 1,
	}
	n.create(pod)
	n.waitStatus("live", 10*time.Second, func(p *corev1.Pod) error {
		if !p.Status.ContainerStatuses[0].Ready {
			return fmt.Errorf("not ready: %s", describe(p))
		}
		return nil
	})
	// The emptyDir is where /work points.
	alive := filepath.Join(n.p.run("default", "live").dir, "volumes", "work", "alive")
	waitFor(t, 5*time.Second, func() error { _, err := os.Stat(alive); return err })
	time.Sleep(1500 * time.Millisecond) // a few probes pass: no restart
	if st := n.status("live"); st.Status.ContainerStatuses[0].RestartCount != 0 {
		t.Fatalf("restarted while alive: %s; last %+v", describe(st), st.Status.ContainerStatuses[0].LastTerminationState.Terminated)
	}
	if err := os.Remove(alive); err != nil {
		t.Fatal(err)
	}
	st := n.waitStatus("live", 15*time.Second, func(p *corev1.Pod) error {
		cs := p.Status.ContainerStatuses[0]
		if last := cs.LastTerminationState.Terminated; cs.RestartCount < 1 || last == nil {
			return fmt.Errorf("not restarted: %s", describe(p))
		}
		return nil
	})
	last := st.Status.ContainerStatuses[0].LastTerminationState.Terminated
	if !strings.Contains(last.Message, "liveness probe failed") || last.ExitCode != 128+int32(syscall.SIGTERM) {
		t.Errorf("lastState %+v", last)
	}
	// Alive again: the next run stays.
	if err := os.WriteFile(alive, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	n.waitStatus("live", 15*time.Second, func(p *corev1.Pod) error {
		if cs := p.Status.ContainerStatuses[0]; cs.State.Running == nil || !cs.Ready {
			return fmt.Errorf("not running: %s", describe(p))
		}
		return nil
	})
}

func TestInitContainers(t *testing.T) {
	n := newTestNode(t)
	pod := shPod("init", "cat /shared/greeting; sleep 1000")
	pod.Spec.Volumes = []corev1.Volume{{Name: "shared", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	mount := []corev1.VolumeMount{{Name: "shared", MountPath: "/shared"}}
	pod.Spec.Containers[0].VolumeMounts = mount
	pod.Spec.InitContainers = []corev1.Container{
		{Name: "first", Image: "busybox", Command: []string{"sh", "-c", "echo hello > /shared/greeting"}, VolumeMounts: mount},
		{Name: "second", Image: "busybox", Command: []string{"sh", "-c", "echo ' world' >> /shared/greeting"}, VolumeMounts: mount},
	}
	n.create(pod)
	st := n.waitStatus("init", 10*time.Second, phaseIs(corev1.PodRunning))
	for _, cs := range st.Status.InitContainerStatuses {
		if cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 0 {
			t.Errorf("init container %s: %+v", cs.Name, cs.State)
		}
	}
	if condition(st, corev1.PodInitialized) != corev1.ConditionTrue {
		t.Error("not Initialized")
	}
	logsAre(t, n, "init", "main", api.ContainerLogOpts{}, "hello\n world\n")

	// A failing init container keeps the pod from its containers.
	bad := shPod("badinit", "sleep 1000")
	bad.Spec.InitContainers = []corev1.Container{{Name: "fail", Image: "busybox", Command: []string{"sh", "-c", "exit 1"}}}
	n.create(bad)
	st = n.waitStatus("badinit", 10*time.Second, func(p *corev1.Pod) error {
		ics := p.Status.InitContainerStatuses[0]
		if ics.RestartCount < 2 || ics.State.Waiting == nil || ics.State.Waiting.Reason != "CrashLoopBackOff" {
			return fmt.Errorf("%s", describe(p))
		}
		return nil
	})
	if st.Status.Phase != corev1.PodPending || condition(st, corev1.PodInitialized) != corev1.ConditionFalse {
		t.Errorf("phase %s initialized %s", st.Status.Phase, condition(st, corev1.PodInitialized))
	}
	if w := st.Status.ContainerStatuses[0].State.Waiting; w == nil || w.Reason != "PodInitializing" {
		t.Errorf("main container: %+v", st.Status.ContainerStatuses[0].State)
	}
}

func TestUnknownImage(t *testing.T) {
	n := newTestNode(t)
	pod := shPod("pull", "true")
	pod.Spec.Containers[0].Image = "registry.example/unknown:1"
	n.create(pod)
	st := n.waitStatus("pull", 5*time.Second, func(p *corev1.Pod) error {
		w := p.Status.ContainerStatuses[0].State.Waiting
		if w == nil || w.Reason != "ErrImagePull" {
			return fmt.Errorf("%s", describe(p))
		}
		return nil
	})
	msg := st.Status.ContainerStatuses[0].State.Waiting.Message
	if !strings.Contains(msg, "registry.example/unknown:1") || !strings.Contains(msg, "--image") {
		t.Errorf("message %q does not say what to do", msg)
	}
	if st.Status.Phase != corev1.PodPending {
		t.Errorf("phase %s", st.Status.Phase)
	}
}

func TestImagePathsAndWorkingDir(t *testing.T) {
	image := t.TempDir()
	if err := os.MkdirAll(filepath.Join(image, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho \"tool $1 in $(pwd)\"\nsleep 1000\n"
	if err := os.WriteFile(filepath.Join(image, "bin", "tool"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	n := newTestNode(t)
	n.p.cfg.Images = append(n.p.cfg.Images, ImagePath{Image: "tools:1", Path: "/opt/tools", Dir: image})
	pod := shPod("tool", "")
	pod.Spec.Containers[0].Image = "tools:1"
	pod.Spec.Containers[0].Command = []string{"/opt/tools/bin/tool"}
	pod.Spec.Containers[0].Args = []string{"--home=/opt/tools"}
	pod.Spec.Containers[0].WorkingDir = "/opt/tools/bin"
	n.create(pod)
	n.waitStatus("tool", 10*time.Second, phaseIs(corev1.PodRunning))
	logsAre(t, n, "tool", "main", api.ContainerLogOpts{}, fmt.Sprintf("tool --home=%s in %s\n", image, filepath.Join(image, "bin")))

	// A command that does not exist fails like a runtime's StartError.
	missing := shPod("missing", "")
	missing.Spec.Containers[0].Command = []string{"no-such-program-vkubelet"}
	missing.Spec.RestartPolicy = corev1.RestartPolicyNever
	n.create(missing)
	st := n.waitStatus("missing", 5*time.Second, phaseIs(corev1.PodFailed))
	if term := st.Status.ContainerStatuses[0].State.Terminated; term.Reason != "StartError" || !strings.Contains(term.Message, "no-such-program-vkubelet") {
		t.Errorf("terminated %+v", term)
	}
}

func TestLogsTail(t *testing.T) {
	n := newTestNode(t)
	n.create(shPod("chatty", "for i in 1 2 3 4 5; do echo line$i; done; sleep 1000"))
	logsAre(t, n, "chatty", "main", api.ContainerLogOpts{Tail: 2}, "line4\nline5\n")
	if got := logs(t, n, "chatty", "main", api.ContainerLogOpts{Tail: 10}); got != "line1\nline2\nline3\nline4\nline5\n" {
		t.Errorf("tail 10: %q", got)
	}
	if got := logs(t, n, "chatty", "main", api.ContainerLogOpts{LimitBytes: 8}); got != "line1\nli" {
		t.Errorf("limit 8: %q", got)
	}
	if _, err := n.p.GetContainerLogs(context.Background(), "default", "chatty", "main", api.ContainerLogOpts{Previous: true}); err == nil {
		t.Error("previous logs of a container that never restarted")
	}
}

func TestSamePodNameSameIP(t *testing.T) {
	n := newTestNode(t)
	first := n.create(shPod("stable", "sleep 1000"))
	ip := n.waitStatus("stable", 10*time.Second, phaseIs(corev1.PodRunning)).Status.PodIP
	other := n.create(shPod("neighbour", "sleep 1000"))
	if got := n.waitStatus("neighbour", 10*time.Second, phaseIs(corev1.PodRunning)).Status.PodIP; got == ip {
		t.Errorf("two pods share %s", ip)
	}
	if err := n.p.DeletePod(context.Background(), deleting(first, 1)); err != nil {
		t.Fatal(err)
	}
	n.create(shPod("stable", "sleep 1000"))
	n.waitStatus("stable", 10*time.Second, func(p *corev1.Pod) error {
		if p.UID == first.UID {
			return fmt.Errorf("old pod's status")
		}
		if p.Status.PodIP != ip {
			return fmt.Errorf("the new pod got %s, the old one had %s", p.Status.PodIP, ip)
		}
		return phaseIs(corev1.PodRunning)(p)
	})
	_ = other
}

func TestLeftoversKilledOnStart(t *testing.T) {
	root := t.TempDir()
	n := newTestNodeAt(t, root)
	pod := shPod("orphan", "sleep 1000")
	pod.Spec.RestartPolicy = corev1.RestartPolicyNever
	n.create(pod)
	st := n.waitStatus("orphan", 10*time.Second, phaseIs(corev1.PodRunning))
	pid := pidOf(t, st.Status.ContainerStatuses[0])

	// A new vkubelet on the same root, as after a crash of the first: the
	// old processes go before it runs anything.
	newTestNodeAt(t, root)
	if alive(pid) {
		t.Errorf("process %d of the previous run still alive", pid)
	}
}
