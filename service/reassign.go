package service

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/poll"
	"github.com/streamplane/streamplane/rebalance"
	"github.com/streamplane/streamplane/task"
)

// reassignTimeout bounds the wait for Kafka to finish moving: at a low
// throttle a large topic takes hours.
const reassignTimeout = 24 * time.Hour

// Reassign moves partition replicas between brokers: it plans the moves
// (or checks a manual plan), and unless the request is a dry run, runs them
// as a reassign_partitions task that throttles the copying, waits for it,
// removes the throttle and elects the preferred leaders. The task holds the
// instance meanwhile, so the topics cannot be deleted or repartitioned.
// It returns the plan, or the task when it outlasts the answer deadline.
func (s *Service) Reassign(ctx context.Context, idOrName string, req streamplane.ReassignRequest) (*streamplane.ReassignPlan, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if req.DryRun {
		inst, cl, err := s.cluster(ctx, idOrName)
		if err != nil {
			return nil, err
		}
		plan, err := planReassignment(ctx, inst, cl, req)
		if err != nil {
			return nil, err
		}
		out := wirePlan(plan)
		out.DryRun = true
		return out, nil
	}
	t, err := s.change(ctx, changeRequest{instance: idOrName, kind: streamplane.TaskReassign, params: req})
	if err != nil {
		return nil, err
	}
	var st reassignState
	if err := taskState(t, &st); err != nil {
		return nil, err
	}
	return wirePlan(st.Plan), nil
}

// ReassignStatus reports the moves Kafka is making on the instance.
func (s *Service) ReassignStatus(ctx context.Context, idOrName string) (*streamplane.ReassignStatus, error) {
	inst, cl, err := s.cluster(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	moving, err := cl.Reassignments(ctx)
	if err != nil {
		return nil, kafkaadmin.AppError(err, "", "list the reassignments of %s", inst.Name)
	}
	st := &streamplane.ReassignStatus{InProgress: []streamplane.PartitionReassignment{}}
	if holder, err := s.holdingTask(ctx, inst); err == nil && holder != nil && (holder.Kind == streamplane.TaskReassign || holder.Kind == streamplane.TaskScaleInstance) {
		st.TaskID = holder.ID
	}
	parts := map[string][]int32{}
	for _, m := range moving {
		st.InProgress = append(st.InProgress, streamplane.PartitionReassignment{Topic: m.Topic, Partition: m.Partition,
			Replicas: m.Replicas, Adding: orNone(m.Adding), Removing: orNone(m.Removing)})
		parts[m.Topic] = append(parts[m.Topic], m.Partition)
	}
	if len(moving) > 0 {
		sizes, _, err := cl.ReplicaSizes(ctx, parts)
		if err != nil {
			return nil, kafkaadmin.AppError(err, "", "read the replica sizes of %s", inst.Name)
		}
		for _, m := range moving {
			full := largestReplica(sizes, m.Topic, m.Partition, m.Replicas)
			for _, b := range m.Adding {
				have, _ := sizes.Replica(b, m.Topic, m.Partition)
				st.BytesToMove += full
				st.BytesMoved += min(have, full)
			}
		}
	}
	rates, err := cl.ReplicationThrottle(ctx, replicaBrokers(inst))
	if err == nil {
		for _, r := range rates {
			st.ThrottleMBps = max(st.ThrottleMBps, int(r>>20))
		}
	}
	if st.ThrottleMBps > 0 && st.BytesToMove > st.BytesMoved {
		st.SecondsLeft = (st.BytesToMove - st.BytesMoved) / (int64(st.ThrottleMBps) << 20)
	}
	return st, nil
}

// CancelReassignment stops the moves in progress where they are: each
// partition keeps its old replicas. The reassign task, if one runs, sees
// its moves stopped, removes the throttle and fails as cancelled.
func (s *Service) CancelReassignment(ctx context.Context, idOrName string) (*streamplane.ReassignStatus, error) {
	inst, cl, err := s.cluster(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	moving, err := cl.Reassignments(ctx)
	if err != nil {
		return nil, kafkaadmin.AppError(err, "", "list the reassignments of %s", inst.Name)
	}
	if len(moving) == 0 {
		return nil, streamplane.Errorf(streamplane.ESTATE, "instance %s has no reassignment in progress", inst.Name)
	}
	parts := map[string][]int32{}
	for _, m := range moving {
		parts[m.Topic] = append(parts[m.Topic], m.Partition)
	}
	if err := cl.CancelReassignments(ctx, parts); err != nil {
		return nil, kafkaadmin.AppError(err, "", "cancel the reassignments of %s", inst.Name)
	}
	s.Log.Info("reassignment cancelled", "instance", inst.Name, "partitions", len(moving))
	return s.ReassignStatus(ctx, idOrName)
}

// reassignState is the plan, fixed when the task begins, and what the task
// throttled, to undo.
type reassignState struct {
	changeState
	Plan            *rebalance.Plan `json:"plan"`
	ThrottledTopics []string        `json:"throttled_topics,omitempty"`
}

func (s *Service) reassignWorkflow() task.Workflow {
	return s.changeWorkflow(streamplane.TaskReassign, s.unthrottleAfterFailure,
		task.Step{Name: "Plan the moves", Run: s.planMoves},
		task.Step{Name: "Throttle the replication", Run: s.throttleMoves},
		task.Step{Name: "Start the moves", Run: s.startMoves},
		task.Step{Name: "Wait until every replica has moved", Run: s.awaitMoves, Timeout: reassignTimeout},
		task.Step{Name: "Remove the throttle", Run: s.unthrottle},
		task.Step{Name: "Elect the preferred leaders", Run: s.electMoved},
	)
}

// planMoves fixes the plan once: a resumed task carries on with it.
func (s *Service) planMoves(ctx context.Context, r *task.Run) error {
	return s.fixPlan(ctx, r, func(inst *streamplane.Instance, cl *kafkaadmin.Client) (*rebalance.Plan, error) {
		var req streamplane.ReassignRequest
		if err := r.Params(&req); err != nil {
			return nil, err
		}
		return planReassignment(ctx, inst, cl, req)
	})
}

// fixPlan saves the plan plan makes, once, unless Kafka is already moving
// partitions (someone else's reassignment, which the plan would fight).
func (s *Service) fixPlan(ctx context.Context, r *task.Run, plan func(*streamplane.Instance, *kafkaadmin.Client) (*rebalance.Plan, error)) error {
	var st reassignState
	if err := r.State(&st); err != nil || st.Plan != nil {
		return err
	}
	inst, cl, err := s.connect(ctx, r)
	if err != nil {
		return err
	}
	moving, err := cl.Reassignments(ctx)
	if err != nil {
		return kafkaadmin.AppError(err, "", "list the reassignments of %s", inst.Name)
	}
	if len(moving) > 0 {
		return streamplane.Errorf(streamplane.ESTATE, "instance %s is already moving %d partition(s), e.g. %s-%d; wait for them or cancel them",
			inst.Name, len(moving), moving[0].Topic, moving[0].Partition)
	}
	p, err := plan(inst, cl)
	if err != nil {
		return err
	}
	st.Plan = p
	st.Result = fmt.Sprintf("moved %d partition(s), %s copied", len(p.Moves), byteCount(p.BytesToMove))
	return r.SaveState(ctx, st)
}

// moveInput is what the steps after planning read: the plan as saved, the
// instance and its admin client. ok is false when the plan moves nothing,
// and the step has nothing to do.
func (s *Service) moveInput(ctx context.Context, r *task.Run) (st reassignState, inst *streamplane.Instance, cl *kafkaadmin.Client, ok bool, err error) {
	if err = r.State(&st); err != nil || st.Plan == nil || len(st.Plan.Moves) == 0 {
		return st, nil, nil, false, err
	}
	inst, cl, err = s.connect(ctx, r)
	return st, inst, cl, err == nil, err
}

func (s *Service) throttleMoves(ctx context.Context, r *task.Run) error {
	var req streamplane.ReassignRequest
	if err := r.Params(&req); err != nil || req.ThrottleMBps == 0 {
		return err
	}
	st, inst, cl, ok, err := s.moveInput(ctx, r)
	if !ok {
		return err
	}
	st.ThrottledTopics = movedTopics(st.Plan)
	if err := r.SaveState(ctx, st); err != nil { // first, so that a failure below still undoes it
		return err
	}
	if err := cl.SetReplicationThrottle(ctx, replicaBrokers(inst), st.ThrottledTopics, int64(req.ThrottleMBps)<<20); err != nil {
		return kafkaadmin.AppError(err, "throttle_mbps", "throttle the replication of %s", inst.Name)
	}
	r.Progress(ctx, "replication throttled to %d MB/s per broker for %d topic(s)", req.ThrottleMBps, len(st.ThrottledTopics))
	return nil
}

func (s *Service) startMoves(ctx context.Context, r *task.Run) error {
	st, inst, cl, ok, err := s.moveInput(ctx, r)
	if !ok {
		return err
	}
	targets := map[string]map[int32][]int32{}
	for _, m := range st.Plan.Moves {
		if targets[m.Topic] == nil {
			targets[m.Topic] = map[int32][]int32{}
		}
		targets[m.Topic][m.Partition] = m.To
	}
	if err := cl.Reassign(ctx, targets); err != nil {
		return kafkaadmin.AppError(err, "", "start moving the partitions of %s", inst.Name)
	}
	r.Progress(ctx, "moving %d partition(s), %s to copy", len(st.Plan.Moves), byteCount(st.Plan.BytesToMove))
	return nil
}

// awaitMoves waits until Kafka has no move of the plan's partitions left,
// then checks every partition ended where the plan put it: one that did
// not was cancelled.
func (s *Service) awaitMoves(ctx context.Context, r *task.Run) error {
	st, inst, cl, ok, err := s.moveInput(ctx, r)
	if !ok {
		return err
	}
	ours := map[string]bool{}
	for _, m := range st.Plan.Moves {
		ours[partitionName(m.Topic, m.Partition)] = true
	}
	reported := -1
	err = poll.Until(ctx, time.Second, 0, func(ctx context.Context) error {
		moving, err := cl.Reassignments(ctx)
		if err != nil {
			return poll.Stop(kafkaadmin.AppError(err, "", "list the reassignments of %s", inst.Name))
		}
		left := 0
		for _, m := range moving {
			if ours[partitionName(m.Topic, m.Partition)] {
				left++
			}
		}
		if left > 0 && left != reported {
			r.Progress(ctx, "%d of %d partition(s) still moving", left, len(st.Plan.Moves))
			reported = left
		}
		if left > 0 {
			return fmt.Errorf("%d partition(s) still moving", left)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The controller has finished; the brokers' metadata, which says where
	// the replicas are, follows within moments. A move that grows the
	// replica set shows the target replicas while it copies too, so a move
	// counts as done only once its new replicas are also in sync (Kafka
	// completes a move no earlier). A partition that is still not where the
	// plan put it after that was cancelled; one on the plan's replicas
	// whose ISR shrank again since is done.
	var stopped []string
	unsynced := 0
	err = poll.Until(ctx, 200*time.Millisecond, 10*time.Second, func(ctx context.Context) error {
		metas, err := cl.Topics(ctx, movedTopics(st.Plan)...)
		if err != nil {
			return err
		}
		now := map[string]kafkaadmin.PartitionMetadata{}
		for _, m := range metas {
			for _, p := range m.Partitions {
				now[partitionName(m.Name, p.ID)] = p
			}
		}
		stopped, unsynced = nil, 0
		for _, m := range st.Plan.Moves {
			name := partitionName(m.Topic, m.Partition)
			p := now[name]
			switch {
			case !slices.Equal(p.Replicas, m.To):
				stopped = append(stopped, fmt.Sprintf("%s on %v", name, p.Replicas))
			case !isSubset(m.To, p.ISR):
				unsynced++
			}
		}
		if len(stopped) > 0 || unsynced > 0 {
			return fmt.Errorf("%d partition(s) not where the plan put them, %d not in sync there yet", len(stopped), unsynced)
		}
		return nil
	})
	if len(stopped) > 0 {
		return streamplane.Errorf(streamplane.ESTATE, "the reassignment was cancelled: %d partition(s) kept their old replicas, e.g. %s", len(stopped), stopped[0])
	}
	if err != nil && unsynced == 0 {
		return kafkaadmin.AppError(err, "", "describe the moved topics of %s", inst.Name)
	}
	return nil
}

// isSubset says whether every broker of want is in have.
func isSubset(want, have []int32) bool {
	for _, b := range want {
		if !slices.Contains(have, b) {
			return false
		}
	}
	return true
}

func (s *Service) unthrottle(ctx context.Context, r *task.Run) error {
	st, inst, cl, ok, err := s.moveInput(ctx, r)
	if !ok || len(st.ThrottledTopics) == 0 {
		return err
	}
	if err := cl.RemoveReplicationThrottle(ctx, replicaBrokers(inst), st.ThrottledTopics); err != nil {
		return kafkaadmin.AppError(err, "", "remove the replication throttle of %s", inst.Name)
	}
	r.Progress(ctx, "replication throttle removed")
	return nil
}

// unthrottleAfterFailure removes a throttle a failed or cancelled task set:
// left behind, it would slow every later recovery of those topics.
func (s *Service) unthrottleAfterFailure(ctx context.Context, r *task.Run, _ error) {
	if err := s.unthrottle(ctx, r); err != nil {
		s.Log.Warn("replication throttle left after a failed reassignment", "task", r.Task.ID, "err", err)
	}
}

func (s *Service) electMoved(ctx context.Context, r *task.Run) error {
	st, _, cl, ok, err := s.moveInput(ctx, r)
	if !ok {
		return err
	}
	parts := map[string][]int32{}
	for _, m := range st.Plan.Moves {
		parts[m.Topic] = append(parts[m.Topic], m.Partition)
	}
	e, err := cl.ElectPreferredLeaders(ctx, parts)
	if err != nil {
		// Best effort: Kafka's own leader rebalancing gets there later.
		r.Progress(ctx, "preferred leader election: %v", err)
		return nil
	}
	r.Progress(ctx, "preferred leaders elected: %d moved, %d already there, %d not in sync yet", e.Elected, e.AlreadyPreferred, len(e.Failed))
	return nil
}

// planReassignment reads the instance's brokers and partitions and plans
// the request against them.
func planReassignment(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client, req streamplane.ReassignRequest) (*rebalance.Plan, error) {
	c, known, err := readCluster(ctx, inst, cl)
	if err != nil {
		return nil, err
	}
	for _, t := range req.Topics {
		if !known[t] {
			return nil, noSuchTopic(inst, t)
		}
	}
	for _, a := range req.Assignments {
		if !known[a.Topic] {
			return nil, noSuchTopic(inst, a.Topic)
		}
	}
	if len(req.Assignments) > 0 {
		as := make([]rebalance.Assignment, len(req.Assignments))
		for i, a := range req.Assignments {
			as[i] = rebalance.Assignment{Topic: a.Topic, Partition: a.Partition, Replicas: a.Replicas}
		}
		return rebalance.CheckManual(c, as)
	}
	return rebalance.PlanFor(c, rebalance.Goal{Topics: req.Topics, Brokers: req.Brokers, ReplicationFactor: req.Replicas})
}

// readCluster reads what a plan is made from: the brokers that may hold
// replicas, with their racks, and every partition with its replicas and
// size; known names the topics.
func readCluster(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client) (rebalance.Cluster, map[string]bool, error) {
	var c rebalance.Cluster
	metas, err := cl.Topics(ctx)
	if err != nil {
		return c, nil, kafkaadmin.AppError(err, "", "list the topics of %s", inst.Name)
	}
	known := map[string]bool{}
	// The flavor limits partitions per broker × brokers in all (DMS), so a
	// full instance spread evenly holds MaxTopicReplicas × that per broker:
	// no plan may put more replicas than that on one broker.
	perBroker := 0
	if f, ok := streamplane.LookupFlavor(inst.Flavor); ok {
		perBroker = f.MaxPartitionsPerBroker * streamplane.MaxTopicReplicas
	}
	for _, b := range inst.Brokers {
		if holdsReplicas(b) {
			c.Brokers = append(c.Brokers, rebalance.Broker{ID: int32(b.ID), Rack: b.Rack, MaxReplicas: perBroker})
		}
	}
	for _, m := range metas {
		if m.Err != nil {
			continue
		}
		known[m.Name] = true
		for _, p := range m.Partitions {
			c.Partitions = append(c.Partitions, rebalance.Partition{Topic: m.Name, Partition: p.ID, Replicas: p.Replicas})
		}
	}
	if err := sizePartitions(ctx, cl, &c); err != nil {
		return c, nil, kafkaadmin.AppError(err, "", "read the replica sizes of %s", inst.Name)
	}
	return c, known, nil
}

// sizePartitions sets each partition's size: its largest replica's.
func sizePartitions(ctx context.Context, cl *kafkaadmin.Client, c *rebalance.Cluster) error {
	sizes, _, err := cl.ReplicaSizes(ctx, nil)
	if err != nil {
		return err
	}
	for i := range c.Partitions {
		p := &c.Partitions[i]
		p.SizeBytes = largestReplica(sizes, p.Topic, p.Partition, p.Replicas)
	}
	return nil
}

func largestReplica(sizes kafkaadmin.ReplicaSizes, topic string, partition int32, replicas []int32) int64 {
	var n int64
	for _, b := range replicas {
		if size, ok := sizes.Replica(b, topic, partition); ok {
			n = max(n, size)
		}
	}
	return n
}

// wirePlan is a plan as the API shows it.
func wirePlan(p *rebalance.Plan) *streamplane.ReassignPlan {
	out := &streamplane.ReassignPlan{Moves: []streamplane.PartitionMove{}, Brokers: []streamplane.BrokerSpread{}}
	if p == nil {
		return out
	}
	out.BytesToMove = p.BytesToMove
	for _, m := range p.Moves {
		out.Moves = append(out.Moves, streamplane.PartitionMove{Topic: m.Topic, Partition: m.Partition, From: m.From, To: m.To, Bytes: m.Bytes})
	}
	ids := slices.Sorted(maps.Keys(p.After.Replicas))
	for _, id := range slices.Compact(slices.Sorted(slices.Values(append(ids, slices.Collect(maps.Keys(p.Before.Replicas))...)))) {
		out.Brokers = append(out.Brokers, streamplane.BrokerSpread{Broker: id,
			ReplicasBefore: p.Before.Replicas[id], ReplicasAfter: p.After.Replicas[id],
			LeadersBefore: p.Before.Leaders[id], LeadersAfter: p.After.Leaders[id]})
	}
	return out
}

func movedTopics(p *rebalance.Plan) []string {
	var out []string
	for _, m := range p.Moves {
		if !slices.Contains(out, m.Topic) {
			out = append(out, m.Topic)
		}
	}
	return out
}

// holdsReplicas says whether a node may hold partition replicas: a
// broker (not a controller only) that is not deleted.
func holdsReplicas(b streamplane.Broker) bool {
	return b.State != streamplane.BrokerDeleted && slices.Contains(b.Roles, streamplane.RoleBroker)
}

// replicaBrokers are the ids of the nodes that may hold replicas.
func replicaBrokers(inst *streamplane.Instance) []int32 {
	var out []int32
	for _, b := range inst.Brokers {
		if holdsReplicas(b) {
			out = append(out, int32(b.ID))
		}
	}
	return out
}

func partitionName(topic string, partition int32) string {
	return fmt.Sprintf("%s-%d", topic, partition)
}

func orNone(ids []int32) []int32 {
	if ids == nil {
		return []int32{}
	}
	return ids
}

// holdingTask is the task holding the instance, if any.
func (s *Service) holdingTask(ctx context.Context, inst *streamplane.Instance) (*streamplane.Task, error) {
	var t *streamplane.Task
	err := s.Store.View(ctx, func(tx streamplane.Tx) (err error) {
		t, err = tx.ActiveTask(inst.ID)
		return err
	})
	return t, err
}

func byteCount(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
