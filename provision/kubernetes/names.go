package kubernetes

import (
	"fmt"
	"strconv"

	streamplane "github.com/streamplane/streamplane"
)

// Every broker pod has its own network namespace, so every broker listens
// on the same ports; nothing is reserved from a range as locally.
const (
	portController = 9090
	portInternal   = 9091
	portPrivate    = 9092
	portPublic     = 9094
	portMetrics    = 9404
)

// Paths inside the broker image and its pods. The image (deploy/kafka)
// puts the runtime's jars in libDir and Streamplane's broker plugin in
// pluginDir; the rest are volumes.
const (
	libDir        = "/opt/kafka/libs"
	pluginDir     = "/opt/streamplane/plugin"
	secretDir     = "/etc/kafka/secret"      // Secret broker-N: server.properties (credentials inside)
	tlsDir        = "/etc/kafka/tls"         // Secret broker-N-tls: the broker's key and certificate
	configDir     = "/etc/kafka/config"      // ConfigMap broker-N-config: logging and metrics settings
	clientAuthDir = "/etc/kafka/client-auth" // Secret client-auth: clients' CA, PLAIN users
	dataDir       = "/var/lib/kafka"         // the broker's PersistentVolumeClaim
	logDir        = "/var/log/kafka"
	tmpDir        = "/tmp"

	serverProperties = "server.properties"
	keystoreFile     = "keystore.pem"
	clientsCAFile    = "ca.pem"
	plainUsersFile   = "plain-users"
	metricsFile      = "metrics.yaml"
)

// Labels on every object Streamplane makes, so that an instance's objects
// can be listed, and nothing else is ever touched.
const (
	labelManagedBy  = "app.kubernetes.io/managed-by"
	labelName       = "app.kubernetes.io/name"
	labelInstance   = "app.kubernetes.io/instance"
	labelComponent  = "app.kubernetes.io/component"
	labelInstanceID = "streamplane.dev/instance-id"
	annotationName  = "streamplane.dev/instance-name" // not a label: a name may end in "-", which labels refuse
	annotationFiles = "streamplane.dev/files-digest"  // the secret files the pod should see (WriteFiles)
	labelNodeID     = "streamplane.dev/node-id"
	labelPodName    = "streamplane.dev/pod-name"
	managedBy       = "streamplane"
	zoneLabel       = "topology.kubernetes.io/zone"
	fieldManager    = "streamplane"
)

// Object names inside an instance's namespace.
const (
	headlessService  = "brokers"
	bootstrapService = "bootstrap"
	clientAuthSecret = "client-auth"
	disruptionBudget = "brokers"
	networkPolicy    = "brokers"
	containerName    = "kafka"
)

func podName(node int) string           { return "broker-" + strconv.Itoa(node) }
func brokerSecret(node int) string      { return podName(node) }
func brokerTLSSecret(node int) string   { return podName(node) + "-tls" }
func brokerConfigMap(node int) string   { return podName(node) + "-config" }
func dataClaim(node int) string         { return "data-" + podName(node) }
func publicServiceName(node int) string { return podName(node) + "-public" }

// namespace is the instance's own namespace: every object of the instance
// lives there, and deleting it deletes them all.
func (p *Provisioner) namespace(inst *streamplane.Instance) string { return p.namespaceOf(inst.ID) }

// namespaceOf is the namespace of the instance with this id.
func (p *Provisioner) namespaceOf(instanceID string) string {
	return p.cfg.NamespacePrefix + instanceID
}

// nodeHost is a broker's stable DNS name: the pod's hostname under the
// headless Service, published before the pod is ready.
func (p *Provisioner) nodeHost(inst *streamplane.Instance, node int) string {
	return fmt.Sprintf("%s.%s.%s.svc.%s", podName(node), headlessService, p.namespace(inst), p.cfg.ClusterDomain)
}

// instanceLabels select every object of an instance.
func instanceLabels(inst *streamplane.Instance) map[string]string {
	return map[string]string{labelManagedBy: managedBy, labelName: "kafka", labelInstance: inst.ID, labelInstanceID: inst.ID}
}

// instanceAnnotations name the instance for people reading the objects.
func instanceAnnotations(inst *streamplane.Instance) map[string]string {
	return map[string]string{annotationName: inst.Name}
}

// selectorLabels select an instance's broker pods (they never change, so
// they suit immutable selectors).
func selectorLabels(inst *streamplane.Instance) map[string]string {
	return map[string]string{labelInstanceID: inst.ID, labelComponent: "broker"}
}

func brokerLabels(inst *streamplane.Instance, node int) map[string]string {
	l := instanceLabels(inst)
	l[labelComponent] = "broker"
	l[labelNodeID] = strconv.Itoa(node)
	l[labelPodName] = podName(node)
	return l
}
