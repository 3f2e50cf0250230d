package localpods

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A volume is one of a pod's volumes as a host directory.
type volume struct {
	name string
	dir  string
	// payload computes the files of a ConfigMap, Secret, projected or
	// downward API volume, which are written again when they change; it is
	// nil for the others.
	payload func(context.Context) (payload, error)
	written [32]byte
	// rewrite maps the container paths in the payload's files to this
	// host's (filesRewriter).
	rewrite *rewriter
}

// setUpVolumes gives every volume of the pod its directory. An error (a
// ConfigMap that does not exist yet, a claim not bound yet) keeps the pod
// in ContainerCreating; the caller tries again.
func (r *podRun) setUpVolumes(ctx context.Context, pod *corev1.Pod) (map[string]*volume, error) {
	vols := map[string]*volume{}
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		vol, err := r.setUpVolume(ctx, pod, v)
		if err != nil {
			return nil, fmt.Errorf("volume %q: %w", v.Name, err)
		}
		vols[v.Name] = vol
	}
	// The files of ConfigMaps and Secrets last: their paths are rewritten
	// to the other volumes' directories.
	rw := r.p.filesRewriter(pod, vols)
	for _, name := range sortedVolumeNames(vols) {
		vol := vols[name]
		if vol.payload == nil {
			continue
		}
		vol.rewrite = rw
		files, err := vol.payload(ctx)
		if err != nil {
			return nil, fmt.Errorf("volume %q: %w", name, err)
		}
		files = files.rewritten(rw)
		if err := writePayload(vol.dir, files); err != nil {
			return nil, fmt.Errorf("volume %q: %w", name, err)
		}
		vol.written = files.digest()
	}
	return vols, nil
}

func sortedVolumeNames(vols map[string]*volume) []string {
	names := make([]string, 0, len(vols))
	for n := range vols {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// filesRewriter maps the container paths that files in ConfigMaps and
// Secrets name (a broker's server.properties names its data directory and
// key files) to this host's directories. A real pod has a file system of
// its own where those paths exist; these processes share the host's, so
// the paths are rewritten in the files as in commands and environments:
// the pod's volume mounts (the first container that mounts a path decides)
// and its images' paths.
func (p *Provider) filesRewriter(pod *corev1.Pod, vols map[string]*volume) *rewriter {
	var mounts, image []pathRule
	seen := map[string]bool{}
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			for _, rule := range mountRules(&list[i], vols) {
				if !seen[rule.from] {
					seen[rule.from] = true
					mounts = append(mounts, rule)
				}
			}
			rules, _ := p.imageRules(list[i].Image)
			image = append(image, rules...)
		}
	}
	return newRewriter(mounts, image)
}

func (r *podRun) setUpVolume(ctx context.Context, pod *corev1.Pod, v *corev1.Volume) (*volume, error) {
	p := r.p
	vol := &volume{name: v.Name, dir: filepath.Join(r.dir, "volumes", v.Name)}
	switch {
	case v.EmptyDir != nil:
		return vol, os.MkdirAll(vol.dir, 0o777)
	case v.HostPath != nil:
		vol.dir = v.HostPath.Path
		if t := v.HostPath.Type; t != nil && *t == corev1.HostPathDirectoryOrCreate {
			return vol, os.MkdirAll(vol.dir, 0o755)
		}
		return vol, nil
	case v.PersistentVolumeClaim != nil:
		dir, err := p.claimDir(ctx, pod.Namespace, v.PersistentVolumeClaim.ClaimName)
		vol.dir = dir
		return vol, err
	case v.ConfigMap != nil:
		src := v.ConfigMap
		vol.payload = func(ctx context.Context) (payload, error) {
			return p.configMapPayload(ctx, pod.Namespace, src.Name, src.Items, src.Optional, mode(src.DefaultMode, 0o644), false)
		}
	case v.Secret != nil:
		src := v.Secret
		vol.payload = func(ctx context.Context) (payload, error) {
			return p.secretPayload(ctx, pod.Namespace, src.SecretName, src.Items, src.Optional, mode(src.DefaultMode, 0o644), false)
		}
	case v.DownwardAPI != nil:
		src := v.DownwardAPI
		vol.payload = func(context.Context) (payload, error) {
			return r.downwardPayload(src.Items, mode(src.DefaultMode, 0o644))
		}
	case v.Projected != nil:
		src := v.Projected
		vol.payload = func(ctx context.Context) (payload, error) {
			return r.projectedPayload(ctx, src)
		}
	default:
		return nil, fmt.Errorf("this volume type is not supported by vkubelet (emptyDir, hostPath, persistentVolumeClaim, configMap, secret, downwardAPI and projected are)")
	}
	return vol, nil
}

// refreshVolumes writes again the volumes whose ConfigMap, Secret or pod
// fields changed. An error leaves the old files, as the kubelet does.
func (r *podRun) refreshVolumes(ctx context.Context, vols map[string]*volume) {
	for _, vol := range vols {
		if vol.payload == nil {
			continue
		}
		files, err := vol.payload(ctx)
		if err != nil {
			continue
		}
		files = files.rewritten(vol.rewrite)
		if d := files.digest(); d != vol.written {
			if err := writePayload(vol.dir, files); err == nil {
				vol.written = d
			}
		}
	}
}

func mode(m *int32, fallback os.FileMode) os.FileMode {
	if m == nil {
		return fallback
	}
	return os.FileMode(*m) & os.ModePerm
}

// claimDir is the directory of a bound claim's volume: the hostPath or
// local path of its PersistentVolume, made if it is missing.
func (p *Provider) claimDir(ctx context.Context, namespace, claim string) (string, error) {
	pvc, err := p.cfg.Client.CoreV1().PersistentVolumeClaims(namespace).Get(ctx, claim, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	if pvc.Status.Phase != corev1.ClaimBound || pvc.Spec.VolumeName == "" {
		return "", fmt.Errorf("persistentvolumeclaim %q is not bound yet (phase %s)", claim, pvc.Status.Phase)
	}
	pv, err := p.cfg.Client.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	var dir string
	switch {
	case pv.Spec.HostPath != nil:
		dir = pv.Spec.HostPath.Path
	case pv.Spec.Local != nil:
		dir = pv.Spec.Local.Path
	default:
		return "", fmt.Errorf("persistentvolume %q is neither hostPath nor local: vkubelet cannot mount it", pv.Name)
	}
	return dir, os.MkdirAll(dir, 0o755)
}

func (p *Provider) configMapPayload(ctx context.Context, ns, name string, items []corev1.KeyToPath, opt *bool, defaultMode os.FileMode, bestEffort bool) (payload, error) {
	cm, err := p.configMap(ctx, ns, name)
	if err != nil {
		if apierrors.IsNotFound(err) && (optional(opt) || bestEffort) {
			return payload{}, nil
		}
		return nil, err
	}
	data := make(map[string][]byte, len(cm.Data)+len(cm.BinaryData))
	for k, v := range cm.Data {
		data[k] = []byte(v)
	}
	for k, v := range cm.BinaryData {
		data[k] = v
	}
	return keysPayload("configmap", name, data, items, opt, defaultMode)
}

func (p *Provider) secretPayload(ctx context.Context, ns, name string, items []corev1.KeyToPath, opt *bool, defaultMode os.FileMode, bestEffort bool) (payload, error) {
	s, err := p.secret(ctx, ns, name)
	if err != nil {
		if apierrors.IsNotFound(err) && (optional(opt) || bestEffort) {
			return payload{}, nil
		}
		return nil, err
	}
	data := map[string][]byte{}
	for k, v := range secretData(s) {
		data[k] = []byte(v)
	}
	return keysPayload("secret", name, data, items, opt, defaultMode)
}

// keysPayload makes a file of every key, or of the keys items name.
func keysPayload(kind, name string, data map[string][]byte, items []corev1.KeyToPath, opt *bool, defaultMode os.FileMode) (payload, error) {
	files := payload{}
	if len(items) == 0 {
		for k, v := range data {
			files[k] = payloadFile{data: v, mode: defaultMode}
		}
		return files, nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional(opt) {
				continue
			}
			return nil, fmt.Errorf("%s %q has no key %q", kind, name, it.Key)
		}
		files[it.Path] = payloadFile{data: v, mode: mode(it.Mode, defaultMode)}
	}
	return files, nil
}

func (r *podRun) downwardPayload(items []corev1.DownwardAPIVolumeFile, defaultMode os.FileMode) (payload, error) {
	pod := r.currentPod()
	files := payload{}
	for _, it := range items {
		var v string
		var err error
		switch {
		case it.FieldRef != nil:
			v, err = podField(pod, it.FieldRef.FieldPath, r.ip, r.p.cfg.HostIP)
		case it.ResourceFieldRef != nil:
			c := findContainer(pod, it.ResourceFieldRef.ContainerName)
			if c == nil {
				return nil, fmt.Errorf("downwardAPI item %q: no container %q", it.Path, it.ResourceFieldRef.ContainerName)
			}
			v, err = containerResource(c, it.ResourceFieldRef, r.p.cfg.Allocatable)
		}
		if err != nil {
			return nil, fmt.Errorf("downwardAPI item %q: %w", it.Path, err)
		}
		files[it.Path] = payloadFile{data: []byte(v), mode: mode(it.Mode, defaultMode)}
	}
	return files, nil
}

// projectedPayload joins the sources of a projected volume. Service account
// tokens are not made (vkubelet issues no tokens); a volume that asks for
// one is the admission plugin's kube-api-access volume, whose other sources
// are taken as far as they exist, so it never holds a pod back.
func (r *podRun) projectedPayload(ctx context.Context, src *corev1.ProjectedVolumeSource) (payload, error) {
	defaultMode := mode(src.DefaultMode, 0o644)
	bestEffort := false
	for _, s := range src.Sources {
		if s.ServiceAccountToken != nil {
			bestEffort = true
		}
	}
	files := payload{}
	for _, s := range src.Sources {
		var part payload
		var err error
		switch {
		case s.ConfigMap != nil:
			part, err = r.p.configMapPayload(ctx, r.namespace, s.ConfigMap.Name, s.ConfigMap.Items, s.ConfigMap.Optional, defaultMode, bestEffort)
		case s.Secret != nil:
			part, err = r.p.secretPayload(ctx, r.namespace, s.Secret.Name, s.Secret.Items, s.Secret.Optional, defaultMode, bestEffort)
		case s.DownwardAPI != nil:
			part, err = r.downwardPayload(s.DownwardAPI.Items, defaultMode)
		}
		if err != nil {
			return nil, err
		}
		for k, v := range part {
			files[k] = v
		}
	}
	return files, nil
}

func findContainer(pod *corev1.Pod, name string) *corev1.Container {
	for _, list := range [][]corev1.Container{pod.Spec.Containers, pod.Spec.InitContainers} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}

// mountRules maps a container's volume mounts to their host directories.
func mountRules(c *corev1.Container, vols map[string]*volume) []pathRule {
	var rules []pathRule
	for _, m := range c.VolumeMounts {
		vol, ok := vols[m.Name]
		if !ok {
			continue
		}
		to := vol.dir
		if sub := strings.Trim(m.SubPath, "/"); sub != "" {
			to = filepath.Join(to, sub)
		}
		rules = append(rules, newPathRule(m.MountPath, to))
	}
	return rules
}
