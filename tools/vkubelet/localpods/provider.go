// Package localpods is a virtual-kubelet provider that runs every container
// of a pod as a process on this host, for tests of software that manages
// pods against a real API server on a machine without a container runtime.
//
// What a container sees is mapped onto the host: each pod gets a loopback
// address of its own (stable per namespace/name), the paths of its volume
// mounts and of its image are rewritten to host directories, and a hosts
// file stands in for cluster DNS. README.md beside this package states the
// whole contract.
package localpods

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/virtual-kubelet/virtual-kubelet/errdefs"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1informers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// Config is what a Provider is made of.
type Config struct {
	Client kubernetes.Interface
	// Pods and Services feed the hosts file: those of the whole cluster,
	// so that names resolve across nodes (a node's own identity may list
	// only its own pods: see README.md). The caller starts them after New.
	Pods     corev1informers.PodInformer
	Services corev1informers.ServiceInformer
	NodeName string
	// Root holds the provider's state: addresses, hosts file, volumes,
	// logs and the record of running processes.
	Root string
	// HostIP is the node's address, reported as every pod's hostIP.
	HostIP string
	// PodCIDR is the loopback range pod addresses are taken from.
	PodCIDR string
	Images  []ImagePath
	// Allocatable is the node's allocatable resources, the value of a
	// resourceFieldRef to a limit the container does not set.
	Allocatable corev1.ResourceList
	// Backoff is the delay before restarting a container; zero fields
	// take DefaultBackoff's.
	Backoff Backoff
	Log     *slog.Logger
}

// An ImagePath maps a directory of an image to a host directory: what a
// container of Image names under Path is taken from Dir.
type ImagePath struct {
	Image string
	Path  string // "" when the image is known but maps no path
	Dir   string
}

// ParseImagePath reads IMAGE=IMAGEPATH:LOCALDIR (or IMAGE alone: known,
// nothing mapped).
func ParseImagePath(s string) (ImagePath, error) {
	image, rest, ok := strings.Cut(s, "=")
	if image == "" {
		return ImagePath{}, fmt.Errorf("image mapping %q: want IMAGE=IMAGEPATH:LOCALDIR", s)
	}
	if !ok {
		return ImagePath{Image: image}, nil
	}
	from, to, ok := strings.Cut(rest, ":")
	if !ok || !filepath.IsAbs(from) || !filepath.IsAbs(to) {
		return ImagePath{}, fmt.Errorf("image mapping %q: want IMAGE=IMAGEPATH:LOCALDIR with two absolute paths", s)
	}
	return ImagePath{Image: image, Path: from, Dir: to}, nil
}

// Backoff is the restart delay of crashing containers: Initial, doubling
// at every restart up to Max, and back to Initial after a run of at least
// Reset. The kubelet's is 10 s, 5 min and 10 min.
type Backoff struct {
	Initial, Max, Reset time.Duration
}

// DefaultBackoff is shorter than the kubelet's, for tests.
var DefaultBackoff = Backoff{Initial: time.Second, Max: 30 * time.Second, Reset: time.Minute}

// Provider runs the pods of one node. It implements virtual-kubelet's
// nodeutil.Provider and node.PodNotifier.
type Provider struct {
	cfg     Config
	log     *slog.Logger
	ips     *ipTable
	hosts   *hostsFile
	spawner *spawner
	procDir string
	podsDir string
	logsDir string

	mu     sync.Mutex
	pods   map[string]*podRun // by namespace/name
	notify func(*corev1.Pod)
}

// New kills what a previous vkubelet with the same root left running,
// registers its informers and starts keeping the hosts file.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	if cfg.Client == nil || cfg.Pods == nil || cfg.Services == nil || cfg.Root == "" || cfg.NodeName == "" {
		return nil, fmt.Errorf("localpods: Client, Pods, Services, Root and NodeName are required")
	}
	if cfg.HostIP == "" {
		cfg.HostIP = "127.0.0.1"
	}
	if cfg.PodCIDR == "" {
		cfg.PodCIDR = "127.64.0.0/10"
	}
	if cfg.Backoff.Initial <= 0 {
		cfg.Backoff.Initial = DefaultBackoff.Initial
	}
	if cfg.Backoff.Max <= 0 {
		cfg.Backoff.Max = DefaultBackoff.Max
	}
	if cfg.Backoff.Reset <= 0 {
		cfg.Backoff.Reset = DefaultBackoff.Reset
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	root, err := filepath.Abs(cfg.Root)
	if err != nil {
		return nil, err
	}
	cfg.Root = root
	p := &Provider{
		cfg:     cfg,
		log:     cfg.Log,
		spawner: newSpawner(),
		procDir: filepath.Join(root, "procs"),
		podsDir: filepath.Join(root, "pods"),
		logsDir: filepath.Join(root, "logs"),
		pods:    map[string]*podRun{},
	}
	for _, dir := range []string{p.procDir, p.podsDir, p.logsDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	if err := killLeftovers(p.procDir); err != nil {
		return nil, err
	}
	// Pods of a previous run: their processes are gone, their volumes too.
	if entries, err := os.ReadDir(p.podsDir); err == nil {
		for _, e := range entries {
			os.RemoveAll(filepath.Join(p.podsDir, e.Name()))
		}
	}
	if p.ips, err = newIPTable(filepath.Join(root, "ips.json"), cfg.PodCIDR); err != nil {
		return nil, err
	}
	p.hosts = newHostsFile(filepath.Join(root, "hosts"), cfg.Pods.Lister(), cfg.Services.Lister(), p.localPods)
	kick := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { p.hosts.kick() },
		UpdateFunc: func(any, any) { p.hosts.kick() },
		DeleteFunc: func(any) { p.hosts.kick() },
	}
	if _, err := cfg.Pods.Informer().AddEventHandler(kick); err != nil {
		return nil, err
	}
	if _, err := cfg.Services.Informer().AddEventHandler(kick); err != nil {
		return nil, err
	}
	if err := p.hosts.write(); err != nil {
		return nil, err
	}
	go p.hosts.run(ctx)
	return p, nil
}

// HostsFile is the path of the hosts file (Java's jdk.net.hosts.file format).
func (p *Provider) HostsFile() string { return p.hosts.path }

// NotifyPods implements node.PodNotifier: f gets every change of a pod's
// status.
func (p *Provider) NotifyPods(_ context.Context, f func(*corev1.Pod)) {
	p.mu.Lock()
	p.notify = f
	p.mu.Unlock()
}

func (p *Provider) send(pod *corev1.Pod) {
	p.mu.Lock()
	f := p.notify
	p.mu.Unlock()
	if f != nil {
		f(pod)
	}
}

// CreatePod starts a pod: everything from setting up its volumes on runs in
// the background and shows in the status it reports.
func (p *Provider) CreatePod(ctx context.Context, pod *corev1.Pod) error {
	key := pod.Namespace + "/" + pod.Name
	p.mu.Lock()
	old := p.pods[key]
	p.mu.Unlock()
	if old != nil {
		if old.uid == pod.UID {
			old.update(pod)
			return nil
		}
		// The pod was deleted and made again while its old processes ran.
		if err := p.stop(ctx, old, 2*time.Second); err != nil {
			return err
		}
	}
	ip, err := p.ips.get(key)
	if err != nil {
		return err
	}
	r := newPodRun(p, pod, ip)
	p.mu.Lock()
	p.pods[key] = r
	p.mu.Unlock()
	p.hosts.kick()
	go r.run()
	return nil
}

// UpdatePod takes a changed pod: new labels and annotations for the
// downward API, a new image restarts its container.
func (p *Provider) UpdatePod(ctx context.Context, pod *corev1.Pod) error {
	return p.CreatePod(ctx, pod)
}

// DeletePod stops a pod's processes, SIGTERM and SIGKILL after the grace
// period, and returns only once they are gone. It then deletes the pod from
// the API server as the kubelet does, so a `kubectl delete pod` returns
// when the processes have ended, not a grace period later.
func (p *Provider) DeletePod(ctx context.Context, pod *corev1.Pod) error {
	key := pod.Namespace + "/" + pod.Name
	p.mu.Lock()
	r := p.pods[key]
	p.mu.Unlock()
	if r == nil {
		return errdefs.NotFoundf("pod %s is not on this node", key)
	}
	if err := p.stop(ctx, r, deletionGrace(pod)); err != nil {
		return err
	}
	if pod.DeletionTimestamp != nil && pod.UID == r.uid {
		zero := int64(0)
		err := p.cfg.Client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
			GracePeriodSeconds: &zero,
			Preconditions:      metav1.NewUIDPreconditions(string(pod.UID)),
		})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			// The pod controller deletes it anyway after the grace period.
			p.log.Warn("deleting a stopped pod from the API server", "pod", key, "err", err)
		}
	}
	return nil
}

// stop ends a pod run and forgets it.
func (p *Provider) stop(ctx context.Context, r *podRun, grace time.Duration) error {
	r.terminate(grace)
	select {
	case <-r.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	p.mu.Lock()
	if p.pods[r.key] == r {
		delete(p.pods, r.key)
	}
	p.mu.Unlock()
	r.cleanUp()
	p.hosts.kick()
	return nil
}

// deletionGrace is the time between SIGTERM and SIGKILL: the grace period
// the deletion asked for, else 2 s (the kubelet's least) for a pod that is
// gone from the API server without this node seeing its deletion.
func deletionGrace(pod *corev1.Pod) time.Duration {
	if pod.DeletionGracePeriodSeconds != nil {
		return time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
	}
	if pod.DeletionTimestamp == nil {
		return 2 * time.Second
	}
	return podGrace(pod)
}

func podGrace(pod *corev1.Pod) time.Duration {
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		return time.Duration(*g) * time.Second
	}
	return 30 * time.Second
}

// Shutdown stops every pod, each with at most grace between SIGTERM and
// SIGKILL, and waits for them. Their status is not reported.
func (p *Provider) Shutdown(grace time.Duration) {
	p.mu.Lock()
	runs := make([]*podRun, 0, len(p.pods))
	for _, r := range p.pods {
		runs = append(runs, r)
	}
	p.mu.Unlock()
	for _, r := range runs {
		g := podGrace(r.currentPod())
		r.terminate(min(g, grace))
	}
	for _, r := range runs {
		<-r.done
		r.cleanUp()
	}
}

// GetPod returns a pod with the status this node knows.
func (p *Provider) GetPod(_ context.Context, namespace, name string) (*corev1.Pod, error) {
	r := p.run(namespace, name)
	if r == nil {
		return nil, errdefs.NotFoundf("pod %s/%s is not on this node", namespace, name)
	}
	return r.snapshot(), nil
}

// GetPodStatus returns a pod's status.
func (p *Provider) GetPodStatus(ctx context.Context, namespace, name string) (*corev1.PodStatus, error) {
	pod, err := p.GetPod(ctx, namespace, name)
	if err != nil {
		return nil, err
	}
	return &pod.Status, nil
}

// GetPods returns every pod the node runs.
func (p *Provider) GetPods(context.Context) ([]*corev1.Pod, error) {
	p.mu.Lock()
	runs := make([]*podRun, 0, len(p.pods))
	for _, r := range p.pods {
		runs = append(runs, r)
	}
	p.mu.Unlock()
	pods := make([]*corev1.Pod, len(runs))
	for i, r := range runs {
		pods[i] = r.snapshot()
	}
	return pods, nil
}

func (p *Provider) run(namespace, name string) *podRun {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pods[namespace+"/"+name]
}

// localPods lists this node's pods for the hosts file, which knows their
// addresses before the API server does.
func (p *Provider) localPods() []hostEntry {
	p.mu.Lock()
	runs := make([]*podRun, 0, len(p.pods))
	for _, r := range p.pods {
		runs = append(runs, r)
	}
	p.mu.Unlock()
	var out []hostEntry
	for _, r := range runs {
		pod := r.currentPod()
		out = append(out, hostEntry{namespace: pod.Namespace, name: pod.Name, hostname: pod.Spec.Hostname, subdomain: pod.Spec.Subdomain, ip: r.ip})
	}
	return out
}

// configMap reads a ConfigMap from the API server. vkubelet asks for each
// object its pods use, as a node may (see README.md), rather than watching
// them all; volumes ask again every second.
func (p *Provider) configMap(ctx context.Context, namespace, name string) (*corev1.ConfigMap, error) {
	return p.cfg.Client.CoreV1().ConfigMaps(namespace).Get(ctx, name, metav1.GetOptions{})
}

// secret reads a Secret as configMap reads a ConfigMap.
func (p *Provider) secret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	return p.cfg.Client.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
}

// imageRules returns the path rules of an image, and false for an image
// vkubelet was not told about.
func (p *Provider) imageRules(image string) ([]pathRule, bool) {
	var rules []pathRule
	known := false
	for _, m := range p.cfg.Images {
		if m.Image != image {
			continue
		}
		known = true
		if m.Path != "" {
			rules = append(rules, newPathRule(m.Path, m.Dir))
		}
	}
	return rules, known
}
