package service

import (
	"context"
	"fmt"
	"strings"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/task"
)

// Topic changes are tasks (see change). What depends on the instance as it
// is now (the name being free, the partition limit) is checked by the
// task's first step, while the task holds the instance: two creations
// cannot together pass the partition limit that each checked alone.

// CreateTopic creates a topic and returns it as Kafka then describes it.
func (s *Service) CreateTopic(ctx context.Context, idOrName string, spec streamplane.TopicSpec) (*streamplane.TopicDetail, error) {
	// The task keeps the spec as Normalize fills in its defaults.
	_, err := s.change(ctx, changeRequest{instance: idOrName, kind: streamplane.TaskCreateTopic, params: &spec,
		check: func(inst *streamplane.Instance) error { return spec.Normalize(inst.BrokerCount) }})
	if err != nil {
		return nil, err
	}
	return s.Topic(ctx, idOrName, spec.Name)
}

func (s *Service) createTopicWorkflow() task.Workflow {
	return s.changeWorkflow(streamplane.TaskCreateTopic, nil,
		task.Step{Name: "Check the name and the partition limit", Run: s.checkNewTopic},
		task.Step{Name: "Create the topic", Run: s.createTopic},
		task.Step{Name: "Wait until every broker knows it", Run: s.awaitNewTopic},
	)
}

func (s *Service) checkNewTopic(ctx context.Context, r *task.Run) error {
	var spec streamplane.TopicSpec
	inst, cl, err := s.changeInput(ctx, r, &spec)
	if err != nil {
		return err
	}
	metas, err := cl.Topics(ctx)
	if err != nil {
		return kafkaadmin.AppError(err, "", "list the topics of %s", inst.Name)
	}
	for _, m := range metas {
		if m.Name == spec.Name {
			return &streamplane.Error{Code: streamplane.ECONFLICT, Field: "name", Message: fmt.Sprintf("instance %s already has a topic named %s", inst.Name, spec.Name)}
		}
	}
	return inst.CheckPartitionLimit(partitionsUsed(metas), spec.Partitions)
}

func (s *Service) createTopic(ctx context.Context, r *task.Run) error {
	var spec streamplane.TopicSpec
	_, cl, err := s.changeInput(ctx, r, &spec)
	if err != nil {
		return err
	}
	err = cl.CreateTopic(ctx, spec.Name, spec.Partitions, spec.Replicas, spec.KafkaConfigs())
	if kafkaadmin.IsTopicAlreadyExists(err) {
		return nil // the first step found no such topic: this task made it before a restart
	}
	if err != nil {
		return kafkaadmin.TopicError(err, configFields(spec.Configs, nil), "create topic %s", spec.Name)
	}
	return nil
}

func (s *Service) awaitNewTopic(ctx context.Context, r *task.Run) error {
	var spec streamplane.TopicSpec
	inst, cl, err := s.changeInput(ctx, r, &spec)
	if err != nil {
		return err
	}
	if err := cl.WaitTopic(ctx, spec.Name, spec.Partitions); err != nil {
		s.Log.Warn("created topic not yet visible everywhere", "instance", inst.Name, "topic", spec.Name, "err", err)
	}
	s.Log.Info("topic created", "instance", inst.Name, "topic", spec.Name, "partitions", spec.Partitions, "replicas", spec.Replicas)
	return r.SaveState(ctx, changeState{Result: fmt.Sprintf("created topic %s: %d partitions, %d replicas, %d h retention",
		spec.Name, spec.Partitions, spec.Replicas, spec.RetentionHours)})
}

// topicUpdateParams are an update task's inputs.
type topicUpdateParams struct {
	Topic string `json:"topic"`
	streamplane.TopicUpdate
}

// topicUpdateState is the update as planned against the topic as it was
// when the task began.
type topicUpdateState struct {
	changeState
	Change streamplane.TopicChange `json:"change"`
}

// UpdateTopic changes a topic's partitions, retention, synchronous
// replication and flushing, or other configs, and returns it.
func (s *Service) UpdateTopic(ctx context.Context, idOrName, topic string, upd streamplane.TopicUpdate) (*streamplane.TopicDetail, error) {
	_, err := s.change(ctx, changeRequest{instance: idOrName, kind: streamplane.TaskUpdateTopic, params: topicUpdateParams{Topic: topic, TopicUpdate: upd},
		check: func(*streamplane.Instance) error { return streamplane.ValidateTopicName("topic", topic) }})
	if err != nil {
		return nil, err
	}
	return s.Topic(ctx, idOrName, topic)
}

func (s *Service) updateTopicWorkflow() task.Workflow {
	return s.changeWorkflow(streamplane.TaskUpdateTopic, nil,
		task.Step{Name: "Plan the change", Run: s.planTopicUpdate},
		task.Step{Name: "Add partitions", Run: s.addPartitions},
		task.Step{Name: "Change the configs", Run: s.changeTopicConfigs},
	)
}

// planTopicUpdate checks the update against the topic and the partition
// limit, and lets Kafka check the configs before anything changes, so that
// a bad config leaves the topic as it was.
func (s *Service) planTopicUpdate(ctx context.Context, r *task.Run) error {
	var p topicUpdateParams
	inst, cl, err := s.changeInput(ctx, r, &p)
	if err != nil {
		return err
	}
	var metas []kafkaadmin.TopicMetadata
	if p.Partitions != nil {
		metas, err = cl.Topics(ctx) // all of them, for the partition limit
	} else {
		metas, err = cl.Topics(ctx, p.Topic)
	}
	if err != nil {
		return kafkaadmin.AppError(err, "", "describe topic %s", p.Topic)
	}
	var cur *kafkaadmin.TopicMetadata
	for i := range metas {
		if metas[i].Name == p.Topic && metas[i].Err == nil {
			cur = &metas[i]
		}
	}
	if cur == nil {
		return noSuchTopic(inst, p.Topic)
	}
	ch, err := p.Plan(p.Topic, len(cur.Partitions), cur.Replicas())
	if err != nil {
		return err
	}
	if ch.Partitions > 0 {
		if err := inst.CheckPartitionLimit(partitionsUsed(metas), ch.Partitions-len(cur.Partitions)); err != nil {
			return err
		}
	}
	if len(ch.Set) > 0 || len(ch.Delete) > 0 {
		if err := cl.AlterTopicConfigs(ctx, p.Topic, ch.Set, ch.Delete, true); err != nil {
			return kafkaadmin.TopicError(err, configFields(p.Configs, p.DeleteConfigs), "change topic %s", p.Topic)
		}
	}
	return r.SaveState(ctx, topicUpdateState{Change: ch})
}

func (s *Service) addPartitions(ctx context.Context, r *task.Run) error {
	var p topicUpdateParams
	var st topicUpdateState
	if err := r.Params(&p); err != nil {
		return err
	}
	if err := r.State(&st); err != nil || st.Change.Partitions == 0 {
		return err
	}
	inst, cl, err := s.connect(ctx, r)
	if err != nil {
		return err
	}
	m, err := findTopic(ctx, inst, cl, p.Topic)
	if err != nil {
		return err
	}
	if len(m.Partitions) < st.Change.Partitions { // else added before a restart
		if err := cl.SetPartitions(ctx, p.Topic, st.Change.Partitions); err != nil {
			return kafkaadmin.TopicError(err, nil, "add partitions to topic %s", p.Topic)
		}
	}
	if err := cl.WaitTopic(ctx, p.Topic, st.Change.Partitions); err != nil {
		s.Log.Warn("new partitions not yet visible everywhere", "instance", inst.Name, "topic", p.Topic, "err", err)
	}
	return nil
}

func (s *Service) changeTopicConfigs(ctx context.Context, r *task.Run) error {
	var p topicUpdateParams
	var st topicUpdateState
	if err := r.Params(&p); err != nil {
		return err
	}
	if err := r.State(&st); err != nil {
		return err
	}
	inst, cl, err := s.connect(ctx, r)
	if err != nil {
		return err
	}
	ch := st.Change
	if len(ch.Set) > 0 || len(ch.Delete) > 0 {
		// Incremental: setting the same values again is harmless.
		if err := cl.AlterTopicConfigs(ctx, p.Topic, ch.Set, ch.Delete, false); err != nil {
			return kafkaadmin.TopicError(err, configFields(p.Configs, p.DeleteConfigs), "change topic %s", p.Topic)
		}
		if err := cl.WaitTopicConfigs(ctx, p.Topic, ch.Set, ch.Delete); err != nil {
			s.Log.Warn("new topic configs not yet visible everywhere", "instance", inst.Name, "topic", p.Topic, "err", err)
		}
	}
	st.Result = describeChange(p.Topic, ch)
	s.Log.Info("topic changed", "instance", inst.Name, "topic", p.Topic, "change", st.Result)
	return r.SaveState(ctx, st)
}

// topicDeletionState is what a batch deletion's steps found and did.
type topicDeletionState struct {
	changeState
	Found    []string  `json:"found"`    // the topics that could be deleted when the task began
	Outcomes []outcome `json:"outcomes"` // every topic's outcome, in the order asked
}

// DeleteTopics deletes a batch of topics. Each topic gets its own outcome:
// one that does not exist (or is Kafka's own without a reserved name) is
// refused without stopping the others. The request fails as a whole only
// when its list is wrong (an internal topic's name among them) or the
// instance refuses it. The task is recorded as failed if any topic was not
// deleted.
func (s *Service) DeleteTopics(ctx context.Context, idOrName string, topics []string) ([]streamplane.TopicDeletionOutcome, error) {
	names := uniqueNames(topics)
	t, err := s.change(ctx, changeRequest{instance: idOrName, kind: streamplane.TaskDeleteTopics, params: map[string][]string{"topics": names},
		check: func(*streamplane.Instance) error { return validateTopicBatch(topics) }})
	outcomes, err := batchOutcomes(t, err, len(names), "topics")
	if err != nil {
		return nil, err
	}
	out := make([]streamplane.TopicDeletionOutcome, len(outcomes))
	for i, o := range outcomes {
		out[i] = streamplane.TopicDeletionOutcome{Topic: o.Name}
		if o.Error != nil {
			out[i].Err = o.Error
		}
	}
	return out, nil
}

func validateTopicBatch(topics []string) error {
	switch {
	case len(topics) == 0:
		return streamplane.Invalid("topics", "name at least one topic to delete")
	case len(topics) > maxDeleteBatch:
		return streamplane.Invalid("topics", "delete at most %d topics at once, got %d", maxDeleteBatch, len(topics))
	}
	for _, t := range topics {
		if err := streamplane.ValidateTopicName("topics", t); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) deleteTopicsWorkflow() task.Workflow {
	return s.changeWorkflow(streamplane.TaskDeleteTopics, nil,
		task.Step{Name: "Find the topics", Run: s.findTopicsToDelete},
		task.Step{Name: "Delete the topics and their permissions", Run: s.deleteTopics},
	)
}

type topicDeletionParams struct {
	Topics []string `json:"topics"`
}

func (s *Service) findTopicsToDelete(ctx context.Context, r *task.Run) error {
	var p topicDeletionParams
	inst, cl, err := s.changeInput(ctx, r, &p)
	if err != nil {
		return err
	}
	metas, err := cl.Topics(ctx, p.Topics...)
	if err != nil {
		return kafkaadmin.AppError(err, "", "describe topics of %s", inst.Name)
	}
	known := map[string]kafkaadmin.TopicMetadata{}
	for _, m := range metas {
		if m.Err == nil {
			known[m.Name] = m
		}
	}
	st := topicDeletionState{Found: []string{}}
	for _, n := range p.Topics {
		m, ok := known[n]
		switch {
		case !ok:
			st.Outcomes = append(st.Outcomes, outcome{Name: n, Error: &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "topics",
				Message: fmt.Sprintf("instance %s has no topic %q", inst.Name, n)}})
		case isInternal(m):
			st.Outcomes = append(st.Outcomes, outcome{Name: n, Error: &streamplane.Error{Code: streamplane.EINVALID, Field: "topics",
				Message: fmt.Sprintf("topic %s is Kafka's own and cannot be deleted", n)}})
		default:
			st.Found = append(st.Found, n)
			st.Outcomes = append(st.Outcomes, outcome{Name: n})
		}
	}
	return r.SaveState(ctx, st)
}

// deleteTopics deletes the topics found. A topic found by the first step
// that Kafka no longer knows was deleted by this task before a restart:
// the task holds the instance.
func (s *Service) deleteTopics(ctx context.Context, r *task.Run) error {
	var st topicDeletionState
	if err := r.State(&st); err != nil {
		return err
	}
	inst, cl, err := s.connect(ctx, r)
	if err != nil {
		return err
	}
	var deleted []string
	if len(st.Found) > 0 {
		errs, err := cl.DeleteTopics(ctx, st.Found...)
		if err != nil {
			return kafkaadmin.AppError(err, "", "delete topics of %s", inst.Name)
		}
		refused := map[string]error{}
		for _, n := range st.Found {
			if e := errs[n]; e != nil && !kafkaadmin.IsUnknownTopic(e) {
				refused[n] = kafkaadmin.AppError(e, "topics", "delete topic %s", n)
				continue
			}
			deleted = append(deleted, n)
			if err := cl.WaitTopic(ctx, n, 0); err != nil {
				s.Log.Warn("deleted topic still visible", "instance", inst.Name, "topic", n, "err", err)
			}
		}
		for i, o := range st.Outcomes {
			if e, ok := refused[o.Name]; ok {
				st.Outcomes[i].Error = outcomeError(e)
			}
		}
	}
	// Kafka keeps a deleted topic's ACLs: a new topic of the same name would
	// inherit its grants. They go with the topic.
	if len(deleted) > 0 {
		if err := cl.DeleteTopicACLs(ctx, deleted...); err != nil {
			return kafkaadmin.AppError(err, "topics", "remove the permissions of deleted topics")
		}
		s.Log.Info("topics deleted", "instance", inst.Name, "topics", deleted)
	}
	var failed []string
	var first *streamplane.Error
	for _, o := range st.Outcomes {
		if o.Error != nil {
			failed = append(failed, fmt.Sprintf("%s (%s)", o.Name, o.Error.Message))
			if first == nil {
				first = o.Error
			}
		}
	}
	summary := fmt.Sprintf("deleted %d topic(s)", len(deleted))
	if len(deleted) > 0 {
		summary += ": " + strings.Join(deleted, ", ")
	}
	if first == nil {
		st.Result = summary
	}
	if err := r.SaveState(ctx, st); err != nil {
		return err
	}
	if first != nil {
		// The request as such succeeded; this error marks the task failed,
		// with the first refusal's code.
		return streamplane.Errorf(first.Code, "%s; not deleted: %s", summary, strings.Join(failed, "; "))
	}
	return nil
}

// configFields maps each config a request names to the field an error
// about it should name.
func configFields(set map[string]string, del []string) map[string]string {
	out := map[string]string{}
	for k := range set {
		out[k] = "configs." + k
	}
	for _, k := range del {
		out[k] = "delete_configs"
	}
	return out
}
