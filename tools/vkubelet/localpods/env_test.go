package localpods

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestResolveEnv(t *testing.T) {
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "settings", Namespace: "default"},
		Data:       map[string]string{"mode": "fast", "dir": "/opt/kafka/data", "bad-name": "x"},
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: "default"},
		Data:       map[string][]byte{"password": []byte("s3cret"), "user": []byte("admin")},
	}
	n := newTestNode(t, cm, secret)
	yes := true
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: "broker-0", Namespace: "default", UID: "uid-1",
			Labels:      map[string]string{"app": "kafka", "statefulset.kubernetes.io/pod-name": "broker-0"},
			Annotations: map[string]string{"rack": "zone-a"},
		},
		Spec: corev1.PodSpec{NodeName: "node-a", ServiceAccountName: "sa"},
	}
	field := func(path string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: path}}
	}
	c := &corev1.Container{
		Name: "kafka",
		Resources: corev1.ResourceRequirements{
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("2Gi")},
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1500m"), corev1.ResourceMemory: resource.MustParse("1Gi")},
		},
		EnvFrom: []corev1.EnvFromSource{
			{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}}, Prefix: "CFG_"},
			{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}}},
			{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "absent"}, Optional: &yes}},
		},
		Env: []corev1.EnvVar{
			{Name: "NAME", ValueFrom: field("metadata.name")},
			{Name: "NS", ValueFrom: field("metadata.namespace")},
			{Name: "UID", ValueFrom: field("metadata.uid")},
			{Name: "APP", ValueFrom: field("metadata.labels['app']")},
			{Name: "RACK", ValueFrom: field("metadata.annotations['rack']")},
			{Name: "NODE", ValueFrom: field("spec.nodeName")},
			{Name: "POD_IP", ValueFrom: field("status.podIP")},
			{Name: "HOST_IP", ValueFrom: field("status.hostIP")},
			{Name: "SA", ValueFrom: field("spec.serviceAccountName")},
			{Name: "MEM_LIMIT_MI", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}}},
			{Name: "CPU_REQUEST", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "requests.cpu"}}},
			{Name: "CPU_REQUEST_M", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "requests.cpu", Divisor: resource.MustParse("1m")}}},
			{Name: "CPU_LIMIT", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.cpu"}}},
			{Name: "MODE", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}, Key: "mode"}}},
			{Name: "PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}, Key: "password"}}},
			{Name: "MAYBE", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}, Key: "nope", Optional: &yes}}},
			{Name: "LISTENER", Value: "PLAINTEXT://$(POD_IP):9092"},
			{Name: "KAFKA_HOME", Value: "/opt/kafka"},
			{Name: "CONFIG", Value: "$(KAFKA_HOME)/config/server.properties"},
			{Name: "JAVA_TOOL_OPTIONS", Value: "-Xmx1g"},
		},
	}
	env, err := n.p.resolveEnv(context.Background(), pod, c, "127.64.1.2")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"NAME": "broker-0", "NS": "default", "UID": "uid-1", "APP": "kafka", "RACK": "zone-a",
		"NODE": "node-a", "POD_IP": "127.64.1.2", "HOST_IP": "127.0.0.1", "SA": "sa",
		"MEM_LIMIT_MI": "2048", "CPU_REQUEST": "2", "CPU_REQUEST_M": "1500",
		"CPU_LIMIT":  "32", // no limit: the node's allocatable
		"MODE":       "fast",
		"PASSWORD":   "s3cret",
		"LISTENER":   "PLAINTEXT://127.64.1.2:9092",
		"CONFIG":     "/opt/kafka/config/server.properties",
		"CFG_mode":   "fast",
		"CFG_dir":    "/opt/kafka/data",
		"user":       "admin",
		"password":   "s3cret",
		"KAFKA_HOME": "/opt/kafka",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if _, ok := env["MAYBE"]; ok {
		t.Error("an optional missing key set MAYBE")
	}
	if env["CFG_bad-name"] != "x" {
		t.Error("envFrom dropped a key with a dash, which relaxed variable names allow")
	}

	// The process sees paths rewritten and the JVM's DNS stand-in.
	rw := newRewriter([]pathRule{newPathRule("/opt/kafka/config", "/vol/config")}, []pathRule{newPathRule("/opt/kafka", "/srv/kafka-4")})
	list := n.p.processEnv(pod, env, rw)
	get := func(k string) string { v, _ := envLookup(list, k); return v }
	if got := get("CONFIG"); got != "/vol/config/server.properties" {
		t.Errorf("CONFIG = %q", got)
	}
	if got := get("CFG_dir"); got != "/srv/kafka-4/data" {
		t.Errorf("CFG_dir = %q", got)
	}
	if got := get("HOSTNAME"); got != "broker-0" {
		t.Errorf("HOSTNAME = %q", got)
	}
	jto := get("JAVA_TOOL_OPTIONS")
	if !strings.HasPrefix(jto, "-Xmx1g ") || !strings.Contains(jto, "-Djdk.net.hosts.file="+n.p.HostsFile()) ||
		!strings.Contains(jto, "-Dsun.net.inetaddr.ttl=1") || !strings.Contains(jto, "-Dsun.net.inetaddr.negative.ttl=0") {
		t.Errorf("JAVA_TOOL_OPTIONS = %q", jto)
	}
	if _, ok := envLookup(list, "PATH"); !ok {
		t.Error("PATH not passed on from vkubelet's environment")
	}
}

func TestResolveEnvMissing(t *testing.T) {
	n := newTestNode(t)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"}}
	for name, c := range map[string]*corev1.Container{
		"configmap": {Env: []corev1.EnvVar{{Name: "X", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "nope"}, Key: "k"}}}}},
		"secret":    {EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "nope"}}}}},
		"field":     {Env: []corev1.EnvVar{{Name: "X", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.bogus"}}}}},
	} {
		if _, err := n.p.resolveEnv(context.Background(), pod, c, "127.64.0.9"); err == nil {
			t.Errorf("%s: missing source resolved", name)
		}
	}
}
