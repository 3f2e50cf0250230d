package workflow

import (
	"context"
	"fmt"
	"slices"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/roller"
	"github.com/streamplane/streamplane/task"
)

// The steps of scaling an instance that start and stop brokers. The
// service composes them with its reassignment steps (moving partitions
// onto new brokers, or off brokers being removed) into the scale task.
// New brokers are those the desired state has as STARTING, brokers being
// removed those it has as DELETING (streamplane.Instance.Scale).

// AddBrokers reserves ports for the new brokers, writes every broker's
// configuration, formats the new brokers' storage with the cluster's id
// and starts them. The controller quorum is not touched: new nodes are
// brokers only, observers of the metadata log.
func (env *Env) AddBrokers(ctx context.Context, r *task.Run) error {
	inst, err := instance(ctx, r)
	if err != nil {
		return err
	}
	adding, _ := inst.Scaling()
	if len(adding) == 0 {
		return nil
	}
	if err := env.reserve(ctx, r); err != nil {
		return err
	}
	if err := env.configure(ctx, r); err != nil {
		return err
	}
	if inst, err = instance(ctx, r); err != nil { // with the new brokers' ports
		return err
	}
	adding, _ = inst.Scaling()
	creds, err := env.Vault.Credentials(ctx, inst.ID)
	if err != nil {
		return err
	}
	for _, b := range adding {
		id := b.ID
		r.Progress(ctx, "formatting storage of broker %d (zone %s)", id, b.Rack)
		if err := env.Provisioner.Format(ctx, inst, b, creds); err != nil {
			return err
		}
		proc, err := env.Provisioner.Start(ctx, inst, b)
		if err != nil {
			return err
		}
		r.Progress(ctx, "broker %d running as pid %d", id, proc.PID)
		if err := setBrokerState(ctx, r, id, streamplane.BrokerStarting, &proc); err != nil {
			return err
		}
	}
	return nil
}

// AwaitNewBrokers waits until every new broker is registered and unfenced,
// and only then marks it ACTIVE: no partition is moved onto a broker the
// cluster does not yet serve from.
func (env *Env) AwaitNewBrokers(ctx context.Context, r *task.Run) error {
	inst, cl, err := env.connect(ctx, r)
	if err != nil {
		return err
	}
	adding, _ := inst.Scaling()
	for _, b := range adding {
		id := b.ID
		err := wait(ctx, env.poll(), env.readyTimeout(), func() (bool, string) {
			if _, running := env.Provisioner.Inspect(inst, b); !running {
				return false, fmt.Sprintf("broker %d is not running", id)
			}
			alive, err := cl.AliveBrokers(ctx)
			if err != nil || !alive[int32(id)] {
				return false, fmt.Sprintf("broker %d has not joined the cluster yet", id)
			}
			return true, ""
		})
		if err != nil {
			return err
		}
		r.Progress(ctx, "broker %d joined the cluster", id)
		if err := setBrokerState(ctx, r, id, streamplane.BrokerActive, nil); err != nil {
			return err
		}
	}
	return nil
}

// RetireBrokers stops each broker being removed, once it holds no replica,
// unregisters it (else it would stay registered as fenced for ever), removes
// its files and drops it from the instance.
func (env *Env) RetireBrokers(ctx context.Context, r *task.Run) error {
	inst, cl, err := env.connect(ctx, r)
	if err != nil {
		return err
	}
	_, removing := inst.Scaling()
	if len(removing) == 0 {
		return nil
	}
	if err := holdsNoReplicas(ctx, cl, removing); err != nil {
		return err
	}
	for _, b := range removing {
		id := b.ID
		r.Progress(ctx, "stopping broker %d: it holds no replicas any more", id)
		if err := env.Provisioner.Stop(ctx, inst, b, env.stopTimeout()); err != nil {
			return err
		}
		if err := cl.UnregisterBroker(ctx, int32(id)); err != nil {
			return kafkaadmin.AppError(err, "", "unregister broker %d of %s", id, inst.Name)
		}
		if err := env.Provisioner.Forget(ctx, inst, b); err != nil {
			return err
		}
		err := desire(ctx, r, func(cur *streamplane.Instance) {
			cur.Brokers = slices.DeleteFunc(cur.Brokers, func(b streamplane.Broker) bool { return b.ID == id })
		})
		if err != nil {
			return err
		}
		r.Progress(ctx, "broker %d removed", id)
	}
	env.Admin.Drop(inst.ID) // its seeds named the removed brokers
	return nil
}

// AbandonScale undoes what a failed scale left half done: new brokers that
// never joined are stopped and forgotten, brokers that were to be removed
// but still run stay (their drain stopped), and the broker count is what
// the instance has. Brokers that joined keep running and serving.
func (env *Env) AbandonScale(ctx context.Context, r *task.Run) error {
	inst, err := instance(ctx, r)
	if err != nil {
		return err
	}
	adding, _ := inst.Scaling()
	for _, b := range adding {
		if err := env.Provisioner.Forget(ctx, inst, b); err != nil {
			return err
		}
		r.Progress(ctx, "broker %d never joined; stopped and removed", b.ID)
	}
	return desire(ctx, r, func(cur *streamplane.Instance) {
		cur.Brokers = slices.DeleteFunc(cur.Brokers, func(b streamplane.Broker) bool { return b.State == streamplane.BrokerStarting })
		for i := range cur.Brokers {
			if cur.Brokers[i].State == streamplane.BrokerDeleting {
				cur.Brokers[i].State = streamplane.BrokerActive
			}
		}
		cur.BrokerCount = len(cur.Brokers)
	})
}

// holdsNoReplicas refuses to stop brokers that some partition still lists,
// as a replica or as the target of a move: stopping them would leave those
// partitions under-replicated for good.
func holdsNoReplicas(ctx context.Context, cl *kafkaadmin.Client, brokers []*streamplane.Broker) error {
	var ids []int
	for _, b := range brokers {
		ids = append(ids, b.ID)
	}
	metas, err := cl.Topics(ctx)
	if err != nil {
		return err
	}
	for _, m := range metas {
		for _, p := range m.Partitions {
			for _, id := range ids {
				if slices.Contains(p.Replicas, int32(id)) {
					return streamplane.Errorf(streamplane.ESTATE, "broker %d still holds a replica of %s-%d; it is not stopped", id, m.Name, p.ID)
				}
			}
		}
	}
	moving, err := cl.Reassignments(ctx)
	if err != nil {
		return err
	}
	for _, m := range moving {
		for _, id := range ids {
			if slices.Contains(m.Replicas, int32(id)) {
				return streamplane.Errorf(streamplane.ESTATE, "broker %d is part of a move of %s-%d; it is not stopped", id, m.Topic, m.Partition)
			}
		}
	}
	return nil
}

// RollControllers rewrites every broker's configuration for the new broker
// count and restarts the controllers one at a time, safely: in KRaft the
// controllers run the topic policy, whose partition limit grows and
// shrinks with the brokers. A controller started since this step began was
// restarted by it already, so a resumed step carries on where it stopped.
func (env *Env) RollControllers(ctx context.Context, r *task.Run) error {
	if err := env.configure(ctx, r); err != nil {
		return err
	}
	inst, cl, err := env.connect(ctx, r)
	if err != nil {
		return err
	}
	began := r.Task.Steps[r.Task.Current].StartedAt
	active := int32(-1)
	if q, err := cl.DescribeQuorum(ctx); err == nil {
		active = q.Leader
	}
	var nodes []roller.Node
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		if !b.IsController() || (began != nil && b.StartedAt != nil && b.StartedAt.After(*began)) {
			continue
		}
		_, running := env.Provisioner.Inspect(inst, b)
		nodes = append(nodes, roller.Node{ID: int32(b.ID), Controller: true, Running: running})
	}
	rl := env.roller(ctx, r, inst, cl)
	reason := fmt.Sprintf("apply the partition limit of %d brokers (%d)", inst.BrokerCount, inst.PartitionLimit())
	for _, id := range roller.Order(nodes, active) {
		if err := rl.Restart(ctx, id, true, reason); err != nil {
			return err
		}
		if err := setBrokerState(ctx, r, int(id), streamplane.BrokerActive, nil); err != nil {
			return err
		}
	}
	return nil
}
