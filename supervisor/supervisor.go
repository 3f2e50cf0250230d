// Package supervisor watches running instances: it restarts a broker whose
// process died, gives up (ERROR) on one that keeps dying, and reports the
// instance RUNNING or FAULTY as it truly is. It leaves alone any instance a
// task holds: the task owns its brokers until it ends.
package supervisor

import (
	"context"
	"fmt"
	"log/slog"
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
	// Capacity, if set, is given each instance whose disk usage was just
	// refreshed and saved: the capacity threshold policy's watcher.
	Capacity func(ctx context.Context, inst *streamplane.Instance)
	// Watching, if set, says which instances this server watches when
	// several share the store (package membership); Fence checks, in the
	// transaction that saves an observation, that it still does. Nil:
	// this server watches every instance.
	Watching func(instanceID string) bool
	Fence    func(tx streamplane.Tx, instanceID string) error

	crashes   map[string][]time.Time // broker key -> recent restarts by the supervisor
	lastUsage map[string]time.Time   // instance id -> last disk usage refresh

	// connect returns an instance's cluster; nil means through Admin.
	// Tests replace it.
	connect func(ctx context.Context, inst *streamplane.Instance) (cluster, error)
}

// cluster is what the supervisor asks of an instance's brokers.
type cluster interface {
	AliveBrokers(ctx context.Context) (map[int32]bool, error)
	UsedBytes(ctx context.Context) (map[int32]int64, error)
}

var _ cluster = (*kafkaadmin.Client)(nil)

func (s *Supervisor) clusterOf(ctx context.Context, inst *streamplane.Instance) (cluster, error) {
	if s.connect != nil {
		return s.connect(ctx, inst)
	}
	return s.Admin.Get(ctx, inst)
}

// Run checks every Interval until ctx ends.
func (s *Supervisor) Run(ctx context.Context) {
	s.init()
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

// init fills in the defaults.
func (s *Supervisor) init() {
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
		if s.Watching != nil && !s.Watching(inst.ID) {
			continue
		}
		s.check(ctx, inst)
	}
}

// check observes one instance's brokers, restarts those whose process is
// gone, asks the cluster which brokers serve, and saves what assess makes of
// it all, unless a task holds the instance.
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

	var h health
	cl, err := s.clusterOf(ctx, inst)
	if err == nil {
		h.alive, err = aliveBrokers(ctx, cl)
		h.usage = s.usage(ctx, inst.ID, cl)
	}
	h.err = err

	var saved *streamplane.Instance // as observed now, for the capacity watcher
	err = s.Store.Update(ctx, func(tx streamplane.Tx) error {
		cur, err := tx.Instance(inst.ID)
		if err != nil {
			return err
		}
		if held, err := tx.ActiveTask(cur.ID); err != nil || held != nil {
			return err // a task took the instance meanwhile: it decides now
		}
		if s.Fence != nil {
			if err := s.Fence(tx, cur.ID); err != nil {
				return err // another server watches it now
			}
		}
		changed := assess(cur, obs, h)
		saved = cur
		if !changed {
			return nil
		}
		if cur.Status != inst.Status {
			s.Log.Info("instance status changed", "instance", cur.Name, "from", inst.Status, "to", cur.Status, "reason", cur.StatusReason)
		}
		return tx.SaveObserved(cur)
	})
	if err != nil && ctx.Err() == nil {
		s.Log.Error("supervisor: save instance", "instance", inst.Name, "err", err)
	}
	if err == nil && saved != nil && h.usage != nil && s.Capacity != nil {
		s.Capacity(ctx, saved)
	}
}

// revive restarts a dead broker unless it died too often lately.
func (s *Supervisor) revive(ctx context.Context, inst *streamplane.Instance, b *streamplane.Broker, o *observation) {
	key := fmt.Sprintf("%s/%d", inst.ID, b.ID)
	now := time.Now()
	var act revival
	act, s.crashes[key] = decideRevival(b, s.crashes[key], now, restartLimits{max: s.MaxRestarts, window: s.RestartWindow})
	switch act {
	case leaveDown:
		o.note = b.Error
		return
	case giveUp:
		o.gaveUp, o.note = true, gaveUpNote(len(s.crashes[key]), s.RestartWindow)
		s.Log.Error("broker keeps dying; giving up", "instance", inst.Name, "broker", b.ID, "restarts", len(s.crashes[key]))
		return
	}
	s.Log.Warn("broker process is gone; restarting it", "instance", inst.Name, "broker", b.ID, "last_pid", b.PID)
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
func aliveBrokers(ctx context.Context, cl cluster) (map[int32]bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return cl.AliveBrokers(ctx)
}

// usage refreshes disk usage every UsageInterval; nil between refreshes.
func (s *Supervisor) usage(ctx context.Context, instanceID string, cl cluster) map[int32]int64 {
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
