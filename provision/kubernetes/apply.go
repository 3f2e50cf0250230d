package kubernetes

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// apply writes obj by server-side apply as Streamplane's field manager,
// taking over fields another manager set (Streamplane owns these objects),
// and returns the object as the API server stored it.
func (p *Provisioner) apply(ctx context.Context, obj runtime.Object) (runtime.Object, error) {
	body, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	opts := metav1.PatchOptions{FieldManager: fieldManager, Force: new(true)}
	core := p.client.CoreV1()
	var out runtime.Object
	switch o := obj.(type) {
	case *corev1.Namespace:
		out, err = core.Namespaces().Patch(ctx, o.Name, types.ApplyPatchType, body, opts)
	case *corev1.Service:
		out, err = core.Services(o.Namespace).Patch(ctx, o.Name, types.ApplyPatchType, body, opts)
	case *corev1.Secret:
		out, err = core.Secrets(o.Namespace).Patch(ctx, o.Name, types.ApplyPatchType, body, opts)
	case *corev1.ConfigMap:
		out, err = core.ConfigMaps(o.Namespace).Patch(ctx, o.Name, types.ApplyPatchType, body, opts)
	case *corev1.PersistentVolumeClaim:
		out, err = core.PersistentVolumeClaims(o.Namespace).Patch(ctx, o.Name, types.ApplyPatchType, body, opts)
	case *corev1.Pod:
		out, err = core.Pods(o.Namespace).Patch(ctx, o.Name, types.ApplyPatchType, body, opts)
	case *policyv1.PodDisruptionBudget:
		out, err = p.client.PolicyV1().PodDisruptionBudgets(o.Namespace).Patch(ctx, o.Name, types.ApplyPatchType, body, opts)
	case *networkingv1.NetworkPolicy:
		out, err = p.client.NetworkingV1().NetworkPolicies(o.Namespace).Patch(ctx, o.Name, types.ApplyPatchType, body, opts)
	default:
		return nil, fmt.Errorf("kubernetes: cannot apply a %T", obj)
	}
	if err != nil {
		return nil, fmt.Errorf("kubernetes: apply %s: %w", describe(obj), err)
	}
	return out, nil
}

// applyAll applies objs in order.
func (p *Provisioner) applyAll(ctx context.Context, objs ...runtime.Object) error {
	for _, obj := range objs {
		if _, err := p.apply(ctx, obj); err != nil {
			return err
		}
	}
	return nil
}

// describe names an object in errors: kind, namespace and name.
func describe(obj runtime.Object) string {
	kind := obj.GetObjectKind().GroupVersionKind().Kind
	if m, ok := obj.(metav1.Object); ok {
		if m.GetNamespace() != "" {
			return fmt.Sprintf("%s %s/%s", kind, m.GetNamespace(), m.GetName())
		}
		return kind + " " + m.GetName()
	}
	return kind
}

// ignoreNotFound treats a missing object as deleted already.
func ignoreNotFound(err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
