package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/streamplane/streamplane/kubetest"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
)

// TestMain lets the test binary be a pod's program: with VKUBELET_HELPER=
// listen it writes the file MARKER names (if set), prints a line, listens
// on LISTEN_ADDR and accepts until killed.
func TestMain(m *testing.M) {
	if os.Getenv("VKUBELET_HELPER") == "listen" {
		if marker := os.Getenv("MARKER"); marker != "" {
			if err := os.WriteFile(marker, []byte("here\n"), 0o644); err != nil {
				fmt.Println("marker:", err)
				os.Exit(2)
			}
		}
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

// TestAgainstAPIServer runs two vkubelet nodes against a real control
// plane (package kubetest, binaries in $KUBE_BIN_DIR). The nodes register
// Ready with their zones. A pod scheduled to one runs as a local process
// on its own address, becomes Ready by its TCP probe, serves pods/log
// through the API server, and resolves through the hosts files of both
// nodes. A pod on the other node mounts a claim the controller manager
// bound. A deleted pod is gone from the API server only once its process
// has ended, and a stopped vkubelet takes its pods' processes with it.
func TestAgainstAPIServer(t *testing.T) {
	// STREAMPLANE_KUBE_BIN is what kubetest.BinDir honours.
	binDir := cmp.Or(os.Getenv("KUBE_BIN_DIR"), os.Getenv("STREAMPLANE_KUBE_BIN"))
	if binDir == "" {
		t.Skip("KUBE_BIN_DIR is not set: it names the directory of kube-apiserver, kube-controller-manager, kube-scheduler and etcd (scripts/kube-bins.sh prints it)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cluster, err := kubetest.Start(ctx, kubetest.Options{BinDir: binDir})
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Stop()
	client := newTestClient(t, cluster.Kubeconfig())

	bin := filepath.Join(t.TempDir(), "vkubelet")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	nodeA := startNode(t, cluster, bin, "node-a", "zone-a")
	defer nodeA.stop()
	nodeB := startNode(t, cluster, bin, "node-b", "zone-b")
	defer nodeB.stop()

	for _, n := range []*testNode{nodeA, nodeB} {
		node := waitFor(t, ctx, 60*time.Second, func() (*corev1.Node, error) {
			node, err := client.CoreV1().Nodes().Get(ctx, n.name, metav1.GetOptions{})
			if err != nil {
				return nil, err
			}
			for _, c := range node.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
					return node, nil
				}
			}
			return nil, fmt.Errorf("node not Ready: %+v", node.Status.Conditions)
		})
		if node.Labels["topology.kubernetes.io/zone"] != n.zone || node.Labels["kubernetes.io/hostname"] != n.name {
			t.Errorf("%s: labels %v", n.name, node.Labels)
		}
		if got := node.Status.DaemonEndpoints.KubeletEndpoint.Port; got != int32(n.port) {
			t.Errorf("%s: kubelet port %d, want %d", n.name, got, n.port)
		}
		if len(node.Status.Addresses) != 1 || node.Status.Addresses[0].Address != "127.0.0.1" {
			t.Errorf("%s: addresses %+v", n.name, node.Status.Addresses)
		}
	}

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings"}, Data: map[string]string{"port": "9000"}}
	if _, err := client.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "brokers"},
		Spec: corev1.ServiceSpec{
			ClusterIP: corev1.ClusterIPNone, PublishNotReadyAddresses: true,
			Selector: map[string]string{"app": "listener"},
			Ports:    []corev1.ServicePort{{Name: "plain", Port: 9000}},
		},
	}
	if _, err := client.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// listener makes a pod of the helper listening on its own address,
	// placed in a zone by the scheduler.
	listener := func(name, zone string) *corev1.Pod {
		grace := int64(30)
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "listener"}},
			Spec: corev1.PodSpec{
				Hostname: name, Subdomain: "brokers",
				NodeSelector:                  map[string]string{"topology.kubernetes.io/zone": zone},
				TerminationGracePeriodSeconds: &grace,
				Containers: []corev1.Container{{
					Name: "main", Image: "helper:1", Command: []string{exe},
					Env: []corev1.EnvVar{
						{Name: "VKUBELET_HELPER", Value: "listen"},
						{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
						{Name: "PORT", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}, Key: "port"}}},
						{Name: "LISTEN_ADDR", Value: "$(POD_IP):$(PORT)"},
					},
					Ports: []corev1.ContainerPort{{Name: "plain", ContainerPort: 9000}},
					ReadinessProbe: &corev1.Probe{
						ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("plain")}},
						PeriodSeconds: 1,
					},
				}},
			},
		}
	}
	ready := func(name string) *corev1.Pod {
		return waitFor(t, ctx, 60*time.Second, func() (*corev1.Pod, error) {
			p, err := client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return nil, err
			}
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
					return p, nil
				}
			}
			return nil, fmt.Errorf("%s not Ready: phase %s node %q %+v", name, p.Status.Phase, p.Spec.NodeName, p.Status.ContainerStatuses)
		})
	}

	if _, err := client.CoreV1().Pods("default").Create(ctx, listener("listener-0", "zone-a"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	running := ready("listener-0")
	ip := running.Status.PodIP
	if _, podNet, _ := net.ParseCIDR("127.64.0.0/10"); !podNet.Contains(net.ParseIP(ip)) || running.Status.HostIP != "127.0.0.1" {
		t.Errorf("podIP %s hostIP %s", ip, running.Status.HostIP)
	}
	if running.Spec.NodeName != "node-a" {
		t.Errorf("scheduled to %q, want node-a (zone-a)", running.Spec.NodeName)
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(ip, "9000"), 5*time.Second)
	if err != nil {
		t.Fatalf("the pod's process does not listen on its address: %v", err)
	}
	conn.Close()

	// pods/log goes from the API server to vkubelet's kubelet API.
	logs, err := client.CoreV1().Pods("default").GetLogs("listener-0", &corev1.PodLogOptions{}).DoRaw(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := "listening on " + ip + ":9000"; !strings.Contains(string(logs), want) {
		t.Errorf("pods/log %q, want %q", logs, want)
	}

	// Both nodes' hosts files name the pod and the headless Service.
	for _, n := range []*testNode{nodeA, nodeB} {
		n.hostsHave(t, ctx,
			ip+" listener-0.brokers.default.svc.cluster.local listener-0.brokers.default.svc",
			ip+" brokers.default.svc.cluster.local brokers.default.svc")
	}

	// A pod on the other node, with a claim the PV controller binds to a
	// hostPath volume: node-a's hosts file names it too.
	pvDir := filepath.Join(t.TempDir(), "pv-1")
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: "pv-1"},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:               corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			AccessModes:            []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: pvDir}},
		},
	}
	if _, err := client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	empty := ""
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data-listener-1"},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: &empty,
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}
	if _, err := client.CoreV1().PersistentVolumeClaims("default").Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	peer := listener("listener-1", "zone-b")
	peer.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
		PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data-listener-1"},
	}}}
	peer.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/var/lib/data"}}
	peer.Spec.Containers[0].Env = append(peer.Spec.Containers[0].Env, corev1.EnvVar{Name: "MARKER", Value: "/var/lib/data/marker"})
	if _, err := client.CoreV1().Pods("default").Create(ctx, peer, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	peerIP := ready("listener-1").Status.PodIP
	if peerIP == ip {
		t.Errorf("two pods share %s", ip)
	}
	if _, err := os.Stat(filepath.Join(pvDir, "marker")); err != nil {
		t.Errorf("the claim's volume is not the PV's path: %v", err)
	}
	nodeA.hostsHave(t, ctx, peerIP+" listener-1.brokers.default.svc.cluster.local listener-1.brokers.default.svc")

	// Deletion: the pod leaves the API server once its process has ended,
	// not 30 s (its grace period) later.
	pid := 0
	fmt.Sscanf(running.Status.ContainerStatuses[0].ContainerID, "vkubelet://%d", &pid)
	if pid == 0 || !processAlive(pid) {
		t.Fatalf("no live process behind %q", running.Status.ContainerStatuses[0].ContainerID)
	}
	start := time.Now()
	if err := client.CoreV1().Pods("default").Delete(ctx, "listener-0", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, 20*time.Second, func() (bool, error) {
		_, err := client.CoreV1().Pods("default").Get(ctx, "listener-0", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, fmt.Errorf("pod still there: %v", err)
	})
	if processAlive(pid) {
		t.Error("the pod is gone from the API server but its process runs")
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("deletion took %s", took)
	}
	for _, n := range []*testNode{nodeA, nodeB} {
		waitFor(t, ctx, 10*time.Second, func() (bool, error) {
			data, _ := os.ReadFile(n.hosts())
			if strings.Contains(string(data), "listener-0") {
				return false, fmt.Errorf("deleted pod still in %s's hosts file:\n%s", n.name, data)
			}
			return true, nil
		})
	}

	// A process that ignores SIGTERM: the pod stays in the API server
	// until SIGKILL ends it, when its grace period runs out.
	grace := int64(3)
	stubborn := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "stubborn"},
		Spec: corev1.PodSpec{
			NodeSelector:                  map[string]string{"kubernetes.io/hostname": "node-a"},
			TerminationGracePeriodSeconds: &grace,
			Containers: []corev1.Container{{
				Name: "main", Image: "helper:1",
				Command: []string{"sh", "-c", "trap '' TERM; echo trapped; while :; do sleep 0.2; done"},
			}},
		},
	}
	if _, err := client.CoreV1().Pods("default").Create(ctx, stubborn, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	stubbornPID := waitFor(t, ctx, 60*time.Second, func() (int, error) {
		logs, err := client.CoreV1().Pods("default").GetLogs("stubborn", &corev1.PodLogOptions{}).DoRaw(ctx)
		if err != nil || !strings.Contains(string(logs), "trapped") {
			return 0, fmt.Errorf("trap not set: %q %v", logs, err)
		}
		p, err := client.CoreV1().Pods("default").Get(ctx, "stubborn", metav1.GetOptions{})
		if err != nil {
			return 0, err
		}
		pid := 0
		fmt.Sscanf(p.Status.ContainerStatuses[0].ContainerID, "vkubelet://%d", &pid)
		if pid == 0 {
			return 0, fmt.Errorf("no process yet: %+v", p.Status.ContainerStatuses[0])
		}
		return pid, nil
	})
	start = time.Now()
	if err := client.CoreV1().Pods("default").Delete(ctx, "stubborn", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, 20*time.Second, func() (bool, error) {
		_, err := client.CoreV1().Pods("default").Get(ctx, "stubborn", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, fmt.Errorf("pod still there: %v", err)
	})
	if took := time.Since(start); took < 3*time.Second || took > 12*time.Second {
		t.Errorf("a pod ignoring SIGTERM with a 3 s grace period was gone after %s", took)
	}
	if processAlive(stubbornPID) {
		t.Error("the stubborn pod is gone from the API server but its process runs")
	}

	// A pod still running when vkubelet stops ends with it.
	second := waitFor(t, ctx, 10*time.Second, func() (int, error) {
		p, err := client.CoreV1().Pods("default").Get(ctx, "listener-1", metav1.GetOptions{})
		if err != nil {
			return 0, err
		}
		pid := 0
		fmt.Sscanf(p.Status.ContainerStatuses[0].ContainerID, "vkubelet://%d", &pid)
		if pid == 0 {
			return 0, fmt.Errorf("no process: %+v", p.Status.ContainerStatuses[0])
		}
		return pid, nil
	})
	if err := nodeB.stopWithin(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	if processAlive(second) {
		t.Error("a pod's process outlived vkubelet")
	}
}

// A testNode is a vkubelet process registered as one node.
type testNode struct {
	name, zone, root string
	port             int
	cmd              *exec.Cmd
	done             chan struct{}
	err              error
	log              bytes.Buffer
	t                *testing.T
}

// startNode starts vkubelet as node name, under the node's own identity,
// with the admin's for the hosts file.
func startNode(t *testing.T, cluster *kubetest.Cluster, bin, name, zone string) *testNode {
	t.Helper()
	kubeconfig, err := cluster.NodeKubeconfig(name)
	if err != nil {
		t.Fatal(err)
	}
	n := &testNode{name: name, zone: zone, root: t.TempDir(), port: freePort(t), done: make(chan struct{}), t: t}
	n.cmd = exec.Command(bin, "--kubeconfig", kubeconfig, "--dns-kubeconfig", cluster.Kubeconfig(),
		"--node-name", name, "--zone", zone, "--root", n.root, "--listen", "127.0.0.1:"+strconv.Itoa(n.port),
		"--image", "helper:1")
	n.cmd.Stdout, n.cmd.Stderr = &n.log, &n.log
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		n.err = n.cmd.Wait()
		close(n.done)
	}()
	return n
}

func (n *testNode) hosts() string { return filepath.Join(n.root, "hosts") }

// hostsHave waits until the node's hosts file has every line.
func (n *testNode) hostsHave(t *testing.T, ctx context.Context, lines ...string) {
	t.Helper()
	waitFor(t, ctx, 10*time.Second, func() (bool, error) {
		data, err := os.ReadFile(n.hosts())
		for _, want := range lines {
			if !strings.Contains(string(data), want+"\n") {
				return false, fmt.Errorf("no %q in %s's hosts file: %v\n%s", want, n.name, err, data)
			}
		}
		return true, nil
	})
}

// stopWithin sends SIGTERM and waits for vkubelet to exit.
func (n *testNode) stopWithin(d time.Duration) error {
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
		return nil
	case <-time.After(d):
		return fmt.Errorf("%s did not stop within %s of SIGTERM", n.name, d)
	}
}

// stop stops vkubelet, and shows its log if the test failed.
func (n *testNode) stop() {
	if err := n.stopWithin(time.Minute); err != nil {
		n.cmd.Process.Kill()
		<-n.done
	}
	if n.t.Failed() {
		n.t.Logf("%s's log:\n%s", n.name, n.log.String())
	}
}

func newTestClient(t *testing.T, kubeconfig string) kubernetes.Interface {
	t.Helper()
	c, err := newClient(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitFor calls check every 200 ms until it returns no error, and fails the
// test with its last error after timeout.
func waitFor[T any](t *testing.T, ctx context.Context, timeout time.Duration, check func() (T, error)) T {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		v, err := check()
		if err == nil {
			return v
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("timed out after %s: %v", timeout, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// processAlive tells whether pid runs (a zombie does not).
func processAlive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}
