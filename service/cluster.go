package service

import (
	"context"
	"fmt"
	"sync"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
)

// cluster returns an instance whose brokers run, with Streamplane's admin
// client for it. For a change (forChange), the instance must also be free:
// while an instance-level task holds it, changes inside it get 409 naming
// the task.
func (s *Service) cluster(ctx context.Context, idOrName string, forChange bool) (*streamplane.Instance, *kafkaadmin.Client, error) {
	inst, err := s.Instance(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	if forChange && inst.TaskID != "" {
		return nil, nil, &streamplane.Error{Code: streamplane.EBUSY, TaskID: inst.TaskID,
			Message: fmt.Sprintf("task %s holds instance %s (%s); wait for it to finish", inst.TaskID, inst.Name, inst.Status)}
	}
	switch inst.Status {
	case streamplane.InstanceRunning, streamplane.InstanceFaulty, streamplane.InstanceRestarting, streamplane.InstanceChanging:
	default:
		return nil, nil, streamplane.Errorf(streamplane.ESTATE, "instance %s is %s; its brokers are not available", inst.Name, inst.Status)
	}
	cl, err := s.Admin.Get(ctx, inst)
	if err != nil {
		return nil, nil, err
	}
	return inst, cl, nil
}

// changeCluster is cluster for a change inside an instance. A change
// refused because the instance is busy or down is recorded like any other.
func (s *Service) changeCluster(ctx context.Context, idOrName, kind, step string, params any) (*streamplane.Instance, *kafkaadmin.Client, error) {
	inst, cl, err := s.cluster(ctx, idOrName, true)
	if err != nil {
		if code := streamplane.ErrorCode(err); code == streamplane.EBUSY || code == streamplane.ESTATE {
			if inst, ierr := s.Instance(ctx, idOrName); ierr == nil {
				s.record(ctx, inst, kind, step, params, "", err)
			}
		}
		return nil, nil, err
	}
	return inst, cl, nil
}

// record keeps a synchronous change inside an instance as a finished task,
// so the instance's task list shows every change, done or refused by Kafka.
// params must hold no secret.
func (s *Service) record(ctx context.Context, inst *streamplane.Instance, kind, step string, params any, result string, opErr error) {
	t, err := streamplane.NewTask(newID(), kind, inst.ID, inst.Name, params, step)
	if err != nil {
		s.Log.Error("record change", "kind", kind, "err", err)
		return
	}
	err = s.Store.Update(ctx, func(tx streamplane.Tx) error {
		now := tx.Now()
		t.StartedAt, t.FinishedAt = &now, &now
		t.Steps[0].StartedAt, t.Steps[0].FinishedAt = &now, &now
		t.Current = 1
		if opErr != nil {
			t.Status, t.Error, t.Steps[0].Status = streamplane.TaskFailed, streamplane.ErrorMessage(opErr), streamplane.StepFailed
			if streamplane.ErrorCode(opErr) == streamplane.EINTERNAL {
				t.Error = opErr.Error()
			}
		} else {
			t.Status, t.Result, t.Steps[0].Status = streamplane.TaskSucceeded, result, streamplane.StepDone
		}
		return tx.CreateTask(t)
	})
	if err != nil {
		s.Log.Error("record change", "kind", kind, "instance", inst.Name, "err", err)
	}
}

// lockInstance serializes changes inside one instance (topics, parameters)
// within this server, so that checks such as the partition limit cannot be
// raced by a concurrent change. It returns the unlock function.
func (s *Service) lockInstance(instanceID string) func() {
	mu, _ := s.locks.LoadOrStore(instanceID, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	return mu.(*sync.Mutex).Unlock
}
