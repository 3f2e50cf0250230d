package localpods

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	corev1listers "k8s.io/client-go/listers/core/v1"
)

// hostsFile keeps <root>/hosts, the stand-in for cluster DNS: JVMs read it
// through -Djdk.net.hosts.file, tests through their own resolver. It holds
//   - 127.0.0.1 for localhost and this machine's hostname (a JVM that reads
//     a hosts file asks no other resolver);
//   - for every pod with spec.hostname and spec.subdomain, its address
//     under <hostname>.<subdomain>.<namespace>.svc[.cluster.local];
//   - for every Service with a selector, the addresses of the pods it
//     selects under <service>.<namespace>.svc[.cluster.local], one line per
//     address: Ready pods only, unless publishNotReadyAddresses.
//
// Pods and Services of the whole cluster count, so names resolve across
// nodes. The file is written again (temporary file and rename) whenever a
// pod or Service changes.
type hostsFile struct {
	path     string
	pods     corev1listers.PodLister
	services corev1listers.ServiceLister
	local    func() []hostEntry
	kicks    chan struct{}

	mu      sync.Mutex
	written string
}

// A hostEntry is a pod of this node, whose address is known before the API
// server shows it.
type hostEntry struct {
	namespace, name, hostname, subdomain, ip string
}

func newHostsFile(path string, pods corev1listers.PodLister, services corev1listers.ServiceLister, local func() []hostEntry) *hostsFile {
	return &hostsFile{path: path, pods: pods, services: services, local: local, kicks: make(chan struct{}, 1)}
}

func (h *hostsFile) kick() {
	select {
	case h.kicks <- struct{}{}:
	default:
	}
}

func (h *hostsFile) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.kicks:
			_ = h.write()
		}
	}
}

// write writes the file if its content changed.
func (h *hostsFile) write() error {
	content := h.render()
	h.mu.Lock()
	defer h.mu.Unlock()
	if content == h.written {
		return nil
	}
	if err := writeFileAtomic(h.path, []byte(content), 0o644); err != nil {
		return err
	}
	h.written = content
	return nil
}

func (h *hostsFile) render() string {
	pods, _ := h.pods.List(labels.Everything())
	services, _ := h.services.List(labels.Everything())

	// Pod addresses: this node's own knowledge first.
	podIPs := map[string]hostEntry{}
	for _, pod := range pods {
		podIPs[pod.Namespace+"/"+pod.Name] = hostEntry{
			namespace: pod.Namespace, name: pod.Name,
			hostname: pod.Spec.Hostname, subdomain: pod.Spec.Subdomain, ip: pod.Status.PodIP,
		}
	}
	for _, e := range h.local() {
		podIPs[e.namespace+"/"+e.name] = e
	}

	var lines []string
	for _, e := range podIPs {
		if e.hostname == "" || e.subdomain == "" || e.ip == "" {
			continue
		}
		fqdn := fmt.Sprintf("%s.%s.%s.svc", e.hostname, e.subdomain, e.namespace)
		lines = append(lines, fmt.Sprintf("%s %s.cluster.local %s", e.ip, fqdn, fqdn))
	}
	byNamespace := map[string][]*corev1.Pod{}
	for _, pod := range pods {
		byNamespace[pod.Namespace] = append(byNamespace[pod.Namespace], pod)
	}
	for _, svc := range services {
		if len(svc.Spec.Selector) == 0 {
			continue
		}
		sel := labels.SelectorFromSet(svc.Spec.Selector)
		name := fmt.Sprintf("%s.%s.svc", svc.Name, svc.Namespace)
		seen := map[string]bool{}
		for _, pod := range byNamespace[svc.Namespace] {
			if !sel.Matches(labels.Set(pod.Labels)) || !serves(pod, svc.Spec.PublishNotReadyAddresses) {
				continue
			}
			ip := podIPs[pod.Namespace+"/"+pod.Name].ip
			if ip == "" || seen[ip] {
				continue
			}
			seen[ip] = true
			lines = append(lines, fmt.Sprintf("%s %s.cluster.local %s", ip, name, name))
		}
	}
	sort.Strings(lines)
	host, _ := os.Hostname()
	var b strings.Builder
	b.WriteString("# Written by vkubelet: pod and Service names of the cluster, in the format of\n")
	b.WriteString("# /etc/hosts and of Java's jdk.net.hosts.file. Rewritten on every change.\n")
	b.WriteString("127.0.0.1 localhost")
	if host != "" && host != "localhost" {
		b.WriteString(" " + host)
	}
	b.WriteString("\n")
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	return b.String()
}

// serves tells whether a Service sends traffic to a pod, as the endpoints
// controller decides: a pod that has not ended and is Ready and not
// terminating; under publishNotReadyAddresses, any pod that has not ended.
func serves(pod *corev1.Pod, publishNotReady bool) bool {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false
	}
	if publishNotReady {
		return true
	}
	if pod.DeletionTimestamp != nil {
		return false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
