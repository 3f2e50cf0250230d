package localpods

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
)

// TestMain lets the test binary stand in for a container's program: with
// LOCALPODS_HELPER=listen it waits LISTEN_DELAY, listens on LISTEN_ADDR and
// prints what it does.
func TestMain(m *testing.M) {
	if os.Getenv("LOCALPODS_HELPER") == "listen" {
		d, _ := time.ParseDuration(os.Getenv("LISTEN_DELAY"))
		time.Sleep(d)
		l, err := net.Listen("tcp", os.Getenv("LISTEN_ADDR"))
		if err != nil {
			fmt.Println("listen:", err)
			os.Exit(2)
		}
		fmt.Println("listening on", l.Addr())
		for {
			c, err := l.Accept()
			if err != nil {
				os.Exit(1)
			}
			c.Close()
		}
	}
	os.Exit(m.Run())
}

// testNode is a provider on a fake API server, with the statuses it reported.
type testNode struct {
	t      *testing.T
	p      *Provider
	client *fake.Clientset

	mu       sync.Mutex
	statuses map[string]*corev1.Pod
}

func newTestNode(t *testing.T, objects ...runtime.Object) *testNode {
	t.Helper()
	return newTestNodeAt(t, t.TempDir(), objects...)
}

func newTestNodeAt(t *testing.T, root string, objects ...runtime.Object) *testNode {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	client := fake.NewClientset(objects...)
	factory := informers.NewSharedInformerFactory(client, 0)
	p, err := New(ctx, Config{
		Client:   client,
		Pods:     factory.Core().V1().Pods(),
		Services: factory.Core().V1().Services(),
		NodeName: "node-a",
		Root:     root,
		PodCIDR:  "127.64.0.0/10",
		Images: []ImagePath{
			{Image: "busybox"},
			{Image: "kafka:4", Path: "/opt/kafka", Dir: "/srv/kafka-4"},
		},
		Allocatable: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("32"),
			corev1.ResourceMemory: resource.MustParse("128Gi"),
		},
		Backoff: Backoff{Initial: 200 * time.Millisecond, Max: 800 * time.Millisecond, Reset: time.Minute},
	})
	if err != nil {
		t.Fatal(err)
	}
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	n := &testNode{t: t, p: p, client: client, statuses: map[string]*corev1.Pod{}}
	p.NotifyPods(ctx, func(pod *corev1.Pod) {
		n.mu.Lock()
		n.statuses[pod.Namespace+"/"+pod.Name] = pod.DeepCopy()
		n.mu.Unlock()
	})
	t.Cleanup(func() {
		p.Shutdown(time.Second)
		cancel()
		factory.Shutdown()
	})
	return n
}

// status is the last status the provider reported for a pod.
func (n *testNode) status(name string) *corev1.Pod {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.statuses["default/"+name]
}

// create stores the pod in the fake API server (as the scheduler would have
// it) and hands it to the provider.
func (n *testNode) create(pod *corev1.Pod) *corev1.Pod {
	n.t.Helper()
	pod, err := n.client.CoreV1().Pods(pod.Namespace).Create(context.Background(), pod, metav1.CreateOptions{})
	if err != nil {
		n.t.Fatal(err)
	}
	if err := n.p.CreatePod(context.Background(), pod); err != nil {
		n.t.Fatal(err)
	}
	return pod
}

// waitFor checks cond every 50 ms until it returns nil, and fails the test
// with cond's last error after timeout.
func waitFor(t *testing.T, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s: %v", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitStatus waits until the pod's reported status satisfies cond.
func (n *testNode) waitStatus(name string, timeout time.Duration, cond func(*corev1.Pod) error) *corev1.Pod {
	n.t.Helper()
	var last *corev1.Pod
	waitFor(n.t, timeout, func() error {
		last = n.status(name)
		if last == nil {
			return fmt.Errorf("no status reported for %s", name)
		}
		return cond(last)
	})
	return last
}

func phaseIs(phase corev1.PodPhase) func(*corev1.Pod) error {
	return func(p *corev1.Pod) error {
		if p.Status.Phase != phase {
			return fmt.Errorf("phase %s, want %s (%s)", p.Status.Phase, phase, describe(p))
		}
		return nil
	}
}

func condition(p *corev1.Pod, t corev1.PodConditionType) corev1.ConditionStatus {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Status
		}
	}
	return ""
}

// describe summarises container states for failure messages.
func describe(p *corev1.Pod) string {
	var parts []string
	for _, list := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for _, cs := range list {
			s := cs.Name + ":"
			switch {
			case cs.State.Waiting != nil:
				s += "waiting " + cs.State.Waiting.Reason + " " + cs.State.Waiting.Message
			case cs.State.Running != nil:
				s += "running"
			case cs.State.Terminated != nil:
				s += fmt.Sprintf("terminated %d %s", cs.State.Terminated.ExitCode, cs.State.Terminated.Reason)
			}
			parts = append(parts, fmt.Sprintf("%s restarts=%d ready=%v", s, cs.RestartCount, cs.Ready))
		}
	}
	return strings.Join(parts, "; ")
}

var podSerial int

// shPod is a pod of one busybox container running script under sh.
func shPod(name, script string) *corev1.Pod {
	podSerial++
	grace := int64(5)
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "default",
			UID:    types.UID(fmt.Sprintf("uid-%s-%d", name, podSerial)),
			Labels: map[string]string{"app": name},
		},
		Spec: corev1.PodSpec{
			NodeName:                      "node-a",
			RestartPolicy:                 corev1.RestartPolicyAlways,
			TerminationGracePeriodSeconds: &grace,
			Containers: []corev1.Container{{
				Name: "main", Image: "busybox",
				Command: []string{"sh", "-c", script},
			}},
		},
	}
}

// alive tells whether a process exists and is no zombie.
func alive(pid int) bool {
	_, _, ok := procStat(pid)
	return ok && !isZombie(pid)
}

// pidOf reads the pid from a status's containerID.
func pidOf(t *testing.T, cs corev1.ContainerStatus) int {
	t.Helper()
	var pid int
	if _, err := fmt.Sscanf(cs.ContainerID, "vkubelet://%d", &pid); err != nil {
		t.Fatalf("containerID %q: %v", cs.ContainerID, err)
	}
	return pid
}
