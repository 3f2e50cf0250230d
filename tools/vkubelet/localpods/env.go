package localpods

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// hostEnv lists what a process takes from vkubelet's own environment: what
// an image's ENV would give it, the host has instead.
var hostEnv = []string{"PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER", "JAVA_HOME"}

// resolveEnv computes a container's env and envFrom as the kubelet does,
// in the container's view of paths (processEnv rewrites them). A missing
// ConfigMap, Secret or key that is not optional is an error, which keeps the
// container waiting with CreateContainerConfigError.
func (p *Provider) resolveEnv(ctx context.Context, pod *corev1.Pod, c *corev1.Container, podIP string) (map[string]string, error) {
	env := map[string]string{}
	for _, from := range c.EnvFrom {
		var data map[string]string
		switch {
		case from.ConfigMapRef != nil:
			cm, err := p.configMap(ctx, pod.Namespace, from.ConfigMapRef.Name)
			if err != nil {
				if apierrors.IsNotFound(err) && optional(from.ConfigMapRef.Optional) {
					continue
				}
				return nil, err
			}
			data = cm.Data
		case from.SecretRef != nil:
			s, err := p.secret(ctx, pod.Namespace, from.SecretRef.Name)
			if err != nil {
				if apierrors.IsNotFound(err) && optional(from.SecretRef.Optional) {
					continue
				}
				return nil, err
			}
			data = secretData(s)
		}
		for k, v := range data {
			// Any printable name without "=" will do, as for the kubelet
			// since relaxed variable names went GA.
			if name := from.Prefix + k; !strings.Contains(name, "=") {
				env[name] = v
			}
		}
	}
	lookup := func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env[e.Name] = expand(e.Value, lookup)
			continue
		}
		v, skip, err := p.envValueFrom(ctx, pod, c, e.ValueFrom, podIP)
		if err != nil {
			return nil, fmt.Errorf("env %s: %w", e.Name, err)
		}
		if !skip {
			env[e.Name] = v
		}
	}
	return env, nil
}

func (p *Provider) envValueFrom(ctx context.Context, pod *corev1.Pod, c *corev1.Container, from *corev1.EnvVarSource, podIP string) (value string, skip bool, err error) {
	switch {
	case from.FieldRef != nil:
		v, err := podField(pod, from.FieldRef.FieldPath, podIP, p.cfg.HostIP)
		return v, false, err
	case from.ResourceFieldRef != nil:
		v, err := containerResource(c, from.ResourceFieldRef, p.cfg.Allocatable)
		return v, false, err
	case from.ConfigMapKeyRef != nil:
		ref := from.ConfigMapKeyRef
		cm, err := p.configMap(ctx, pod.Namespace, ref.Name)
		if err != nil {
			if apierrors.IsNotFound(err) && optional(ref.Optional) {
				return "", true, nil
			}
			return "", false, err
		}
		if v, ok := cm.Data[ref.Key]; ok {
			return v, false, nil
		}
		if v, ok := cm.BinaryData[ref.Key]; ok {
			return string(v), false, nil
		}
		if optional(ref.Optional) {
			return "", true, nil
		}
		return "", false, fmt.Errorf("configmap %q has no key %q", ref.Name, ref.Key)
	case from.SecretKeyRef != nil:
		ref := from.SecretKeyRef
		s, err := p.secret(ctx, pod.Namespace, ref.Name)
		if err != nil {
			if apierrors.IsNotFound(err) && optional(ref.Optional) {
				return "", true, nil
			}
			return "", false, err
		}
		if v, ok := secretData(s)[ref.Key]; ok {
			return v, false, nil
		}
		if optional(ref.Optional) {
			return "", true, nil
		}
		return "", false, fmt.Errorf("secret %q has no key %q", ref.Name, ref.Key)
	}
	return "", false, fmt.Errorf("valueFrom names no source vkubelet knows")
}

func optional(b *bool) bool { return b != nil && *b }

func secretData(s *corev1.Secret) map[string]string {
	data := make(map[string]string, len(s.Data)+len(s.StringData))
	for k, v := range s.Data {
		data[k] = string(v)
	}
	for k, v := range s.StringData {
		data[k] = v
	}
	return data
}

// processEnv is the environment a container's process gets: hostEnv from
// vkubelet's own, HOSTNAME, then the container's variables with their paths
// rewritten, then the JVM options that stand in for cluster DNS.
func (p *Provider) processEnv(pod *corev1.Pod, env map[string]string, rw *rewriter) []string {
	out := map[string]string{}
	for _, name := range hostEnv {
		if v, ok := os.LookupEnv(name); ok {
			out[name] = v
		}
	}
	out["HOSTNAME"] = podHostname(pod)
	for k, v := range env {
		out[k] = rw.rewrite(v)
	}
	jvm := "-Djdk.net.hosts.file=" + p.hosts.path + " -Dsun.net.inetaddr.ttl=1 -Dsun.net.inetaddr.negative.ttl=0"
	if v := strings.TrimSpace(out["JAVA_TOOL_OPTIONS"]); v != "" {
		jvm = v + " " + jvm
	}
	out["JAVA_TOOL_OPTIONS"] = jvm
	list := make([]string, 0, len(out))
	for k, v := range out {
		list = append(list, k+"="+v)
	}
	sort.Strings(list)
	return list
}

// podHostname is the hostname a container of the pod would have.
func podHostname(pod *corev1.Pod) string {
	if pod.Spec.Hostname != "" {
		return pod.Spec.Hostname
	}
	return pod.Name
}

// envLookup returns the value of name in a "K=V" list.
func envLookup(env []string, name string) (string, bool) {
	for _, kv := range env {
		if k, v, _ := strings.Cut(kv, "="); k == name {
			return v, true
		}
	}
	return "", false
}
