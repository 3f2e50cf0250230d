package kubernetes

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	streamplane "github.com/streamplane/streamplane"
)

// checkExpandable reports whether a claim's volume can grow: its storage
// class must allow volume expansion, else Kubernetes refuses the resize.
func (p *Provisioner) checkExpandable(ctx context.Context, claim *corev1.PersistentVolumeClaim) error {
	class := ""
	if claim.Spec.StorageClassName != nil {
		class = *claim.Spec.StorageClassName
	}
	if class == "" {
		return streamplane.Errorf(streamplane.EPRECONDITION, "volume %s has no storage class, so it cannot grow", claim.Name)
	}
	sc, err := p.client.StorageV1().StorageClasses().Get(ctx, class, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("kubernetes: read StorageClass %s: %w", class, err)
	}
	if sc.AllowVolumeExpansion == nil || !*sc.AllowVolumeExpansion {
		return streamplane.Errorf(streamplane.EPRECONDITION, "storage class %s does not allow volume expansion (allowVolumeExpansion), so the brokers' volumes cannot grow", class)
	}
	return nil
}

// CheckStorageExpansion reports whether every broker's volume of inst can
// grow, before an expansion is accepted.
func (p *Provisioner) CheckStorageExpansion(ctx context.Context, inst *streamplane.Instance) error {
	for _, b := range inst.Brokers {
		if b.State == streamplane.BrokerDeleted {
			continue
		}
		claim, err := p.client.CoreV1().PersistentVolumeClaims(p.namespace(inst)).Get(ctx, dataClaim(b.ID), metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("kubernetes: read PersistentVolumeClaim %s: %w", dataClaim(b.ID), err)
		}
		if err := p.checkExpandable(ctx, claim); err != nil {
			return err
		}
	}
	return nil
}

// ExpandStorage grows every broker's volume claim to the instance's
// storage per broker. Kubernetes resizes the volume, and the file system
// when the pod next mounts it, or online where the driver can.
func (p *Provisioner) ExpandStorage(ctx context.Context, inst *streamplane.Instance) error {
	for _, b := range inst.Brokers {
		if b.State == streamplane.BrokerDeleted {
			continue
		}
		if err := p.applyClaim(ctx, inst, b.ID); err != nil {
			return err
		}
	}
	return nil
}
