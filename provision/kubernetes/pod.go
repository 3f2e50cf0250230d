package kubernetes

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaconfig"
	"github.com/streamplane/streamplane/kafkaruntime"
)

// brokerUser is the broker image's user (deploy/kafka/Dockerfile): pods run
// as it, never as root, and own their volume through fsGroup.
const brokerUser = 1001

// podSecurity runs a pod as the image's user, never root, owning its
// volumes through fsGroup.
func podSecurity() *corev1.PodSecurityContext {
	user, yes := int64(brokerUser), true
	return &corev1.PodSecurityContext{RunAsUser: &user, RunAsGroup: &user, FSGroup: &user, RunAsNonRoot: &yes}
}

// restrictedContainer is Pod Security's "restricted" profile for a
// container, with a read-only root file system: brokers and MirrorMaker
// write only to their volumes.
func restrictedContainer() *corev1.SecurityContext {
	no, yes := false, true
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: &no, ReadOnlyRootFilesystem: &yes, RunAsNonRoot: &yes,
		Capabilities:   &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// storageTool formats a broker's volume; it is in the runtime's jars.
const storageTool = "kafka.tools.StorageTool"

// heapMB is a broker's heap in a pod: a quarter of the flavor's memory, as
// the page cache wants the rest, and never less than the local heap.
func heapMB(f streamplane.Flavor) int { return max(f.HeapMB, f.MemoryGB*1024/4) }

// dataClaimObject is a broker's volume. Its size is the instance's storage
// per broker; it outlives the pod, so restarts and rolls keep the data.
func (p *Provisioner) dataClaimObject(inst *streamplane.Instance, node int) *corev1.PersistentVolumeClaim {
	claim := &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: p.meta(inst, dataClaim(node), brokerLabels(inst, node)),
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceStorage: *resource.NewQuantity(int64(inst.StorageGBPerBroker)<<30, resource.BinarySI),
			}},
		},
	}
	if p.cfg.StorageClass != "" {
		claim.Spec.StorageClassName = &p.cfg.StorageClass
	}
	return claim
}

// listenersOverride is the listeners setting a pod starts with: the
// configuration's, bound to the pod's own address ($(POD_IP), which the
// kubelet expands) rather than every address.
func listenersOverride(props *kafkaconfig.Properties) (string, error) {
	listeners, ok := props.Get("listeners")
	if !ok {
		return "", fmt.Errorf("kubernetes: the broker configuration has no listeners")
	}
	return "listeners=" + strings.ReplaceAll(listeners, "://"+anyAddress+":", "://$(POD_IP):"), nil
}

// anyAddress is where server.properties binds listeners, so that the
// storage tool, which reads the same file, finds valid listeners.
const anyAddress = "0.0.0.0"

// podObject is a broker's pod. An init container formats the volume for
// the instance's cluster id (doing nothing once it is formatted), then the
// broker runs with its configuration from the Secret and ConfigMap.
func (p *Provisioner) podObject(inst *streamplane.Instance, b *streamplane.Broker, props *kafkaconfig.Properties, rt kafkaruntime.Runtime) (*corev1.Pod, error) {
	flavor, ok := streamplane.LookupFlavor(inst.Flavor)
	if !ok {
		return nil, fmt.Errorf("kubernetes: unknown flavor %q", inst.Flavor)
	}
	override, err := listenersOverride(props)
	if err != nil {
		return nil, err
	}
	_, _, logFlag := rt.ConsoleLogConfig(configDir)
	classpath := path.Join(libDir, "*") + ":" + path.Join(pluginDir, "*")
	agent := path.Join(libDir, kafkaruntime.MetricsAgent.Name+"-"+kafkaruntime.MetricsAgent.Version+".jar")
	config := path.Join(secretDir, serverProperties)

	brokerArgs := append(kafkaconfig.JVMFlags(heapMB(flavor)),
		"-Dkafka.logs.dir="+logDir, logFlag,
		"-Dstreamplane.instance="+inst.ID, "-Dstreamplane.node="+strconv.Itoa(b.ID),
		fmt.Sprintf("-javaagent:%s=$(POD_IP):%d:%s", agent, portMetrics, path.Join(configDir, metricsFile)),
		"-cp", classpath, "kafka.Kafka", config, "--override", override)
	formatArgs := []string{"-Xmx256m", "-Dkafka.logs.dir=" + logDir, logFlag, "-cp", classpath,
		storageTool, "format", "--ignore-formatted", "-t", inst.ClusterID, "-c", config}

	mounts := []corev1.VolumeMount{
		{Name: "secret", MountPath: secretDir, ReadOnly: true},
		{Name: "config", MountPath: configDir, ReadOnly: true},
		{Name: "tls", MountPath: tlsDir, ReadOnly: true},
		{Name: "client-auth", MountPath: clientAuthDir, ReadOnly: true},
		{Name: "data", MountPath: dataDir},
		{Name: "logs", MountPath: logDir},
		{Name: "tmp", MountPath: tmpDir},
	}
	env := []corev1.EnvVar{{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}}
	image := p.image(inst.BrokerVersion(b))
	memory := *resource.NewQuantity(int64(flavor.MemoryGB)<<30, resource.BinarySI)
	no := false
	grace := int64(120)
	restricted := restrictedContainer()
	container := func(name string, args []string) corev1.Container {
		return corev1.Container{
			Name: name, Image: image, ImagePullPolicy: p.cfg.ImagePullPolicy,
			Command: []string{"java"}, Args: args, Env: env, VolumeMounts: mounts, SecurityContext: restricted,
		}
	}
	format := container("format", formatArgs)
	kafka := container(containerName, brokerArgs)
	kafka.Ports = []corev1.ContainerPort{
		{Name: "internal", ContainerPort: portInternal}, {Name: "private", ContainerPort: portPrivate},
		{Name: "metrics", ContainerPort: portMetrics},
	}
	if b.IsController() {
		kafka.Ports = append(kafka.Ports, corev1.ContainerPort{Name: "controller", ContainerPort: portController})
	}
	if inst.PublicAccess {
		kafka.Ports = append(kafka.Ports, corev1.ContainerPort{Name: "public", ContainerPort: portPublic})
	}
	kafka.Resources = corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: *resource.NewQuantity(int64(flavor.VCPUs), resource.DecimalSI), corev1.ResourceMemory: memory},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: memory},
	}
	// Ready once the broker accepts connections on its client listener,
	// which Kafka opens only when the broker has started.
	kafka.ReadinessProbe = &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(portPrivate)}},
		PeriodSeconds: 2, FailureThreshold: 3,
	}

	secretMode := int32(0o440)
	pod := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: p.meta(inst, podName(b.ID), brokerLabels(inst, b.ID)),
		Spec: corev1.PodSpec{
			Hostname: podName(b.ID), Subdomain: headlessService,
			InitContainers: []corev1.Container{format},
			Containers:     []corev1.Container{kafka},
			RestartPolicy:  corev1.RestartPolicyAlways,
			// The broker's controlled shutdown moves leadership away;
			// Stop's own timeout is what a roll waits, this only bounds it.
			TerminationGracePeriodSeconds: &grace,
			AutomountServiceAccountToken:  &no,
			EnableServiceLinks:            &no,
			SecurityContext:               podSecurity(),
			Volumes: []corev1.Volume{
				{Name: "secret", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: brokerSecret(b.ID), DefaultMode: &secretMode}}},
				{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: brokerConfigMap(b.ID)}}}},
				{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: brokerTLSSecret(b.ID), DefaultMode: &secretMode}}},
				{Name: "client-auth", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: clientAuthSecret, DefaultMode: &secretMode}}},
				{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: dataClaim(b.ID)}}},
				{Name: "logs", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			},
			// Brokers of an instance spread over zones and nodes; a broker
			// placed in a zone stays on that zone's nodes, where its rack
			// (broker.rack) says it is.
			TopologySpreadConstraints: []corev1.TopologySpreadConstraint{
				{MaxSkew: 1, TopologyKey: zoneLabel, WhenUnsatisfiable: corev1.ScheduleAnyway, LabelSelector: &metav1.LabelSelector{MatchLabels: selectorLabels(inst)}},
				{MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.ScheduleAnyway, LabelSelector: &metav1.LabelSelector{MatchLabels: selectorLabels(inst)}},
			},
		},
	}
	if b.Rack != "" && len(p.cfg.Zones) > 0 {
		pod.Spec.NodeSelector = map[string]string{zoneLabel: b.Rack}
	}
	return pod, nil
}
