package kubernetes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaconfig"
	"github.com/streamplane/streamplane/poll"
)

// create runs what the create workflow runs (workflow/create.go) on the
// cluster: Place, Configure, Format and Start of every broker, and checks
// that Start reports when the kubelet started each broker.
func create(t *testing.T, p *Provisioner, inst *streamplane.Instance) {
	t.Helper()
	ctx := context.Background()
	if err := p.Place(ctx, inst); err != nil {
		t.Fatal(err)
	}
	if err := p.Configure(ctx, inst, testCreds, filesFor(inst)); err != nil {
		t.Fatal(err)
	}
	for i := range inst.Brokers {
		if err := p.Format(ctx, inst, &inst.Brokers[i], testCreds); err != nil {
			t.Fatal(err)
		}
	}
	for i := range inst.Brokers {
		start(t, p, inst, &inst.Brokers[i])
	}
}

func start(t *testing.T, p *Provisioner, inst *streamplane.Instance, b *streamplane.Broker) {
	t.Helper()
	proc, err := p.Start(context.Background(), inst, b)
	if err != nil {
		t.Fatal(err)
	}
	if !proc.StartedAt.Equal(startedAt.Time) {
		t.Errorf("broker %d: Start says it started at %v, want the container's startedAt %v", b.ID, proc.StartedAt, startedAt.Time)
	}
}

// snapshot is every object of the kinds the provisioner makes, anywhere
// in the cluster, by "Kind namespace/name".
func snapshot(t *testing.T, cs *fake.Clientset) map[string]runtime.Object {
	t.Helper()
	ctx, all := context.Background(), metav1.ListOptions{}
	out := map[string]runtime.Object{}
	add := func(kind string, list runtime.Object, err error) {
		if err != nil {
			t.Fatal(err)
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			t.Fatal(err)
		}
		for _, item := range items {
			m := item.(metav1.Object)
			out[key(kind, m.GetNamespace(), m.GetName())] = item
		}
	}
	core := cs.CoreV1()
	namespaces, err := core.Namespaces().List(ctx, all)
	add("Namespace", namespaces, err)
	secrets, err := core.Secrets("").List(ctx, all)
	add("Secret", secrets, err)
	configMaps, err := core.ConfigMaps("").List(ctx, all)
	add("ConfigMap", configMaps, err)
	services, err := core.Services("").List(ctx, all)
	add("Service", services, err)
	claims, err := core.PersistentVolumeClaims("").List(ctx, all)
	add("PersistentVolumeClaim", claims, err)
	pods, err := core.Pods("").List(ctx, all)
	add("Pod", pods, err)
	budgets, err := cs.PolicyV1().PodDisruptionBudgets("").List(ctx, all)
	add("PodDisruptionBudget", budgets, err)
	policies, err := cs.NetworkingV1().NetworkPolicies("").List(ctx, all)
	add("NetworkPolicy", policies, err)
	return out
}

func key(kind, namespace, name string) string {
	if namespace == "" {
		return kind + " " + name
	}
	return kind + " " + namespace + "/" + name
}

func keyOf(obj runtime.Object) string {
	m := obj.(metav1.Object)
	return key(obj.GetObjectKind().GroupVersionKind().Kind, m.GetNamespace(), m.GetName())
}

// brokerKeys are the objects of one broker.
func brokerKeys(node int) []string {
	return []string{
		key("Pod", testNamespace, podName(node)), key("PersistentVolumeClaim", testNamespace, dataClaim(node)),
		key("Secret", testNamespace, brokerSecret(node)), key("Secret", testNamespace, brokerTLSSecret(node)),
		key("ConfigMap", testNamespace, brokerConfigMap(node)), key("Service", testNamespace, publicServiceName(node)),
	}
}

// encode is obj as clients of the API server read it. (Objects the fake
// has decoded again, as a merge patch does, are equal in JSON but not
// always in memory: times and empty lists.)
func encode(t *testing.T, obj runtime.Object) string {
	t.Helper()
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// asApplied is obj as the provisioner sends it: without what the API
// server and the kubelet add (managed fields, status, node ports).
func asApplied(t *testing.T, obj runtime.Object) map[string]any {
	t.Helper()
	b, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	delete(m["metadata"].(map[string]any), "managedFields")
	delete(m, "status")
	delete(m, "apiVersion") // the fake's lists leave it out
	delete(m, "kind")
	if spec, ok := m["spec"].(map[string]any); ok {
		if ports, ok := spec["ports"].([]any); ok {
			for _, port := range ports {
				delete(port.(map[string]any), "nodePort")
			}
		}
	}
	return m
}

// A new instance's objects are exactly those the golden files show, each
// labelled with its instance, in the instance's namespace, and applied
// server-side by Streamplane.
func TestCreate(t *testing.T) {
	t.Parallel()
	p, cs := newProvisioner(t, true)
	runKubelet(t, cs, runningStatus)
	inst := newInstance(t, p, publicSpec)
	create(t, p, inst)

	public, err := p.applyPublicServices(context.Background(), inst)
	if err != nil {
		t.Fatal(err)
	}
	want, err := p.objects(inst, testCreds, filesFor(inst), public)
	if err != nil {
		t.Fatal(err)
	}
	got := snapshot(t, cs)
	var wantKeys []string
	for _, obj := range want {
		wantKeys = append(wantKeys, keyOf(obj))
	}
	if g, w := slices.Sorted(maps.Keys(got)), slices.Sorted(slices.Values(wantKeys)); !slices.Equal(g, w) {
		t.Fatalf("the cluster has\n%s\nwant\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
	for _, obj := range want {
		k := keyOf(obj)
		stored := got[k]
		m := stored.(metav1.Object)
		if _, ok := obj.(*corev1.Namespace); !ok && m.GetNamespace() != testNamespace {
			t.Errorf("%s is in namespace %q, want the instance's %s", k, m.GetNamespace(), testNamespace)
		}
		l := m.GetLabels()
		if l[labelManagedBy] != managedBy || l[labelInstanceID] != inst.ID || l[labelInstance] != inst.ID {
			t.Errorf("%s is labelled %v, want managed by %s and the instance's id", k, l, managedBy)
		}
		if m.GetAnnotations()[annotationName] != inst.Name {
			t.Errorf("%s annotations %v do not name the instance %s", k, m.GetAnnotations(), inst.Name)
		}
		if node, ok := l[labelNodeID]; ok && !strings.Contains(m.GetName(), "broker-"+node) {
			t.Errorf("%s is labelled node %s", k, node)
		}
		fields := m.GetManagedFields()
		if len(fields) == 0 || fields[0].Manager != fieldManager || fields[0].Operation != metav1.ManagedFieldsOperationApply {
			t.Errorf("%s was not applied server-side by %s: managed fields %v", k, fieldManager, fields)
		}
		if g, w := asApplied(t, stored), asApplied(t, obj); !reflect.DeepEqual(g, w) {
			gb, _ := json.MarshalIndent(g, "", " ")
			wb, _ := json.MarshalIndent(w, "", " ")
			t.Errorf("%s in the cluster differs from the rendered one:\n%s\nwant\n%s", k, gb, wb)
		}
	}
	for _, b := range inst.Brokers {
		pod := got[key("Pod", testNamespace, podName(b.ID))].(*corev1.Pod)
		if sel := pod.Spec.NodeSelector[zoneLabel]; sel != b.Rack {
			t.Errorf("broker %d in zone %s: pod node selector %v", b.ID, b.Rack, pod.Spec.NodeSelector)
		}
	}
}

// Configure applied again to an unchanged instance changes nothing in the
// cluster: every object, managed fields included, is as it was.
func TestConfigureTwice(t *testing.T) {
	t.Parallel()
	p, cs := newProvisioner(t, true)
	runKubelet(t, cs, runningStatus)
	inst := newInstance(t, p, publicSpec)
	create(t, p, inst)
	// The first Configure after the pods exist marks them with the digest
	// of the files they should see (WriteFiles); that is a change.
	if err := p.Configure(context.Background(), inst, testCreds, filesFor(inst)); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, cs)
	cs.ClearActions()
	if err := p.Configure(context.Background(), inst, testCreds, filesFor(inst)); err != nil {
		t.Fatal(err)
	}
	applied := 0
	for _, a := range cs.Actions() {
		if p, ok := a.(k8stesting.PatchAction); ok && p.GetPatchType() == "application/apply-patch+yaml" {
			applied++
		}
	}
	if applied == 0 {
		t.Fatal("the second Configure applied nothing; the test would show nothing")
	}
	after := snapshot(t, cs)
	for _, k := range slices.Sorted(maps.Keys(before)) {
		if was, is := encode(t, before[k]), encode(t, after[k]); was != is {
			t.Errorf("%s changed when Configure ran again:\n%s\nnow\n%s", k, was, is)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d objects after Configure ran again, %d before", len(after), len(before))
	}
}

// A pod whose image cannot be pulled fails Start at once, naming why,
// rather than when the start timeout ends.
func TestStart_ImagePull(t *testing.T) {
	t.Parallel()
	p, cs := newProvisioner(t, true)
	runKubelet(t, cs, func(*corev1.Pod) corev1.PodStatus {
		return corev1.PodStatus{
			Phase: corev1.PodPending,
			InitContainerStatuses: []corev1.ContainerStatus{{Name: "format", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
				Reason: "ErrImagePull", Message: `pull access denied for streamplane/kafka`}}}},
			ContainerStatuses: []corev1.ContainerStatus{{Name: containerName, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}}}},
		}
	})
	p.cfg.StartTimeout = time.Minute
	inst := newInstance(t, p, devSpec)
	ctx := context.Background()
	if err := p.Place(ctx, inst); err != nil {
		t.Fatal(err)
	}
	if err := p.Configure(ctx, inst, testCreds, filesFor(inst)); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	_, err := p.Start(ctx, inst, &inst.Brokers[0])
	if err == nil {
		t.Fatal("Start succeeded with an image that cannot be pulled")
	}
	for _, want := range []string{"ErrImagePull", "format", "pull access denied", podName(0)} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Start: %v; want a message naming %q", err, want)
		}
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Errorf("Start took %s to give up; want at once", took)
	}
}

// Inspect reads the informer's cache: a broker runs while its pod's kafka
// container does, and not once its pod is gone. Stop deletes the pod with
// the grace period asked for and returns when it is gone; Start then makes
// it again.
func TestInspectStopStart(t *testing.T) {
	t.Parallel()
	p, cs := newProvisioner(t, true)
	runKubelet(t, cs, runningStatus)
	inst := newInstance(t, p, upgradeSpec)
	ctx := t.Context()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	create(t, p, inst)
	b := &inst.Brokers[1]
	inspect := func(running bool) {
		t.Helper()
		err := poll.Until(ctx, 10*time.Millisecond, 5*time.Second, func(context.Context) error {
			proc, ok := p.Inspect(inst, b)
			if ok != running || (ok && !proc.StartedAt.Equal(startedAt.Time)) {
				return fmt.Errorf("Inspect says %v running since %v", ok, proc.StartedAt)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("want running=%v: %v", running, err)
		}
	}
	inspect(true)

	cs.ClearActions()
	if err := p.Stop(ctx, inst, b, 45*time.Second); err != nil {
		t.Fatal(err)
	}
	var deletes []k8stesting.DeleteActionImpl
	for _, a := range cs.Actions() {
		if d, ok := a.(k8stesting.DeleteActionImpl); ok && d.GetResource().Resource == "pods" {
			deletes = append(deletes, d)
		}
	}
	if len(deletes) != 1 || deletes[0].GetName() != podName(b.ID) || deletes[0].DeleteOptions.GracePeriodSeconds == nil || *deletes[0].DeleteOptions.GracePeriodSeconds != 45 {
		t.Fatalf("Stop deleted %+v; want pod %s with a grace period of 45 s", deletes, podName(b.ID))
	}
	if _, err := cs.CoreV1().Pods(testNamespace).Get(ctx, podName(b.ID), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("Stop returned and pod %s is still there (%v)", podName(b.ID), err)
	}
	inspect(false)
	if err := p.Stop(ctx, inst, b, time.Second); err != nil {
		t.Errorf("Stop of a stopped broker: %v", err)
	}
	for _, other := range []int{0, 2} {
		if _, ok := p.Inspect(inst, &inst.Brokers[other]); !ok {
			t.Errorf("broker %d stopped with broker %d", other, b.ID)
		}
	}

	start(t, p, inst, b)
	inspect(true)
}

// Scaling out makes the new broker's objects; Forget of a broker scaled
// in deletes them and nothing of the other brokers.
func TestScaleOutAndForget(t *testing.T) {
	t.Parallel()
	p, cs := newProvisioner(t, true)
	runKubelet(t, cs, runningStatus)
	inst := newInstance(t, p, publicSpec)
	create(t, p, inst)
	before := snapshot(t, cs)

	// As the scale task runs (workflow/scale.go AddBrokers).
	ctx := context.Background()
	added, _, err := inst.Scale(streamplane.ScaleRequest{BrokerCount: 4}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Place(ctx, inst); err != nil {
		t.Fatal(err)
	}
	if err := p.Configure(ctx, inst, testCreds, filesFor(inst)); err != nil {
		t.Fatal(err)
	}
	b, _ := inst.Broker(added[0])
	if err := p.Format(ctx, inst, b, testCreds); err != nil {
		t.Fatal(err)
	}
	start(t, p, inst, b)
	scaled := snapshot(t, cs)
	var made []string
	for k := range scaled {
		if _, ok := before[k]; !ok {
			made = append(made, k)
		}
	}
	if want := brokerKeys(b.ID); !slices.Equal(slices.Sorted(slices.Values(made)), slices.Sorted(slices.Values(want))) {
		t.Errorf("scaling out made %v; want %v", made, want)
	}
	pod := scaled[key("Pod", testNamespace, podName(b.ID))].(*corev1.Pod)
	for _, port := range pod.Spec.Containers[0].Ports {
		if port.Name == "controller" {
			t.Errorf("broker-only node %d's pod has a controller port", b.ID)
		}
	}
	if got := pod.Spec.NodeSelector[zoneLabel]; got != b.Rack || b.Rack == "" {
		t.Errorf("new broker in zone %q has node selector %q", b.Rack, got)
	}
	// The others' configuration counts the new broker in (the topic
	// policy's admin client), and keeps the quorum as it was.
	props := storedProperties(t, cs, 0)
	if !strings.Contains(props[kafkaconfig.PolicyAdmin+"bootstrap.servers"], p.nodeHost(inst, b.ID)) {
		t.Errorf("broker 0's topic policy does not reach the new broker: %s", props[kafkaconfig.PolicyAdmin+"bootstrap.servers"])
	}
	if strings.Contains(props["controller.quorum.voters"], fmt.Sprintf("%d@", b.ID)) {
		t.Errorf("the new broker joined the quorum: %s", props["controller.quorum.voters"])
	}

	// Scaling in (workflow/scale.go RetireBrokers).
	if _, _, err := inst.Scale(streamplane.ScaleRequest{RemoveBrokers: []int{b.ID}}, 0); err != nil {
		t.Fatal(err)
	}
	if err := p.Forget(ctx, inst, b); err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, cs)
	var gone []string
	for k := range scaled {
		if _, ok := after[k]; !ok {
			gone = append(gone, k)
		}
	}
	if want := brokerKeys(b.ID); !slices.Equal(slices.Sorted(slices.Values(gone)), slices.Sorted(slices.Values(want))) {
		t.Errorf("Forget deleted %v; want %v", gone, want)
	}
	for k, obj := range after {
		if encode(t, obj) != encode(t, scaled[k]) {
			t.Errorf("Forget of broker %d changed %s", b.ID, k)
		}
	}
}

func storedProperties(t *testing.T, cs *fake.Clientset, node int) map[string]string {
	t.Helper()
	secret, err := cs.CoreV1().Secrets(testNamespace).Get(context.Background(), brokerSecret(node), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	props, err := kafkaconfig.Decode(string(secret.Data[serverProperties]))
	if err != nil {
		t.Fatal(err)
	}
	return props
}

// Destroy deletes the instance's namespace, and returns only once the
// namespace controller has deleted it.
func TestDestroy(t *testing.T) {
	t.Parallel()
	p, cs := newProvisioner(t, true)
	runKubelet(t, cs, runningStatus)
	inst := newInstance(t, p, devSpec)
	create(t, p, inst)

	// A real namespace is deleted in the background: it terminates while
	// its objects go, then disappears. This one is seen terminating once.
	tracker, namespaces := cs.Tracker(), corev1.SchemeGroupVersion.WithResource("namespaces")
	var seenTerminating, removed atomic.Bool
	cs.PrependReactor("delete", "namespaces", func(a k8stesting.Action) (bool, runtime.Object, error) {
		obj, err := tracker.Get(namespaces, "", a.(k8stesting.DeleteAction).GetName())
		if err != nil {
			return true, nil, err
		}
		ns := obj.(*corev1.Namespace)
		ns.DeletionTimestamp, ns.Status.Phase = &metav1.Time{Time: time.Now()}, corev1.NamespaceTerminating
		return true, nil, tracker.Update(namespaces, ns, "", metav1.UpdateOptions{FieldManager: "kube-apiserver"})
	})
	cs.PrependReactor("get", "namespaces", func(a k8stesting.Action) (bool, runtime.Object, error) {
		name := a.(k8stesting.GetAction).GetName()
		obj, err := tracker.Get(namespaces, "", name)
		if err != nil || obj.(*corev1.Namespace).DeletionTimestamp == nil {
			return false, nil, nil
		}
		if seenTerminating.Swap(true) { // the namespace controller is done
			removed.Store(true)
			return true, nil, tracker.Delete(namespaces, "", name)
		}
		return false, nil, nil
	})

	if err := p.Destroy(context.Background(), inst); err != nil {
		t.Fatal(err)
	}
	if !removed.Load() {
		t.Error("Destroy returned while the namespace was still terminating")
	}
	deleted := false
	for _, a := range cs.Actions() {
		if d, ok := a.(k8stesting.DeleteAction); ok && d.GetResource().Resource == "namespaces" && d.GetName() == testNamespace {
			deleted = true
		}
	}
	if !deleted {
		t.Errorf("Destroy did not delete namespace %s", testNamespace)
	}
	if _, err := cs.CoreV1().Namespaces().Get(context.Background(), testNamespace, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace %s after Destroy: %v", testNamespace, err)
	}
	// Destroyed already: a task step run again.
	if err := p.Destroy(context.Background(), inst); err != nil {
		t.Errorf("Destroy again: %v", err)
	}
}

// Brokers' volumes grow only where their storage class allows it; the
// refusal is a precondition the user can read, and nothing changes.
func TestExpandStorage(t *testing.T) {
	t.Parallel()
	p, cs := newProvisioner(t, false)
	runKubelet(t, cs, runningStatus)
	inst := newInstance(t, p, devSpec)
	create(t, p, inst)
	ctx := context.Background()
	size := func() resource.Quantity {
		t.Helper()
		claim, err := cs.CoreV1().PersistentVolumeClaims(testNamespace).Get(ctx, dataClaim(0), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return claim.Spec.Resources.Requests[corev1.ResourceStorage]
	}

	inst.StorageGBPerBroker = 20
	for name, err := range map[string]error{"CheckStorageExpansion": p.CheckStorageExpansion(ctx, inst), "ExpandStorage": p.ExpandStorage(ctx, inst)} {
		var e *streamplane.Error
		if !errors.As(err, &e) || e.Code != streamplane.EPRECONDITION || !strings.Contains(e.Message, "standard") {
			t.Errorf("%s with allowVolumeExpansion false: %v; want %s naming the storage class", name, err, streamplane.EPRECONDITION)
		}
	}
	if got := size(); got.Cmp(resource.MustParse("10Gi")) != 0 {
		t.Errorf("the refused expansion left the claim at %s, want 10Gi", got.String())
	}

	if _, err := cs.StorageV1().StorageClasses().Update(ctx, storageClass("standard", true), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := p.CheckStorageExpansion(ctx, inst); err != nil {
		t.Errorf("CheckStorageExpansion with allowVolumeExpansion true: %v", err)
	}
	if err := p.ExpandStorage(ctx, inst); err != nil {
		t.Fatal(err)
	}
	if got := size(); got.Cmp(resource.MustParse("20Gi")) != 0 {
		t.Errorf("the claim requests %s after expansion, want 20Gi", got.String())
	}
	// A claim never shrinks: Kubernetes would refuse.
	inst.StorageGBPerBroker = 10
	if err := p.ExpandStorage(ctx, inst); err != nil {
		t.Fatal(err)
	}
	if got := size(); got.Cmp(resource.MustParse("20Gi")) != 0 {
		t.Errorf("the claim requests %s after asking for less, want it kept at 20Gi", got.String())
	}
}

// With public access, each broker is reached at PublicHost and its own
// Service's node port: from the instance's creation on (Place), in what
// Endpoints reports later, and in what the broker advertises.
func TestPublicAccess(t *testing.T) {
	t.Parallel()
	p, cs := newProvisioner(t, true)
	runKubelet(t, cs, runningStatus)
	ctx := t.Context()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	inst := newInstance(t, p, publicSpec)
	create(t, p, inst)
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		svc, err := cs.CoreV1().Services(testNamespace).Get(ctx, publicServiceName(b.ID), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if svc.Spec.Type != corev1.ServiceTypeNodePort || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].NodePort == 0 {
			t.Fatalf("broker %d's public Service: %+v", b.ID, svc.Spec)
		}
		want := net.JoinHostPort("kafka.example.com", strconv.Itoa(int(svc.Spec.Ports[0].NodePort)))
		if got := b.Endpoints[streamplane.ListenerPublicSASLSSL]; got != want {
			t.Errorf("broker %d: Place gave public endpoint %q, want %q (endpoints %v)", b.ID, got, want, b.Endpoints)
		}
		err = poll.Until(ctx, 10*time.Millisecond, 5*time.Second, func(context.Context) error {
			if got := p.Endpoints(inst, b)[streamplane.ListenerPublicSASLSSL]; got != want {
				return fmt.Errorf("Endpoints has %q", got)
			}
			return nil
		})
		if err != nil {
			t.Errorf("broker %d: want public endpoint %s: %v", b.ID, want, err)
		}
		advertised := storedProperties(t, cs, b.ID)["advertised.listeners"]
		if !strings.Contains(advertised, kafkaconfig.ListenerPublic+"://"+want) {
			t.Errorf("broker %d advertises %s; want %s://%s", b.ID, advertised, kafkaconfig.ListenerPublic, want)
		}
		if got, want := b.Endpoints[streamplane.ListenerPrivateSASLSSL], p.nodeHost(inst, b.ID)+":9092"; got != want {
			t.Errorf("broker %d: private endpoint %q, want %q", b.ID, got, want)
		}
	}

	// Public access off: the Services go, and so does the listener.
	inst.PublicAccess = false
	if err := p.Configure(ctx, inst, testCreds, filesFor(inst)); err != nil {
		t.Fatal(err)
	}
	for _, b := range inst.Brokers {
		if _, err := cs.CoreV1().Services(testNamespace).Get(ctx, publicServiceName(b.ID), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("broker %d's public Service after public access was turned off: %v", b.ID, err)
		}
		if l := storedProperties(t, cs, b.ID)["listeners"]; strings.Contains(l, kafkaconfig.ListenerPublic) {
			t.Errorf("broker %d still listens publicly: %s", b.ID, l)
		}
	}
}

// Behind a load balancer a broker's public address is the balancer's,
// once it has one; until then Configure refuses with a precondition,
// unless the user gave the broker an address of their own.
func TestPublicAccess_LoadBalancer(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.PublicServiceType = corev1.ServiceTypeLoadBalancer
	cs := newCluster()
	p := New(cfg, cs, nil)
	ctx := context.Background()
	inst := newInstance(t, p, publicSpec)
	if err := p.Place(ctx, inst); err != nil {
		t.Fatal(err)
	}
	err := p.Configure(ctx, inst, testCreds, filesFor(inst))
	if code := streamplane.ErrorCode(err); code != streamplane.EPRECONDITION {
		t.Fatalf("Configure before the load balancers have addresses: %v; want %s", err, streamplane.EPRECONDITION)
	}

	// The user's address for broker 0 stands in; the others get theirs.
	inst.Brokers[0].Advertised = map[string]string{streamplane.AdvertisePublic: "kafka-0.example.com:443"}
	for _, b := range inst.Brokers[1:] {
		svc, err := cs.CoreV1().Services(testNamespace).Get(ctx, publicServiceName(b.ID), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: fmt.Sprintf("203.0.113.%d", 10+b.ID)}}
		if _, err := cs.CoreV1().Services(testNamespace).UpdateStatus(ctx, svc, metav1.UpdateOptions{FieldManager: "cloud-controller"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Configure(ctx, inst, testCreds, filesFor(inst)); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int]string{0: "kafka-0.example.com:443", 1: "203.0.113.11:9094", 2: "203.0.113.12:9094"} {
		if advertised := storedProperties(t, cs, id)["advertised.listeners"]; !strings.Contains(advertised, kafkaconfig.ListenerPublic+"://"+want) {
			t.Errorf("broker %d advertises %s; want %s://%s", id, advertised, kafkaconfig.ListenerPublic, want)
		}
	}
}

// DialBroker reaches a broker's DNS name, which only the cluster's DNS
// resolves, at its pod's IP from the cache; other addresses it dials as
// they are.
func TestDialBroker(t *testing.T) {
	t.Parallel()
	p, cs := newProvisioner(t, true)
	runKubelet(t, cs, runningStatus) // pods at 127.0.0.1
	ctx := t.Context()
	if err := p.Run(ctx); err != nil {
		t.Fatal(err)
	}
	inst := newInstance(t, p, devSpec)
	create(t, p, inst)
	// The cache has the pod's IP.
	err := poll.Until(ctx, 10*time.Millisecond, 5*time.Second, func(context.Context) error {
		pod, err := p.pods.Pods(testNamespace).Get(podName(0))
		if err != nil || pod.Status.PodIP == "" {
			return fmt.Errorf("pod %s not in the cache with its IP (%v)", podName(0), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	accepted := make(chan error, 1)
	go func() {
		for range 2 {
			c, err := l.Accept()
			if err != nil {
				accepted <- err
				return
			}
			c.Close()
		}
		accepted <- nil
	}()

	cs.ClearActions()
	for _, addr := range []string{
		net.JoinHostPort(p.nodeHost(inst, 0), port), // the broker's name
		net.JoinHostPort("127.0.0.1", port),         // any other address
	} {
		c, err := p.DialBroker(ctx, "tcp", addr)
		if err != nil {
			t.Fatalf("DialBroker %s: %v", addr, err)
		}
		if got := c.RemoteAddr().String(); got != net.JoinHostPort("127.0.0.1", port) {
			t.Errorf("DialBroker %s connected to %s", addr, got)
		}
		c.Close()
	}
	if err := <-accepted; err != nil {
		t.Fatal(err)
	}
	for _, a := range cs.Actions() {
		if a.GetResource().Resource == "pods" {
			t.Errorf("DialBroker asked the API server (%s %s); the cache had the pod", a.GetVerb(), a.GetResource().Resource)
		}
	}

	// Names that are not a broker's under this provisioner's domain are
	// left to the resolver.
	for _, host := range []string{"broker-0.brokers.sp-x.svc.example.invalid", "broker-0.other.sp-x.svc.cluster.local", "sp-x.svc.cluster.local"} {
		if _, _, ok := p.podOfHost(host); ok {
			t.Errorf("%s taken for a broker's name", host)
		}
	}
	if pod, ns, ok := p.podOfHost(p.nodeHost(inst, 0) + "."); !ok || pod != podName(0) || ns != testNamespace {
		t.Errorf("the broker's absolute name parsed as %q, %q, %v", pod, ns, ok)
	}
}

// A pod that has ended for good (evicted) is replaced by Start, which the
// supervisor calls for a broker that does not run: adopting it would wait
// for ever. So is MirrorMaker's, by StartMirror.
func TestStart_ReplacesEndedPod(t *testing.T) {
	for _, tt := range []struct {
		name    string
		pod     string
		start   func(p *Provisioner, inst *streamplane.Instance) (streamplane.Process, error)
		inspect func(p *Provisioner, inst *streamplane.Instance) bool
	}{
		{"Broker", podName(0),
			func(p *Provisioner, inst *streamplane.Instance) (streamplane.Process, error) {
				return p.Start(context.Background(), inst, &inst.Brokers[0])
			},
			func(p *Provisioner, inst *streamplane.Instance) bool {
				_, ok := p.Inspect(inst, &inst.Brokers[0])
				return ok
			}},
		{"Mirror", mirrorName(testMigration),
			func(p *Provisioner, inst *streamplane.Instance) (streamplane.Process, error) {
				return p.StartMirror(context.Background(), inst, testMigration)
			},
			func(p *Provisioner, inst *streamplane.Instance) bool {
				_, ok := p.InspectMirror(testMigration)
				return ok
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, cs := newProvisioner(t, true)
			runKubelet(t, cs, runningStatus)
			ctx := t.Context()
			if err := p.Run(ctx); err != nil {
				t.Fatal(err)
			}
			inst := newInstance(t, p, devSpec)
			create(t, p, inst)
			if err := p.ConfigureMirror(ctx, testMigration, streamplane.MirrorFiles{Properties: []byte("clusters = old, old-target\n")}); err != nil {
				t.Fatal(err)
			}
			if _, err := tt.start(p, inst); err != nil {
				t.Fatal(err)
			}

			pods := cs.CoreV1().Pods(testNamespace)
			pod, err := pods.Get(ctx, tt.pod, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			pod.Status = corev1.PodStatus{Phase: corev1.PodFailed, Reason: "Evicted", Message: "The node was low on resource: ephemeral-storage."}
			if _, err := pods.UpdateStatus(ctx, pod, metav1.UpdateOptions{FieldManager: "kubelet"}); err != nil {
				t.Fatal(err)
			}
			err = poll.Until(ctx, 10*time.Millisecond, 5*time.Second, func(context.Context) error {
				if tt.inspect(p, inst) {
					return errors.New("Inspect says the evicted pod runs")
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}

			cs.ClearActions()
			proc, err := tt.start(p, inst)
			if err != nil {
				t.Fatal(err)
			}
			if !proc.StartedAt.Equal(startedAt.Time) {
				t.Errorf("started at %v, want the container's %v", proc.StartedAt, startedAt.Time)
			}
			var deleted, created bool
			for _, a := range cs.Actions() {
				switch a := a.(type) {
				case k8stesting.DeleteAction:
					deleted = deleted || a.GetResource().Resource == "pods" && a.GetName() == tt.pod
				case k8stesting.PatchAction:
					created = created || deleted && a.GetResource().Resource == "pods" && a.GetName() == tt.pod
				}
			}
			if !deleted || !created {
				t.Errorf("Start deleted the evicted pod: %v, then made a new one: %v", deleted, created)
			}
			if pod, err := pods.Get(ctx, tt.pod, metav1.GetOptions{}); err != nil || pod.Status.Phase != corev1.PodRunning {
				t.Errorf("after Start: pod %v, %v; want a running pod", pod.Status.Phase, err)
			}
		})
	}
}

var testMigration = &streamplane.Migration{ID: "5e6f7a8b-0000-4000-8000-000000000001", InstanceID: testInstanceID, Name: "old"}
