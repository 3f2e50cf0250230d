package roller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/poll"
)

// Cluster is what the roller reads of the running cluster: an instance's
// admin client, or a fake in tests.
type Cluster interface {
	Partitions(ctx context.Context) ([]Partition, error)
	DescribeQuorum(ctx context.Context) (Quorum, error)
	AliveBrokers(ctx context.Context) (map[int32]bool, error)
}

var _ Cluster = (*kafkaadmin.Client)(nil)

// Processes starts and stops nodes.
type Processes interface {
	Running(id int32) bool
	Stop(ctx context.Context, id int32) error
	Start(ctx context.Context, id int32) error
}

// Roller restarts nodes safely.
type Roller struct {
	Cluster   Cluster
	Processes Processes
	// Report receives what the roller is doing or waiting for, for the
	// task's progress and log.
	Report func(msg string)
	// Poll is how often conditions are checked.
	Poll time.Duration
	// SafeTimeout bounds the wait for a restart to become safe;
	// ReadyTimeout the wait for a restarted node to rejoin.
	SafeTimeout, ReadyTimeout time.Duration
	// FetchTimeoutMs is controller.quorum.fetch.timeout.ms.
	FetchTimeoutMs int64
}

func (r *Roller) report(format string, args ...any) {
	if r.Report != nil {
		r.Report(fmt.Sprintf(format, args...))
	}
}

func (r *Roller) poll() time.Duration {
	if r.Poll > 0 {
		return r.Poll
	}
	return time.Second
}

// Restart restarts one node: a node that is down is simply started;
// otherwise the roller waits until the restart is safe, stops the node
// (controlled shutdown), starts it and waits until it has rejoined.
func (r *Roller) Restart(ctx context.Context, id int32, controller bool, reason string) error {
	if !r.Processes.Running(id) {
		r.report("node %d is down; starting it (%s)", id, reason)
		if err := r.Processes.Start(ctx, id); err != nil {
			return err
		}
		return r.WaitReady(ctx, id, controller)
	}
	if err := r.waitSafe(ctx, id, controller); err != nil {
		return err
	}
	r.report("restarting node %d: %s", id, reason)
	if err := r.Processes.Stop(ctx, id); err != nil {
		return fmt.Errorf("stop node %d: %w", id, err)
	}
	if err := r.Processes.Start(ctx, id); err != nil {
		return fmt.Errorf("start node %d: %w", id, err)
	}
	return r.WaitReady(ctx, id, controller)
}

// waitSafe waits until restarting id would keep every partition at its
// min.insync.replicas and the quorum at a caught-up majority.
func (r *Roller) waitSafe(ctx context.Context, id int32, controller bool) error {
	err := poll.Until(ctx, r.poll(), timeout(r.SafeTimeout), func(ctx context.Context) error {
		parts, err := r.Cluster.Partitions(ctx)
		if err != nil {
			return fmt.Errorf("cannot read partitions: %w", err)
		}
		if blockers := Blockers(id, parts); len(blockers) > 0 {
			why := summarize(blockers)
			r.report("waiting to restart node %d: %s", id, why)
			return errors.New(why)
		}
		if controller {
			q, err := r.Cluster.DescribeQuorum(ctx)
			if err != nil {
				return fmt.Errorf("cannot read the controller quorum: %w", err)
			}
			if ok, reason := QuorumSafe(id, q, r.FetchTimeoutMs); !ok {
				r.report("waiting to restart node %d: %s", id, reason)
				return errors.New(reason)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("restarting node %d is not safe: %w", id, err)
	}
	return nil
}

// WaitReady waits until node id is registered and unfenced, caught up in the
// controller quorum if it is a controller, and back in the ISR of every
// partition it replicates.
func (r *Roller) WaitReady(ctx context.Context, id int32, controller bool) error {
	err := poll.Until(ctx, r.poll(), timeout(r.ReadyTimeout), func(ctx context.Context) error {
		if !r.Processes.Running(id) {
			return poll.Stop(fmt.Errorf("node %d exited while starting", id))
		}
		alive, err := r.Cluster.AliveBrokers(ctx)
		if err != nil || !alive[id] {
			return errors.New("not registered with the cluster yet")
		}
		if controller {
			q, err := r.Cluster.DescribeQuorum(ctx)
			if err != nil || !Caught(id, q, r.FetchTimeoutMs) {
				return errors.New("not caught up with the controller quorum yet")
			}
		}
		parts, err := r.Cluster.Partitions(ctx)
		if err != nil {
			return fmt.Errorf("cannot read partitions: %w", err)
		}
		if lagging := NotInSync(id, parts); len(lagging) > 0 {
			why := "not yet in the ISR of " + summarize(lagging)
			r.report("node %d is catching up: %s", id, why)
			return errors.New(why)
		}
		return nil
	})
	var timedOut *poll.TimeoutError
	if errors.As(err, &timedOut) {
		return fmt.Errorf("node %d did not rejoin: %w", id, err)
	}
	return err
}

// timeout is the default bound of a wait.
func timeout(d time.Duration) time.Duration {
	if d <= 0 {
		return 5 * time.Minute
	}
	return d
}

func summarize(items []string) string {
	if len(items) > 3 {
		return strings.Join(items[:3], "; ") + fmt.Sprintf("; and %d more", len(items)-3)
	}
	return strings.Join(items, "; ")
}
