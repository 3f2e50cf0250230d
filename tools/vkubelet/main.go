// Command vkubelet is a Kubernetes node whose pods run as local processes:
// virtual-kubelet's node and pod controllers with the localpods provider.
// It is for tests against a real API server on a machine without a
// container runtime; README.md states what it does and does not do.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/streamplane/streamplane/tools/vkubelet/localpods"
	vklog "github.com/virtual-kubelet/virtual-kubelet/log"
	vkslog "github.com/virtual-kubelet/virtual-kubelet/log/slog"
	"github.com/virtual-kubelet/virtual-kubelet/node"
	"github.com/virtual-kubelet/virtual-kubelet/node/api"
	"github.com/virtual-kubelet/virtual-kubelet/node/nodeutil"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	corev1listers "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/record"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "vkubelet:", err)
		os.Exit(1)
	}
}

type options struct {
	kubeconfig    string
	dnsKubeconfig string
	nodeName      string
	zone          string
	root          string
	images        []localpods.ImagePath
	listen        string
	podCIDR       string
	cpu           string
	memory        string
	logLevel      string
}

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("vkubelet", flag.ContinueOnError)
	fs.StringVar(&o.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the API server to register with")
	fs.StringVar(&o.dnsKubeconfig, "dns-kubeconfig", "", "kubeconfig to watch the cluster's pods and Services with, for the hosts file (default: --kubeconfig)")
	fs.StringVar(&o.nodeName, "node-name", "", "name of the node (required)")
	fs.StringVar(&o.zone, "zone", "", "the node's topology.kubernetes.io/zone label")
	fs.StringVar(&o.root, "root", "", "directory of the node's state: pod addresses, hosts file, volumes, logs (required)")
	fs.Func("image", "IMAGE=IMAGEPATH:LOCALDIR: paths under IMAGEPATH in IMAGE are LOCALDIR here (repeatable; IMAGE alone: known, no paths mapped)", func(s string) error {
		ip, err := localpods.ParseImagePath(s)
		if err != nil {
			return err
		}
		o.images = append(o.images, ip)
		return nil
	})
	fs.StringVar(&o.listen, "listen", "127.0.0.1:10250", "address of the kubelet API (logs, exec, port-forward), HTTPS with a self-signed certificate")
	fs.StringVar(&o.podCIDR, "pod-cidr", "127.64.0.0/10", "loopback range of pod addresses")
	fs.StringVar(&o.cpu, "cpu", "32", "the node's CPU capacity")
	fs.StringVar(&o.memory, "memory", "128Gi", "the node's memory capacity")
	fs.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.nodeName == "" || o.root == "" {
		return nil, errors.New("--node-name and --root are required")
	}
	if o.kubeconfig == "" {
		return nil, errors.New("--kubeconfig (or KUBECONFIG) is required")
	}
	if host, port, err := net.SplitHostPort(o.listen); err != nil || host == "" || port == "0" {
		return nil, fmt.Errorf("--listen %q: want HOST:PORT with a fixed port, which the node object advertises", o.listen)
	}
	for _, q := range []string{o.cpu, o.memory} {
		if _, err := resource.ParseQuantity(q); err != nil {
			return nil, fmt.Errorf("capacity %q: %w", q, err)
		}
	}
	return o, nil
}

func run(ctx context.Context, args []string) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})).With("node", o.nodeName)
	vklog.L = vkslog.FromSlog(logger)

	client, err := newClient(o.kubeconfig)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.root, 0o755); err != nil {
		return err
	}
	cert, err := selfSignedCert(o.nodeName, filepath.Join(o.root, "kubelet.crt"))
	if err != nil {
		return err
	}

	// The hosts file wants every pod of the cluster. A node's own identity
	// may list only the pods bound to it: then the file can hold only this
	// node's pods, and a --dns-kubeconfig that may list them all is needed
	// for names across nodes.
	dnsClient := client
	if o.dnsKubeconfig != "" {
		if dnsClient, err = newClient(o.dnsKubeconfig); err != nil {
			return err
		}
	}
	podFactory := informers.NewSharedInformerFactoryWithOptions(client, time.Minute, nodeutil.PodInformerFilter(o.nodeName))
	dnsFactory := informers.NewSharedInformerFactory(dnsClient, 10*time.Minute)
	dnsPods := dnsFactory.Core().V1().Pods()
	if _, err := dnsClient.CoreV1().Pods("").List(ctx, metav1.ListOptions{Limit: 1}); apierrors.IsForbidden(err) {
		logger.Warn("may not list the cluster's pods: the hosts file holds this node's pods only; give --dns-kubeconfig an identity that may list them all", "err", err)
		dnsPods = podFactory.Core().V1().Pods()
	} else if err != nil {
		return fmt.Errorf("list pods: %w", err)
	}

	nodeSpec := nodeObject(o)
	provider, err := localpods.New(ctx, localpods.Config{
		Client:      client,
		Pods:        dnsPods,
		Services:    dnsFactory.Core().V1().Services(),
		NodeName:    o.nodeName,
		Root:        o.root,
		HostIP:      "127.0.0.1",
		PodCIDR:     o.podCIDR,
		Images:      o.images,
		Allocatable: nodeSpec.Status.Allocatable,
		Log:         logger,
	})
	if err != nil {
		return err
	}
	// Whatever ends vkubelet, its pods' processes end with it.
	defer provider.Shutdown(5 * time.Second)

	broadcaster := record.NewBroadcaster()
	broadcaster.StartRecordingToSink(&corev1client.EventSinkImpl{Interface: client.CoreV1().Events(corev1.NamespaceAll)})
	defer broadcaster.Shutdown()
	// The pod controller asks for ConfigMap, Secret and Service informers
	// to resolve env itself; with that left to the provider (status.podIP
	// is the provider's) it never reads them, so they are never started:
	// watching every Secret of the cluster is more than a node may do.
	unused := informers.NewSharedInformerFactory(client, 0)
	pc, err := node.NewPodController(node.PodControllerConfig{
		PodClient:                 client.CoreV1(),
		PodInformer:               podFactory.Core().V1().Pods(),
		EventRecorder:             broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "vkubelet", Host: o.nodeName}),
		Provider:                  provider,
		ConfigMapInformer:         unused.Core().V1().ConfigMaps(),
		SecretInformer:            unused.Core().V1().Secrets(),
		ServiceInformer:           unused.Core().V1().Services(),
		SkipDownwardAPIResolution: true,
	})
	if err != nil {
		return err
	}
	podFactory.Start(ctx.Done())
	dnsFactory.Start(ctx.Done())
	// DeletePod blocks for up to a grace period: enough workers that a few
	// pods stopping do not hold up the others.
	go pc.Run(ctx, 16) //nolint:errcheck // reported through pc.Err
	select {
	case <-pc.Ready():
	case <-pc.Done():
		return pc.Err()
	case <-ctx.Done():
		return nil
	}

	// The node registers Ready once its pods can be run.
	setCondition(&nodeSpec, corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "vkubelet runs pods as local processes")
	nodeSpec.Status.Phase = corev1.NodeRunning
	nc, err := node.NewNodeController(node.NewNaiveNodeProvider(), &nodeSpec, client.CoreV1().Nodes(),
		node.WithNodeEnableLeaseV1(nodeutil.NodeLeaseV1Client(client), node.DefaultLeaseDuration))
	if err != nil {
		return err
	}
	go nc.Run(ctx) //nolint:errcheck // reported through nc.Err
	select {
	case <-nc.Ready():
	case <-nc.Done():
		return nc.Err()
	case <-ctx.Done():
		return nil
	}

	stopHTTP, err := serveKubeletAPI(o.listen, cert, provider, podFactory.Core().V1().Pods().Lister())
	if err != nil {
		return err
	}
	defer stopHTTP()
	logger.Info("node ready", "listen", o.listen, "root", o.root, "hosts", provider.HostsFile())
	select {
	case <-ctx.Done():
		logger.Info("stopping: ending every pod's processes")
	case <-pc.Done():
		return pc.Err()
	case <-nc.Done():
		return nc.Err()
	}
	return nil
}

func newClient(kubeconfig string) (kubernetes.Interface, error) {
	restConfig, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(restConfig)
}

// serveKubeletAPI serves what the API server asks a kubelet for (pods/log,
// exec, port-forward) over TLS, to anyone: the address is loopback.
func serveKubeletAPI(listen string, cert tls.Certificate, p *localpods.Provider, pods corev1listers.PodLister) (func(), error) {
	handler := api.PodHandler(api.PodHandlerConfig{
		RunInContainer:    p.RunInContainer,
		AttachToContainer: p.AttachToContainer,
		GetContainerLogs:  p.GetContainerLogs,
		GetPods:           p.GetPods,
		GetPodsFromKubernetes: func(context.Context) ([]*corev1.Pod, error) {
			return pods.List(labels.Everything())
		},
		GetStatsSummary:    p.GetStatsSummary,
		GetMetricsResource: p.GetMetricsResource,
		PortForward:        p.PortForward,
	}, false)
	l, err := tls.Listen("tcp", listen, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, fmt.Errorf("kubelet API: %w", err)
	}
	srv := &http.Server{Handler: nodeutil.WithAuth(nodeutil.NoAuth(), handler), ReadHeaderTimeout: 30 * time.Second}
	go srv.Serve(l) //nolint:errcheck // ends with Close
	return func() { srv.Close() }, nil
}

func setCondition(n *corev1.Node, t corev1.NodeConditionType, status corev1.ConditionStatus, reason, message string) {
	now := metav1.Now()
	for i := range n.Status.Conditions {
		if c := &n.Status.Conditions[i]; c.Type == t {
			c.Status, c.Reason, c.Message = status, reason, message
			c.LastHeartbeatTime, c.LastTransitionTime = now, now
		}
	}
}

// nodeObject is the node as registered: Ready, generous capacity, the
// zone label and the kubelet endpoint where the API server finds logs.
func nodeObject(o *options) corev1.Node {
	_, port, _ := net.SplitHostPort(o.listen)
	kubeletPort, _ := strconv.Atoi(port)
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse(o.cpu),
		corev1.ResourceMemory:           resource.MustParse(o.memory),
		corev1.ResourcePods:             resource.MustParse("110"),
		corev1.ResourceEphemeralStorage: resource.MustParse("1Ti"),
	}
	labels := map[string]string{
		"type":                   "virtual-kubelet",
		"kubernetes.io/role":     "agent",
		"kubernetes.io/hostname": o.nodeName,
		"kubernetes.io/os":       "linux",
		"kubernetes.io/arch":     goarch(),
	}
	if o.zone != "" {
		labels["topology.kubernetes.io/zone"] = o.zone
	}
	cond := func(t corev1.NodeConditionType, reason, message string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: corev1.ConditionFalse, Reason: reason, Message: message}
	}
	n := corev1.Node{}
	n.Name = o.nodeName
	n.Labels = labels
	n.Spec.PodCIDR = o.podCIDR
	n.Spec.PodCIDRs = []string{o.podCIDR}
	n.Status = corev1.NodeStatus{
		Phase:       corev1.NodePending,
		Capacity:    capacity,
		Allocatable: capacity.DeepCopy(),
		Addresses:   []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{
			KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(kubeletPort)},
		},
		NodeInfo: corev1.NodeSystemInfo{
			OperatingSystem:         "linux",
			Architecture:            goarch(),
			KubeletVersion:          "v1.37.2",
			ContainerRuntimeVersion: "vkubelet://local-processes",
		},
		Conditions: []corev1.NodeCondition{
			{Type: corev1.NodeReady, Status: corev1.ConditionFalse, Reason: "KubeletNotReady", Message: "starting"},
			cond(corev1.NodeMemoryPressure, "KubeletHasSufficientMemory", "memory is not enforced"),
			cond(corev1.NodeDiskPressure, "KubeletHasNoDiskPressure", "disk is not enforced"),
			cond(corev1.NodePIDPressure, "KubeletHasSufficientPID", "PIDs are not enforced"),
			cond(corev1.NodeNetworkUnavailable, "RouteCreated", "pods use loopback addresses"),
		},
	}
	return n
}

func goarch() string { return runtime.GOARCH }
