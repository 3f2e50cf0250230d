package workflow

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/roller"
	"github.com/streamplane/streamplane/task"
)

// RestartParams are the parameters of a restart_instance task.
type RestartParams struct {
	// Force stops every broker at once and starts them again, skipping the
	// safety checks: for an instance too broken to roll.
	Force bool `json:"force"`
	// Reason is recorded with every broker restart.
	Reason string `json:"reason,omitempty"`
}

// restartState is what the restart saves between brokers.
type restartState struct {
	Order []int32 `json:"order"`
	Done  []int32 `json:"done"`
}

func (env *Env) restartWorkflow() task.Workflow {
	return env.rollingWorkflow(streamplane.TaskRestartInstance, finishRestart)
}

// rollingWorkflow writes the brokers' configuration for the instance's
// desired state and restarts them one at a time, safely: restarts, and the
// changes that need them (listeners, mutual TLS, static parameters).
func (env *Env) rollingWorkflow(kind string, finish func(streamplane.Tx, *task.Run, error) error) task.Workflow {
	return task.Workflow{
		Kind: kind,
		Steps: []task.Step{
			{Name: "Write broker configuration", Run: env.configure},
			{Name: "Plan the restart", Run: env.planRestart},
			{Name: "Restart brokers", Run: env.restartBrokers},
			{Name: "Rebalance partition leaders", Run: env.electPreferred},
		},
		Finish: finish,
	}
}

// planRestart fixes the order once, so a resumed restart keeps it.
func (env *Env) planRestart(ctx context.Context, r *task.Run) error {
	var st restartState
	if err := r.State(&st); err != nil {
		return err
	}
	if len(st.Order) > 0 {
		return nil
	}
	inst, err := instance(ctx, r)
	if err != nil {
		return err
	}
	active := int32(-1)
	if cl, err := env.Admin.Get(ctx, inst); err == nil {
		if q, err := cl.DescribeQuorum(ctx); err == nil {
			active = q.Leader
		}
	}
	var nodes []roller.Node
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		if b.State == streamplane.BrokerDeleted {
			continue
		}
		_, running := env.Provisioner.Inspect(inst, b)
		nodes = append(nodes, roller.Node{ID: int32(b.ID), Controller: b.IsController(), Running: running})
	}
	st.Order = roller.Order(nodes, active)
	r.Progress(ctx, "restart order %v (active controller %d last)", st.Order, active)
	return r.SaveState(ctx, st)
}

func (env *Env) restartBrokers(ctx context.Context, r *task.Run) error {
	var p RestartParams
	if err := r.Params(&p); err != nil {
		return err
	}
	var st restartState
	if err := r.State(&st); err != nil {
		return err
	}
	inst, cl, err := env.connect(ctx, r)
	if err != nil {
		return err
	}
	rl := env.roller(ctx, r, inst, cl)
	if p.Force {
		return env.forceRestart(ctx, r, inst, rl)
	}
	reason := p.Reason
	if reason == "" {
		reason = "restart requested by the user"
	}
	if pending := inst.PendingParams(); len(pending) > 0 {
		reason += "; applies " + strings.Join(pending, ", ")
	}
	for _, id := range st.Order {
		if slices.Contains(st.Done, id) {
			continue
		}
		b, _ := inst.Broker(int(id))
		if err := rl.Restart(ctx, id, b.IsController(), reason); err != nil {
			return err
		}
		if err := setBrokerState(ctx, r, int(id), streamplane.BrokerActive, nil); err != nil {
			return err
		}
		st.Done = append(st.Done, id)
		if err := r.SaveState(ctx, st); err != nil {
			return err
		}
		r.Progress(ctx, "%d of %d brokers restarted", len(st.Done), len(st.Order))
	}
	return nil
}

// forceRestart stops every broker, then starts them all and waits for them.
func (env *Env) forceRestart(ctx context.Context, r *task.Run, inst *streamplane.Instance, rl *roller.Roller) error {
	r.Progress(ctx, "forced restart: stopping every broker")
	for i := range inst.Brokers {
		if err := rl.Processes.Stop(ctx, int32(inst.Brokers[i].ID)); err != nil {
			return err
		}
	}
	for i := range inst.Brokers {
		if err := rl.Processes.Start(ctx, int32(inst.Brokers[i].ID)); err != nil {
			return err
		}
	}
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		if err := rl.WaitReady(ctx, int32(b.ID), b.IsController()); err != nil {
			return err
		}
	}
	return nil
}

func (env *Env) electPreferred(ctx context.Context, r *task.Run) error {
	_, cl, err := env.connect(ctx, r)
	if err != nil {
		return err
	}
	// Best effort: a partition whose preferred replica lags stays as it is,
	// and Kafka's own leader rebalancing will move it later.
	if _, err := cl.ElectPreferredLeaders(ctx, nil); err != nil {
		r.Progress(ctx, "preferred leader election: %v", err)
	}
	return nil
}

func finishRestart(tx streamplane.Tx, r *task.Run, runErr error) error {
	inst, err := tx.Instance(r.Task.InstanceID)
	if err != nil {
		return err
	}
	if runErr != nil {
		// The supervisor returns the instance to RUNNING once every broker
		// is healthy again.
		inst.Status, inst.StatusReason = streamplane.InstanceFaulty, "restart failed: "+runErr.Error()
	} else {
		applied := inst.PendingParams()
		runningAsDesired(inst)
		r.Task.Result = fmt.Sprintf("%d brokers restarted", len(inst.Brokers))
		if len(applied) > 0 {
			r.Task.Result += "; applied " + strings.Join(applied, ", ")
		}
	}
	return tx.UpdateInstance(inst)
}

// roller returns a roller over the instance's brokers, recording broker
// states and the reason for every restart in the task.
func (env *Env) roller(ctx context.Context, r *task.Run, inst *streamplane.Instance, cl *kafkaadmin.Client) *roller.Roller {
	// The roller reports what it waits for at every check; the task
	// records each message once, not once per poll.
	last := ""
	return &roller.Roller{
		Cluster:   cl,
		Processes: &processes{env: env, r: r, inst: inst},
		Report: func(msg string) {
			if msg != last {
				last = msg
				r.Progress(ctx, "%s", msg)
			}
		},
		Poll:           env.poll(),
		SafeTimeout:    env.readyTimeout(),
		ReadyTimeout:   env.readyTimeout(),
		FetchTimeoutMs: 2000,
	}
}

// processes adapts the provisioner to the roller, recording broker states.
type processes struct {
	env  *Env
	r    *task.Run
	inst *streamplane.Instance
}

func (p *processes) broker(id int32) *streamplane.Broker {
	b, _ := p.inst.Broker(int(id))
	return b
}

func (p *processes) Running(id int32) bool {
	_, ok := p.env.Provisioner.Inspect(p.inst, p.broker(id))
	return ok
}

func (p *processes) Stop(ctx context.Context, id int32) error {
	if err := setBrokerState(ctx, p.r, int(id), streamplane.BrokerRebooting, nil); err != nil {
		return err
	}
	return p.env.Provisioner.Stop(ctx, p.inst, p.broker(id), p.env.stopTimeout())
}

func (p *processes) Start(ctx context.Context, id int32) error {
	proc, err := p.env.Provisioner.Start(ctx, p.inst, p.broker(id))
	if err != nil {
		return err
	}
	if err := setBrokerState(ctx, p.r, int(id), streamplane.BrokerRebooting, &proc); err != nil {
		return err
	}
	started := time.Now()
	p.r.Progress(ctx, "broker %d started as pid %d at %s", id, proc.PID, started.Format(time.TimeOnly))
	return nil
}
