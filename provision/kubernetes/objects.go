package kubernetes

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	streamplane "github.com/streamplane/streamplane"
)

// The objects of an instance, built from its desired state alone: the
// functions here read nothing and write nothing, so the golden tests see
// exactly what the cluster is asked for.

func (p *Provisioner) meta(inst *streamplane.Instance, name string, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: p.namespace(inst), Labels: labels, Annotations: instanceAnnotations(inst)}
}

func (p *Provisioner) namespaceObject(inst *streamplane.Instance) *corev1.Namespace {
	l := instanceLabels(inst)
	// Pods of the namespace may not run privileged, whatever a later
	// change to their spec says.
	l["pod-security.kubernetes.io/enforce"] = "restricted"
	return &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{Name: p.namespace(inst), Labels: l, Annotations: instanceAnnotations(inst)},
	}
}

// headlessServiceObject gives every broker pod its DNS name
// (broker-N.brokers.<namespace>.svc), published before the pod is ready:
// brokers must find each other to become ready.
func (p *Provisioner) headlessServiceObject(inst *streamplane.Instance) *corev1.Service {
	ports := []corev1.ServicePort{
		servicePort("internal", portInternal), servicePort("controller", portController),
		servicePort("private", portPrivate), servicePort("metrics", portMetrics),
	}
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: p.meta(inst, headlessService, instanceLabels(inst)),
		Spec: corev1.ServiceSpec{
			ClusterIP: corev1.ClusterIPNone, PublishNotReadyAddresses: true,
			Selector: selectorLabels(inst), Ports: ports,
		},
	}
}

// bootstrapServiceObject is the one address clients in the cluster start
// from: the private listener of every ready broker.
func (p *Provisioner) bootstrapServiceObject(inst *streamplane.Instance) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: p.meta(inst, bootstrapService, instanceLabels(inst)),
		Spec: corev1.ServiceSpec{
			Type: corev1.ServiceTypeClusterIP, Selector: selectorLabels(inst),
			Ports: []corev1.ServicePort{servicePort("private", portPrivate)},
		},
	}
}

// publicServiceObject exposes one broker's public listener: each broker
// needs its own address, because clients connect to the broker that leads
// a partition, not to any.
func (p *Provisioner) publicServiceObject(inst *streamplane.Instance, node int) *corev1.Service {
	selector := selectorLabels(inst)
	selector[labelPodName] = podName(node)
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: p.meta(inst, publicServiceName(node), brokerLabels(inst, node)),
		Spec: corev1.ServiceSpec{
			Type: p.cfg.PublicServiceType, Selector: selector,
			Ports: []corev1.ServicePort{servicePort("public", portPublic)},
		},
	}
}

func servicePort(name string, port int32) corev1.ServicePort {
	return corev1.ServicePort{Name: name, Port: port, TargetPort: intstr.FromInt32(port), Protocol: corev1.ProtocolTCP}
}

// disruptionBudgetObject lets a node drain take one broker at a time: with
// replication 3 and min.insync.replicas 2, one broker down keeps every
// partition writable.
func (p *Provisioner) disruptionBudgetObject(inst *streamplane.Instance) *policyv1.PodDisruptionBudget {
	one := intstr.FromInt32(1)
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: p.meta(inst, disruptionBudget, instanceLabels(inst)),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: &one, Selector: &metav1.LabelSelector{MatchLabels: selectorLabels(inst)},
		},
	}
}

// networkPolicyObject lets anyone reach the client listeners, and only the
// instance's own brokers and the Streamplane server reach the internal and
// controller listeners (super-user principals) and the metrics.
func (p *Provisioner) networkPolicyObject(inst *streamplane.Instance) *networkingv1.NetworkPolicy {
	tcp := corev1.ProtocolTCP
	ports := func(nums ...int32) []networkingv1.NetworkPolicyPort {
		var out []networkingv1.NetworkPolicyPort
		for _, n := range nums {
			port := intstr.FromInt32(n)
			out = append(out, networkingv1.NetworkPolicyPort{Protocol: &tcp, Port: &port})
		}
		return out
	}
	control := []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: selectorLabels(inst)}}}
	if p.cfg.ControlNamespace != "" {
		control = append(control, networkingv1.NetworkPolicyPeer{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": p.cfg.ControlNamespace}},
			PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{labelName: "streamplane"}},
		})
	}
	for _, cidr := range p.cfg.ControlCIDRs {
		control = append(control, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr}})
	}
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: p.meta(inst, networkPolicy, instanceLabels(inst)),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: selectorLabels(inst)},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{
				{Ports: ports(portPrivate, portPublic)},
				{Ports: ports(portInternal, portController, portMetrics), From: control},
			},
		},
	}
}

// brokerSecretObject holds a broker's server.properties: secret, because
// the control-plane principals' passwords are in its JAAS settings.
func (p *Provisioner) brokerSecretObject(inst *streamplane.Instance, node int, properties []byte) *corev1.Secret {
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: p.meta(inst, brokerSecret(node), brokerLabels(inst, node)),
		Type:       corev1.SecretTypeOpaque, Data: map[string][]byte{serverProperties: properties},
	}
}

// brokerTLSSecretObject holds a broker's private key and certificate chain
// (PEM), apart from its configuration: a certificate is replaced without
// the broker's settings, which WriteFiles cannot render.
func (p *Provisioner) brokerTLSSecretObject(inst *streamplane.Instance, node int, keystore []byte) *corev1.Secret {
	data := map[string][]byte{}
	if len(keystore) > 0 {
		data[keystoreFile] = keystore
	}
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: p.meta(inst, brokerTLSSecret(node), brokerLabels(inst, node)),
		Type:       corev1.SecretTypeOpaque, Data: data,
	}
}

// clientAuthSecretObject holds what every broker checks clients against:
// the CA their certificates must chain to and the PLAIN users.
func (p *Provisioner) clientAuthSecretObject(inst *streamplane.Instance, files streamplane.BrokerFiles) *corev1.Secret {
	data := map[string][]byte{}
	if len(files.ClientsCA) > 0 {
		data[clientsCAFile] = files.ClientsCA
	}
	if inst.HasMechanism(streamplane.MechanismPlain) {
		data[plainUsersFile] = files.PlainUsers
	}
	return &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: p.meta(inst, clientAuthSecret, instanceLabels(inst)),
		Type:       corev1.SecretTypeOpaque, Data: data,
	}
}

// brokerConfigMapObject holds a broker's settings that are not secret:
// logging (its runtime's own format) and the metrics exporter's rules.
func (p *Provisioner) brokerConfigMapObject(inst *streamplane.Instance, node int, files map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: p.meta(inst, brokerConfigMap(node), brokerLabels(inst, node)),
		Data:       maps.Clone(files),
	}
}
