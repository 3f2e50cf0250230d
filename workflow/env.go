// Package workflow holds what each kind of task does: the ordered,
// idempotent steps of creating, restarting and deleting an instance and of
// installing a Kafka runtime, on top of the task engine.
package workflow

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"log/slog"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/certs"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/streamplane/streamplane/poll"
	"github.com/streamplane/streamplane/secrets"
	"github.com/streamplane/streamplane/task"
)

// Runtimes installs Kafka runtimes.
type Runtimes interface {
	Install(ctx context.Context, version string, progress func(string)) (kafkaruntime.Runtime, error)
}

// Env is what the workflows work with.
type Env struct {
	Store       streamplane.Store
	Provisioner streamplane.Provisioner
	Runtimes    Runtimes
	Vault       *secrets.Vault
	Certs       *certs.Authority
	Admin       *kafkaadmin.Pool
	Log         *slog.Logger

	// ReadyTimeout bounds the wait for a started cluster or broker to join.
	ReadyTimeout time.Duration
	// StopTimeout is how long a broker gets for a controlled shutdown.
	StopTimeout time.Duration
	// Poll is how often waits check their condition; default 200 ms. A
	// wait costs half an interval on average, and a create or a roll waits
	// several times; a check is a few small requests over loopback.
	Poll time.Duration
	// StorageUnitBytes is the size of one unit of storage_gb_per_broker:
	// streamplane.BytesPerGB unless a server for tests sets it smaller.
	StorageUnitBytes int64
	// Metrics is the metric history, forgotten when an instance is deleted.
	Metrics MetricHistory
}

// MetricHistory is the part of the metric history a delete needs.
type MetricHistory interface {
	DeleteInstance(ctx context.Context, instanceID string) error
}

// Workflows returns the workflow of every task kind.
func (env *Env) Workflows() map[string]task.Workflow {
	out := map[string]task.Workflow{}
	for _, wf := range []task.Workflow{env.createWorkflow(), env.deleteWorkflow(), env.restartWorkflow(), env.installWorkflow(),
		env.publicAccessWorkflow(), env.mutualTLSWorkflow(), env.certificateWorkflow(), env.flavorWorkflow(), env.advertiseWorkflow(),
		env.expandStorageWorkflow()} {
		out[wf.Kind] = wf
	}
	for _, wf := range []task.Workflow{env.upgradeWorkflow(), env.finalizeWorkflow()} {
		out[wf.Kind] = wf
	}
	return out
}

func (env *Env) readyTimeout() time.Duration {
	if env.ReadyTimeout > 0 {
		return env.ReadyTimeout
	}
	return 5 * time.Minute
}

func (env *Env) stopTimeout() time.Duration {
	if env.StopTimeout > 0 {
		return env.StopTimeout
	}
	return 2 * time.Minute
}

func (env *Env) storageUnit() int64 {
	if env.StorageUnitBytes > 0 {
		return env.StorageUnitBytes
	}
	return streamplane.BytesPerGB
}

func (env *Env) poll() time.Duration {
	if env.Poll > 0 {
		return env.Poll
	}
	return 200 * time.Millisecond
}

// instance loads the task's instance.
func instance(ctx context.Context, r *task.Run) (*streamplane.Instance, error) {
	var inst *streamplane.Instance
	err := r.View(ctx, func(tx streamplane.Tx) (err error) {
		inst, err = tx.Instance(r.Task.InstanceID)
		return err
	})
	return inst, err
}

// desire re-reads the task's instance, lets fn change its desired state
// (brokers, cluster id) and saves it, in one transaction.
func desire(ctx context.Context, r *task.Run, fn func(inst *streamplane.Instance)) error {
	return r.Update(ctx, func(tx streamplane.Tx) error {
		inst, err := tx.Instance(r.Task.InstanceID)
		if err != nil {
			return err
		}
		fn(inst)
		return tx.UpdateInstance(inst)
	})
}

// observe re-reads the task's instance, lets fn change its observed state
// and saves it, in one transaction.
func observe(ctx context.Context, r *task.Run, fn func(inst *streamplane.Instance)) error {
	return r.Update(ctx, func(tx streamplane.Tx) error {
		inst, err := tx.Instance(r.Task.InstanceID)
		if err != nil {
			return err
		}
		fn(inst)
		return tx.SaveObserved(inst)
	})
}

// setBrokerState records a broker's state (and process, if known).
func setBrokerState(ctx context.Context, r *task.Run, id int, state streamplane.BrokerState, proc *streamplane.Process) error {
	return observe(ctx, r, func(inst *streamplane.Instance) {
		if b, ok := inst.Broker(id); ok {
			b.State, b.Error = state, ""
			if proc != nil {
				started := proc.StartedAt
				b.PID, b.StartedAt = proc.PID, &started
			}
		}
	})
}

// runningAsDesired records that every broker now runs the instance's
// desired configuration: RUNNING, each broker active, the static parameters
// applied. Tasks that (re)start every broker end this way.
func runningAsDesired(inst *streamplane.Instance) {
	inst.Status, inst.StatusReason = streamplane.InstanceRunning, ""
	inst.AppliedParameters = inst.StaticParams()
	for i := range inst.Brokers {
		inst.Brokers[i].State = streamplane.BrokerActive
	}
}

// connect loads the task's instance and its admin client.
func (env *Env) connect(ctx context.Context, r *task.Run) (*streamplane.Instance, *kafkaadmin.Client, error) {
	inst, err := instance(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	cl, err := env.Admin.Get(ctx, inst)
	return inst, cl, err
}

// newClusterID returns a Kafka cluster id: a random UUID in unpadded
// base64url, not starting with '-' (Kafka's Uuid.randomUuid rules).
func newClusterID() string {
	for {
		b := make([]byte, 16)
		rand.Read(b)
		id := base64.RawURLEncoding.EncodeToString(b)
		if id[0] != '-' {
			return id
		}
	}
}

// wait polls cond until it holds, ctx ends or timeout passes; cond's
// string says what is still awaited, for the timeout error, which is
// EUNAVAILABLE: the instance did not get there in time.
func wait(ctx context.Context, interval, timeout time.Duration, cond func() (bool, string)) error {
	err := poll.Until(ctx, interval, timeout, func(context.Context) error {
		if ok, why := cond(); !ok {
			return errors.New(why)
		}
		return nil
	})
	var timedOut *poll.TimeoutError
	if errors.As(err, &timedOut) {
		return streamplane.Errorf(streamplane.EUNAVAILABLE, "%s", err)
	}
	return err
}
