package localpods

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestConfigMapAndSecretVolumes(t *testing.T) {
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "broker-config", Namespace: "default"},
		Data:       map[string]string{"server.properties": "node.id=0\n", "log4j.properties": "x=1\n", "unused": "u"},
	}
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "broker-tls", Namespace: "default"},
		Data:       map[string][]byte{"keystore.p12": []byte("KEYSTORE"), "password": []byte("pw")},
	}
	n := newTestNode(t, cm, secret)
	ro := int32(0o400)
	mode := int32(0o640)
	pod := shPod("vols", "cat /opt/kafka/config/server.properties /etc/tls/keystore.p12; echo; sleep 1000")
	pod.Spec.Volumes = []corev1.Volume{
		{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: "broker-config"},
			Items: []corev1.KeyToPath{
				{Key: "server.properties", Path: "server.properties"},
				{Key: "log4j.properties", Path: "log/log4j.properties", Mode: &ro},
			},
		}}},
		{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "broker-tls", DefaultMode: &mode}}},
	}
	pod.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{
		{Name: "config", MountPath: "/opt/kafka/config"},
		{Name: "tls", MountPath: "/etc/tls", ReadOnly: true},
	}
	n.create(pod)
	n.waitStatus("vols", 10*time.Second, phaseIs(corev1.PodRunning))
	logsAre(t, n, "vols", "main", apiOpts(), "node.id=0\nKEYSTORE\n")

	dir := filepath.Join(n.p.run("default", "vols").dir, "volumes")
	checkFile := func(rel, want string, wantMode os.FileMode) {
		t.Helper()
		name := filepath.Join(dir, rel)
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != want {
			t.Errorf("%s = %q, want %q", rel, data, want)
		}
		st, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != wantMode {
			t.Errorf("%s mode %o, want %o", rel, st.Mode().Perm(), wantMode)
		}
	}
	checkFile("config/server.properties", "node.id=0\n", 0o644)
	checkFile("config/log/log4j.properties", "x=1\n", 0o400)
	checkFile("tls/keystore.p12", "KEYSTORE", 0o640)
	checkFile("tls/password", "pw", 0o640)
	if _, err := os.Stat(filepath.Join(dir, "config", "unused")); err == nil {
		t.Error("a key that items leave out was written")
	}

	// A changed ConfigMap reaches the file within seconds, replaced whole.
	cm.Data["server.properties"] = "node.id=0\nnum.partitions=3\n"
	if _, err := n.client.CoreV1().ConfigMaps("default").Update(context.Background(), cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() error {
		data, _ := os.ReadFile(filepath.Join(dir, "config", "server.properties"))
		if !strings.Contains(string(data), "num.partitions=3") {
			return fmt.Errorf("server.properties is %q", data)
		}
		return nil
	})
	// Items dropped from the ConfigMap's projection leave no stale link.
	entries, _ := os.ReadDir(filepath.Join(dir, "config"))
	var names []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "..") {
			names = append(names, e.Name())
		}
	}
	if strings.Join(names, ",") != "log,server.properties" {
		t.Errorf("config volume holds %v", names)
	}
	// Old payload directories are removed: one ..<time> directory is left.
	var payloads int
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "..") && e.Name() != dataLink && e.IsDir() {
			payloads++
		}
	}
	if payloads != 1 {
		t.Errorf("%d payload directories", payloads)
	}
}

func TestMissingConfigMapWaits(t *testing.T) {
	n := newTestNode(t)
	pod := shPod("waits", "cat /cfg/a; sleep 1000")
	pod.Spec.Volumes = []corev1.Volume{{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: "later"},
	}}}}
	pod.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "cfg", MountPath: "/cfg"}}
	n.create(pod)
	n.waitStatus("waits", 5*time.Second, func(p *corev1.Pod) error {
		w := p.Status.ContainerStatuses[0].State.Waiting
		if w == nil || w.Reason != "ContainerCreating" || !strings.Contains(w.Message, `"later"`) {
			return fmt.Errorf("%s", describe(p))
		}
		return phaseIs(corev1.PodPending)(p)
	})
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "later", Namespace: "default"}, Data: map[string]string{"a": "here"}}
	if _, err := n.client.CoreV1().ConfigMaps("default").Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	n.waitStatus("waits", 10*time.Second, phaseIs(corev1.PodRunning))
	logsAre(t, n, "waits", "main", apiOpts(), "here")
}

func TestPersistentVolumeClaim(t *testing.T) {
	hostDir := filepath.Join(t.TempDir(), "pv-data", "broker-0")
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data-broker-0", Namespace: "default"},
		Status:     corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
	}
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: "pv-1"},
		Spec: corev1.PersistentVolumeSpec{PersistentVolumeSource: corev1.PersistentVolumeSource{
			HostPath: &corev1.HostPathVolumeSource{Path: hostDir},
		}},
	}
	n := newTestNode(t, pvc, pv)
	pod := shPod("claims", "echo kept > /var/lib/kafka/data/marker; sleep 1000")
	pod.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
		PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data-broker-0"},
	}}}
	pod.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/var/lib/kafka/data"}}
	n.create(pod)
	n.waitStatus("claims", 5*time.Second, func(p *corev1.Pod) error {
		w := p.Status.ContainerStatuses[0].State.Waiting
		if w == nil || w.Reason != "ContainerCreating" || !strings.Contains(w.Message, "not bound") {
			return fmt.Errorf("%s", describe(p))
		}
		return nil
	})
	// The PV controller binds the claim; the pod starts on the PV's path.
	pvc.Spec.VolumeName = "pv-1"
	pvc.Status.Phase = corev1.ClaimBound
	if _, err := n.client.CoreV1().PersistentVolumeClaims("default").Update(context.Background(), pvc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	n.waitStatus("claims", 10*time.Second, phaseIs(corev1.PodRunning))
	waitFor(t, 5*time.Second, func() error {
		data, err := os.ReadFile(filepath.Join(hostDir, "marker"))
		if err != nil {
			return err
		}
		if string(data) != "kept\n" {
			return fmt.Errorf("marker %q", data)
		}
		return nil
	})
}

func TestProjectedAndDownwardAPIVolumes(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "extra", Namespace: "default"}, Data: map[string]string{"k": "v"}}
	n := newTestNode(t, cm)
	expiry := int64(3607)
	pod := shPod("projected", "sleep 1000")
	pod.Annotations = map[string]string{"note": "one"}
	pod.Spec.Volumes = []corev1.Volume{
		// What the ServiceAccount admission plugin adds: its ConfigMap
		// does not exist here and vkubelet issues no tokens.
		{Name: "kube-api-access-x1", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: &expiry}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}}}},
		}}}},
		{Name: "mixed", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "extra"}}},
		}}}},
		{Name: "podinfo", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{
			{Path: "name", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}},
			{Path: "annotations", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.annotations"}},
		}}}},
	}
	n.create(pod)
	n.waitStatus("projected", 10*time.Second, phaseIs(corev1.PodRunning))
	dir := filepath.Join(n.p.run("default", "projected").dir, "volumes")
	read := func(rel string) string {
		data, _ := os.ReadFile(filepath.Join(dir, rel))
		return string(data)
	}
	if got := read("kube-api-access-x1/namespace"); got != "default" {
		t.Errorf("namespace = %q", got)
	}
	if got := read("mixed/k"); got != "v" {
		t.Errorf("mixed/k = %q", got)
	}
	if got := read("podinfo/name"); got != "projected" {
		t.Errorf("name = %q", got)
	}
	if got := read("podinfo/annotations"); got != `note="one"` {
		t.Errorf("annotations = %q", got)
	}
	// New annotations reach the downward API file.
	updated := pod.DeepCopy()
	updated.Annotations["note"] = "two"
	if err := n.p.UpdatePod(context.Background(), updated); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, func() error {
		if got := read("podinfo/annotations"); got != `note="two"` {
			return fmt.Errorf("annotations = %q", got)
		}
		return nil
	})
}

func TestNewImageRestartsContainer(t *testing.T) {
	n := newTestNode(t)
	n.p.cfg.Images = append(n.p.cfg.Images, ImagePath{Image: "busybox:2"})
	pod := n.create(shPod("upgrade", "sleep 1000"))
	st := n.waitStatus("upgrade", 10*time.Second, phaseIs(corev1.PodRunning))
	first := pidOf(t, st.Status.ContainerStatuses[0])
	updated := pod.DeepCopy()
	updated.Spec.Containers[0].Image = "busybox:2"
	if err := n.p.UpdatePod(context.Background(), updated); err != nil {
		t.Fatal(err)
	}
	st = n.waitStatus("upgrade", 10*time.Second, func(p *corev1.Pod) error {
		cs := p.Status.ContainerStatuses[0]
		if cs.RestartCount != 1 || cs.State.Running == nil || cs.Image != "busybox:2" {
			return fmt.Errorf("%s image %s", describe(p), cs.Image)
		}
		return nil
	})
	if pidOf(t, st.Status.ContainerStatuses[0]) == first || alive(first) {
		t.Error("the old process still runs")
	}
}
