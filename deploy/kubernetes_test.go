package deploy_test

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	clienttesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/clientcmd"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/streamplane/streamplane/kubetest"
	"github.com/streamplane/streamplane/poll"
	kube "github.com/streamplane/streamplane/provision/kubernetes"
	"github.com/streamplane/streamplane/server"
	"github.com/streamplane/streamplane/server/listen"
)

// The tests below check what a platform team deploys Streamplane on
// Kubernetes with (README.md, "Running Streamplane on Kubernetes"): the
// manifests in kubernetes/, decoded strictly so that a misspelt field
// fails, and applied to a real kube-apiserver (package kubetest); the RBAC
// they grant, against the calls the provisioner makes on client-go's fake
// clientset and, as the ServiceAccount, on the real API server; the server
// settings the Deployment gives; and the two Dockerfiles.

const (
	manifestDir       = "kubernetes"
	secretTemplate    = "secret.example.yaml"
	kafkaDockerfile   = "kafka/Dockerfile"
	serverDockerfile  = "server/Dockerfile"
	buildContext      = ".." // the repository's root, as the README builds
	brokerImageUser   = "1001:1001"
	serverTLSSecret   = "streamplane-tls"
	serverSecretName  = "streamplane"
	settingsConfigMap = "streamplane-settings"
)

// manifest is one object of a file in kubernetes/.
type manifest struct {
	file string
	obj  runtime.Object
}

// strictDecoder refuses unknown and duplicate fields, as the API server's
// strict field validation does.
var strictDecoder = serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()

// decodeAll decodes every YAML document of data into its typed object.
func decodeAll(t *testing.T, name string, data []byte) []runtime.Object {
	t.Helper()
	var out []runtime.Object
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		obj, _, err := strictDecoder.Decode(doc, nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, obj)
	}
	return out
}

func stripComments(doc []byte) []byte {
	return regexp.MustCompile(`(?m)^\s*#.*$`).ReplaceAll(doc, nil)
}

// readManifests decodes every manifest of kubernetes/, the Secret template
// included.
func readManifests(t *testing.T) []manifest {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(manifestDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []manifest
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		objs := decodeAll(t, f, []byte(read(t, f)))
		if len(objs) == 0 {
			t.Errorf("%s holds no object", f)
		}
		for _, obj := range objs {
			out = append(out, manifest{file: filepath.Base(f), obj: obj})
		}
	}
	return out
}

// the returns the one object of type T named name (any name if empty).
func the[T runtime.Object](t *testing.T, ms []manifest, name string) T {
	t.Helper()
	var found []T
	for _, m := range ms {
		if obj, ok := m.obj.(T); ok && (name == "" || m.obj.(metav1.Object).GetName() == name) {
			found = append(found, obj)
		}
	}
	if len(found) != 1 {
		var zero T
		t.Fatalf("%d objects of type %T named %q in %s/, want 1", len(found), zero, name, manifestDir)
	}
	return found[0]
}

// TestManifestsDecode checks every manifest decodes strictly, names the
// namespace it belongs in, and carries the app's label.
func TestManifestsDecode(t *testing.T) {
	ms := readManifests(t)
	for _, m := range ms {
		meta := m.obj.(metav1.Object)
		kind := fmt.Sprintf("%T", m.obj)
		clusterScoped := slices.Contains([]string{"*v1.Namespace", "*v1.ClusterRole", "*v1.ClusterRoleBinding"}, kind)
		if !clusterScoped && meta.GetNamespace() != "streamplane" {
			t.Errorf("%s: %s %s is in namespace %q, want streamplane", m.file, kind, meta.GetName(), meta.GetNamespace())
		}
		if meta.GetLabels()["app.kubernetes.io/name"] != "streamplane" {
			t.Errorf("%s: %s %s lacks the label app.kubernetes.io/name=streamplane", m.file, kind, meta.GetName())
		}
	}
}

// TestKustomization checks that kustomization.yaml lists every manifest but
// the Secret template (which `kubectl apply -k` would apply over the real
// Secret), and, where kubectl is installed, that kustomize builds them.
func TestKustomization(t *testing.T) {
	raw, err := utilyaml.ToJSON([]byte(read(t, filepath.Join(manifestDir, "kustomization.yaml"))))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		APIVersion string   `json:"apiVersion"`
		Kind       string   `json:"kind"`
		Resources  []string `json:"resources"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		t.Errorf("kustomization.yaml is %s %s", k.APIVersion, k.Kind)
	}
	files, _ := filepath.Glob(filepath.Join(manifestDir, "*.yaml"))
	var want []string
	for _, f := range files {
		if base := filepath.Base(f); base != "kustomization.yaml" && base != secretTemplate {
			want = append(want, base)
		}
	}
	got := slices.Clone(k.Resources)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("kustomization.yaml lists %v, want every manifest but %s: %v", got, secretTemplate, want)
	}

	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Log("kubectl is not installed: kustomize's own build not checked")
		return
	}
	out, err := exec.Command(kubectl, "kustomize", manifestDir).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v", manifestDir, err)
	}
	built := decodeAll(t, "kubectl kustomize", out)
	listed := 0
	for _, m := range readManifests(t) {
		if m.file != secretTemplate {
			listed++
		}
	}
	if len(built) != listed {
		t.Errorf("kustomize built %d objects, the listed files hold %d", len(built), listed)
	}
}

// permission is one thing RBAC grants: a verb on a resource of an API group.
type permission struct{ group, resource, verb string }

func (p permission) String() string {
	return fmt.Sprintf("%s %s (group %q)", p.verb, p.resource, p.group)
}

// provisionerPermissions are the calls provision/kubernetes makes, read
// from its code, with the functions that make them. Objects are written by
// server-side apply (apply.go), a PATCH that needs "create" too when the
// object is new. TestProvisionerCalls checks this list against the calls.
var provisionerPermissions = []struct {
	permission
	by string
}{
	{permission{"", "namespaces", "get"}, "Destroy: waits until the namespace is gone"},
	{permission{"", "namespaces", "create"}, "Configure: applies the instance's namespace"},
	{permission{"", "namespaces", "patch"}, "Configure: applies the instance's namespace"},
	{permission{"", "namespaces", "delete"}, "Destroy"},
	{permission{"", "pods", "get"}, "Start, waitRunning, Stop, waitGone; DialBroker for a pod not cached yet"},
	{permission{"", "pods", "list"}, "Run: the pod informer (Inspect, Endpoints, DialBroker read its cache)"},
	{permission{"", "pods", "watch"}, "Run: the pod informer"},
	{permission{"", "pods", "create"}, "Start: applies the broker's pod"},
	{permission{"", "pods", "patch"}, "Start: applies the broker's pod"},
	{permission{"", "pods", "delete"}, "Stop, Forget"},
	{permission{"", "pods/log", "get"}, "Logs"},
	{permission{"", "services", "list"}, "Run: the service informer (public addresses)"},
	{permission{"", "services", "watch"}, "Run: the service informer"},
	{permission{"", "services", "create"}, "Configure: applies the headless, bootstrap and public Services"},
	{permission{"", "services", "patch"}, "Configure: applies the headless, bootstrap and public Services"},
	{permission{"", "services", "delete"}, "applyPublicServices (public access off), Forget"},
	{permission{"", "secrets", "get"}, "Start (desiredPod): reads the broker's server.properties back"},
	{permission{"", "secrets", "create"}, "Configure, WriteFiles: apply"},
	{permission{"", "secrets", "patch"}, "Configure, WriteFiles: apply"},
	{permission{"", "secrets", "delete"}, "Forget"},
	{permission{"", "configmaps", "create"}, "Configure: applies each broker's logging and metrics settings"},
	{permission{"", "configmaps", "patch"}, "Configure: applies each broker's logging and metrics settings"},
	{permission{"", "configmaps", "delete"}, "Forget"},
	{permission{"", "persistentvolumeclaims", "get"}, "applyClaim (Format, Start, ExpandStorage), CheckStorageExpansion"},
	{permission{"", "persistentvolumeclaims", "create"}, "applyClaim: applies the broker's volume claim"},
	{permission{"", "persistentvolumeclaims", "patch"}, "applyClaim: applies, and grows, the broker's volume claim"},
	{permission{"", "persistentvolumeclaims", "delete"}, "Forget"},
	{permission{"policy", "poddisruptionbudgets", "create"}, "Configure: applies the disruption budget"},
	{permission{"policy", "poddisruptionbudgets", "patch"}, "Configure: applies the disruption budget"},
	{permission{"networking.k8s.io", "networkpolicies", "create"}, "Configure: applies the network policy"},
	{permission{"networking.k8s.io", "networkpolicies", "patch"}, "Configure: applies the network policy"},
	{permission{"storage.k8s.io", "storageclasses", "get"}, "checkExpandable (CheckStorageExpansion, ExpandStorage)"},
}

// granted expands a role's rules into permissions; a "*" stays as it is.
func granted(rules []rbacv1.PolicyRule) map[permission]bool {
	out := map[permission]bool{}
	for _, r := range rules {
		if len(r.NonResourceURLs) > 0 || len(r.ResourceNames) > 0 {
			continue // neither is any use to the provisioner
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					out[permission{g, res, v}] = true
				}
			}
		}
	}
	return out
}

// TestClusterRole checks the ClusterRole grants exactly what the
// provisioner needs, and is bound to the servers' ServiceAccount.
func TestClusterRole(t *testing.T) {
	ms := readManifests(t)
	role := the[*rbacv1.ClusterRole](t, ms, "")
	have := granted(role.Rules)
	want := map[permission]bool{}
	for _, p := range provisionerPermissions {
		want[p.permission] = true
		if !have[p.permission] {
			t.Errorf("the ClusterRole does not grant %s, which %s needs", p.permission, p.by)
		}
	}
	for p := range have {
		if !want[p] {
			t.Errorf("the ClusterRole grants %s, which the provisioner does not use", p)
		}
	}

	binding := the[*rbacv1.ClusterRoleBinding](t, ms, "")
	deployment := the[*appsv1.Deployment](t, ms, "streamplane")
	account := the[*corev1.ServiceAccount](t, ms, "")
	wantSubject := rbacv1.Subject{Kind: "ServiceAccount", Name: account.Name, Namespace: account.Namespace}
	if binding.RoleRef != (rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role.Name}) ||
		len(binding.Subjects) != 1 || binding.Subjects[0] != wantSubject {
		t.Errorf("the ClusterRoleBinding binds %v to %v, want %s to %v", binding.Subjects, binding.RoleRef, role.Name, wantSubject)
	}
	if spec := deployment.Spec.Template.Spec; spec.ServiceAccountName != account.Name || account.Namespace != deployment.Namespace {
		t.Errorf("the Deployment runs as ServiceAccount %s/%s, the binding names %s/%s", deployment.Namespace, spec.ServiceAccountName, account.Namespace, account.Name)
	}
}

// serverContainer returns the Deployment and its server container.
func serverContainer(t *testing.T, ms []manifest) (*appsv1.Deployment, corev1.Container) {
	t.Helper()
	d := the[*appsv1.Deployment](t, ms, "streamplane")
	if len(d.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("the Deployment has %d containers, want the server alone", len(d.Spec.Template.Spec.Containers))
	}
	return d, d.Spec.Template.Spec.Containers[0]
}

// deploymentSettings reads the server's settings as the pod gets them:
// flags from the container's arguments, the environment from the settings
// ConfigMap and the container's env. It fails on a flag or variable that
// is no setting, which the server would reject or silently ignore.
func deploymentSettings(t *testing.T, ms []manifest) (flags, env map[string]string) {
	t.Helper()
	_, c := serverContainer(t, ms)
	settings := map[string]bool{}
	envs := map[string]bool{}
	for _, s := range server.Settings() {
		settings[s.Name], envs[s.Env()] = true, true
	}
	if len(c.Args) == 0 || c.Args[0] != "server" {
		t.Fatalf("the server container's args %v do not start with the server command", c.Args)
	}
	flags = map[string]string{}
	for _, arg := range c.Args[1:] {
		name, value, ok := strings.Cut(strings.TrimPrefix(arg, "--"), "=")
		if !strings.HasPrefix(arg, "--") || !ok || !settings[name] {
			t.Errorf("argument %q is not --SETTING=VALUE of a server setting", arg)
		}
		flags[name] = value
	}
	env = map[string]string{}
	config := the[*corev1.ConfigMap](t, ms, settingsConfigMap)
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].ConfigMapRef == nil || c.EnvFrom[0].ConfigMapRef.Name != config.Name || c.EnvFrom[0].Prefix != "" {
		t.Errorf("the server takes its environment from %+v, want ConfigMap %s", c.EnvFrom, config.Name)
	}
	for k, v := range config.Data {
		if !envs[k] {
			t.Errorf("ConfigMap %s: %s is no server setting", config.Name, k)
		}
		env[k] = v
	}
	for _, e := range c.Env {
		if strings.HasPrefix(e.Name, "STREAMPLANE_") && e.Name != "STREAMPLANE_SECRET_KEY" && !envs[e.Name] {
			t.Errorf("the server's env %s is no server setting", e.Name)
		}
		if e.ValueFrom == nil {
			env[e.Name] = e.Value
		}
	}
	return flags, env
}

// loadDeploymentConfig is the configuration the Deployment's server starts
// with (server.Load, as `streamplane server` calls it).
func loadDeploymentConfig(t *testing.T, ms []manifest) server.Config {
	t.Helper()
	flags, env := deploymentSettings(t, ms)
	cfg, err := server.Load("", func(k string) string { return env[k] }, flags)
	if err != nil {
		t.Fatalf("the Deployment's settings: %v", err)
	}
	return cfg
}

// TestDeploymentSettings checks the server the Deployment runs: real
// settings, the Kubernetes provisioner in its own namespace, TLS with the
// mounted certificate, its secrets from the Secret, probes on the port it
// listens on, and the restricted security profile.
func TestDeploymentSettings(t *testing.T) {
	ms := readManifests(t)
	d, c := serverContainer(t, ms)
	cfg := loadDeploymentConfig(t, ms)
	if cfg.Provisioner != "kubernetes" || cfg.Kube.ControlNamespace != d.Namespace || cfg.Kube.Kubeconfig != "" {
		t.Errorf("provisioner %q, control namespace %q, kubeconfig %q; want kubernetes, %s (the Deployment's), none (the pod's ServiceAccount)",
			cfg.Provisioner, cfg.Kube.ControlNamespace, cfg.Kube.Kubeconfig, d.Namespace)
	}
	// The settings a cluster must have its own values for.
	_, env := deploymentSettings(t, ms)
	for _, name := range []string{"STREAMPLANE_STORE", "STREAMPLANE_BROKER_IMAGE", "STREAMPLANE_ZONES", "STREAMPLANE_PUBLIC_HOST"} {
		if env[name] == "" {
			t.Errorf("ConfigMap %s does not set %s", settingsConfigMap, name)
		}
	}
	store, err := url.Parse(cfg.Store)
	if err != nil || store.Scheme != "postgres" {
		t.Fatalf("store %q: %v; want a postgres:// URL, the store several servers share", cfg.Store, err)
	}
	if _, has := store.User.Password(); has {
		t.Errorf("the store URL holds a password; it belongs in PGPASSWORD")
	}
	if !strings.Contains(cfg.Kube.BrokerImage, "{version}") {
		t.Errorf("broker image %q has no {version}: every Kafka version needs its own image", cfg.Kube.BrokerImage)
	}

	// Secrets come from the Secret, by keys the template has.
	secret := the[*corev1.Secret](t, ms, serverSecretName)
	fromSecret := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			if e.ValueFrom.SecretKeyRef.Name != secret.Name {
				t.Errorf("env %s comes from Secret %s, want %s", e.Name, e.ValueFrom.SecretKeyRef.Name, secret.Name)
			}
			fromSecret[e.Name] = e.ValueFrom.SecretKeyRef.Key
		}
	}
	for _, name := range []string{"STREAMPLANE_SECRET_KEY", "PGPASSWORD"} {
		key, ok := fromSecret[name]
		if _, inTemplate := secret.StringData[key]; !ok || !inTemplate {
			t.Errorf("env %s comes from Secret key %q, which %s does not have", name, key, secretTemplate)
		}
	}
	// The template's key is refused at start (it is no base64 32-byte
	// key), so an unedited copy cannot seal secrets with a known key.
	if key, err := base64.StdEncoding.DecodeString(secret.StringData[fromSecret["STREAMPLANE_SECRET_KEY"]]); err == nil && len(key) == 32 {
		t.Errorf("the Secret template's secret-key is a usable key; it must be a placeholder the server refuses")
	}

	// The API: TLS with the mounted certificate, on the container's port,
	// which the probes and the Service use.
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range d.Spec.Template.Spec.Volumes {
		volumes[v.Name] = v
	}
	if cfg.TLS != listen.TLSFiles {
		t.Errorf("TLS %q, want files: tokens and passwords cross the API", cfg.TLS)
	}
	tls, ok := volumes["tls"]
	if !ok || tls.Secret == nil || tls.Secret.SecretName != serverTLSSecret {
		t.Errorf("volume tls is %+v, want Secret %s", tls, serverTLSSecret)
	}
	for _, file := range []string{cfg.TLSCert, cfg.TLSKey} {
		if path.Dir(file) != mounts["tls"].MountPath {
			t.Errorf("%s is not in the tls volume (%s)", file, mounts["tls"].MountPath)
		}
	}
	_, port, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Ports) != 1 || strconv.Itoa(int(c.Ports[0].ContainerPort)) != port {
		t.Fatalf("container ports %v, want the listen port %s alone", c.Ports, port)
	}
	for name, probe := range map[string]*corev1.Probe{"startup": c.StartupProbe, "readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != "/healthz" || probe.HTTPGet.Port.String() != c.Ports[0].Name || probe.HTTPGet.Scheme != corev1.URISchemeHTTPS {
			t.Errorf("%s probe %+v, want GET https /healthz on port %s", name, probe, c.Ports[0].Name)
		}
	}
	svc := the[*corev1.Service](t, ms, "streamplane")
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort.String() != c.Ports[0].Name || !selects(svc.Spec.Selector, d.Spec.Template.Labels) {
		t.Errorf("Service %s: ports %v, selector %v; want the container's %s port and the server's pods", svc.Name, svc.Spec.Ports, svc.Spec.Selector, c.Ports[0].Name)
	}

	// A read-only root: the data directory and /tmp are volumes of the pod.
	for dir, volume := range map[string]string{cfg.DataDir: "data", "/tmp": "tmp"} {
		if mounts[volume].MountPath != dir || mounts[volume].ReadOnly || volumes[volume].EmptyDir == nil {
			t.Errorf("%s is on %+v, want the writable emptyDir volume %s", dir, mounts[volume], volume)
		}
	}

	// Several servers on one store; a drain leaves one.
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Errorf("replicas %v, want 2", d.Spec.Replicas)
	}
	if !selects(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
		t.Errorf("the Deployment's selector %v does not select its pods %v", d.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
	}
	pdb := the[*policyv1.PodDisruptionBudget](t, ms, "")
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() != 1 || pdb.Spec.MaxUnavailable != nil || !selects(pdb.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
		t.Errorf("PodDisruptionBudget %s: %+v, want minAvailable 1 of the server's pods", pdb.Name, pdb.Spec)
	}
	if len(d.Spec.Template.Spec.TopologySpreadConstraints) == 0 {
		t.Error("the servers are not spread over nodes")
	}
	for _, c := range d.Spec.Template.Spec.TopologySpreadConstraints {
		if c.LabelSelector == nil || !selects(c.LabelSelector.MatchLabels, d.Spec.Template.Labels) {
			t.Errorf("spread over %s counts %v, not the server's pods", c.TopologyKey, c.LabelSelector)
		}
	}
	if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
		t.Errorf("resources %+v, want CPU and memory requests and a memory limit", c.Resources)
	}

	checkRestricted(t, ms, d.Spec.Template.Spec, c)
	pod := d.Spec.Template.Spec.SecurityContext
	if user := dockerfileUser(t, serverDockerfile); pod.RunAsUser == nil || user != fmt.Sprintf("%d:%d", *pod.RunAsUser, *pod.RunAsGroup) {
		t.Errorf("the pod runs as %v:%v, the image as %s", pod.RunAsUser, pod.RunAsGroup, user)
	}
}

// checkRestricted checks the restricted Pod Security Standard's rules that
// the server's namespace enforces.
func checkRestricted(t *testing.T, ms []manifest, spec corev1.PodSpec, c corev1.Container) {
	t.Helper()
	pod, sc := spec.SecurityContext, c.SecurityContext
	if pod == nil || sc == nil {
		t.Fatal("the server's pod or container has no security context")
	}
	nonRoot := (pod.RunAsNonRoot != nil && *pod.RunAsNonRoot) && (sc.RunAsNonRoot == nil || *sc.RunAsNonRoot)
	seccomp := (pod.SeccompProfile != nil && pod.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault) &&
		(sc.SeccompProfile == nil || sc.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault)
	if !nonRoot || !seccomp || pod.RunAsUser == nil || *pod.RunAsUser == 0 {
		t.Errorf("pod security context %+v: want a non-root user and the RuntimeDefault seccomp profile", pod)
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 || sc.Privileged != nil && *sc.Privileged {
		t.Errorf("container security context %+v: want no privilege escalation, a read-only root and every capability dropped", sc)
	}
	if ns := the[*corev1.Namespace](t, ms, "streamplane"); ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("namespace %s does not enforce the restricted Pod Security Standard", ns.Name)
	}
}

// selects reports whether a selector's labels all match labels.
func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// TestProvisionerCalls runs the provisioner, configured as the
// Deployment's server configures it, through an instance's life against
// client-go's fake clientset, and checks every call it makes against the
// permissions above, and that every permission above is used. It then
// checks what the provisioner made against the deployment: the network
// policy admits the server's pods, and broker pods run what the broker
// image holds, as its user.
func TestProvisionerCalls(t *testing.T) {
	ms := readManifests(t)
	d, _ := serverContainer(t, ms)
	cfg := loadDeploymentConfig(t, ms)
	client := fake.NewClientset(expandableClass())
	// A broker's pod runs, at this address, once it is made, as a kubelet
	// would have it.
	broker := listenBroker(t)
	client.PrependReactor("get", "pods", func(action clienttesting.Action) (bool, runtime.Object, error) {
		get, ok := action.(clienttesting.GetAction)
		if !ok { // the log
			return false, nil, nil
		}
		obj, err := client.Tracker().Get(corev1.SchemeGroupVersion.WithResource("pods"), get.GetNamespace(), get.GetName())
		if err != nil {
			return true, nil, err
		}
		pod := obj.(*corev1.Pod).DeepCopy()
		pod.Status = runningStatus()
		return true, pod, nil
	})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	prov := newProvisioner(t, ctx, cfg, client)
	inst := instanceLife(t, ctx, prov, cfg, nil)

	logs, err := prov.Logs(ctx, inst, &inst.Brokers[1], 10)
	if err != nil || logs == "" {
		t.Errorf("Logs: %q, %v", logs, err)
	}
	dialBroker(t, ctx, prov, inst, broker)
	namespace := cfg.Kube.NamespacePrefix + inst.ID
	policy, err := client.Tracker().Get(networkingv1.SchemeGroupVersion.WithResource("networkpolicies"), namespace, "brokers")
	if err != nil {
		t.Fatalf("the instance's NetworkPolicy: %v", err)
	}
	pod, err := client.Tracker().Get(corev1.SchemeGroupVersion.WithResource("pods"), namespace, "broker-1")
	if err != nil {
		t.Fatalf("broker 1's pod: %v", err)
	}
	if err := prov.Destroy(ctx, inst); err != nil {
		t.Fatalf("Destroy: %v", err)
	}

	// The informers' watches start after their lists; wait for them.
	err = poll.Until(ctx, 10*time.Millisecond, 10*time.Second, func(context.Context) error {
		seen := used(client.Actions())
		for _, res := range []string{"pods", "services"} {
			if !seen[permission{"", res, "watch"}] {
				return fmt.Errorf("no watch of %s yet", res)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := used(client.Actions())
	want := map[permission]string{}
	for _, p := range provisionerPermissions {
		want[p.permission] = p.by
	}
	for p := range seen {
		if _, ok := want[p]; !ok {
			t.Errorf("the provisioner calls %s, which provisionerPermissions (and so the ClusterRole) lacks", p)
		}
	}
	for p, by := range want {
		if !seen[p] {
			t.Errorf("%s (%s) was never called", p, by)
		}
	}

	checkNetworkPolicy(t, policy.(*networkingv1.NetworkPolicy), d)
	checkBrokerPod(t, pod.(*corev1.Pod), cfg, inst.Version)
}

// expandableClass is the storage class the brokers' volumes get in the
// tests: one that lets them grow.
func expandableClass() *storagev1.StorageClass {
	yes := true
	return &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "expandable"}, Provisioner: "example.com/disk", AllowVolumeExpansion: &yes}
}

// listenBroker listens where the tests' broker pods are said to be.
func listenBroker(t *testing.T) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// runningStatus is a broker pod's status once its broker runs, at
// 127.0.0.1 (where listenBroker listens).
func runningStatus() corev1.PodStatus {
	return corev1.PodStatus{
		Phase: corev1.PodRunning, PodIP: "127.0.0.1", PodIPs: []corev1.PodIP{{IP: "127.0.0.1"}},
		ContainerStatuses: []corev1.ContainerStatus{{Name: "kafka", Image: "kafka", ImageID: "kafka",
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}}},
	}
}

// newProvisioner makes the provisioner as server/provisioner.go does from
// cfg, with a storage class that grows, and starts its informers.
func newProvisioner(t *testing.T, ctx context.Context, cfg server.Config, client kubernetes.Interface) *kube.Provisioner {
	t.Helper()
	prov := kube.New(kube.Config{
		NamespacePrefix: cfg.Kube.NamespacePrefix, ClusterDomain: cfg.Kube.ClusterDomain, Image: cfg.Kube.BrokerImage,
		StorageClass: expandableClass().Name, PublicServiceType: corev1.ServiceType(cfg.Kube.PublicServiceType), PublicHost: cfg.PublicHost,
		Zones: cfg.Zones, ControlNamespace: cfg.Kube.ControlNamespace, ControlCIDRs: cfg.Kube.ControlCIDRs, StartTimeout: time.Minute,
	}, client, nil)
	if err := prov.Run(ctx); err != nil {
		t.Fatal(err)
	}
	return prov
}

// instanceLife runs prov through an instance's life as the workflows do,
// short of its deletion: placed, configured, every broker formatted and
// started, storage checked and grown, broker 0 stopped and broker 2
// removed. beforeExpand, if not nil, runs before the storage grows.
func instanceLife(t *testing.T, ctx context.Context, prov *kube.Provisioner, cfg server.Config, beforeExpand func(*streamplane.Instance)) *streamplane.Instance {
	t.Helper()
	version := kafkaruntime.Recommended().Version
	inst := &streamplane.Instance{ID: "7d1f4c2e-5b6a-4c8d-9e0f-1a2b3c4d5e6f", Name: "orders", Version: version, Flavor: "kafka.2u4g.cluster",
		BrokerCount: 3, StorageGBPerBroker: 10, Zones: cfg.Zones, SecurityProtocol: streamplane.ProtocolPlaintext, ClusterID: "q1Sh-9_ISia_zwGINzRvyQ"}
	for i := range 3 {
		inst.Brokers = append(inst.Brokers, streamplane.Broker{ID: i, Roles: []string{streamplane.RoleBroker, streamplane.RoleController},
			Rack: cfg.Zones[i%len(cfg.Zones)], State: streamplane.BrokerStarting, Version: version})
	}
	creds := streamplane.Credentials{ControllerUser: "controller", ControllerPassword: "c-secret", AdminUser: "admin", AdminPassword: "a-secret"}
	step := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	step("Place", prov.Place(ctx, inst))
	step("Configure", prov.Configure(ctx, inst, creds, streamplane.BrokerFiles{}))
	for i := range inst.Brokers {
		step("Format", prov.Format(ctx, inst, &inst.Brokers[i], creds))
		_, err := prov.Start(ctx, inst, &inst.Brokers[i])
		step("Start", err)
	}
	step("CheckStorageExpansion", prov.CheckStorageExpansion(ctx, inst))
	if beforeExpand != nil {
		beforeExpand(inst)
	}
	inst.StorageGBPerBroker = 20
	step("ExpandStorage", prov.ExpandStorage(ctx, inst))
	step("Stop", prov.Stop(ctx, inst, &inst.Brokers[0], time.Second))
	step("Forget", prov.Forget(ctx, inst, &inst.Brokers[2]))
	return inst
}

// dialBroker dials broker 1's private listener as the server's admin
// client does, which finds the pod's address through the API.
func dialBroker(t *testing.T, ctx context.Context, prov *kube.Provisioner, inst *streamplane.Instance, broker net.Listener) {
	t.Helper()
	_, port, _ := net.SplitHostPort(broker.Addr().String())
	conn, err := prov.DialBroker(ctx, "tcp", net.JoinHostPort(inst.Brokers[1].Host, port))
	if err != nil {
		t.Fatalf("DialBroker: %v", err)
	}
	conn.Close()
}

// used turns the fake clientset's actions into the permissions they need.
func used(actions []clienttesting.Action) map[permission]bool {
	out := map[permission]bool{}
	for _, a := range actions {
		res := a.GetResource().Resource
		if a.GetSubresource() != "" {
			res += "/" + a.GetSubresource()
		}
		out[permission{a.GetResource().Group, res, a.GetVerb()}] = true
		// An apply creates what is not there yet, which RBAC checks as a create.
		if p, ok := a.(clienttesting.PatchAction); ok && p.GetPatchType() == types.ApplyPatchType {
			out[permission{a.GetResource().Group, res, "create"}] = true
		}
	}
	return out
}

// checkNetworkPolicy checks the instance's network policy lets the
// Deployment's pods, in their namespace, reach the brokers' internal ports.
func checkNetworkPolicy(t *testing.T, policy *networkingv1.NetworkPolicy, d *appsv1.Deployment) {
	t.Helper()
	for _, rule := range policy.Spec.Ingress {
		for _, peer := range rule.From {
			if peer.NamespaceSelector == nil || peer.PodSelector == nil {
				continue
			}
			inNamespace := selects(peer.NamespaceSelector.MatchLabels, map[string]string{"kubernetes.io/metadata.name": d.Namespace})
			if inNamespace && selects(peer.PodSelector.MatchLabels, d.Spec.Template.Labels) {
				return
			}
		}
	}
	t.Errorf("the instance's NetworkPolicy admits no pod of the Deployment (namespace %s, labels %v) to the brokers' internal ports", d.Namespace, d.Spec.Template.Labels)
}

// checkBrokerPod checks a broker's pod against the broker image: the image
// of the Deployment's setting, run as the image's user, with a classpath
// of the directories the image fills and the metrics agent among the jars.
func checkBrokerPod(t *testing.T, pod *corev1.Pod, cfg server.Config, version string) {
	t.Helper()
	if user := dockerfileUser(t, kafkaDockerfile); user != brokerImageUser {
		t.Errorf("the broker image runs as %s, want %s", user, brokerImageUser)
	}
	sc := pod.Spec.SecurityContext
	if sc == nil || sc.RunAsUser == nil || sc.RunAsGroup == nil || fmt.Sprintf("%d:%d", *sc.RunAsUser, *sc.RunAsGroup) != brokerImageUser {
		t.Errorf("broker pods run as %+v, the image as %s", sc, brokerImageUser)
	}
	dirs := map[string]bool{}
	for _, dst := range finalCopyDestinations(t, kafkaDockerfile) {
		dirs[strings.TrimSuffix(dst, "/")] = true
	}
	for _, c := range append(pod.Spec.InitContainers, pod.Spec.Containers...) {
		if want := strings.ReplaceAll(cfg.Kube.BrokerImage, "{version}", version); c.Image != want || !slices.Equal(c.Command, []string{"java"}) {
			t.Errorf("container %s runs %v from %s, want java from %s", c.Name, c.Command, c.Image, want)
		}
		i := slices.Index(c.Args, "-cp")
		if i < 0 || i+1 == len(c.Args) {
			t.Errorf("container %s has no classpath: %v", c.Name, c.Args)
			continue
		}
		for _, entry := range strings.Split(c.Args[i+1], ":") {
			if dir, ok := strings.CutSuffix(entry, "/*"); !ok || !dirs[dir] {
				t.Errorf("container %s's classpath entry %s is not a directory the broker image fills (%v)", c.Name, entry, dirs)
			}
		}
		for _, arg := range c.Args {
			if agent, ok := strings.CutPrefix(arg, "-javaagent:"); ok {
				jar, _, _ := strings.Cut(agent, "=")
				want := kafkaruntime.MetricsAgent.Name + "-" + kafkaruntime.MetricsAgent.Version + ".jar"
				if !dirs[path.Dir(jar)] || path.Base(jar) != want {
					t.Errorf("the metrics agent %s is not %s in a directory the image fills", jar, want)
				}
			}
		}
	}
}

// startCluster starts a real control plane (package kubetest) and returns
// its administrator's client configuration.
func startCluster(t *testing.T) *rest.Config {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a Kubernetes control plane; skipped in -short mode")
	}
	if os.Getenv("STREAMPLANE_SKIP_KUBE") == "1" {
		t.Skip("STREAMPLANE_SKIP_KUBE=1: not starting a Kubernetes control plane")
	}
	bin, err := kubetest.BinDir(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cluster, err := kubetest.Start(t.Context(), kubetest.Options{BinDir: bin, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cluster.Stop()
		if t.Failed() {
			logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
			for _, l := range logs {
				data, _ := os.ReadFile(l)
				t.Logf("%s (end):\n%s", filepath.Base(l), tail(data, 3000))
			}
		}
	})
	cfg, err := clientcmd.BuildConfigFromFlags("", cluster.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func tail(data []byte, n int) []byte {
	if len(data) > n {
		return data[len(data)-n:]
	}
	return data
}

// TestManifestsOnAPIServer applies every manifest to a real kube-apiserver
// as `kubectl apply --server-side` sends it, the YAML as written, with
// strict field validation: the namespace, the ServiceAccount and the RBAC
// for real, the rest as a dry run. The server's pod must pass the
// namespace's restricted Pod Security admission. Then the provisioner,
// running as the ServiceAccount with only the ClusterRole, takes an
// instance through its life: every call it makes must be allowed, and
// calls beyond the role refused.
func TestManifestsOnAPIServer(t *testing.T) {
	admin := startCluster(t)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	client := kubernetes.NewForConfigOrDie(admin)
	dyn := dynamic.NewForConfigOrDie(admin)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(client.Discovery()))

	// The documents as written, what kubectl sends; the namespace first.
	type document struct {
		file string
		raw  []byte
	}
	var docs []document
	files, _ := filepath.Glob(filepath.Join(manifestDir, "*.yaml"))
	for _, f := range files {
		if filepath.Base(f) == "kustomization.yaml" {
			continue
		}
		reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader([]byte(read(t, f)))))
		for {
			doc, err := reader.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(bytes.TrimSpace(stripComments(doc))) > 0 {
				docs = append(docs, document{f, doc})
			}
		}
	}
	first := func(d document) int {
		if filepath.Base(d.file) == "namespace.yaml" {
			return 0
		}
		return 1
	}
	slices.SortStableFunc(docs, func(a, b document) int { return cmp.Compare(first(a), first(b)) })
	for _, doc := range docs {
		obj, gvk, err := strictDecoder.Decode(doc.raw, nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", doc.file, err)
		}
		m := obj.(metav1.Object)
		mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			t.Fatalf("%s: %s is not served: %v", doc.file, gvk, err)
		}
		opts := metav1.PatchOptions{FieldManager: "kubectl", FieldValidation: "Strict"}
		switch gvk.Kind {
		case "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding":
		default:
			opts.DryRun = []string{metav1.DryRunAll}
		}
		var res dynamic.ResourceInterface = dyn.Resource(mapping.Resource)
		if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
			res = dyn.Resource(mapping.Resource).Namespace(m.GetNamespace())
		}
		if _, err := res.Patch(ctx, m.GetName(), types.ApplyYAMLPatchType, doc.raw, opts); err != nil {
			t.Errorf("%s: apply %s %s: %v", doc.file, gvk.Kind, m.GetName(), err)
		}
	}

	// The ReplicaSet's pods would be admitted to the restricted namespace.
	ms := readManifests(t)
	d, _ := serverContainer(t, ms)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: d.Name + "-", Namespace: d.Namespace, Labels: d.Spec.Template.Labels}, Spec: d.Spec.Template.Spec}
	if _, err := client.CoreV1().Pods(d.Namespace).Create(ctx, pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Errorf("the server's pod is refused in namespace %s: %v", d.Namespace, err)
	}

	// The provisioner as the ServiceAccount.
	account := the[*corev1.ServiceAccount](t, ms, "")
	user := "system:serviceaccount:" + account.Namespace + ":" + account.Name
	if _, err := client.StorageV1().StorageClasses().Create(ctx, expandableClass(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	asServer := rest.CopyConfig(admin)
	asServer.Impersonate = rest.ImpersonationConfig{UserName: user, Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + account.Namespace, "system:authenticated"}}
	serverClient := kubernetes.NewForConfigOrDie(asServer)
	cfg := loadDeploymentConfig(t, ms)

	// No kubelet runs the pods: as one would, the administrator reports
	// each broker pod running once it is made.
	broker := listenBroker(t)
	kubelet, stopKubelet := context.WithCancel(ctx)
	reported := make(chan struct{})
	go func() { defer close(reported); reportRunning(kubelet, client) }()
	defer func() { stopKubelet(); <-reported }()

	prov := newProvisioner(t, ctx, cfg, serverClient)
	inst := instanceLife(t, ctx, prov, cfg, func(inst *streamplane.Instance) {
		// A claim grows only once bound to a volume, which no
		// provisioner makes here.
		boundClaims(t, ctx, client, cfg.Kube.NamespacePrefix+inst.ID)
	})
	dialBroker(t, ctx, prov, inst, broker)
	// The pod has no node to read its log from; the request must pass
	// authorization to learn that.
	if _, err := prov.Logs(ctx, inst, &inst.Brokers[1], 10); apierrors.IsForbidden(err) {
		t.Errorf("Logs: %v", err)
	}
	if err := prov.Destroy(ctx, inst); err != nil {
		t.Fatalf("Destroy: %v", err)
	}

	// What the role does not grant is refused.
	for _, attrs := range []authorizationv1.ResourceAttributes{
		{Verb: "list", Resource: "secrets", Namespace: "sp-x"},
		{Verb: "update", Resource: "pods", Namespace: "sp-x"},
		{Verb: "create", Resource: "pods", Subresource: "exec", Namespace: "sp-x"},
		{Verb: "create", Resource: "clusterroles", Group: "rbac.authorization.k8s.io"},
		{Verb: "get", Resource: "nodes"},
	} {
		review, err := client.AuthorizationV1().SubjectAccessReviews().Create(ctx, &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User: user, Groups: asServer.Impersonate.Groups, ResourceAttributes: &attrs}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if review.Status.Allowed {
			t.Errorf("the ServiceAccount may %s %s %s", attrs.Verb, attrs.Resource, attrs.Subresource)
		}
	}
}

// reportRunning marks every broker pod running, as a kubelet reports a
// pod it started, until ctx ends.
func reportRunning(ctx context.Context, client kubernetes.Interface) {
	poll.Until(ctx, 100*time.Millisecond, 0, func(ctx context.Context) error {
		pods, err := client.CoreV1().Pods("").List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/component=broker"})
		if err != nil {
			return err
		}
		for _, pod := range pods.Items {
			if pod.Status.Phase == corev1.PodRunning || pod.DeletionTimestamp != nil {
				continue
			}
			pod.Status = runningStatus()
			client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, &pod, metav1.UpdateOptions{})
		}
		return errors.New("until the test ends")
	})
}

// boundClaims reports every claim of namespace bound to a volume of its
// size, as the volume controller does once a volume is provisioned.
func boundClaims(t *testing.T, ctx context.Context, client kubernetes.Interface, namespace string) {
	t.Helper()
	claims, err := client.CoreV1().PersistentVolumeClaims(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range claims.Items {
		status, _ := json.Marshal(map[string]any{"status": map[string]any{"phase": "Bound", "capacity": c.Spec.Resources.Requests}})
		if _, err := client.CoreV1().PersistentVolumeClaims(namespace).Patch(ctx, c.Name, types.MergePatchType, status, metav1.PatchOptions{}, "status"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReadmeCertificate runs the README's command for a self-signed API
// certificate and checks the server accepts it (--tls files) and that it
// names the Service clients in the cluster use, and localhost for a
// port-forward.
func TestReadmeCertificate(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed")
	}
	var command strings.Builder
	for _, line := range strings.Split(read(t, "README.md"), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "openssl req") && command.Len() == 0 {
			continue
		}
		more, ok := strings.CutSuffix(line, "\\")
		command.WriteString(more)
		if !ok {
			break
		}
	}
	if command.Len() == 0 {
		t.Fatal("README.md has no openssl req command")
	}
	dir := t.TempDir()
	cmd := exec.Command("sh", "-c", command.String())
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", command.String(), err, out)
	}
	cert, key := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if _, err := listen.Prepare(listen.Config{Address: "127.0.0.1:0", TLS: listen.TLSFiles, CertFile: cert, KeyFile: key}, time.Now()); err != nil {
		t.Fatalf("the server refuses the README's certificate: %v", err)
	}
	block, _ := pem.Decode([]byte(read(t, cert)))
	if block == nil {
		t.Fatal("tls.crt is not PEM")
	}
	parsed, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(parsed)
	ms := readManifests(t)
	svc := the[*corev1.Service](t, ms, "streamplane")
	for _, host := range []string{svc.Name + "." + svc.Namespace + ".svc", "localhost"} {
		if _, err := parsed.Verify(x509.VerifyOptions{DNSName: host, Roots: roots}); err != nil {
			t.Errorf("a client trusting tls.crt (--ca) cannot reach %s: %v", host, err)
		}
	}
}

// dockerfile is a Dockerfile's instructions, continuation lines joined.
type instruction struct{ op, args string }

func readDockerfile(t *testing.T, file string) []instruction {
	t.Helper()
	var out []instruction
	var cur strings.Builder
	for _, line := range strings.Split(read(t, file), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		if more, ok := strings.CutSuffix(trimmed, "\\"); ok {
			cur.WriteString(more + " ")
			continue
		}
		cur.WriteString(trimmed)
		op, args, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		out = append(out, instruction{strings.ToUpper(op), strings.TrimSpace(args)})
		cur.Reset()
	}
	return out
}

// finalStage returns the instructions after the last FROM.
func finalStage(t *testing.T, file string) []instruction {
	t.Helper()
	ins := readDockerfile(t, file)
	last := -1
	for i, in := range ins {
		if in.op == "FROM" {
			last = i
		}
	}
	if last < 0 {
		t.Fatalf("%s has no FROM", file)
	}
	return ins[last:]
}

func dockerfileUser(t *testing.T, file string) string {
	t.Helper()
	user := ""
	for _, in := range finalStage(t, file) {
		if in.op == "USER" {
			user = in.args
		}
	}
	return user
}

// finalCopyDestinations are where the final stage copies files to.
func finalCopyDestinations(t *testing.T, file string) []string {
	t.Helper()
	var out []string
	for _, in := range finalStage(t, file) {
		if in.op == "COPY" {
			fields := strings.Fields(in.args)
			out = append(out, fields[len(fields)-1])
		}
	}
	return out
}

// TestDockerfiles lints both images' Dockerfiles: every base image pinned
// to a version, a non-root user in the final stage (1001 for brokers, as
// pods run them), COPY sources that exist in the build context and are not
// ignored, Go packages that exist, a Go image that builds this module, and
// the broker image's default Kafka version the catalog's recommended one.
func TestDockerfiles(t *testing.T) {
	goMod := read(t, filepath.Join(buildContext, "go.mod"))
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(goMod)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	moduleGo := m[1]
	for _, file := range []string{kafkaDockerfile, serverDockerfile} {
		t.Run(filepath.Dir(file), func(t *testing.T) {
			ins := readDockerfile(t, file)
			ignored := dockerignore(t, file)
			stages := map[string]bool{}
			for _, in := range ins {
				switch in.op {
				case "FROM":
					fields := strings.Fields(in.args)
					image := fields[0]
					if len(fields) == 3 && strings.EqualFold(fields[1], "AS") {
						stages[fields[2]] = true
					}
					name, tag, ok := strings.Cut(image, ":")
					if !ok || tag == "latest" || !regexp.MustCompile(`^v?\d+(\.\d+)+`).MatchString(tag) {
						t.Errorf("FROM %s: pin a version (name:1.2.3)", image)
					}
					if name == "golang" && !versionAtLeast(regexp.MustCompile(`^\d+(\.\d+)+`).FindString(tag), moduleGo) {
						t.Errorf("FROM %s: go.mod needs Go %s (the image's GOTOOLCHAIN=local fetches no newer one)", image, moduleGo)
					}
				case "COPY":
					fields := strings.Fields(in.args)
					var srcs []string
					from := false
					for _, f := range fields[:len(fields)-1] {
						if strings.HasPrefix(f, "--from=") {
							from = true
						} else if !strings.HasPrefix(f, "--") {
							srcs = append(srcs, f)
						}
					}
					if from {
						if stage := strings.TrimPrefix(fields[0], "--from="); !stages[stage] {
							t.Errorf("COPY %s: no stage %s before it", in.args, stage)
						}
						continue
					}
					for _, src := range srcs {
						if _, err := os.Stat(filepath.Join(buildContext, src)); err != nil {
							t.Errorf("COPY %s: %s is not in the build context (the repository's root): %v", in.args, src, err)
						}
						if ignored[strings.TrimPrefix(src, "./")] {
							t.Errorf("COPY %s: %s is in %s.dockerignore", in.args, src, file)
						}
					}
				case "RUN":
					for _, pkg := range regexp.MustCompile(`go build .*?(\./\S+)`).FindAllStringSubmatch(in.args, -1) {
						if gos, _ := filepath.Glob(filepath.Join(buildContext, pkg[1], "*.go")); len(gos) == 0 {
							t.Errorf("RUN %s: no Go package at %s", in.args, pkg[1])
						}
					}
				}
			}
			user, _, _ := strings.Cut(dockerfileUser(t, file), ":")
			if uid, err := strconv.Atoi(user); err != nil || uid == 0 {
				t.Errorf("the final stage's USER is %q, want a numeric non-root user (runAsNonRoot checks it)", user)
			}
		})
	}
	if user := dockerfileUser(t, kafkaDockerfile); user != brokerImageUser {
		t.Errorf("%s runs as %q, want %s: broker pods run as 1001 (provision/kubernetes/pod.go)", kafkaDockerfile, user, brokerImageUser)
	}
	for _, in := range readDockerfile(t, kafkaDockerfile) {
		if name, value, ok := strings.Cut(in.args, "="); in.op == "ARG" && ok && name == "KAFKA_VERSION" && value != kafkaruntime.Recommended().Version {
			t.Errorf("%s builds Kafka %s by default, the catalog recommends %s", kafkaDockerfile, value, kafkaruntime.Recommended().Version)
		}
	}
}

// dockerignore reads the Dockerfile's own ignore file (FILE.dockerignore),
// its patterns as written.
func dockerignore(t *testing.T, dockerfile string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	data, err := os.ReadFile(dockerfile + ".dockerignore")
	if errors.Is(err, os.ErrNotExist) {
		return out
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out[strings.TrimPrefix(line, "/")] = true
		}
	}
	return out
}

// versionAtLeast compares dotted numeric versions.
func versionAtLeast(have, want string) bool {
	h, w := strings.Split(have, "."), strings.Split(want, ".")
	for i := range max(len(h), len(w)) {
		var a, b int
		if i < len(h) {
			a, _ = strconv.Atoi(h[i])
		}
		if i < len(w) {
			b, _ = strconv.Atoi(w[i])
		}
		if a != b {
			return a > b
		}
	}
	return true
}
