package localpods

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// snapshot returns the pod with the status this node sees now.
func (r *podRun) snapshot() *corev1.Pod {
	r.mu.Lock()
	defer r.mu.Unlock()
	pod := r.pod.DeepCopy()
	pod.Status = r.statusLocked()
	return pod
}

// statusLocked computes the pod's status as the kubelet would. Fields this
// node does not own (qosClass, conditions of other writers) are kept.
func (r *podRun) statusLocked() corev1.PodStatus {
	st := *r.pod.Status.DeepCopy()
	st.HostIP = r.p.cfg.HostIP
	st.HostIPs = []corev1.HostIP{{IP: r.p.cfg.HostIP}}
	st.PodIP = r.ip
	st.PodIPs = []corev1.PodIP{{IP: r.ip}}
	st.StartTime = &r.startTime
	st.Reason, st.Message = "", ""
	st.InitContainerStatuses = nil
	st.ContainerStatuses = nil
	allReady := true
	for _, c := range r.containers {
		cs := corev1.ContainerStatus{
			Name:                 c.name,
			Image:                c.image,
			ImageID:              "vkubelet://" + c.image,
			RestartCount:         c.restartCount,
			State:                *c.state.DeepCopy(),
			LastTerminationState: *c.last.DeepCopy(),
		}
		if spec := r.specLocked(c); spec != nil {
			cs.Image = spec.Image
		}
		if c.state.Running != nil {
			cs.ContainerID = containerID(c.proc)
			started := c.started
			cs.Started = &started
			cs.Ready = c.ready
		} else {
			started := false
			cs.Started = &started
			if c.init && c.state.Terminated != nil && c.state.Terminated.ExitCode == 0 {
				cs.Ready = true // a completed init container counts as ready
			}
		}
		if c.init {
			st.InitContainerStatuses = append(st.InitContainerStatuses, cs)
		} else {
			st.ContainerStatuses = append(st.ContainerStatuses, cs)
			allReady = allReady && cs.Ready
		}
	}
	st.Phase = r.phaseLocked()
	ready := allReady && r.initialized && !r.terminating && st.Phase == corev1.PodRunning
	r.setCondition(corev1.PodScheduled, true, "")
	r.setCondition(corev1.PodReadyToStartContainers, r.volumesReady, "")
	r.setCondition(corev1.PodInitialized, r.initialized || (len(r.pod.Spec.InitContainers) == 0 && r.volumesReady), notReason(r.initialized, "ContainersNotInitialized"))
	r.setCondition(corev1.ContainersReady, ready, notReason(ready, "ContainersNotReady"))
	r.setCondition(corev1.PodReady, ready, notReason(ready, "ContainersNotReady"))
	// Keep the conditions that others write (DisruptionTarget, readiness gates).
	ours := map[corev1.PodConditionType]bool{}
	for _, c := range r.conditions {
		ours[c.Type] = true
	}
	conds := append([]corev1.PodCondition(nil), r.conditions...)
	for _, c := range st.Conditions {
		if !ours[c.Type] {
			conds = append(conds, c)
		}
	}
	st.Conditions = conds
	return st
}

func notReason(ok bool, reason string) string {
	if ok {
		return ""
	}
	return reason
}

// setCondition sets one of this node's conditions, keeping its transition
// time while its status stays.
func (r *podRun) setCondition(t corev1.PodConditionType, ok bool, reason string) {
	status := corev1.ConditionFalse
	if ok {
		status = corev1.ConditionTrue
	}
	for i := range r.conditions {
		c := &r.conditions[i]
		if c.Type != t {
			continue
		}
		if c.Status != status {
			c.Status = status
			c.LastTransitionTime = metav1.Now()
		}
		c.Reason = reason
		return
	}
	r.conditions = append(r.conditions, corev1.PodCondition{Type: t, Status: status, Reason: reason, LastTransitionTime: metav1.Now()})
}

// phaseLocked is the kubelet's pod phase: Pending until every container has
// started once, Succeeded or Failed when all have ended for good, else
// Running.
func (r *podRun) phaseLocked() corev1.PodPhase {
	if r.failed {
		return corev1.PodFailed
	}
	if !r.initialized {
		return corev1.PodPending
	}
	var running, waiting, stopped, succeeded int
	for _, c := range r.containers {
		if c.init {
			continue
		}
		switch {
		case c.state.Running != nil:
			running++
		case c.state.Terminated != nil:
			stopped++
			if c.state.Terminated.ExitCode == 0 {
				succeeded++
			}
		case c.last.Terminated != nil:
			stopped++ // waiting to restart
		default:
			waiting++
		}
	}
	total := running + waiting + stopped
	switch {
	case waiting > 0:
		return corev1.PodPending
	case running > 0:
		return corev1.PodRunning
	case stopped == total && total > 0:
		switch r.pod.Spec.RestartPolicy {
		case corev1.RestartPolicyNever:
			if succeeded == total {
				return corev1.PodSucceeded
			}
			return corev1.PodFailed
		case corev1.RestartPolicyOnFailure:
			if succeeded == total {
				return corev1.PodSucceeded
			}
		}
		if r.terminating {
			if succeeded == total {
				return corev1.PodSucceeded
			}
			return corev1.PodFailed
		}
		return corev1.PodRunning
	}
	return corev1.PodPending
}
