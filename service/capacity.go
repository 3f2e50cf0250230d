package service

import (
	"context"
	"fmt"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/poll"
	"github.com/streamplane/streamplane/task"
)

// The capacity threshold policy (DMS 5, 17.1.5). The supervisor refreshes
// each broker's disk use and hands the instance to WatchCapacity, which
// starts a capacity_event task when the instance's policy must act
// (streamplane.Instance.CheckCapacity): auto_delete deletes the oldest
// records, stop_production refuses writes, and writes resume once every
// broker is below the low mark. Each event is a task of the server's own,
// shown in the instance's task list, and its outcome is the instance's
// capacity_event.

// capacityParams are a capacity_event task's inputs: the check that
// started it.
type capacityParams struct {
	Action     string  `json:"action"`
	Policy     string  `json:"policy"`
	Broker     int     `json:"broker"`
	UsedBytes  int64   `json:"used_bytes"`
	TotalBytes int64   `json:"total_bytes"`
	Percent    float64 `json:"percent"`
}

// capacityState is what a capacity_event's steps save.
type capacityState struct {
	changeState
	Plan *kafkaadmin.DeletionPlan `json:"plan,omitempty"`
}

// storageUnit is the size of one unit of storage_gb_per_broker.
func (s *Service) storageUnit() int64 {
	if s.StorageUnitBytes > 0 {
		return s.StorageUnitBytes
	}
	return streamplane.BytesPerGB
}

// WatchCapacity starts the capacity event inst's last observed disk use
// calls for, if any, unless a task holds the instance.
func (s *Service) WatchCapacity(ctx context.Context, inst *streamplane.Instance) {
	c0 := inst.CheckCapacity(s.storageUnit())
	if c0.Action == "" {
		return
	}
	var t *streamplane.Task
	err := s.Store.Update(ctx, func(tx streamplane.Tx) error {
		cur, err := tx.Instance(inst.ID)
		if err != nil {
			return err
		}
		if holder, err := tx.ActiveTask(cur.ID); err != nil || holder != nil {
			return err
		}
		if cur.Status != streamplane.InstanceRunning && cur.Status != streamplane.InstanceFaulty {
			return nil
		}
		c := cur.CheckCapacity(s.storageUnit())
		if c.Action == "" {
			return nil
		}
		p := capacityParams{Action: c.Action, Policy: cur.CapacityPolicy, Broker: c.Broker, UsedBytes: c.UsedBytes, TotalBytes: c.TotalBytes, Percent: c.Percent}
		wf := s.capacityWorkflow()
		if t, err = streamplane.NewTask(newID(), wf.Kind, cur.ID, cur.Name, p, wf.StepNames()...); err != nil {
			return err
		}
		return tx.CreateTask(t)
	})
	if err != nil {
		if ctx.Err() == nil {
			s.Log.Error("capacity watcher", "instance", inst.Name, "err", err)
		}
		return
	}
	if t != nil {
		s.Log.Warn("capacity threshold reached", "instance", inst.Name, "task", t.ID, "action", c0.Action, "broker", c0.Broker, "percent", c0.Percent)
		s.Engine.Wake()
	}
}

func (s *Service) capacityWorkflow() task.Workflow {
	wf := s.changeWorkflow(streamplane.TaskCapacityEvent, nil,
		task.Step{Name: "Plan", Run: s.planCapacity},
		task.Step{Name: "Act", Run: s.actCapacity, Timeout: 5 * time.Minute},
	)
	wf.Finish = s.finishCapacity
	return wf
}

// capacityInput is what the event's steps read: the event, what was
// planned so far, and the instance's admin client.
func (s *Service) capacityInput(ctx context.Context, r *task.Run) (p capacityParams, st capacityState, cl *kafkaadmin.Client, err error) {
	if _, cl, err = s.changeInput(ctx, r, &p); err != nil {
		return p, st, nil, err
	}
	return p, st, cl, r.State(&st)
}

// planCapacity decides what the event does: for auto_delete, which records
// go, measured now (the supervisor's figures may be a few seconds old).
func (s *Service) planCapacity(ctx context.Context, r *task.Run) error {
	p, st, cl, err := s.capacityInput(ctx, r)
	if err != nil {
		return err
	}
	switch p.Action {
	case streamplane.CapacityStop:
		r.Progress(ctx, "broker %d uses %.1f%% of its storage; refusing writes until every broker is below %d%%", p.Broker, p.Percent, streamplane.CapacityLowPercent)
		return nil
	case streamplane.CapacityResume:
		r.Progress(ctx, "every broker is below %d%% of its storage; accepting writes again", streamplane.CapacityLowPercent)
		return nil
	case streamplane.CapacityFree:
	default:
		return streamplane.Errorf(streamplane.EINTERNAL, "unknown capacity action %q", p.Action)
	}
	if st.Plan != nil {
		return nil // planned before a restart: the same plan
	}
	used, err := cl.UsedBytes(ctx)
	if err != nil {
		return err
	}
	now := used[int32(p.Broker)]
	want := p.TotalBytes * streamplane.CapacityFreePercent / 100
	enough := max(now-p.TotalBytes*streamplane.CapacityHighPercent/100+1, 0)
	plan, err := cl.PlanDeletion(ctx, int32(p.Broker), want, enough)
	if err != nil {
		return err
	}
	st.Plan = plan
	r.Progress(ctx, "broker %d holds %d bytes of %d; deleting records older than %s from %d partitions, about %d bytes",
		p.Broker, now, p.TotalBytes, time.UnixMilli(plan.Before).UTC().Format(time.RFC3339), len(plan.Cuts), plan.Bytes)
	if plan.Unread {
		r.Progress(ctx, "sparing records consumer groups have not read frees too little; unread records go too")
	}
	return r.SaveState(ctx, st)
}

// actCapacity carries the event out.
func (s *Service) actCapacity(ctx context.Context, r *task.Run) error {
	p, st, cl, err := s.capacityInput(ctx, r)
	if err != nil {
		return err
	}
	switch p.Action {
	case streamplane.CapacityStop:
		if err := cl.StopProduction(ctx); err != nil {
			return err
		}
		st.Result = fmt.Sprintf("writes refused: broker %d used %.1f%% of its storage; they resume below %d%% on every broker", p.Broker, p.Percent, streamplane.CapacityLowPercent)
	case streamplane.CapacityResume:
		if err := cl.ResumeProduction(ctx); err != nil {
			return err
		}
		st.Result = fmt.Sprintf("writes accepted again: every broker is below %d%% of its storage", streamplane.CapacityLowPercent)
	case streamplane.CapacityFree:
		if err := cl.DeleteOldest(ctx, st.Plan); err != nil {
			return err
		}
		for _, c := range st.Plan.Cuts {
			msg := fmt.Sprintf("%s/%d: log start %d → %d (~%d bytes)", c.Topic, c.Partition, c.From, c.To, c.Bytes)
			if c.Unread > 0 {
				msg += fmt.Sprintf(", %d records no group had read", c.Unread)
			}
			r.Progress(ctx, "%s", msg)
		}
		// Kafka removes the segments below a log start on its next
		// retention check; the event holds the instance until the space is
		// back, so that the watcher does not delete again meanwhile.
		freed := s.awaitSpace(ctx, cl, p)
		st.Result = fmt.Sprintf("deleted records older than %s on %d partitions (~%d bytes) for broker %d at %.1f%%; %s",
			time.UnixMilli(st.Plan.Before).UTC().Format(time.RFC3339), len(st.Plan.Cuts), st.Plan.Bytes, p.Broker, p.Percent, freed)
		if st.Plan.Unread {
			st.Result += "; records no consumer group had read were deleted too, as sparing them freed too little"
		}
	}
	return r.SaveState(ctx, st)
}

// awaitSpace waits, for a while, until the broker is below the high mark,
// and says how it ended.
func (s *Service) awaitSpace(ctx context.Context, cl *kafkaadmin.Client, p capacityParams) string {
	high := p.TotalBytes * streamplane.CapacityHighPercent / 100
	var now int64
	err := poll.Until(ctx, time.Second, 90*time.Second, func(ctx context.Context) error {
		used, err := cl.UsedBytes(ctx)
		if err != nil {
			return err
		}
		if now = used[int32(p.Broker)]; now >= high {
			return fmt.Errorf("broker %d still holds %d bytes", p.Broker, now)
		}
		return nil
	})
	if err != nil {
		return fmt.Sprintf("the broker still used %d bytes when the event stopped waiting for Kafka to remove the segments", now)
	}
	return fmt.Sprintf("the broker now uses %.1f%%", float64(now)*100/float64(p.TotalBytes))
}

// finishCapacity records the event on the instance.
func (s *Service) finishCapacity(tx streamplane.Tx, r *task.Run, runErr error) error {
	var p capacityParams
	if err := r.Params(&p); err != nil {
		return err
	}
	var st capacityState
	if err := r.State(&st); err != nil {
		return err
	}
	inst, err := tx.Instance(r.Task.InstanceID)
	if err != nil {
		return err
	}
	at := tx.Now().UTC().Format(time.DateTime)
	if runErr != nil {
		inst.CapacityEvent = fmt.Sprintf("%s UTC: capacity event %s failed: %v", at, p.Action, runErr)
		if p.Action == streamplane.CapacityStop {
			// The stop may have reached some brokers: count writes as
			// stopped, so that the watcher lifts it (a no-op if it is not
			// there) once use is below the low mark.
			inst.ProductionStopped = true
		}
		return tx.UpdateInstance(inst)
	}
	r.Task.Result = st.Result
	switch p.Action {
	case streamplane.CapacityStop:
		inst.ProductionStopped = true
	case streamplane.CapacityResume:
		inst.ProductionStopped = false
	}
	inst.CapacityEvent = at + " UTC: " + st.Result
	return tx.UpdateInstance(inst)
}
