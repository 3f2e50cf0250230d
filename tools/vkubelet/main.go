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
	"github.com/virtual-kubelet/virtual-kubelet/node/nodeutil"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
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
	kubeconfig string
	nodeName   string
	zone       string
	root       string
	images     []localpods.ImagePath
	listen     string
	podCIDR    string
	cpu        string
	memory     string
	logLevel   string
}

func parseFlags(args []string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("vkubelet", flag.ContinueOnError)
	fs.StringVar(&o.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig of the API server to register with")
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

	restConfig, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(restConfig)
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

	nodeSpec := nodeObject(o)
	factory := informers.NewSharedInformerFactory(client, 10*time.Minute)
	provider, err := localpods.New(ctx, localpods.Config{
		Client:      client,
		Informers:   factory,
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

	mux := http.NewServeMux()
	n, err := nodeutil.NewNode(o.nodeName,
		func(nodeutil.ProviderConfig) (nodeutil.Provider, node.NodeProvider, error) {
			return provider, nil, nil
		},
		nodeutil.WithClient(client),
		nodeutil.AttachProviderRoutes(mux),
		nodeutil.WithTLSConfig(func(c *tls.Config) error {
			c.Certificates = []tls.Certificate{cert}
			return nil
		}),
		func(c *nodeutil.NodeConfig) error {
			c.NodeSpec = nodeSpec
			c.HTTPListenAddr = o.listen
			c.Handler = nodeutil.WithAuth(nodeutil.NoAuth(), mux)
			// DeletePod blocks for up to a grace period: enough workers
			// that a few pods stopping do not hold up the others.
			c.NumWorkers = 16
			// The provider resolves env itself: status.podIP is its own.
			c.SkipDownwardAPIResolution = true
			return nil
		},
	)
	if err != nil {
		return err
	}
	factory.Start(ctx.Done())
	go n.Run(ctx) //nolint:errcheck // reported through n.Err
	if err := n.WaitReady(ctx, 0); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	logger.Info("node ready", "listen", o.listen, "root", o.root, "hosts", provider.HostsFile())
	select {
	case <-ctx.Done():
		logger.Info("stopping: ending every pod's processes")
	case <-n.Done():
		if err := n.Err(); err != nil && ctx.Err() == nil {
			return err
		}
	}
	return nil
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
