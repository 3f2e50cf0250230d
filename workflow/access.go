package workflow

import (
	"fmt"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/task"
)

// Public access and mutual TLS change listeners, which Kafka cannot do
// live: the service records the desired setting, and a rolling restart
// applies it while the private listener keeps serving.

func (env *Env) publicAccessWorkflow() task.Workflow {
	return env.rollingWorkflow(streamplane.TaskSetPublicAccess, env.finishListenerChange("public access"))
}

// An advertised address is a listener setting too.
func (env *Env) advertiseWorkflow() task.Workflow {
	return env.rollingWorkflow(streamplane.TaskSetAdvertisedAddress, env.finishListenerChange("the advertised address"))
}

func (env *Env) mutualTLSWorkflow() task.Workflow {
	return env.rollingWorkflow(streamplane.TaskSetMutualTLS, env.finishListenerChange("mutual TLS"))
}

// finishListenerChange publishes the brokers' new endpoints once every
// broker runs with the change.
func (env *Env) finishListenerChange(what string) func(streamplane.Tx, *task.Run, error) error {
	return func(tx streamplane.Tx, r *task.Run, runErr error) error {
		inst, err := tx.Instance(r.Task.InstanceID)
		if err != nil {
			return err
		}
		if runErr != nil {
			inst.Status, inst.StatusReason = streamplane.InstanceChangeFailed, "changing "+what+" failed: "+runErr.Error()
			return tx.UpdateInstance(inst)
		}
		runningAsDesired(inst)
		for i := range inst.Brokers {
			b := &inst.Brokers[i]
			b.Endpoints = env.Provisioner.Endpoints(inst, b)
		}
		r.Task.Result = fmt.Sprintf("%s changed on %d brokers", what, len(inst.Brokers))
		return tx.UpdateInstance(inst)
	}
}
