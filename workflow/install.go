package workflow

import (
	"context"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/task"
)

// InstallParams are the parameters of an install_runtime task.
type InstallParams struct {
	Version string `json:"version"`
}

func (env *Env) installWorkflow() task.Workflow {
	return task.Workflow{
		Kind:  streamplane.TaskInstallRuntime,
		Steps: []task.Step{{Name: "Install the Kafka runtime", Run: env.installRuntime}},
	}
}

func (env *Env) installRuntime(ctx context.Context, r *task.Run) error {
	var p InstallParams
	if err := r.Params(&p); err != nil {
		return err
	}
	rt, err := env.Runtimes.Install(ctx, p.Version, func(msg string) { r.Progress(ctx, "%s", msg) })
	if err != nil {
		return err
	}
	r.Task.Result = "Kafka " + rt.Version + " installed in " + rt.Dir
	return nil
}
