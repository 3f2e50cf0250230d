package server

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaplugin"
	kube "github.com/streamplane/streamplane/provision/kubernetes"
	"github.com/streamplane/streamplane/provision/local"
)

// newProvisioner makes the configured provisioner. The Kubernetes one
// starts watching its pods and Services here, and fails at start, not at
// the first request, when the cluster cannot be reached or this server
// may not list them.
func newProvisioner(ctx context.Context, cfg Config, store Store, rts local.Runtimes, plugins *kafkaplugin.Builder, log *slog.Logger) (streamplane.Provisioner, error) {
	if cfg.Provisioner != "kubernetes" {
		return local.New(local.Config{
			Root: filepath.Join(cfg.DataDir, "instances"), Host: cfg.BrokerHost, PublicHost: cfg.PublicHost, ControlHost: cfg.ControlHost,
			PortLo: cfg.PortLo, PortHi: cfg.PortHi, Zones: cfg.Zones, Java: cfg.Java, Plugin: brokerPlugin{plugins},
		}, store, rts, log), nil
	}
	restConfig, err := kubeRESTConfig(cfg.Kube.Kubeconfig)
	if err != nil {
		return nil, err
	}
	client, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		return nil, fmt.Errorf("kubernetes: %w", err)
	}
	prov := kube.New(kube.Config{
		NamespacePrefix: cfg.Kube.NamespacePrefix, ClusterDomain: cfg.Kube.ClusterDomain, Image: cfg.Kube.BrokerImage,
		StorageClass: cfg.Kube.StorageClass, PublicServiceType: corev1.ServiceType(cfg.Kube.PublicServiceType), PublicHost: cfg.PublicHost,
		Zones: cfg.Zones, ControlNamespace: cfg.Kube.ControlNamespace, ControlCIDRs: cfg.Kube.ControlCIDRs, Plugin: brokerPlugin{plugins},
	}, client, log)
	if err := prov.Run(ctx); err != nil {
		return nil, err
	}
	return prov, nil
}

// kubeRESTConfig reads a kubeconfig file, or the service account of the
// pod this server runs in when there is none.
func kubeRESTConfig(path string) (*rest.Config, error) {
	if path == "" {
		c, err := rest.InClusterConfig()
		if err != nil {
			return nil, fmt.Errorf("kubernetes: not running in a cluster and no --kubeconfig given: %w", err)
		}
		return c, nil
	}
	c, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		return nil, fmt.Errorf("kubernetes: read kubeconfig %s: %w", path, err)
	}
	return c, nil
}
