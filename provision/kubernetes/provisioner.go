// Package kubernetes is the provisioner that runs an instance's brokers as
// pods of a Kubernetes cluster, one pod per broker, with a persistent
// volume each.
//
// Pods are managed one by one, as Strimzi's StrimziPodSet does, not by a
// StatefulSet: Streamplane removes any broker on scale-in (not only the
// highest ordinal), restarts exactly the broker its roller chose after its
// own safety checks, and may run brokers of two versions while an upgrade
// rolls; a StatefulSet would restart, order or remove pods by its own
// rules. Every object is applied server-side under the field manager
// "streamplane", labelled with its instance, and lives in the instance's
// own namespace, so deleting the namespace deletes them all.
package kubernetes

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaruntime"
)

// Config is the Kubernetes provisioner's configuration.
type Config struct {
	// NamespacePrefix starts every instance's namespace name ("sp-").
	NamespacePrefix string
	// ClusterDomain is the cluster's DNS domain ("cluster.local").
	ClusterDomain string
	// Image is the broker image, with "{version}" standing for the
	// broker's Kafka version (deploy/kafka builds it).
	Image           string
	ImagePullPolicy corev1.PullPolicy
	// StorageClass names the brokers' volumes' class; empty takes the
	// cluster's default.
	StorageClass string
	// PublicServiceType is how public listeners are exposed, a Service per
	// broker: NodePort (at PublicHost) or LoadBalancer.
	PublicServiceType corev1.ServiceType
	// PublicHost is the address clients reach the nodes' ports at.
	PublicHost string
	// Zones are the zone names offered to users: each broker is pinned to
	// its zone's nodes (topology.kubernetes.io/zone) and becomes its rack.
	Zones []string
	// ControlNamespace is the namespace the Streamplane server runs in, when
	// it runs in the cluster; ControlCIDRs are the addresses it connects
	// from otherwise. Only these reach the internal, controller and metrics
	// ports (NetworkPolicy); clients reach only the client listeners.
	ControlNamespace string
	ControlCIDRs     []string
	// Plugin configures PLAIN on a client listener from a credentials file.
	Plugin interface {
		ListenerConfig(listener, credentialsFile string) map[string]string
	}
	// StartTimeout bounds how long Start waits for a broker's container to
	// run (image pull, scheduling, volume binding).
	StartTimeout time.Duration
}

// Provisioner implements streamplane.Provisioner on Kubernetes.
type Provisioner struct {
	cfg      Config
	client   kubernetes.Interface
	log      *slog.Logger
	pods     corelisters.PodLister
	services corelisters.ServiceLister
	synced   []cache.InformerSynced
}

// New returns a provisioner using client. Call Run before using it.
func New(cfg Config, client kubernetes.Interface, log *slog.Logger) *Provisioner {
	cfg.NamespacePrefix = cmp.Or(cfg.NamespacePrefix, "sp-")
	cfg.ClusterDomain = cmp.Or(cfg.ClusterDomain, "cluster.local")
	cfg.Image = cmp.Or(cfg.Image, "streamplane/kafka:{version}")
	cfg.ImagePullPolicy = cmp.Or(cfg.ImagePullPolicy, corev1.PullIfNotPresent)
	cfg.PublicServiceType = cmp.Or(cfg.PublicServiceType, corev1.ServiceTypeNodePort)
	cfg.StartTimeout = cmp.Or(cfg.StartTimeout, 5*time.Minute)
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Provisioner{cfg: cfg, client: client, log: log}
}

// Run starts watching Streamplane's pods and services (only those: the
// watch selects by label) and waits until the caches are filled. Inspect,
// Endpoints and the supervisor's checks read these caches, not the API.
func (p *Provisioner) Run(ctx context.Context) error {
	factory := informers.NewSharedInformerFactoryWithOptions(p.client, 10*time.Minute,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = labelManagedBy + "=" + managedBy }))
	podInformer, serviceInformer := factory.Core().V1().Pods(), factory.Core().V1().Services()
	p.pods, p.services = podInformer.Lister(), serviceInformer.Lister()
	p.synced = []cache.InformerSynced{podInformer.Informer().HasSynced, serviceInformer.Informer().HasSynced}
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), p.synced...) {
		return errors.New("kubernetes: the pod and service caches did not fill; can this server list pods and services?")
	}
	return nil
}

// Zones returns the configured zones.
func (p *Provisioner) Zones() []string { return p.cfg.Zones }

// Place gives every broker its DNS name and the fixed ports of a pod. A
// pod's address is its name under the headless Service, so placement
// reserves nothing but, with public access, each broker's public Service:
// its node port or load balancer is where clients reach the broker, and the
// endpoints Place returns must name it. A second call returns the same.
func (p *Provisioner) Place(ctx context.Context, inst *streamplane.Instance) error {
	public := map[int]string{}
	if inst.PublicAccess {
		if _, err := p.apply(ctx, p.namespaceObject(inst)); err != nil {
			return err
		}
		var err error
		if public, err = p.applyPublicServices(ctx, inst); err != nil {
			return err
		}
	}
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		b.Host = p.nodeHost(inst, b.ID)
		b.Ports = map[string]int{
			streamplane.PortInternal: portInternal, streamplane.PortPrivate: portPrivate,
			streamplane.PortPublic: portPublic, streamplane.PortMetrics: portMetrics,
		}
		if b.IsController() {
			b.Ports[streamplane.PortController] = portController
		}
		b.Port = portPrivate
		b.Endpoints = p.endpoints(inst, b, public[b.ID])
	}
	return nil
}

// Endpoints returns a broker's client addresses: the private listener at
// the broker's DNS name, and, with public access, its public Service.
func (p *Provisioner) Endpoints(inst *streamplane.Instance, b *streamplane.Broker) map[string]string {
	return p.endpoints(inst, b, p.publicAddress(inst, b.ID))
}

// endpoints are a broker's client addresses, its public Service's address
// being public.
func (p *Provisioner) endpoints(inst *streamplane.Instance, b *streamplane.Broker, public string) map[string]string {
	out := map[string]string{}
	out[inst.PrivateListener()] = cmp.Or(b.Advertised[streamplane.AdvertisePrivate], net.JoinHostPort(p.nodeHost(inst, b.ID), strconv.Itoa(portPrivate)))
	if inst.PublicAccess {
		if addr := cmp.Or(b.Advertised[streamplane.AdvertisePublic], public); addr != "" {
			out[inst.PublicListener()] = addr
		}
	}
	return out
}

// publicAddress is where clients reach a broker's public listener: a node
// port at PublicHost, or the load balancer's address. Empty until the
// Service exists (and, for a load balancer, has an address).
func (p *Provisioner) publicAddress(inst *streamplane.Instance, node int) string {
	if p.services == nil {
		return ""
	}
	svc, err := p.services.Services(p.namespace(inst)).Get(publicServiceName(node))
	if err != nil {
		return ""
	}
	return publicAddressOf(svc, p.cfg.PublicHost)
}

func publicAddressOf(svc *corev1.Service, publicHost string) string {
	if svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
		for _, in := range svc.Status.LoadBalancer.Ingress {
			if host := cmp.Or(in.IP, in.Hostname); host != "" {
				return net.JoinHostPort(host, strconv.Itoa(portPublic))
			}
		}
		return ""
	}
	for _, port := range svc.Spec.Ports {
		if port.NodePort != 0 && publicHost != "" {
			return net.JoinHostPort(publicHost, strconv.Itoa(int(port.NodePort)))
		}
	}
	return ""
}

// ClientHosts are the names every broker certificate of inst carries: any
// broker's name under the headless Service, the bootstrap Service, and the
// public host.
func (p *Provisioner) ClientHosts(inst *streamplane.Instance) []string {
	ns := p.namespace(inst)
	hosts := []string{
		"*." + headlessService + "." + ns + ".svc." + p.cfg.ClusterDomain,
		bootstrapService + "." + ns + ".svc." + p.cfg.ClusterDomain,
		bootstrapService + "." + ns + ".svc",
	}
	if p.cfg.PublicHost != "" {
		hosts = append(hosts, p.cfg.PublicHost)
	}
	// Load balancers' addresses, once they have them: clients that verify
	// the broker's name reach it there.
	if p.services != nil && inst.PublicAccess && p.cfg.PublicServiceType == corev1.ServiceTypeLoadBalancer {
		for _, b := range inst.Brokers {
			svc, err := p.services.Services(ns).Get(publicServiceName(b.ID))
			if err != nil {
				continue
			}
			for _, in := range svc.Status.LoadBalancer.Ingress {
				if host := cmp.Or(in.Hostname, in.IP); host != "" && !slices.Contains(hosts, host) {
					hosts = append(hosts, host)
				}
			}
		}
	}
	return hosts
}

// ControlEndpoints returns the brokers' internal listeners.
func (p *Provisioner) ControlEndpoints(inst *streamplane.Instance) []string {
	var out []string
	for _, b := range inst.Brokers {
		if b.State != streamplane.BrokerDeleted {
			out = append(out, net.JoinHostPort(p.nodeHost(inst, b.ID), strconv.Itoa(portInternal)))
		}
	}
	return out
}

// MetricsEndpoints returns each broker's metrics exporter.
func (p *Provisioner) MetricsEndpoints(inst *streamplane.Instance) map[int]string {
	out := map[int]string{}
	for _, b := range inst.Brokers {
		if b.State != streamplane.BrokerDeleted {
			out[b.ID] = "http://" + net.JoinHostPort(p.nodeHost(inst, b.ID), strconv.Itoa(portMetrics)) + "/metrics"
		}
	}
	return out
}

// image is the broker image of a Kafka version.
func (p *Provisioner) image(version string) string {
	return strings.ReplaceAll(p.cfg.Image, "{version}", version)
}

// release is the catalog entry of a broker's version.
func release(version string) (kafkaruntime.Runtime, error) {
	rel, ok := kafkaruntime.Lookup(version)
	if !ok {
		return kafkaruntime.Runtime{}, fmt.Errorf("kubernetes: Kafka %s is not in the catalog", version)
	}
	return kafkaruntime.Runtime{Version: version, Release: rel}, nil
}

var _ streamplane.Provisioner = (*Provisioner)(nil)
