package workflow

import (
	"context"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/task"
)

func (env *Env) deleteWorkflow() task.Workflow {
	return task.Workflow{
		Kind: streamplane.TaskDeleteInstance,
		Steps: []task.Step{
			{Name: "Stop brokers", Run: env.stopAllBrokers},
			{Name: "Remove data and release ports", Run: env.destroy},
			{Name: "Remove credentials", Run: env.forgetCredentials},
			{Name: "Remove metrics and alarm rules", Run: env.forgetMonitoring},
		},
		Finish: finishDelete,
	}
}

// stopAllBrokers kills every broker: the data goes next, so a controlled
// shutdown would only waste time.
func (env *Env) stopAllBrokers(ctx context.Context, r *task.Run) error {
	inst, err := instance(ctx, r)
	if err != nil {
		return err
	}
	env.Admin.Drop(inst.ID)
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		if err := setBrokerState(ctx, r, b.ID, streamplane.BrokerDeleting, nil); err != nil {
			return err
		}
		if err := env.Provisioner.Stop(ctx, inst, b, 0); err != nil {
			return err
		}
	}
	return nil
}

func (env *Env) destroy(ctx context.Context, r *task.Run) error {
	inst, err := instance(ctx, r)
	if err != nil {
		return err
	}
	return env.Provisioner.Destroy(ctx, inst)
}

func (env *Env) forgetCredentials(ctx context.Context, r *task.Run) error {
	return r.Update(ctx, func(tx streamplane.Tx) error { return tx.DeleteSecrets(r.Task.InstanceID) })
}

// forgetMonitoring deletes the instance's metric history and alarm rules;
// its alarms stay in the history, those still firing resolved.
func (env *Env) forgetMonitoring(ctx context.Context, r *task.Run) error {
	if env.Metrics != nil {
		if err := env.Metrics.DeleteInstance(ctx, r.Task.InstanceID); err != nil {
			return err
		}
	}
	return r.Update(ctx, func(tx streamplane.Tx) error {
		rules, err := tx.AlarmRules(r.Task.InstanceID)
		if err != nil {
			return err
		}
		for _, rule := range rules {
			if err := tx.DeleteAlarmRule(rule.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

func finishDelete(tx streamplane.Tx, r *task.Run, runErr error) error {
	inst, err := tx.Instance(r.Task.InstanceID)
	if err != nil {
		return err
	}
	if runErr != nil {
		// Left FAULTY, so the user can try the delete again.
		inst.Status, inst.StatusReason = streamplane.InstanceFaulty, "delete failed: "+runErr.Error()
		return tx.UpdateInstance(inst)
	}
	now := tx.Now()
	inst.Status, inst.StatusReason, inst.DeletedAt = streamplane.InstanceDeleted, "", &now
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		b.State, b.PID, b.StartedAt, b.UsedBytes = streamplane.BrokerDeleted, 0, nil, 0
	}
	r.Task.Result = "instance " + inst.Name + " deleted"
	return tx.UpdateInstance(inst)
}
