package workflow

import (
	"context"
	"fmt"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/task"
)

// ExpandStorageParams are an expand_storage task's inputs: storage per
// broker before and after, in GB.
type ExpandStorageParams struct {
	From int `json:"from_gb"`
	To   int `json:"to_gb"`
}

// Locally a broker's storage is a limit Streamplane enforces and reports,
// not a partition, and no broker setting depends on it, so the expansion
// restarts nothing: the service has recorded the new size and marked the
// brokers EXPANDING; the task reports each broker's use of its new limit
// and returns the brokers to ACTIVE. Where brokers have volumes
// (Kubernetes), the volumes grow first; Kubernetes grows their file
// systems online or at the next mount.
func (env *Env) expandStorageWorkflow() task.Workflow {
	return task.Workflow{
		Kind: streamplane.TaskExpandStorage,
		Steps: []task.Step{
			{Name: "Grow broker volumes", Run: env.growVolumes},
			{Name: "Measure broker storage", Run: env.measureStorage},
		},
		Finish: finishExpandStorage,
	}
}

// growVolumes has the provisioner grow the brokers' volumes, if they are
// volumes.
func (env *Env) growVolumes(ctx context.Context, r *task.Run) error {
	x, ok := env.Provisioner.(streamplane.StorageExpander)
	if !ok {
		return nil
	}
	inst, err := instance(ctx, r)
	if err != nil {
		return err
	}
	return x.ExpandStorage(ctx, inst)
}

// measureStorage records each broker's use against the new size, so the
// task shows how much room the expansion gave, and saves it as observed.
func (env *Env) measureStorage(ctx context.Context, r *task.Run) error {
	inst, cl, err := env.connect(ctx, r)
	if err != nil {
		return err
	}
	used, err := cl.UsedBytes(ctx)
	if err != nil {
		return err
	}
	total := int64(inst.StorageGBPerBroker) * env.storageUnit()
	for _, b := range inst.Brokers {
		if b.State == streamplane.BrokerDeleted {
			continue
		}
		u := used[int32(b.ID)]
		r.Progress(ctx, "broker %d uses %d of %d bytes (%.1f%%)", b.ID, u, total, float64(u)*100/float64(total))
	}
	return observe(ctx, r, func(inst *streamplane.Instance) {
		for i := range inst.Brokers {
			if u, ok := used[int32(inst.Brokers[i].ID)]; ok {
				inst.Brokers[i].UsedBytes = u
			}
		}
	})
}

// finishExpandStorage returns the brokers to ACTIVE. The new size holds
// either way: it is a limit, recorded when the task was made; a failed
// measurement leaves the instance CHANGE_FAILED only so that someone looks.
func finishExpandStorage(tx streamplane.Tx, r *task.Run, runErr error) error {
	inst, err := tx.Instance(r.Task.InstanceID)
	if err != nil {
		return err
	}
	var p ExpandStorageParams
	if err := r.Params(&p); err != nil {
		return err
	}
	for i := range inst.Brokers {
		if inst.Brokers[i].State == streamplane.BrokerExpanding {
			inst.Brokers[i].State = streamplane.BrokerActive
		}
	}
	if runErr != nil {
		inst.Status, inst.StatusReason = streamplane.InstanceChangeFailed, fmt.Sprintf("expanding storage from %d to %d GB per broker: %v", p.From, p.To, runErr)
		return tx.UpdateInstance(inst)
	}
	inst.Status, inst.StatusReason = streamplane.InstanceRunning, ""
	r.Task.Result = fmt.Sprintf("storage expanded from %d to %d GB per broker (expansion %d of at most %d); no broker restarted",
		p.From, p.To, inst.StorageExpansions, streamplane.MaxStorageExpansions)
	return tx.UpdateInstance(inst)
}
