// Package supervisor watches running instances: it restarts a broker whose
// process died, gives up (ERROR) on one that keeps dying, and reports the
// instance RUNNING or FAULTY as it truly is. It leaves alone any instance a
// task holds: the task owns its brokers until it ends.
package supervisor

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
)

// Supervisor checks instances periodically.
type Supervisor struct {
	Store       streamplane.Store
	Provisioner streamplane.Provisioner
	Admin       *kafkaadmin.Pool
	Log         *slog.Logger
	// Interval between checks.
	Interval time.Duration
	// MaxRestarts within RestartWindow before a broker is left in ERROR.
	MaxRestarts   int
	RestartWindow time.Duration
	// UsageInterval is how often disk usage is refreshed.
	UsageInterval time.Duration

	crashes   map[string][]time.Time // broker key -> recent restarts by the supervisor
	lastUsage map[string]time.Time   // instance id -> last disk usage refresh
}

// Run checks every Interval until ctx ends.
func (s *Supervisor) Run(ctx context.Context) {
	if s.Interval <= 0 {
		s.Interval = 2 * time.Second
	}
	if s.MaxRestarts <= 0 {
		s.MaxRestarts = 3
	}
	if s.RestartWindow <= 0 {
		s.RestartWindow = 10 * time.Minute
	}
	if s.UsageInterval <= 0 {
		s.UsageInterval = 30 * time.Second
	}
	s.crashes, s.lastUsage = map[string][]time.Time{}, map[string]time.Time{}
	tick := time.NewTicker(s.Interval)
	defer tick.Stop()
	for {
		s.checkAll(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// checkAll checks every running or faulty instance once.
func (s *Supervisor) checkAll(ctx context.Context) {
	var list []*streamplane.Instance
	err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		list, _, err = tx.Instances(streamplane.InstanceFilter{Status: []streamplane.InstanceStatus{
			streamplane.InstanceRunning, streamplane.InstanceFaulty, streamplane.InstanceChangeFailed}})
		return err
	})
	if err != nil {
		if ctx.Err() == nil {
			s.Log.Error("supervisor: list instances", "err", err)
		}
		return
	}
	for _, inst := range list {
		if ctx.Err() != nil {
			return
		}
		s.check(ctx, inst)
	}
}

// observation is what one check saw of a broker.
type observation struct {
	running   bool
	proc      streamplane.Process
	restarted bool   // the supervisor started it just now
	gaveUp    bool   // it keeps dying: left in ERROR
	note      string // for the instance's status reason
}

func (s *Supervisor) check(ctx context.Context, inst *streamplane.Instance) {
	if s.held(ctx, inst.ID) {
		return
	}
	obs := map[int]*observation{}
	for i := range inst.Brokers {
		b := &inst.Brokers[i]
		if b.State == streamplane.BrokerDeleted {
			continue
		}
		o := &observation{}
		o.proc, o.running = s.Provisioner.Inspect(inst, b)
		if !o.running {
			s.revive(ctx, inst, b, o)
		}
		obs[b.ID] = o
	}

	var (
		alive map[int32]bool
		usage map[int32]int64
	)
	cl, adminErr := s.Admin.Get(ctx, inst)
	if adminErr == nil {
		alive, adminErr = aliveBrokers(ctx, cl)
		usage = s.usage(ctx, inst.ID, cl)
	}

	err := s.Store.Update(ctx, func(tx streamplane.Tx) error {
		cur, err := tx.Instance(inst.ID)
		if err != nil {
			return err
		}
		if held, err := tx.ActiveTask(cur.ID); err != nil || held != nil {
			return err // a task took the instance meanwhile: it decides now
		}
		changeFailed := cur.Status == streamplane.InstanceChangeFailed
		if cur.Status != streamplane.InstanceRunning && cur.Status != streamplane.InstanceFaulty && !changeFailed {
			return nil
		}
		var problems []string
		for i := range cur.Brokers {
			b := &cur.Brokers[i]
			o, ok := obs[b.ID]
			if !ok {
				continue
			}
			if o.running || o.restarted {
				started := o.proc.StartedAt
				b.PID, b.StartedAt = o.proc.PID, &started
			}
			if o.restarted {
				b.Restarts++
			}
			if n, ok := usage[int32(b.ID)]; ok {
				b.UsedBytes = n
			}
			switch {
			case o.gaveUp:
				b.State, b.Error = streamplane.BrokerError, o.note
				b.PID, b.StartedAt = 0, nil
			case b.State == streamplane.BrokerError && !o.running:
				// Still given up; only a restart of the instance retries it.
			case !o.running && !o.restarted:
				b.State, b.Error = streamplane.BrokerError, o.note
			case o.restarted:
				b.State, b.Error = streamplane.BrokerStarting, o.note
			case adminErr != nil:
				// The process runs but the cluster does not answer: keep the
				// broker's state; the instance is reported faulty below.
			case alive[int32(b.ID)]:
				b.State, b.Error = streamplane.BrokerActive, ""
			default:
				b.State = streamplane.BrokerStarting
				if b.Error == "" {
					b.Error = "process runs but the broker is not registered with the cluster"
				}
			}
			if b.State != streamplane.BrokerActive {
				problems = append(problems, fmt.Sprintf("broker %d %s: %s", b.ID, b.State, b.Error))
			}
		}
		if adminErr != nil {
			problems = append(problems, "the cluster does not answer: "+adminErr.Error())
		}
		sort.Strings(problems)
		switch {
		case changeFailed:
			// Brokers are kept alive, but only a restart or a new change
			// clears a failed change: the instance is not as desired.
		case len(problems) == 0:
			cur.Status, cur.StatusReason = streamplane.InstanceRunning, ""
		default:
			cur.Status, cur.StatusReason = streamplane.InstanceFaulty, strings.Join(problems, "; ")
		}
		if cur.Status != inst.Status {
			s.Log.Info("instance status changed", "instance", cur.Name, "from", inst.Status, "to", cur.Status, "reason", cur.StatusReason)
		}
		return tx.SaveObserved(cur)
	})
	if err != nil && ctx.Err() == nil {
		s.Log.Error("supervisor: save instance", "instance", inst.Name, "err", err)
	}
}

// revive restarts a dead broker unless it died too often lately.
func (s *Supervisor) revive(ctx context.Context, inst *streamplane.Instance, b *streamplane.Broker, o *observation) {
	if b.State == streamplane.BrokerError && b.PID == 0 {
		o.note = b.Error // given up earlier (an ERROR broker with no process)
		return
	}
	key := fmt.Sprintf("%s/%d", inst.ID, b.ID)
	recent := s.crashes[key][:0]
	for _, t := range s.crashes[key] {
		if time.Since(t) < s.RestartWindow {
			recent = append(recent, t)
		}
	}
	s.crashes[key] = recent
	if len(recent) >= s.MaxRestarts {
		o.gaveUp = true
		o.note = fmt.Sprintf("process exited %d times within %s; not restarting it (see the broker log; restart the instance to retry)", len(recent)+1, s.RestartWindow)
		s.Log.Error("broker keeps dying; giving up", "instance", inst.Name, "broker", b.ID, "restarts", len(recent))
		return
	}
	s.Log.Warn("broker process is gone; restarting it", "instance", inst.Name, "broker", b.ID, "last_pid", b.PID)
	s.crashes[key] = append(s.crashes[key], time.Now()) // failed starts count too
	proc, err := s.Provisioner.Start(ctx, inst, b)
	if err != nil {
		o.note = "process exited and could not be restarted: " + err.Error()
		s.Log.Error("restart broker", "instance", inst.Name, "broker", b.ID, "err", err)
		return
	}
	o.proc, o.restarted = proc, true
	o.note = fmt.Sprintf("process exited; restarted by the supervisor as pid %d (restart %d of at most %d in %s)", proc.PID, len(s.crashes[key]), s.MaxRestarts, s.RestartWindow)
}

// held reports whether a task holds the instance. One that cannot be read
// counts as held: better to skip a check than to start a broker a task
// stopped on purpose.
func (s *Supervisor) held(ctx context.Context, instanceID string) bool {
	var holder *streamplane.Task
	err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		holder, err = tx.ActiveTask(instanceID)
		return err
	})
	return err != nil || holder != nil
}

// aliveBrokers asks the cluster which brokers serve, for a few seconds at most.
func aliveBrokers(ctx context.Context, cl *kafkaadmin.Client) (map[int32]bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return cl.AliveBrokers(ctx)
}

// usage refreshes disk usage every UsageInterval; nil between refreshes.
func (s *Supervisor) usage(ctx context.Context, instanceID string, cl *kafkaadmin.Client) map[int32]int64 {
	if time.Since(s.lastUsage[instanceID]) < s.UsageInterval {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	used, err := cl.UsedBytes(ctx)
	if err != nil {
		return nil
	}
	s.lastUsage[instanceID] = time.Now()
	return used
}
