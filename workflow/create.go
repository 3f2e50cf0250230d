package workflow

import (
	"context"
	"fmt"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/task"
)

func (env *Env) createWorkflow() task.Workflow {
	return task.Workflow{
		Kind: streamplane.TaskCreateInstance,
		Steps: []task.Step{
			{Name: "Install the Kafka runtime", Run: env.installInstanceRuntime},
			{Name: "Reserve ports and credentials", Run: env.reserve},
			{Name: "Write broker configuration", Run: env.configure},
			{Name: "Format storage", Run: env.format},
			{Name: "Start brokers", Run: env.startBrokers},
			{Name: "Wait for the cluster to form", Run: env.waitCluster},
			{Name: "Secure the cluster", Run: env.secureCluster},
			{Name: "Create the initial user", Run: env.createInitialUser},
		},
		OnFail: env.releaseFailedCreate,
		Finish: finishCreate,
	}
}

func (env *Env) installInstanceRuntime(ctx context.Context, r *task.Run) error {
	inst, err := instance(ctx, r)
	if err != nil {
		return err
	}
	if _, err = env.Runtimes.Install(ctx, inst.Version, func(msg string) { r.Progress(ctx, "%s", msg) }); err != nil {
		return err
	}
	return env.prepareRuntime(ctx, r, inst.Version)
}

// reserve gives the instance its control-plane credentials, a Kafka cluster
// id and, for every broker, ports and addresses.
func (env *Env) reserve(ctx context.Context, r *task.Run) error {
	if _, err := env.Vault.EnsureCredentials(ctx, r.Task.InstanceID); err != nil {
		return err
	}
	inst, err := instance(ctx, r)
	if err != nil {
		return err
	}
	if err := env.Provisioner.Place(ctx, inst); err != nil {
		return err
	}
	return desire(ctx, r, func(cur *streamplane.Instance) {
		if cur.ClusterID == "" {
			cur.ClusterID = newClusterID()
		}
		for i := range cur.Brokers {
			if placed, ok := inst.Broker(cur.Brokers[i].ID); ok {
				b := &cur.Brokers[i]
				b.Host, b.Port, b.Ports, b.Endpoints = placed.Host, placed.Port, placed.Ports, placed.Endpoints
			}
		}
	})
}

func (env *Env) configure(ctx context.Context, r *task.Run) error {
	inst, err := instance(ctx, r)
	if err != nil {
		return err
	}
	creds, err := env.Vault.Credentials(ctx, inst.ID)
	if err != nil {
		return err
	}
	files, err := env.brokerFiles(ctx, inst)
	if err != nil {
		return err
	}
	return env.Provisioner.Configure(ctx, inst, creds, files)
}

func (env *Env) format(ctx context.Context, r *task.Run) error {
	inst, err := instance(ctx, r)
	if err != nil {
		return err
	}
	creds, err := env.Vault.Credentials(ctx, inst.ID)
	if err != nil {
		return err
	}
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		r.Progress(ctx, "formatting storage of broker %d", b.ID)
		if err := env.Provisioner.Format(ctx, inst, b, creds); err != nil {
			return err
		}
	}
	return nil
}

// startBrokers starts every broker (adopting those already running). All
// start before any is awaited: a KRaft quorum needs its controllers together.
func (env *Env) startBrokers(ctx context.Context, r *task.Run) error {
	inst, err := instance(ctx, r)
	if err != nil {
		return err
	}
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		proc, err := env.Provisioner.Start(ctx, inst, b)
		if err != nil {
			return err
		}
		r.Progress(ctx, "broker %d running as pid %d", b.ID, proc.PID)
		if err := setBrokerState(ctx, r, b.ID, streamplane.BrokerStarting, &proc); err != nil {
			return err
		}
	}
	return nil
}

// waitCluster waits until every broker is registered and unfenced and the
// controller quorum has a leader.
func (env *Env) waitCluster(ctx context.Context, r *task.Run) error {
	inst, cl, err := env.connect(ctx, r)
	if err != nil {
		return err
	}
	last := -1
	return wait(ctx, env.poll(), env.readyTimeout(), func() (bool, string) {
		for i := range inst.Brokers {
			if _, running := env.Provisioner.Inspect(inst, &inst.Brokers[i]); !running {
				return false, fmt.Sprintf("broker %d is not running", inst.Brokers[i].ID)
			}
		}
		alive, err := cl.AliveBrokers(ctx)
		if err != nil {
			return false, "the cluster does not answer yet: " + err.Error()
		}
		ready := 0
		for _, b := range inst.Brokers {
			if alive[int32(b.ID)] {
				ready++
			}
		}
		if ready != last {
			r.Progress(ctx, "%d of %d brokers registered", ready, len(inst.Brokers))
			last = ready
		}
		if ready < len(inst.Brokers) {
			return false, fmt.Sprintf("%d of %d brokers registered", ready, len(inst.Brokers))
		}
		q, err := cl.DescribeQuorum(ctx)
		if err != nil || q.Leader < 0 {
			return false, "the controller quorum has no leader yet"
		}
		return true, ""
	})
}

// secureCluster puts the cluster resource under ACLs, so clients cannot
// administer the cluster. The brokers' authorizer denies clients the same
// operations before these ACLs exist, so there is no window between the
// client listeners opening and this step.
func (env *Env) secureCluster(ctx context.Context, r *task.Run) error {
	_, cl, err := env.connect(ctx, r)
	if err != nil {
		return err
	}
	return cl.EnsureClusterACLs(ctx)
}

// createInitialUser gives a SASL_SSL instance's initial user its SCRAM
// credential. The password waited, sealed, since the request; it is
// forgotten once Kafka has the credential.
func (env *Env) createInitialUser(ctx context.Context, r *task.Run) error {
	inst, err := instance(ctx, r)
	if err != nil || !inst.SASL() {
		return err
	}
	password, err := env.Vault.InitialPassword(ctx, inst.ID)
	if streamplane.IsCode(err, streamplane.ENOTFOUND) {
		return nil // done before the server was stopped
	} else if err != nil {
		return err
	}
	cl, err := env.Admin.Get(ctx, inst)
	if err != nil {
		return err
	}
	if err := cl.UpsertSCRAM(ctx, inst.KafkaUser, password); err != nil {
		return err
	}
	r.Progress(ctx, "user %s can sign in with %s", inst.KafkaUser, strings.Join(inst.SASLMechanisms, " or "))
	return env.Vault.ForgetInitialPassword(ctx, inst.ID)
}

// releaseFailedCreate stops and removes whatever a failed creation started:
// a failed instance holds no processes, disk or ports (DMS 7.4).
func (env *Env) releaseFailedCreate(ctx context.Context, r *task.Run, _ error) {
	inst, err := instance(ctx, r)
	if err != nil {
		env.Log.Error("load failed instance", "instance", r.Task.InstanceID, "err", err)
		return
	}
	env.Admin.Drop(inst.ID)
	// The data goes; keep what the brokers last said, for the diagnosis.
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		if text, err := env.Provisioner.Logs(ctx, inst, b, 15); err == nil {
			r.Progress(ctx, "last lines of broker %d's log:\n%s", b.ID, text)
		}
	}
	if err := env.Provisioner.Destroy(ctx, inst); err != nil {
		env.Log.Error("release failed instance", "instance", inst.Name, "err", err)
	}
}

func finishCreate(tx streamplane.Tx, r *task.Run, runErr error) error {
	inst, err := tx.Instance(r.Task.InstanceID)
	if err != nil {
		return err
	}
	if runErr != nil {
		inst.Status, inst.StatusReason = streamplane.InstanceCreateFailed, runErr.Error()
		for i := range inst.Brokers {
			inst.Brokers[i].State, inst.Brokers[i].PID, inst.Brokers[i].StartedAt = streamplane.BrokerError, 0, nil
		}
	} else {
		runningAsDesired(inst)
		r.Task.Result = fmt.Sprintf("instance %s is running with %d brokers", inst.Name, len(inst.Brokers))
	}
	return tx.UpdateInstance(inst)
}
