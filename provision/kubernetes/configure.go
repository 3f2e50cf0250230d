package kubernetes

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaconfig"
)

// Configure applies everything an instance's brokers run with, in
// Strimzi's order: the namespace, the certificates and credentials, each
// broker's configuration, then the Services, the disruption budget and the
// network policy. Pods are Start's; they read the configuration at start,
// so a change here reaches a broker when the roller restarts it.
func (p *Provisioner) Configure(ctx context.Context, inst *streamplane.Instance, creds streamplane.Credentials, files streamplane.BrokerFiles) error {
	if _, err := p.apply(ctx, p.namespaceObject(inst)); err != nil {
		return err
	}
	if err := p.WriteFiles(ctx, inst, files); err != nil {
		return err
	}
	public, err := p.applyPublicServices(ctx, inst)
	if err != nil {
		return err
	}
	objs, err := p.configObjects(inst, creds, public)
	if err != nil {
		return err
	}
	return p.applyAll(ctx, append(objs, p.instanceObjects(inst)...)...)
}

// objects are every object of inst, in the order Configure, Format and
// Start apply them; public holds each broker's public address, which the
// cluster gives its public Service. The golden tests render these, and
// check that the cluster holds them after a create.
func (p *Provisioner) objects(inst *streamplane.Instance, creds streamplane.Credentials, files streamplane.BrokerFiles, public map[int]string) ([]runtime.Object, error) {
	objs := []runtime.Object{p.namespaceObject(inst)}
	secrets, err := p.fileObjects(inst, files)
	if err != nil {
		return nil, err
	}
	objs = append(objs, secrets...)
	var services, configs, claims, pods []runtime.Object
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		if b.State == streamplane.BrokerDeleted {
			continue
		}
		if inst.PublicAccess {
			services = append(services, p.publicServiceObject(inst, b.ID))
		}
		secret, config, err := p.brokerConfigObjects(inst, b, creds, public[b.ID])
		if err != nil {
			return nil, err
		}
		pod, err := p.podFromSecret(inst, b, secret)
		if err != nil {
			return nil, err
		}
		configs = append(configs, secret, config)
		claims, pods = append(claims, p.dataClaimObject(inst, b.ID)), append(pods, pod)
	}
	for _, more := range [][]runtime.Object{services, configs, p.instanceObjects(inst), claims, pods} {
		objs = append(objs, more...)
	}
	return objs, nil
}

// configObjects are every live broker's configuration Secret and ConfigMap.
func (p *Provisioner) configObjects(inst *streamplane.Instance, creds streamplane.Credentials, public map[int]string) ([]runtime.Object, error) {
	var objs []runtime.Object
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		if b.State == streamplane.BrokerDeleted {
			continue
		}
		secret, config, err := p.brokerConfigObjects(inst, b, creds, public[b.ID])
		if err != nil {
			return nil, err
		}
		objs = append(objs, secret, config)
	}
	return objs, nil
}

// brokerConfigObjects are what broker b starts with: its server.properties
// (a Secret) and its runtime's logging and metrics settings (a ConfigMap).
func (p *Provisioner) brokerConfigObjects(inst *streamplane.Instance, b *streamplane.Broker, creds streamplane.Credentials, publicAddress string) (*corev1.Secret, *corev1.ConfigMap, error) {
	props, err := p.brokerProperties(inst, b, creds, publicAddress)
	if err != nil {
		return nil, nil, err
	}
	rt, err := release(inst.BrokerVersion(b))
	if err != nil {
		return nil, nil, err
	}
	logName, logBody, _ := rt.ConsoleLogConfig(configDir)
	files := map[string]string{logName: string(logBody), metricsFile: kafkaconfig.MetricsExporterConfig}
	return p.brokerSecretObject(inst, b.ID, props.Encode()), p.brokerConfigMapObject(inst, b.ID, files), nil
}

// instanceObjects are the objects all brokers share: the Services, the
// disruption budget and the network policy.
func (p *Provisioner) instanceObjects(inst *streamplane.Instance) []runtime.Object {
	return []runtime.Object{p.headlessServiceObject(inst), p.bootstrapServiceObject(inst),
		p.disruptionBudgetObject(inst), p.networkPolicyObject(inst)}
}

// brokerProperties renders a broker's server.properties for a pod: it is
// reached at its DNS name, listens on every address of its pod (Start binds
// its own address instead), and keeps its data on its volume.
func (p *Provisioner) brokerProperties(inst *streamplane.Instance, b *streamplane.Broker, creds streamplane.Credentials, publicAddress string) (*kafkaconfig.Properties, error) {
	if inst.PublicAccess {
		// The user's address for the broker stands in for one the cluster
		// has not given yet (a load balancer being made).
		publicAddress = cmp.Or(publicAddress, b.Advertised[streamplane.AdvertisePublic])
		if publicAddress == "" {
			return nil, streamplane.Errorf(streamplane.EPRECONDITION, "broker %d of %s has no public address yet: its %s Service has none", b.ID, inst.Name, p.cfg.PublicServiceType)
		}
	}
	in := kafkaconfig.BrokerInput{
		Instance: inst, Broker: b, Credentials: creds,
		ControlHost: anyAddress, ListenHost: anyAddress, PublicAddress: publicAddress,
		NodeHost: func(n *streamplane.Broker) string { return p.nodeHost(inst, n.ID) },
		DataDir:  path.Join(dataDir, "data"),
	}
	if inst.SASL() {
		in.KeystoreFile, in.TruststoreFile = path.Join(tlsDir, keystoreFile), path.Join(clientAuthDir, clientsCAFile)
	}
	if inst.HasMechanism(streamplane.MechanismPlain) && p.cfg.Plugin != nil {
		users := path.Join(clientAuthDir, plainUsersFile)
		in.PlainConfig = func(listener string) map[string]string { return p.cfg.Plugin.ListenerConfig(listener, users) }
	}
	return kafkaconfig.Broker(in)
}

// applyPublicServices makes or removes the brokers' public Services as
// public access is on or off, and returns each broker's public address.
func (p *Provisioner) applyPublicServices(ctx context.Context, inst *streamplane.Instance) (map[int]string, error) {
	out := map[int]string{}
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		name := publicServiceName(b.ID)
		if !inst.PublicAccess || b.State == streamplane.BrokerDeleted {
			err := p.client.CoreV1().Services(p.namespace(inst)).Delete(ctx, name, metav1.DeleteOptions{})
			if ignoreNotFound(err) != nil {
				return nil, fmt.Errorf("kubernetes: delete Service %s: %w", name, err)
			}
			continue
		}
		obj, err := p.apply(ctx, p.publicServiceObject(inst, b.ID))
		if err != nil {
			return nil, err
		}
		out[b.ID] = publicAddressOf(obj.(*corev1.Service), p.cfg.PublicHost)
	}
	return out, nil
}

// WriteFiles replaces the secret files brokers reload live: their TLS
// material, the clients' CA and the PLAIN users. The kubelet refreshes
// mounted Secrets in place (an atomic swap of the volume's files).
func (p *Provisioner) WriteFiles(ctx context.Context, inst *streamplane.Instance, files streamplane.BrokerFiles) error {
	objs, err := p.fileObjects(inst, files)
	if err != nil {
		return err
	}
	if err := p.applyAll(ctx, objs...); err != nil {
		return err
	}
	return p.nudgePods(ctx, inst, filesDigest(files))
}

// fileObjects are the Secrets of WriteFiles: the clients' and every live
// broker's TLS Secret.
func (p *Provisioner) fileObjects(inst *streamplane.Instance, files streamplane.BrokerFiles) ([]runtime.Object, error) {
	objs := []runtime.Object{p.clientAuthSecretObject(inst, files)}
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		if b.State == streamplane.BrokerDeleted {
			continue
		}
		if inst.SASL() {
			if _, ok := files.Keystores[b.ID]; !ok || len(files.ClientsCA) == 0 {
				return nil, fmt.Errorf("kubernetes: no TLS material for broker %d of %s", b.ID, inst.Name)
			}
		}
		objs = append(objs, p.brokerTLSSecretObject(inst, b.ID, files.Keystores[b.ID]))
	}
	return objs, nil
}

// nudgePods marks the brokers' pods with the files' digest. The kubelet
// refreshes a pod's Secret volumes when the pod changes, within seconds,
// rather than at its next periodic sync (up to a minute or more): brokers
// see new users and certificates sooner.
func (p *Provisioner) nudgePods(ctx context.Context, inst *streamplane.Instance, digest string) error {
	// A merge patch, not an apply: an apply of the annotation alone would
	// drop every other field Streamplane's manager set on the pod.
	patch := fmt.Appendf(nil, `{"metadata":{"annotations":{%q:%q}}}`, annotationFiles, digest)
	pods := p.client.CoreV1().Pods(p.namespace(inst))
	for _, b := range inst.Brokers {
		if b.State == streamplane.BrokerDeleted {
			continue
		}
		_, err := pods.Patch(ctx, podName(b.ID), types.MergePatchType, patch, metav1.PatchOptions{FieldManager: fieldManager})
		if ignoreNotFound(err) != nil {
			return fmt.Errorf("kubernetes: mark pod %s: %w", podName(b.ID), err)
		}
	}
	return nil
}

// filesDigest names the content of the brokers' secret files.
func filesDigest(files streamplane.BrokerFiles) string {
	h := sha256.New()
	for _, id := range slices.Sorted(maps.Keys(files.Keystores)) {
		fmt.Fprintf(h, "%d:%x;", id, sha256.Sum256(files.Keystores[id]))
	}
	fmt.Fprintf(h, "ca:%x;plain:%x", sha256.Sum256(files.ClientsCA), sha256.Sum256(files.PlainUsers))
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Format makes the broker's volume claim. The volume itself is formatted
// by the pod's init container, on the node that mounts it, before the
// broker starts; it does nothing once the volume is formatted.
func (p *Provisioner) Format(ctx context.Context, inst *streamplane.Instance, b *streamplane.Broker, _ streamplane.Credentials) error {
	if inst.ClusterID == "" {
		return fmt.Errorf("kubernetes: instance %s has no cluster id to format with", inst.Name)
	}
	return p.applyClaim(ctx, inst, b.ID)
}

// applyClaim makes a broker's volume claim, or grows it to the instance's
// storage per broker. A claim never shrinks (Kubernetes refuses), and
// grows only where its storage class allows expansion.
func (p *Provisioner) applyClaim(ctx context.Context, inst *streamplane.Instance, node int) error {
	want := p.dataClaimObject(inst, node)
	cur, err := p.client.CoreV1().PersistentVolumeClaims(p.namespace(inst)).Get(ctx, want.Name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = p.apply(ctx, want)
		return err
	case err != nil:
		return fmt.Errorf("kubernetes: read PersistentVolumeClaim %s: %w", want.Name, err)
	}
	have, need := cur.Spec.Resources.Requests[corev1.ResourceStorage], want.Spec.Resources.Requests[corev1.ResourceStorage]
	if need.Cmp(have) <= 0 {
		return nil
	}
	if err := p.checkExpandable(ctx, cur); err != nil {
		return err
	}
	_, err = p.apply(ctx, want)
	return err
}
