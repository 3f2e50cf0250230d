package service

import (
	"context"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/audit"
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
	if err := brokersAvailable(inst); err != nil {
		return nil, err
	}
	return s.Admin.Get(ctx, inst)
}

// record keeps what ends at once as a finished task, so that the
// instance's task list shows it: a client certificate issued (it changes
// nothing in the instance), or a change refused before it could take the
// instance. params must hold no secret.
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
		if err := audit.ForTask(ctx, tx, t, false); err != nil {
			return err
		}
		return tx.CreateTask(t)
	})
	if err != nil {
		s.Log.Error("record change", "kind", kind, "instance", inst.Name, "err", err)
	}
}
