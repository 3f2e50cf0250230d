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
	if err := env.prepareRuntime(ctx, r, p.Version); err != nil {
		return err
	}
	r.Task.Result = "Kafka " + rt.Version + " installed in " + rt.Dir
	return nil
}

// preparer is a provisioner that can ready an installed runtime for fast
// broker starts (the local one: a bootstrap template and a class archive).
type preparer interface {
	Prepare(ctx context.Context, version string, progress func(string)) error
}

// prepareRuntime readies the runtime for fast starts, once per runtime: a
// failure only costs speed, so it is reported and the task goes on.
func (env *Env) prepareRuntime(ctx context.Context, r *task.Run, version string) error {
	p, ok := env.Provisioner.(preparer)
	if !ok {
		return nil
	}
	err := p.Prepare(ctx, version, func(msg string) { r.Progress(ctx, "%s", msg) })
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r.Progress(ctx, "brokers of Kafka %s will start the slow way: %v", version, err)
		env.Log.Warn("cannot prepare the runtime for fast starts", "kafka_version", version, "err", err)
	}
	return nil
}
