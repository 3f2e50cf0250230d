package service

import (
	"context"
	"fmt"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/rebalance"
	"github.com/streamplane/streamplane/task"
)

// BrokerSteps are the task steps that start and stop brokers when an
// instance scales (workflow.Env has them); the service adds its own
// reassignment steps between them.
type BrokerSteps interface {
	AddBrokers(ctx context.Context, r *task.Run) error
	AwaitNewBrokers(ctx context.Context, r *task.Run) error
	RetireBrokers(ctx context.Context, r *task.Run) error
	RollControllers(ctx context.Context, r *task.Run) error
	AbandonScale(ctx context.Context, r *task.Run) error
}

// Scale adds brokers to an instance and spreads partitions onto them, or
// drains brokers and removes them: a scale_instance task. Removing is
// refused up front when the brokers left could not take the replicas (the
// planner says why) or the flavor's partition limit for fewer brokers is
// below what the topics have.
func (s *Service) Scale(ctx context.Context, idOrName string, req streamplane.ScaleRequest, ifMatch *int64) (*streamplane.Task, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	inst, cl, err := s.cluster(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	metas, err := cl.Topics(ctx)
	if err != nil {
		return nil, kafkaadmin.AppError(err, "", "list the topics of %s", inst.Name)
	}
	used := partitionsUsed(metas)
	if len(req.RemoveBrokers) > 0 {
		if err := s.checkDrain(ctx, inst, cl, req.RemoveBrokers); err != nil {
			return nil, err
		}
	}
	return s.instanceTask(ctx, idOrName, ifMatch, streamplane.TaskScaleInstance, req,
		func(tx streamplane.Tx, inst *streamplane.Instance) error {
			if inst.Status != streamplane.InstanceRunning {
				return streamplane.Errorf(streamplane.ESTATE, "instance %s is %s; it scales only when RUNNING", inst.Name, inst.Status)
			}
			if _, _, err := inst.Scale(req, used); err != nil {
				return err
			}
			if err := s.checkLimits(tx, inst); err != nil {
				return err
			}
			inst.Status = streamplane.InstanceChanging
			return nil
		})
}

// checkDrain plans the drain without running it: the brokers left must be
// able to take every replica of the brokers removed.
func (s *Service) checkDrain(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client, ids []int) error {
	c, _, err := readCluster(ctx, inst, cl)
	if err != nil {
		return err
	}
	drain := make([]int32, 0, len(ids))
	for _, id := range ids {
		if b, ok := inst.Broker(id); ok && !b.IsController() {
			drain = append(drain, int32(id))
		}
	}
	if len(drain) < len(ids) {
		return nil // Instance.Scale names the bad id
	}
	if _, err := rebalance.PlanFor(c, rebalance.Goal{Drain: drain}); err != nil {
		return &streamplane.Error{Code: streamplane.ErrorCode(err), Field: "remove_brokers",
			Message: fmt.Sprintf("the brokers left cannot take the replicas of %v: %s", ids, streamplane.ErrorMessage(err))}
	}
	return nil
}

// scaleWorkflow adds the new brokers, moves partitions onto them (or off
// the brokers being removed) as a throttled reassignment, stops and
// unregisters the removed brokers, and restarts the controllers with the
// new partition limit.
func (s *Service) scaleWorkflow() task.Workflow {
	steps := []task.Step{
		{Name: "Add the new brokers", Run: func(ctx context.Context, r *task.Run) error { return s.Brokers.AddBrokers(ctx, r) }},
		{Name: "Wait for the new brokers to join", Run: func(ctx context.Context, r *task.Run) error { return s.Brokers.AwaitNewBrokers(ctx, r) }},
	}
	steps = append(steps, bounded(
		task.Step{Name: "Plan the moves", Run: s.planScaleMoves},
		task.Step{Name: "Throttle the replication", Run: s.throttleMoves},
		task.Step{Name: "Start the moves", Run: s.startMoves},
		task.Step{Name: "Wait until every replica has moved", Run: s.awaitMoves, Timeout: reassignTimeout},
		task.Step{Name: "Remove the throttle", Run: s.unthrottle},
		task.Step{Name: "Elect the preferred leaders", Run: s.electMoved},
	)...)
	steps = append(steps,
		task.Step{Name: "Stop and remove the drained brokers", Run: func(ctx context.Context, r *task.Run) error { return s.Brokers.RetireBrokers(ctx, r) }},
		task.Step{Name: "Restart the controllers with the new partition limit", Run: func(ctx context.Context, r *task.Run) error { return s.Brokers.RollControllers(ctx, r) }},
	)
	return task.Workflow{Kind: streamplane.TaskScaleInstance, Steps: steps, OnFail: s.abandonScale, Finish: finishScale}
}

// abandonScale removes the throttle a failed scale set and puts the
// instance's brokers back to what runs.
func (s *Service) abandonScale(ctx context.Context, r *task.Run, err error) {
	s.unthrottleAfterFailure(ctx, r, err)
	if err := s.Brokers.AbandonScale(ctx, r); err != nil {
		s.Log.Error("undo a failed scale", "task", r.Task.ID, "err", err)
	}
}

// planScaleMoves plans a balanced spread over every broker after adding
// (unless the request said not to), or the drain of the brokers removed.
func (s *Service) planScaleMoves(ctx context.Context, r *task.Run) error {
	var req streamplane.ScaleRequest
	if err := r.Params(&req); err != nil {
		return err
	}
	return s.fixPlan(ctx, r, func(inst *streamplane.Instance, cl *kafkaadmin.Client) (*rebalance.Plan, error) {
		_, removing := inst.Scaling()
		if req.NoRebalance && len(removing) == 0 {
			r.Progress(ctx, "no rebalance asked: partitions stay where they are; new topics use the new brokers")
			return &rebalance.Plan{}, nil
		}
		c, _, err := readCluster(ctx, inst, cl)
		if err != nil {
			return nil, err
		}
		var g rebalance.Goal
		for _, b := range removing {
			g.Drain = append(g.Drain, int32(b.ID))
		}
		plan, err := rebalance.PlanFor(c, g)
		if err == nil {
			r.Progress(ctx, "plan: %d partition(s) to move, %s to copy", len(plan.Moves), byteCount(plan.BytesToMove))
		}
		return plan, err
	})
}

// finishScale records the instance RUNNING with its brokers. After a
// failure (abandonScale has undone what it could) the instance is RUNNING
// on the brokers it has, so the user can scale again; the failed task
// says why. No status reason: the supervisor's next look decides the
// instance's health and would clear it anyway.
func finishScale(tx streamplane.Tx, r *task.Run, runErr error) error {
	inst, err := tx.Instance(r.Task.InstanceID)
	if err != nil {
		return err
	}
	if runErr != nil {
		inst.Status, inst.StatusReason = streamplane.InstanceRunning, ""
		return tx.UpdateInstance(inst)
	}
	inst.Status, inst.StatusReason = streamplane.InstanceRunning, ""
	for i := range inst.Brokers {
		inst.Brokers[i].State = streamplane.BrokerActive
	}
	var st reassignState
	if err := r.State(&st); err != nil {
		return err
	}
	r.Task.Result = fmt.Sprintf("instance %s has %d brokers", inst.Name, inst.BrokerCount)
	if st.Plan != nil && len(st.Plan.Moves) > 0 {
		r.Task.Result += "; " + st.Result
	}
	return tx.UpdateInstance(inst)
}
