package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaplugin"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/streamplane/streamplane/kubetest"
)

// The Kubernetes provisioner end to end. The cluster is real but for its
// nodes: etcd, kube-apiserver, kube-controller-manager and kube-scheduler
// built from the Go module proxy (package kubetest), and three virtual
// nodes, one per zone, whose pods run as local processes
// (tools/vkubelet), with the same command, environment and mounted
// Secrets, ConfigMaps and volumes a kubelet would give them. What a real
// cluster has that this does not: image pulls (the image's paths map to
// the cached runtime), a pod network and kube-proxy (pods get loopback
// addresses, Services do not route), cluster DNS (each node writes a hosts
// file the JVMs and these tests read), and real volumes (the controller
// manager's host-path provisioner makes directories).

// kubeImage is the broker image the server is told to run; the nodes map
// its paths to this machine's runtime and plugin.
const kubeImage = "streamplane/kafka:{version}"

// kubeEnv is the cluster, its nodes and a server on the kubernetes
// provisioner.
type kubeEnv struct {
	cluster *kubetest.Cluster
	server  *Server
	hosts   string   // the first node's hosts file: every pod's DNS name
	roots   []string // the nodes' state directories
}

var (
	kubeOnce   sync.Once
	kubeShared *kubeEnv
	kubeErr    error
)

// kubeEnvironment starts the cluster, its nodes and the server once for
// every test of this file, and stops them when the suite ends.
func kubeEnvironment(t *testing.T) *kubeEnv {
	t.Helper()
	if os.Getenv("STREAMPLANE_SKIP_KUBE") == "1" {
		t.Skip("STREAMPLANE_SKIP_KUBE=1")
	}
	kubeOnce.Do(func() { kubeShared, kubeErr = startKube(t) })
	if kubeErr != nil {
		t.Fatal(kubeErr)
	}
	kubeShared.server.t = t
	return kubeShared
}

// closeKube stops the server, the nodes (and their pods) and the cluster.
func closeKube(failed bool) {
	if kubeShared != nil && kubeShared.server != nil {
		kubeShared.server.t = mainTB{failed: failed}
		kubeShared.server.Close()
	}
	stopCluster()
}

func startKube(t testing.TB) (*kubeEnv, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	bins, err := kubetest.BinDir(ctx)
	if err != nil {
		return nil, fmt.Errorf("kube binaries: %w", err)
	}
	vkubelet, err := buildVKubelet(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(workDir, "kube-")
	if err != nil {
		return nil, err
	}
	cluster, err := kubetest.Start(ctx, kubetest.Options{BinDir: bins, Dir: filepath.Join(dir, "cluster")})
	if err != nil {
		return nil, err
	}
	env := &kubeEnv{cluster: cluster}
	stopCluster = func() {
		for _, root := range env.roots {
			killUnder(root)
		}
		stopNodes()
		cluster.Stop()
	}

	// The broker image's contents: the runtime's jars and the broker
	// plugin, from the caches the other tests' servers use.
	cacheDir, err := os.UserCacheDir()
	if err != nil {
		return nil, err
	}
	runtimeCache := filepath.Join(cacheDir, "streamplane", "kafka")
	// The images of the version the tests run and of the one the upgrade
	// test starts from.
	libs := map[string]string{}
	for _, v := range []string{kafkaVersion, upgradeFrom, upgradeTo} {
		rt, err := (&kafkaruntime.Cache{Dir: runtimeCache}).Install(ctx, v, func(string) {})
		if err != nil {
			return nil, fmt.Errorf("install Kafka %s: %w", v, err)
		}
		libs[v] = rt.LibDir
	}
	jar, err := (&kafkaplugin.Builder{Dir: filepath.Join(cacheDir, "streamplane", "plugins"), MavenRepo: filepath.Join(runtimeCache, "m2")}).Jar(ctx)
	if err != nil {
		return nil, fmt.Errorf("build the broker plugin: %w", err)
	}
	pluginDir := filepath.Join(dir, "plugin") // the one jar: the cache may hold older builds
	if err := os.MkdirAll(pluginDir, 0o755); err != nil {
		return nil, err
	}
	if err := os.Symlink(jar, filepath.Join(pluginDir, filepath.Base(jar))); err != nil {
		return nil, err
	}

	// Three nodes, one per zone, each with its own range of pod addresses.
	for i, zone := range []string{"az1", "az2", "az3"} {
		name := "node-" + zone
		kubeconfig, err := cluster.NodeKubeconfig(name)
		if err != nil {
			return nil, err
		}
		root := filepath.Join(dir, name)
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		args := []string{"--kubeconfig", kubeconfig, "--dns-kubeconfig", cluster.Kubeconfig(), "--node-name", name, "--zone", zone, "--root", root,
			"--listen", fmt.Sprintf("127.0.0.1:%d", port), "--pod-cidr", fmt.Sprintf("127.%d.0.0/16", 64+i)}
		for v, lib := range libs {
			image := strings.ReplaceAll(kubeImage, "{version}", v)
			args = append(args, "--image", image+"=/opt/kafka/libs:"+lib, "--image", image+"=/opt/streamplane/plugin:"+pluginDir)
		}
		if err := startNode(vkubelet, args, filepath.Join(dir, name+".log")); err != nil {
			return nil, err
		}
		env.roots = append(env.roots, root)
	}
	env.hosts = filepath.Join(env.roots[0], "hosts")
	if err := cluster.Do(ctx, "POST", "/apis/storage.k8s.io/v1/storageclasses", map[string]any{
		"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
		"metadata": map[string]any{"name": "hostpath", "annotations": map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}},
		// No allowVolumeExpansion: host-path volumes cannot grow, and
		// Streamplane must say so.
		"provisioner": "kubernetes.io/host-path", "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate",
	}, nil); err != nil {
		return nil, err
	}
	if err := waitNodesReady(ctx, cluster, 3); err != nil {
		return nil, err
	}
	env.server = NewServer(t, ServerOptions{Args: []string{"--provisioner", "kubernetes", "--kubeconfig", cluster.Kubeconfig(),
		"--broker-image", kubeImage, "--namespace-prefix", "spe2e-", "--install-recommended=false",
		"--metrics-interval", metricsInterval.String()}})
	return env, nil
}

// stopCluster stops what startKube started (TestMain calls it).
var stopCluster = func() {}

var (
	nodesMu sync.Mutex
	nodes   []*exec.Cmd
)

// startNode starts one virtual node; it dies with this process.
func startNode(binary string, args []string, logFile string) error {
	log, err := os.Create(logFile)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command(binary, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	nodesMu.Lock()
	nodes = append(nodes, cmd)
	nodesMu.Unlock()
	return nil
}

// stopNodes ends the nodes; each kills its pods' processes on SIGTERM.
func stopNodes() {
	nodesMu.Lock()
	defer nodesMu.Unlock()
	for _, cmd := range nodes {
		cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, cmd := range nodes {
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
	nodes = nil
}

// buildVKubelet builds the virtual node (its own module under tools/).
func buildVKubelet(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "../scripts/vkubelet.sh").Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		return "", fmt.Errorf("build vkubelet: %w\n%s", err, stderr)
	}
	return strings.TrimSpace(string(out)), nil
}

func waitNodesReady(ctx context.Context, cluster *kubetest.Cluster, want int) error {
	for {
		var list struct {
			Items []struct {
				Status struct {
					Conditions []struct{ Type, Status string }
				}
			}
		}
		if err := cluster.Do(ctx, "GET", "/api/v1/nodes", nil, &list); err != nil {
			return err
		}
		ready := 0
		for _, n := range list.Items {
			for _, c := range n.Status.Conditions {
				if c.Type == "Ready" && c.Status == "True" {
					ready++
				}
			}
		}
		if ready >= want {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d nodes ready: %w", ready, want, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// dialer resolves pods' DNS names through the nodes' hosts file, as a
// client in the cluster would through the cluster's DNS.
func (e *kubeEnv) dialer() func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		if ip, ok := lookupHosts(e.hosts, host); ok {
			address = net.JoinHostPort(ip, port)
		}
		var d net.Dialer
		return d.DialContext(ctx, network, address)
	}
}

// lookupHosts finds host in a hosts file.
func lookupHosts(file, host string) (string, bool) {
	f, err := os.Open(file)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		for _, name := range fields[1:] {
			if strings.EqualFold(name, host) {
				return fields[0], true
			}
		}
	}
	return "", false
}

// clientOpts are what a stock client of an instance on this cluster needs.
func (e *kubeEnv) clientOpts() []kgo.Opt { return []kgo.Opt{kgo.Dialer(e.dialer())} }

// saslOpts are saslOpts for this cluster: franz-go takes either its own TLS
// dialing or a dialer, so the dialer speaks TLS itself, verifying the
// broker's certificate for the name dialed, as DialTLSConfig would.
func (e *kubeEnv) saslOpts(pool *x509.CertPool, mechanism, user, password string) []kgo.Opt {
	dial := e.dialer()
	return []kgo.Opt{saslMechanism(mechanism, user, password), kgo.Dialer(func(ctx context.Context, network, address string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		raw, err := dial(ctx, network, address)
		if err != nil {
			return nil, err
		}
		conn := tls.Client(raw, &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12})
		if err := conn.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, err
		}
		return conn, nil
	})}
}

// register has stock clients of inst (kafkaClient) dial through the
// cluster's names.
func (e *kubeEnv) register(inst *streamplane.Instance) {
	instanceClientOpts.Store(inst.ID, e.clientOpts())
}

// kube is a client-go client of the test cluster, as its admin.
func (e *kubeEnv) kube(t testing.TB) kubernetes.Interface {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", e.cluster.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// One instance through its whole life on the Kubernetes provisioner: made
// of pods on the nodes of its zones, with volumes, Services, a disruption
// budget and a network policy; stock clients produce and consume; a
// rolling restart replaces every pod, one at a time, while a producer
// writes with acks=all, and refuses or loses no record; storage that
// cannot grow is refused; deletion leaves no object, volume or process.
func TestKubeInstanceLifecycle(t *testing.T) {
	env := kubeEnvironment(t)
	s, kube := env.server, env.kube(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()

	start := time.Now()
	inst := createInstance(t, s, devSpec("kube-life", 3))
	t.Logf("3-broker instance RUNNING on Kubernetes after %s", time.Since(start).Round(time.Millisecond))
	env.register(inst)
	ns := "spe2e-" + inst.ID

	// The objects: a pod per broker on its zone's node, each with its bound
	// volume; the Services, the budget and the policy.
	pods, err := kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/component=broker"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods.Items) != 3 {
		t.Fatalf("%d broker pods in %s, want 3", len(pods.Items), ns)
	}
	uids := map[string]types.UID{}
	for _, b := range inst.Brokers {
		pod, err := kube.CoreV1().Pods(ns).Get(ctx, fmt.Sprintf("broker-%d", b.ID), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		uids[pod.Name] = pod.UID
		if want := "node-" + b.Rack; pod.Spec.NodeName != want {
			t.Errorf("broker %d (rack %s) runs on %s, want %s", b.ID, b.Rack, pod.Spec.NodeName, want)
		}
		if pod.Status.Phase != corev1.PodRunning || pod.Status.PodIP == "" {
			t.Errorf("broker %d's pod is %s at %q", b.ID, pod.Status.Phase, pod.Status.PodIP)
		}
		claim, err := kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, fmt.Sprintf("data-broker-%d", b.ID), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if claim.Status.Phase != corev1.ClaimBound {
			t.Errorf("broker %d's volume claim is %s", b.ID, claim.Status.Phase)
		}
		if b.Host != fmt.Sprintf("broker-%d.brokers.%s.svc.cluster.local", b.ID, ns) {
			t.Errorf("broker %d's host is %q", b.ID, b.Host)
		}
	}
	headless, err := kube.CoreV1().Services(ns).Get(ctx, "brokers", metav1.GetOptions{})
	if err != nil || headless.Spec.ClusterIP != corev1.ClusterIPNone || !headless.Spec.PublishNotReadyAddresses {
		t.Errorf("headless Service: %v %+v", err, headless.Spec)
	}
	if pdb, err := kube.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, "brokers", metav1.GetOptions{}); err != nil || pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() != 1 {
		t.Errorf("disruption budget: %v", err)
	}
	if _, err := kube.NetworkingV1().NetworkPolicies(ns).Get(ctx, "brokers", metav1.GetOptions{}); err != nil {
		t.Errorf("network policy: %v", err)
	}

	// Stock clients through the brokers' names.
	createTopic(t, inst, "kube-orders", 6, 3, nil)
	values := produce(t, kafkaClient(t, inst, kgo.RequiredAcks(kgo.AllISRAcks())), "kube-orders", "o", 1000)
	if m := missing(values, consumeAll(t, inst, "kube-orders", len(values))); len(m) > 0 {
		t.Fatalf("%d of %d records not read back, e.g. %v", len(m), len(values), m[:min(5, len(m))])
	}

	// The broker's log, as the API serves it, comes from the pod.
	logText, err := s.Client.BrokerLog(ctx, inst.ID, 0, 200)
	if err != nil {
		t.Fatal(err)
	}
	// Broker 0's own lines name it as node 0 ("[RaftManager id=0]", ...).
	if lines := strings.Count(logText, "\n"); lines < 100 || !strings.Contains(logText, " id=0]") {
		t.Errorf("broker 0's log (%d lines) is not broker 0's:\n%s", lines, logText)
	}

	// A rolling restart under load: every pod replaced, nothing lost.
	two := "2"
	createTopic(t, inst, "kube-rolling", 6, 3, map[string]*string{"min.insync.replicas": &two})
	load := startLoad(t, inst, "kube-rolling")
	task, err := s.Client.RestartInstance(ctx, inst.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.WaitTask(ctx, task.ID, nil); err != nil {
		t.Fatalf("restart: %v\n%s", err, s.LogTail(40))
	}
	load.stop()
	load.check(t, "a rolling restart of pods")
	for name, old := range uids {
		pod, err := kube.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if pod.UID == old {
			t.Errorf("pod %s was not replaced by the rolling restart", name)
		}
	}
	if m := missing(values, consumeAll(t, inst, "kube-orders", len(values))); len(m) > 0 {
		t.Errorf("%d records written before the restart are gone after it (volumes not kept?)", len(m))
	}

	// Metrics: the server scrapes each pod's exporter at its pod address.
	since := time.Now()
	more := startLoad(t, inst, "kube-orders")
	eventually(t, 4*metricsInterval, func() (bool, string) {
		rate := 0.0
		for _, series := range querySeries(t, s, inst.ID, "broker_messages_in_rate", since, time.Now().Add(time.Second), nil) {
			for _, p := range series.Points {
				rate = max(rate, p[1])
			}
		}
		return rate > 0, fmt.Sprintf("broker_messages_in_rate %v since %s", rate, since.Format(time.TimeOnly))
	})
	more.stop()

	// Host-path volumes cannot grow: refused before anything changes.
	_, err = s.Client.ExpandStorage(ctx, inst.ID, inst.StorageGBPerBroker+1)
	e := wantErrorCode(t, err, http.StatusFailedDependency, streamplane.EPRECONDITION, "")
	if !strings.Contains(e.App.Message, "hostpath") || !strings.Contains(e.App.Message, "expansion") {
		t.Errorf("refusal does not name the storage class and why: %q", e.App.Message)
	}

	// Deletion leaves nothing: no namespace, no volume, no process.
	var volumes []string
	claims, err := kube.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range claims.Items {
		volumes = append(volumes, c.Spec.VolumeName)
	}
	del, err := s.Client.DeleteInstance(ctx, inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.WaitTask(ctx, del.ID, nil); err != nil {
		t.Fatalf("delete: %v\n%s", err, s.LogTail(40))
	}
	if _, err := kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace %s is still there after the delete: %v", ns, err)
	}
	eventually(t, time.Minute, func() (bool, string) {
		for _, v := range volumes {
			pv, err := kube.CoreV1().PersistentVolumes().Get(ctx, v, metav1.GetOptions{})
			if !apierrors.IsNotFound(err) {
				return false, fmt.Sprintf("volume %s is still there: %v", v, pvPhase(pv))
			}
		}
		return true, ""
	})
	for _, root := range env.roots {
		if pids := brokerProcesses(root); len(pids) > 0 {
			t.Errorf("processes of deleted pods still run under %s: %v", root, pids)
		}
	}
}

func pvPhase(pv *corev1.PersistentVolume) string {
	if pv == nil {
		return ""
	}
	return string(pv.Status.Phase)
}

// A SASL_SSL instance with PLAIN on the Kubernetes provisioner through
// scale-out, a rolling upgrade and scale-in: clients verify the brokers'
// certificates against their pod DNS names and sign in with SCRAM and
// PLAIN; a new broker is a new pod and volume; the upgrade rolls every pod
// onto the new version's image; the broker scaled in leaves no pod or
// volume behind.
func TestKubeSecureScaleUpgrade(t *testing.T) {
	env := kubeEnvironment(t)
	s, kube := env.server, env.kube(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()

	spec := secureSpec("kube-secure", 2, streamplane.MechanismSCRAM, streamplane.MechanismPlain)
	spec.Version = upgradeFrom
	inst := ownInstance(t, s, spec)
	env.register(inst)
	ns := "spe2e-" + inst.ID
	pool, _ := caPool(t, s, inst.ID)
	listener := streamplane.ListenerPrivateSASLSSL
	adm := kadm.NewClient(listenerClient(t, inst, listener, env.saslOpts(pool, streamplane.MechanismSCRAM, secureUser, securePassword)...))
	if _, err := adm.CreateTopic(ctx, 3, 2, nil, "kube-secure"); err != nil {
		t.Fatalf("create a topic over SASL_SSL: %v", err)
	}
	for _, mechanism := range []string{streamplane.MechanismSCRAM, streamplane.MechanismPlain} {
		opts := env.saslOpts(pool, mechanism, secureUser, securePassword)
		if err := roundTrip(t, inst, listener, "kube-secure", "before-"+mechanism, opts...); err != nil {
			t.Fatalf("%s over TLS, host names verified, to %v: %v", mechanism, inst.BootstrapServers[listener], err)
		}
	}

	// Scale out: broker 2 is a new pod with its own volume.
	task, err := s.Client.Scale(ctx, inst.ID, streamplane.ScaleRequest{BrokerCount: 3})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.WaitTask(ctx, task.ID, nil); err != nil {
		t.Fatalf("scale out: %v\n%s", err, s.LogTail(40))
	}
	pod, err := kube.CoreV1().Pods(ns).Get(ctx, "broker-2", metav1.GetOptions{})
	if err != nil || pod.Status.Phase != corev1.PodRunning {
		t.Fatalf("broker-2 after the scale-out: %v %v", err, podPhase(pod))
	}
	if _, err := kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data-broker-2", metav1.GetOptions{}); err != nil {
		t.Fatalf("broker-2's volume claim: %v", err)
	}

	// A rolling upgrade: every pod runs the new version's image.
	task, err = s.Client.UpgradeInstance(ctx, inst.ID, streamplane.UpgradeRequest{Version: upgradeTo})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.WaitTask(ctx, task.ID, nil); err != nil {
		t.Fatalf("upgrade: %v\n%s", err, s.LogTail(40))
	}
	wantImage := strings.ReplaceAll(kubeImage, "{version}", upgradeTo)
	for id := range 3 {
		pod, err := kube.CoreV1().Pods(ns).Get(ctx, fmt.Sprintf("broker-%d", id), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := pod.Spec.Containers[0].Image; got != wantImage || pod.Status.Phase != corev1.PodRunning {
			t.Errorf("broker-%d runs %s (%s) after the upgrade, want %s", id, got, pod.Status.Phase, wantImage)
		}
	}
	after := instanceNow(t, s, inst.ID)
	if after.Version != upgradeTo || after.Status != streamplane.InstanceRunning {
		t.Errorf("after the upgrade: %s on %s (%s)", after.Status, after.Version, after.StatusReason)
	}

	// Scale in: broker 2's pod, volume claim and configuration go.
	task, err = s.Client.Scale(ctx, inst.ID, streamplane.ScaleRequest{RemoveBrokers: []int{2}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.WaitTask(ctx, task.ID, nil); err != nil {
		t.Fatalf("scale in: %v\n%s", err, s.LogTail(40))
	}
	for _, get := range []func() error{
		func() error { _, err := kube.CoreV1().Pods(ns).Get(ctx, "broker-2", metav1.GetOptions{}); return err },
		func() error {
			_, err := kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data-broker-2", metav1.GetOptions{})
			return err
		},
		func() error {
			_, err := kube.CoreV1().Secrets(ns).Get(ctx, "broker-2", metav1.GetOptions{})
			return err
		},
	} {
		if err := get(); !apierrors.IsNotFound(err) {
			t.Errorf("an object of broker 2 is still there after the scale-in: %v", err)
		}
	}
	inst = instanceNow(t, s, inst.ID)
	opts := env.saslOpts(pool, streamplane.MechanismSCRAM, secureUser, securePassword)
	if err := roundTrip(t, inst, listener, "kube-secure", "after", opts...); err != nil {
		t.Errorf("SCRAM after the upgrade and scale-in: %v", err)
	}
}

func podPhase(pod *corev1.Pod) string {
	if pod == nil {
		return ""
	}
	return string(pod.Status.Phase)
}
