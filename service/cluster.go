package service

import (
	"context"
	"fmt"
	"sync"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
)

// cluster returns an instance whose brokers run, with Streamplane's admin
// client for it.
func (s *Service) cluster(ctx context.Context, idOrName string) (*streamplane.Instance, *kafkaadmin.Client, error) {
	inst, err := s.Instance(ctx, idOrName)
	if err != nil {
		return nil, nil, err
	}
	cl, err := s.admin(ctx, inst)
	if err != nil {
		return nil, nil, err
	}
	return inst, cl, nil
}

// admin returns Streamplane's admin client for an instance whose brokers run.
func (s *Service) admin(ctx context.Context, inst *streamplane.Instance) (*kafkaadmin.Client, error) {
	switch inst.Status {
	case streamplane.InstanceRunning, streamplane.InstanceFaulty, streamplane.InstanceRestarting, streamplane.InstanceChanging:
	default:
		return nil, streamplane.Errorf(streamplane.ESTATE, "instance %s is %s; its brokers are not available", inst.Name, inst.Status)
	}
	return s.Admin.Get(ctx, inst)
}

// changeTimeout bounds a change once started.
const changeTimeout = 2 * time.Minute

// change runs a synchronous change inside an instance (topics, groups,
// parameters, users, grants, quotas) and records it as a finished task, so
// the instance's task list shows every change, done or refused. check, if
// not nil, needs no Kafka and runs first, so that a request it refuses is
// refused as such even on a busy instance. Then the instance must be free
// (while an instance-level task holds it, changes inside it get 409 naming
// the task) and its brokers must run. Changes inside one instance are
// serialized (lockInstance), and once started a change runs to its end
// even if the caller goes away, so that it cannot stop half way. Only a
// request naming no instance goes unrecorded: there is nothing to record
// it on.
func (s *Service) change(ctx context.Context, idOrName, kind, step string, params any,
	check func(*streamplane.Instance) error,
	do func(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client) (result string, err error)) error {
	inst, err := s.Instance(ctx, idOrName)
	if err != nil {
		return err
	}
	detached := context.WithoutCancel(ctx)
	ctx, cancel := context.WithTimeout(detached, changeTimeout)
	defer cancel()
	result, err := s.runChange(ctx, inst, check, do)
	s.record(detached, inst, kind, step, params, result, err)
	return err
}

func (s *Service) runChange(ctx context.Context, inst *streamplane.Instance, check func(*streamplane.Instance) error,
	do func(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client) (string, error)) (string, error) {
	if check != nil {
		if err := check(inst); err != nil {
			return "", err
		}
	}
	if inst.TaskID != "" {
		return "", &streamplane.Error{Code: streamplane.EBUSY, TaskID: inst.TaskID,
			Message: fmt.Sprintf("task %s holds instance %s (%s); wait for it to finish", inst.TaskID, inst.Name, inst.Status)}
	}
	cl, err := s.admin(ctx, inst)
	if err != nil {
		return "", err
	}
	defer s.lockInstance(inst.ID)()
	return do(ctx, inst, cl)
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

// lockInstance serializes changes inside one instance within this server,
// so that checks such as the partition limit cannot be raced by a
// concurrent change. It returns the unlock function.
func (s *Service) lockInstance(instanceID string) func() {
	mu, _ := s.locks.LoadOrStore(instanceID, &sync.Mutex{})
	mu.(*sync.Mutex).Lock()
	return mu.(*sync.Mutex).Unlock
}
