package kubernetes

import (
	"context"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaplugin"
	"github.com/streamplane/streamplane/kafkaruntime"
)

// The tests run the provisioner against client-go's fake clientset, which
// stores objects and applies server-side, but runs no controller: the
// helpers here stand in for the parts of a cluster the provisioner waits
// on (the node port allocator, the kubelet, the namespace controller).

// Fixed identities, so that golden files do not change from run to run.
const (
	testInstanceID = "0d3c5a7e-1c2b-4a5d-8e6f-7a8b9c0d1e2f"
	testClusterID  = "c3RyZWFtcGxhbmUtdGVzdA"
	testNamespace  = "sp-" + testInstanceID
	firstNodePort  = 31000
)

// Obviously fake control-plane credentials and files: they end up in the
// golden files.
var (
	testCreds = streamplane.Credentials{
		ControllerUser: "sp-controller", ControllerPassword: "FAKE-controller-password",
		AdminUser: "sp-admin", AdminPassword: "FAKE-admin-password",
	}
	testFiles = streamplane.BrokerFiles{
		Keystores: map[int][]byte{
			0: []byte("-----BEGIN FAKE PRIVATE KEY-----\nbroker 0, not a key\n-----END FAKE PRIVATE KEY-----\n"),
			1: []byte("-----BEGIN FAKE PRIVATE KEY-----\nbroker 1, not a key\n-----END FAKE PRIVATE KEY-----\n"),
			2: []byte("-----BEGIN FAKE PRIVATE KEY-----\nbroker 2, not a key\n-----END FAKE PRIVATE KEY-----\n"),
			3: []byte("-----BEGIN FAKE PRIVATE KEY-----\nbroker 3, not a key\n-----END FAKE PRIVATE KEY-----\n"),
		},
		ClientsCA:  []byte("-----BEGIN FAKE CERTIFICATE-----\nclients' CA, not a certificate\n-----END FAKE CERTIFICATE-----\n"),
		PlainUsers: []byte(`{"alice":"FAKE-not-a-hash"}` + "\n"),
	}
)

// plainPlugin is the server's PLAIN plugin (server/plain.go).
type plainPlugin struct{}

func (plainPlugin) ListenerConfig(listener, credentialsFile string) map[string]string {
	return kafkaplugin.ListenerConfig(listener, credentialsFile)
}

func testConfig() Config {
	return Config{
		PublicHost: "kafka.example.com", Zones: []string{"az1", "az2", "az3"},
		StorageClass: "standard", ControlNamespace: "streamplane", Plugin: plainPlugin{},
		StartTimeout: 20 * time.Second,
	}
}

// newInstance makes an instance as the service does (service/instances.go):
// the spec normalized against the catalog and the provisioner's zones, one
// broker per count with racks round-robin over the zones; then as a store
// loads it (Finish).
func newInstance(t *testing.T, p *Provisioner, spec streamplane.InstanceSpec) *streamplane.Instance {
	t.Helper()
	if err := spec.Normalize(streamplane.Placement{Versions: kafkaruntime.Versions(), Zones: p.Zones()}); err != nil {
		t.Fatal(err)
	}
	inst := &streamplane.Instance{
		ID: testInstanceID, Name: spec.Name, Description: spec.Description, Version: spec.Version, Flavor: spec.Flavor,
		BrokerCount: spec.BrokerCount, StorageGBPerBroker: spec.StorageGBPerBroker, DiskType: spec.DiskType,
		Zones: spec.Zones, AutoCreateTopics: spec.AutoCreateTopics, Tags: spec.Tags, Status: streamplane.InstanceCreating,
		SecurityProtocol: spec.SecurityProtocol, SASLMechanisms: spec.SASLMechanisms, KafkaUser: spec.KafkaUser,
		PublicAccess: spec.PublicAccess, Project: spec.Project, CapacityPolicy: spec.CapacityPolicy,
		ClusterID: testClusterID,
	}
	if rel, ok := kafkaruntime.Lookup(spec.Version); ok {
		inst.MetadataLevel = rel.MetadataLevel
	}
	for i := range spec.BrokerCount {
		roles := []string{streamplane.RoleBroker}
		if i < streamplane.ControllerCount(spec.BrokerCount) {
			roles = append(roles, streamplane.RoleController)
		}
		inst.Brokers = append(inst.Brokers, streamplane.Broker{
			ID: i, Roles: roles, State: streamplane.BrokerStarting, Rack: spec.Zones[i%len(spec.Zones)],
		})
	}
	inst.Finish()
	return inst
}

// The instances the tests and golden files use.
var (
	devSpec = streamplane.InstanceSpec{
		Name: "dev-box", Version: "4.1.2", Flavor: streamplane.DevFlavor, BrokerCount: 1, StorageGBPerBroker: 10,
	}
	publicSpec = streamplane.InstanceSpec{
		Name: "orders", Version: "4.1.2", Flavor: "kafka.4u8g.cluster", BrokerCount: 3, StorageGBPerBroker: 300,
		Zones: []string{"az1", "az2", "az3"}, SecurityProtocol: streamplane.ProtocolSASLSSL,
		SASLMechanisms: []string{streamplane.MechanismSCRAM, streamplane.MechanismPlain},
		KafkaUser:      "alice", KafkaPassword: "FAKE-password-1", PublicAccess: true,
	}
	upgradeSpec = streamplane.InstanceSpec{
		Name: "payments", Version: "4.1.2", Flavor: "kafka.2u4g.cluster", BrokerCount: 3, StorageGBPerBroker: 100,
		Zones: []string{"az1", "az2", "az3"},
	}
)

// upgrading is inst part way through an upgrade from 3.9.2: the roller
// has moved every broker but the last onto the instance's version.
func upgrading(inst *streamplane.Instance) *streamplane.Instance {
	inst.UpgradeFrom = "3.9.2"
	inst.Brokers[len(inst.Brokers)-1].Version = "3.9.2"
	return inst
}

// newCluster is an empty fake cluster whose API server, like a real one,
// gives every port of a NodePort or LoadBalancer Service a node port when
// the Service is made.
func newCluster() *fake.Clientset {
	cs := fake.NewClientset()
	var mu sync.Mutex
	next := int32(firstNodePort)
	tracker := cs.Tracker()
	services := corev1.SchemeGroupVersion.WithResource("services")
	cs.PrependReactor("patch", "services", func(a k8stesting.Action) (bool, runtime.Object, error) {
		handled, obj, err := k8stesting.ObjectReaction(tracker)(a)
		if !handled || err != nil {
			return handled, obj, err
		}
		svc := obj.(*corev1.Service)
		if svc.Spec.Type != corev1.ServiceTypeNodePort && svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
			return true, svc, nil
		}
		allocated := false
		for i := range svc.Spec.Ports {
			if svc.Spec.Ports[i].NodePort == 0 {
				mu.Lock()
				svc.Spec.Ports[i].NodePort, next = next, next+1
				mu.Unlock()
				allocated = true
			}
		}
		if allocated {
			if err := tracker.Update(services, svc, svc.Namespace, metav1.UpdateOptions{FieldManager: "kube-apiserver"}); err != nil {
				return true, nil, err
			}
		}
		return true, svc, nil
	})
	return cs
}

// runKubelet stands in for the cluster's kubelets until the test ends:
// every pod made from now on gets the status status gives it, as a kubelet
// would report it once it has started (or failed to start) the pod.
func runKubelet(t *testing.T, cs *fake.Clientset, status func(*corev1.Pod) corev1.PodStatus) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	w, err := cs.CoreV1().Pods("").Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); w.Stop(); <-done })
	go func() {
		defer close(done)
		for ev := range w.ResultChan() {
			pod, ok := ev.Object.(*corev1.Pod)
			if ev.Type != watch.Added || !ok {
				continue
			}
			pod = pod.DeepCopy()
			pod.Status = status(pod)
			if _, err := cs.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{FieldManager: "kubelet"}); err != nil && ctx.Err() == nil {
				t.Errorf("kubelet: update the status of pod %s: %v", pod.Name, err)
			}
		}
	}()
}

// startedAt is when the fake kubelet says a broker container started.
var startedAt = metav1.NewTime(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))

// runningStatus is a pod whose init containers have completed and whose
// containers run, at 127.0.0.1 (where tests listen, to stand for a broker).
func runningStatus(pod *corev1.Pod) corev1.PodStatus {
	status := corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "127.0.0.1"}
	for _, c := range pod.Spec.InitContainers {
		status.InitContainerStatuses = append(status.InitContainerStatuses, corev1.ContainerStatus{Name: c.Name, State: corev1.ContainerState{
			Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}})
	}
	for _, c := range pod.Spec.Containers {
		status.ContainerStatuses = append(status.ContainerStatuses, corev1.ContainerStatus{Name: c.Name, Ready: true, State: corev1.ContainerState{
			Running: &corev1.ContainerStateRunning{StartedAt: startedAt}}})
	}
	return status
}

// newProvisioner is a provisioner on a new fake cluster with a running
// kubelet and a storage class "standard" that allows volume expansion
// as expand says.
func newProvisioner(t *testing.T, expand bool) (*Provisioner, *fake.Clientset) {
	t.Helper()
	cs := newCluster()
	if _, err := cs.StorageV1().StorageClasses().Create(context.Background(), storageClass("standard", expand), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return New(testConfig(), cs, nil), cs
}

func storageClass(name string, expand bool) *storagev1.StorageClass {
	return &storagev1.StorageClass{
		ObjectMeta:           metav1.ObjectMeta{Name: name},
		Provisioner:          "csi.example.com",
		AllowVolumeExpansion: &expand,
	}
}

// filesFor are the secret files the workflow gives inst's brokers
// (workflow/files.go): TLS material for SASL_SSL, the users for PLAIN.
func filesFor(inst *streamplane.Instance) streamplane.BrokerFiles {
	var f streamplane.BrokerFiles
	if inst.SASL() {
		f.Keystores, f.ClientsCA = testFiles.Keystores, testFiles.ClientsCA
	}
	if inst.HasMechanism(streamplane.MechanismPlain) {
		f.PlainUsers = testFiles.PlainUsers
	}
	return f
}
