package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaconfig"
)

// A migration's MirrorMaker 2 runs as a pod in its instance's namespace,
// from the instance's broker image, with mm2.properties and the CA files
// beside it in a Secret (it holds both clusters' passwords).

// mirrorMainClass is MirrorMaker 2's dedicated mode, in connect-mirror.
const mirrorMainClass = "org.apache.kafka.connect.mirror.MirrorMaker"

const (
	mirrorDir        = "/etc/streamplane/mirror"
	mirrorProperties = "mm2.properties"
	mirrorContainer  = "mirrormaker"
)

func mirrorName(m *streamplane.Migration) string { return "mirror-" + m.ID }

// MirrorDir is where the migration's files are inside its pod.
func (p *Provisioner) MirrorDir(*streamplane.Migration) string { return mirrorDir }

func mirrorLabels(m *streamplane.Migration) map[string]string {
	return map[string]string{labelManagedBy: managedBy, labelName: "kafka", labelInstance: m.InstanceID, labelInstanceID: m.InstanceID,
		labelComponent: "mirror", "streamplane.dev/migration-id": m.ID}
}

// ConfigureMirror writes mm2.properties and the files beside it into the
// migration's Secret. A running MirrorMaker reads them at its next start.
func (p *Provisioner) ConfigureMirror(ctx context.Context, m *streamplane.Migration, files streamplane.MirrorFiles) error {
	if m.ID == "" || m.InstanceID == "" {
		return errors.New("kubernetes: a migration needs an id and its instance's id")
	}
	if len(files.Properties) == 0 {
		return fmt.Errorf("kubernetes: migration %s: no mm2.properties to write", m.Name)
	}
	data := map[string][]byte{mirrorProperties: files.Properties}
	for name, body := range files.Files {
		if name == "" || strings.ContainsAny(name, `/\`) || slices.Contains([]string{mirrorProperties, "log4j.properties", "log4j2.properties"}, name) {
			return fmt.Errorf("kubernetes: migration %s: %q cannot be a file beside mm2.properties", m.Name, name)
		}
		data[name] = body
	}
	_, err := p.apply(ctx, &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: mirrorName(m), Namespace: p.namespaceOf(m.InstanceID), Labels: mirrorLabels(m)},
		Type:       corev1.SecretTypeOpaque, Data: data,
	})
	return err
}

// StartMirror makes the migration's pod with the instance's version, or
// adopts the one there (replacing one that has ended, as Start does), and
// waits until MirrorMaker runs.
func (p *Provisioner) StartMirror(ctx context.Context, inst *streamplane.Instance, m *streamplane.Migration) (streamplane.Process, error) {
	if m.InstanceID != inst.ID {
		return streamplane.Process{}, fmt.Errorf("kubernetes: migration %s belongs to instance %s, not %s", m.Name, m.InstanceID, inst.ID)
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.StartTimeout)
	defer cancel()
	pods := p.client.CoreV1().Pods(p.namespaceOf(m.InstanceID))
	cur, err := pods.Get(ctx, mirrorName(m), metav1.GetOptions{})
	switch {
	case err == nil:
		gone, err := p.makeWay(ctx, cur)
		if err != nil {
			return streamplane.Process{}, err
		}
		if !gone {
			return p.waitContainerRunning(ctx, cur.Namespace, cur.Name, mirrorContainer)
		}
	case !apierrors.IsNotFound(err):
		return streamplane.Process{}, fmt.Errorf("kubernetes: read pod %s: %w", mirrorName(m), err)
	}
	pod, logging, err := p.mirrorPod(inst, m)
	if err != nil {
		return streamplane.Process{}, err
	}
	if err := p.applyAll(ctx, logging, pod); err != nil {
		return streamplane.Process{}, err
	}
	p.log.Info("MirrorMaker pod created", "instance", inst.Name, "migration", m.Name, "namespace", pod.Namespace)
	return p.waitContainerRunning(ctx, pod.Namespace, pod.Name, mirrorContainer)
}

// mirrorPod is MirrorMaker 2's pod: a client of both clusters, so no
// broker plugin, a small heap, and nothing kept on disk (its state is in
// Kafka topics).
func (p *Provisioner) mirrorPod(inst *streamplane.Instance, m *streamplane.Migration) (*corev1.Pod, *corev1.ConfigMap, error) {
	rt, err := release(inst.Version)
	if err != nil {
		return nil, nil, err
	}
	logName, logBody, logFlag := rt.ConsoleLogConfig("/etc/streamplane/logging")
	flags := slices.DeleteFunc(kafkaconfig.JVMFlags(384), func(f string) bool { return strings.HasPrefix(f, "-Xms") })
	args := append(flags, "-Xms128m", "-Dkafka.logs.dir=/tmp", logFlag,
		"-Dstreamplane.instance="+inst.ID, "-Dstreamplane.migration="+m.ID,
		"-cp", path.Join(libDir, "*"), mirrorMainClass, path.Join(mirrorDir, mirrorProperties), "--clusters", m.TargetAlias())
	no := false
	mode := int32(0o440)
	logging := &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: mirrorName(m) + "-logging", Namespace: p.namespaceOf(m.InstanceID), Labels: mirrorLabels(m)},
		Data:       map[string]string{logName: string(logBody)},
	}
	return &corev1.Pod{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: mirrorName(m), Namespace: p.namespaceOf(m.InstanceID), Labels: mirrorLabels(m),
			Annotations: map[string]string{"streamplane.dev/migration-name": m.Name}},
		Spec: corev1.PodSpec{
			RestartPolicy:                corev1.RestartPolicyAlways,
			AutomountServiceAccountToken: &no, EnableServiceLinks: &no,
			SecurityContext: podSecurity(),
			Containers: []corev1.Container{{
				Name: mirrorContainer, Image: p.image(inst.Version), ImagePullPolicy: p.cfg.ImagePullPolicy,
				Command: []string{"java"}, Args: args,
				VolumeMounts: []corev1.VolumeMount{
					{Name: "mirror", MountPath: mirrorDir, ReadOnly: true},
					{Name: "logging", MountPath: "/etc/streamplane/logging", ReadOnly: true},
					{Name: "tmp", MountPath: tmpDir},
				},
				SecurityContext: restrictedContainer(),
			}},
			Volumes: []corev1.Volume{
				{Name: "mirror", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: mirrorName(m), DefaultMode: &mode}}},
				{Name: "logging", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: logging.Name}}}},
				{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			},
		},
	}, logging, nil
}

// InspectMirror reports whether MirrorMaker's container runs.
func (p *Provisioner) InspectMirror(m *streamplane.Migration) (streamplane.Process, bool) {
	if p.pods == nil {
		return streamplane.Process{}, false
	}
	pod, err := p.pods.Pods(p.namespaceOf(m.InstanceID)).Get(mirrorName(m))
	if err != nil {
		return streamplane.Process{}, false
	}
	started, ok := containerRunning(pod, mirrorContainer)
	return streamplane.Process{StartedAt: started}, ok
}

// StopMirror deletes the pod (Connect stops its tasks and commits their
// offsets on SIGTERM) and waits until it is gone.
func (p *Provisioner) StopMirror(ctx context.Context, m *streamplane.Migration, graceful time.Duration) error {
	return p.deletePod(ctx, p.namespaceOf(m.InstanceID), mirrorName(m), graceful)
}

// ForgetMirror deletes the pod, its Secret and its logging ConfigMap.
func (p *Provisioner) ForgetMirror(ctx context.Context, m *streamplane.Migration) error {
	if err := p.StopMirror(ctx, m, 0); err != nil {
		return err
	}
	core, ns := p.client.CoreV1(), p.namespaceOf(m.InstanceID)
	if err := ignoreNotFound(core.Secrets(ns).Delete(ctx, mirrorName(m), metav1.DeleteOptions{})); err != nil {
		return fmt.Errorf("kubernetes: delete Secret %s: %w", mirrorName(m), err)
	}
	if err := ignoreNotFound(core.ConfigMaps(ns).Delete(ctx, mirrorName(m)+"-logging", metav1.DeleteOptions{})); err != nil {
		return fmt.Errorf("kubernetes: delete ConfigMap %s-logging: %w", mirrorName(m), err)
	}
	return nil
}

// MirrorLogs returns the last lines of MirrorMaker's output.
func (p *Provisioner) MirrorLogs(ctx context.Context, m *streamplane.Migration, lines int) (string, error) {
	out, err := p.podLog(ctx, p.namespaceOf(m.InstanceID), mirrorName(m), mirrorContainer, lines)
	if apierrors.IsNotFound(err) {
		return "", streamplane.Errorf(streamplane.ENOTFOUND, "MirrorMaker of migration %s has no pod", m.Name)
	}
	return out, err
}

var _ streamplane.MirrorRunner = (*Provisioner)(nil)
