package kubernetes

import (
	"context"
	"fmt"
	"net"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DialBroker connects to a broker's address at its pod's IP, read from the
// API: a broker's DNS name (broker-N.brokers.<namespace>.svc.<domain>)
// resolves only through the cluster's DNS, which a server outside the
// cluster lacks, while pod IPs are routable wherever the server runs in
// or beside the pod network. Other addresses dial as usual.
func (p *Provisioner) DialBroker(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	pod, ns, ok := p.podOfHost(host)
	if !ok {
		return d.DialContext(ctx, network, address)
	}
	ip := ""
	if p.pods != nil {
		if cached, err := p.pods.Pods(ns).Get(pod); err == nil {
			ip = cached.Status.PodIP
		}
	}
	if ip == "" { // not in the cache yet: a pod just made
		live, err := p.client.CoreV1().Pods(ns).Get(ctx, pod, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("kubernetes: find pod %s/%s: %w", ns, pod, err)
		}
		ip = live.Status.PodIP
	}
	if ip == "" {
		return nil, fmt.Errorf("kubernetes: pod %s/%s has no IP yet", ns, pod)
	}
	return d.DialContext(ctx, network, net.JoinHostPort(ip, port))
}

// podOfHost parses a broker's DNS name into its pod and namespace.
func (p *Provisioner) podOfHost(host string) (pod, namespace string, ok bool) {
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	suffix := strings.Split("svc."+p.cfg.ClusterDomain, ".")
	if len(labels) != 3+len(suffix) || labels[1] != headlessService || !strings.HasPrefix(labels[2], p.cfg.NamespacePrefix) {
		return "", "", false
	}
	for i, s := range suffix {
		if labels[3+i] != s {
			return "", "", false
		}
	}
	return labels[0], labels[2], true
}
