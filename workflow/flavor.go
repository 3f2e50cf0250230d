package workflow

import (
	"fmt"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/task"
)

// FlavorParams are a change_flavor task's inputs: the restart's reason and
// the flavor the instance ran on before, for the record.
type FlavorParams struct {
	RestartParams
	From string `json:"from"`
	To   string `json:"to"`
}

// A flavor change is a rolling restart onto the flavor the service has
// already recorded as desired: each broker starts again with the new
// flavor's heap, threads and partition limit.
func (env *Env) flavorWorkflow() task.Workflow {
	return env.rollingWorkflow(streamplane.TaskChangeFlavor, finishFlavorChange)
}

// finishFlavorChange marks the instance RUNNING on its new flavor, or
// CHANGE_FAILED with its brokers on mixed flavors: a new change_flavor or
// a restart carries on from there.
func finishFlavorChange(tx streamplane.Tx, r *task.Run, runErr error) error {
	inst, err := tx.Instance(r.Task.InstanceID)
	if err != nil {
		return err
	}
	var p FlavorParams
	if err := r.Params(&p); err != nil {
		return err
	}
	if runErr != nil {
		inst.Status, inst.StatusReason = streamplane.InstanceChangeFailed, fmt.Sprintf("changing the flavor from %s to %s failed: %v", p.From, p.To, runErr)
		return tx.UpdateInstance(inst)
	}
	runningAsDesired(inst)
	r.Task.Result = fmt.Sprintf("flavor changed from %s to %s; %d brokers restarted", p.From, p.To, len(inst.Brokers))
	return tx.UpdateInstance(inst)
}
