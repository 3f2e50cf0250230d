package main

import (
	"bytes"
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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
)

// TestMain lets the test binary be a pod's program: with VKUBELET_HELPER=
// listen it prints a line, listens on LISTEN_ADDR and accepts until killed.
func TestMain(m *testing.M) {
	if os.Getenv("VKUBELET_HELPER") == "listen" {
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

// TestAgainstAPIServer runs vkubelet against a real control plane (package
// kubetest, binaries in $KUBE_BIN_DIR): the node registers Ready, a pod is
// scheduled to it, runs as a local process on its own address, becomes
// Ready by its TCP probe, serves pods/log through the API server, resolves
// through the hosts file, and is gone from the API server only once its
// process has ended.
func TestAgainstAPIServer(t *testing.T) {
	binDir := os.Getenv("KUBE_BIN_DIR")
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

	// vkubelet as the node's own identity, the hosts file fed as admin.
	bin := filepath.Join(t.TempDir(), "vkubelet")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	nodeKubeconfig, err := cluster.NodeKubeconfig("node-a")
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	root := t.TempDir()
	var log bytes.Buffer
	vk := exec.Command(bin, "--kubeconfig", nodeKubeconfig, "--dns-kubeconfig", cluster.Kubeconfig(),
		"--node-name", "node-a", "--zone", "zone-a", "--root", root, "--listen", "127.0.0.1:"+strconv.Itoa(port),
		"--image", "helper:1")
	vk.Stdout, vk.Stderr = &log, &log
	if err := vk.Start(); err != nil {
		t.Fatal(err)
	}
	vkDone := make(chan error, 1)
	go func() { vkDone <- vk.Wait() }()
	defer func() {
		vk.Process.Signal(syscall.SIGTERM)
		<-vkDone
		if t.Failed() {
			t.Logf("vkubelet's log:\n%s", log.String())
		}
	}()

	node := waitFor(t, ctx, 60*time.Second, func() (*corev1.Node, error) {
		n, err := client.CoreV1().Nodes().Get(ctx, "node-a", metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				return n, nil
			}
		}
		return nil, fmt.Errorf("node not Ready: %+v", n.Status.Conditions)
	})
	if node.Labels["topology.kubernetes.io/zone"] != "zone-a" || node.Labels["kubernetes.io/hostname"] != "node-a" {
		t.Errorf("labels %v", node.Labels)
	}
	if got := node.Status.DaemonEndpoints.KubeletEndpoint.Port; got != int32(port) {
		t.Errorf("kubelet port %d, want %d", got, port)
	}
	if len(node.Status.Addresses) != 1 || node.Status.Addresses[0].Address != "127.0.0.1" {
		t.Errorf("addresses %+v", node.Status.Addresses)
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
	grace := int64(30)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "listener-0", Labels: map[string]string{"app": "listener"}},
		Spec: corev1.PodSpec{
			Hostname: "listener-0", Subdomain: "brokers",
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
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	running := waitFor(t, ctx, 60*time.Second, func() (*corev1.Pod, error) {
		p, err := client.CoreV1().Pods("default").Get(ctx, "listener-0", metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				return p, nil
			}
		}
		return nil, fmt.Errorf("pod not Ready: phase %s node %q %+v", p.Status.Phase, p.Spec.NodeName, p.Status.ContainerStatuses)
	})
	ip := running.Status.PodIP
	if _, podNet, _ := net.ParseCIDR("127.64.0.0/10"); !podNet.Contains(net.ParseIP(ip)) || running.Status.HostIP != "127.0.0.1" {
		t.Errorf("podIP %s hostIP %s", ip, running.Status.HostIP)
	}
	if running.Spec.NodeName != "node-a" {
		t.Errorf("scheduled to %q", running.Spec.NodeName)
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

	// The hosts file names the pod and the headless Service.
	hosts := filepath.Join(root, "hosts")
	waitFor(t, ctx, 10*time.Second, func() (string, error) {
		data, err := os.ReadFile(hosts)
		for _, want := range []string{
			ip + " listener-0.brokers.default.svc.cluster.local listener-0.brokers.default.svc",
			ip + " brokers.default.svc.cluster.local brokers.default.svc",
		} {
			if !strings.Contains(string(data), want+"\n") {
				return "", fmt.Errorf("no %q in %s: %v\n%s", want, hosts, err, data)
			}
		}
		return "", nil
	})

	// Deletion: the pod leaves the API server once its process has ended,
	// not 30 s (its grace period) later.
	pid := 0
	fmt.Sscanf(running.Status.ContainerStatuses[0].ContainerID, "vkubelet://%d", &pid)
	if pid == 0 || syscall.Kill(pid, 0) != nil {
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
	waitFor(t, ctx, 10*time.Second, func() (bool, error) {
		data, _ := os.ReadFile(hosts)
		if strings.Contains(string(data), "listener-0") {
			return false, fmt.Errorf("deleted pod still in the hosts file:\n%s", data)
		}
		return true, nil
	})

	// A pod still running when vkubelet stops ends with it.
	pod.ResourceVersion = ""
	pod.Name = "listener-1"
	pod.Spec.Hostname = "listener-1"
	if _, err := client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	second := waitFor(t, ctx, 60*time.Second, func() (int, error) {
		p, err := client.CoreV1().Pods("default").Get(ctx, "listener-1", metav1.GetOptions{})
		if err != nil {
			return 0, err
		}
		if len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].State.Running == nil {
			return 0, fmt.Errorf("not running: %+v", p.Status)
		}
		pid := 0
		fmt.Sscanf(p.Status.ContainerStatuses[0].ContainerID, "vkubelet://%d", &pid)
		return pid, nil
	})
	vk.Process.Signal(syscall.SIGTERM)
	select {
	case <-vkDone:
		vkDone <- nil // for the deferred wait
	case <-time.After(30 * time.Second):
		t.Fatal("vkubelet did not stop within 30 s of SIGTERM")
	}
	if processAlive(second) {
		t.Error("a pod's process outlived vkubelet")
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
