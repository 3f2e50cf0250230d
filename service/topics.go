package service

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Topic changes are synchronous (see change): they are done when the call
// returns, and serialized per instance, so that two creations cannot
// together pass the partition limit that each checked alone.

// listConfigKeys are the configs a topic list reads for every topic; the
// rest would make DescribeConfigs for thousands of topics needlessly big.
var listConfigKeys = []string{streamplane.ConfigRetentionMs, streamplane.ConfigMinInsyncReplicas, streamplane.ConfigFlushMessages}

// maxDeleteBatch bounds one batch delete.
const maxDeleteBatch = 1000

// Topics lists an instance's topics with their settings, sizes and
// under-replicated partitions. It makes the same three requests whatever
// the number of topics: Metadata, one DescribeConfigs for all topics, and
// DescribeLogDirs (one per broker, in parallel with the other two).
func (s *Service) Topics(ctx context.Context, idOrName string, f streamplane.TopicFilter) (*streamplane.TopicList, error) {
	inst, cl, err := s.cluster(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	var (
		wg       sync.WaitGroup
		sizes    kafkaadmin.ReplicaSizes
		sizesErr error
	)
	wg.Go(func() { sizes, _, sizesErr = cl.ReplicaSizes(ctx, nil) })
	defer wg.Wait()

	metas, err := cl.Topics(ctx)
	if err != nil {
		return nil, kafkaadmin.AppError(err, "", "list the topics of %s", inst.Name)
	}
	list := &streamplane.TopicList{Topics: []streamplane.Topic{}, PartitionLimit: inst.PartitionLimit()}
	var shown []kafkaadmin.TopicMetadata
	var names []string
	for _, m := range metas {
		if m.Err != nil {
			continue // being created or deleted
		}
		internal := isInternal(m)
		if !internal {
			list.PartitionsUsed += len(m.Partitions)
		}
		if internal && !f.Internal || f.Name != "" && !strings.Contains(strings.ToLower(m.Name), strings.ToLower(f.Name)) {
			continue
		}
		shown = append(shown, m)
		names = append(names, m.Name)
	}
	configs, err := cl.TopicConfigs(ctx, names, listConfigKeys)
	if err != nil {
		return nil, kafkaadmin.AppError(err, "", "describe the topics of %s", inst.Name)
	}
	wg.Wait()
	if sizesErr != nil {
		// Sizes are a detail of the list: without them it still answers.
		s.Log.Warn("topic sizes unknown", "instance", inst.Name, "err", sizesErr)
	}
	sort.Slice(shown, func(i, j int) bool { return shown[i].Name < shown[j].Name })
	list.Total, list.Offset, list.Limit = len(shown), f.Offset, f.Limit
	shown = shown[min(f.Offset, len(shown)):]
	if f.Limit > 0 && f.Limit < len(shown) {
		shown = shown[:f.Limit]
	}
	for _, m := range shown {
		list.Topics = append(list.Topics, topicSummary(m, configs[m.Name], sizes))
	}
	return list, nil
}

func isInternal(m kafkaadmin.TopicMetadata) bool {
	return m.Internal || streamplane.IsInternalTopic(m.Name)
}

// topicSummary builds a list row. A topic is synchronously replicated when
// its own min.insync.replicas covers every replica, and synchronously
// flushed when it sets flush.messages=1.
func topicSummary(m kafkaadmin.TopicMetadata, cfg map[string]kafkaadmin.ConfigValue, sizes kafkaadmin.ReplicaSizes) streamplane.Topic {
	t := streamplane.Topic{Name: m.Name, Internal: isInternal(m), Partitions: len(m.Partitions), Replicas: m.Replicas()}
	if v, ok := cfg[streamplane.ConfigRetentionMs]; ok {
		ms, _ := strconv.ParseInt(v.Value, 10, 64)
		t.SetRetention(ms)
	}
	if v, ok := cfg[streamplane.ConfigMinInsyncReplicas]; ok && v.Source == kmsg.ConfigSourceDynamicTopicConfig {
		n, _ := strconv.Atoi(v.Value)
		t.SyncReplication = t.Replicas > 1 && n >= t.Replicas
	}
	if v, ok := cfg[streamplane.ConfigFlushMessages]; ok && v.Source == kmsg.ConfigSourceDynamicTopicConfig {
		t.SyncFlush = v.Value == "1"
	}
	for _, p := range m.Partitions {
		if len(p.ISR) < len(p.Replicas) {
			t.UnderReplicated++
		}
		data, disk := partitionSizes(m.Name, p, sizes)
		t.SizeBytes += data
		t.DiskBytes += disk
	}
	return t
}

// partitionSizes returns a partition's data size (its leader replica's
// log, or the largest replica's when the leader's is unknown) and the
// disk all its replicas take.
func partitionSizes(topic string, p kafkaadmin.PartitionMetadata, sizes kafkaadmin.ReplicaSizes) (data, disk int64) {
	var largest int64
	leaderKnown := false
	for _, r := range p.Replicas {
		size, ok := sizes.Replica(r, topic, p.ID)
		if !ok {
			continue
		}
		disk += size
		largest = max(largest, size)
		if r == p.Leader {
			data, leaderKnown = size, true
		}
	}
	if !leaderKnown {
		data = largest
	}
	return data, disk
}

// Topic returns a topic with its partitions and configs.
func (s *Service) Topic(ctx context.Context, idOrName, topic string) (*streamplane.TopicDetail, error) {
	inst, cl, err := s.cluster(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	return s.topicDetail(ctx, inst, cl, topic)
}

func (s *Service) topicDetail(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client, topic string) (*streamplane.TopicDetail, error) {
	m, err := findTopic(ctx, inst, cl, topic)
	if err != nil {
		return nil, err
	}
	parts := map[string][]int32{topic: {}}
	for _, p := range m.Partitions {
		parts[topic] = append(parts[topic], p.ID)
	}
	var (
		wg                  sync.WaitGroup
		configs             map[string]map[string]kafkaadmin.ConfigValue
		sizes               kafkaadmin.ReplicaSizes
		start, end          map[int32]int64
		cfgErr, sizeErr, oe error
	)
	wg.Go(func() { configs, cfgErr = cl.TopicConfigs(ctx, []string{topic}, nil) })
	wg.Go(func() { sizes, _, sizeErr = cl.ReplicaSizes(ctx, parts) })
	wg.Go(func() { start, end, oe = cl.Offsets(ctx, topic) })
	wg.Wait()
	for _, err := range []error{cfgErr, oe} {
		if err != nil {
			return nil, kafkaadmin.AppError(err, "topic", "describe topic %s", topic)
		}
	}
	if sizeErr != nil {
		s.Log.Warn("topic sizes unknown", "instance", inst.Name, "topic", topic, "err", sizeErr)
	}
	cfg, ok := configs[topic]
	if !ok {
		return nil, noSuchTopic(inst, topic)
	}
	d := &streamplane.TopicDetail{Topic: topicSummary(m, cfg, sizes), Partitions: []streamplane.TopicPartition{}, Configs: []streamplane.TopicConfig{}}
	for _, p := range m.Partitions {
		data, _ := partitionSizes(topic, p, sizes)
		d.Partitions = append(d.Partitions, streamplane.TopicPartition{
			Partition: int(p.ID), Leader: int(p.Leader), Replicas: nonNil(p.Replicas), ISR: nonNil(p.ISR), OfflineReplicas: nonNil(p.Offline),
			UnderReplicated: len(p.ISR) < len(p.Replicas), SizeBytes: data, StartOffset: start[p.ID], EndOffset: end[p.ID],
		})
	}
	for name, v := range cfg {
		if v.Source == kmsg.ConfigSourceDefaultConfig && name != streamplane.ConfigRetentionMs {
			continue
		}
		d.Configs = append(d.Configs, streamplane.TopicConfig{Name: name, Value: v.Value, Source: configSource(v.Source), Sensitive: v.Sensitive})
	}
	sort.Slice(d.Configs, func(i, j int) bool { return d.Configs[i].Name < d.Configs[j].Name })
	return d, nil
}

func nonNil(s []int32) []int32 {
	if s == nil {
		return []int32{}
	}
	return s
}

func configSource(src kmsg.ConfigSource) string {
	switch src {
	case kmsg.ConfigSourceDynamicTopicConfig:
		return streamplane.SourceTopic
	case kmsg.ConfigSourceDynamicBrokerConfig:
		return streamplane.SourceBroker
	case kmsg.ConfigSourceDynamicDefaultBrokerConfig:
		return streamplane.SourceCluster
	case kmsg.ConfigSourceStaticBrokerConfig:
		return streamplane.SourceStaticBroker
	}
	return streamplane.SourceDefault
}

// findTopic returns one topic's metadata, or NOT_FOUND naming it.
func findTopic(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client, topic string) (kafkaadmin.TopicMetadata, error) {
	metas, err := cl.Topics(ctx, topic)
	if err != nil {
		return kafkaadmin.TopicMetadata{}, kafkaadmin.AppError(err, "topic", "describe topic %s", topic)
	}
	if len(metas) != 1 || errors.Is(metas[0].Err, kerr.UnknownTopicOrPartition) {
		return kafkaadmin.TopicMetadata{}, noSuchTopic(inst, topic)
	} else if metas[0].Err != nil {
		return kafkaadmin.TopicMetadata{}, kafkaadmin.AppError(metas[0].Err, "topic", "describe topic %s", topic)
	}
	return metas[0], nil
}

func noSuchTopic(inst *streamplane.Instance, topic string) error {
	return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "topic", Message: fmt.Sprintf("instance %s has no topic %q", inst.Name, topic)}
}

// CreateTopic creates a topic and returns it as Kafka then describes it.
func (s *Service) CreateTopic(ctx context.Context, idOrName string, spec streamplane.TopicSpec) (*streamplane.TopicDetail, error) {
	var detail *streamplane.TopicDetail
	var readErr error
	// The record keeps the spec as createTopic fills in its defaults.
	err := s.change(ctx, idOrName, streamplane.TaskCreateTopic, "Create topic "+spec.Name, &spec, nil,
		func(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client) (string, error) {
			if err := s.createTopic(ctx, inst, cl, &spec); err != nil {
				return "", err
			}
			s.Log.Info("topic created", "instance", inst.Name, "topic", spec.Name, "partitions", spec.Partitions, "replicas", spec.Replicas)
			detail, readErr = s.topicDetail(ctx, inst, cl, spec.Name)
			return fmt.Sprintf("created topic %s: %d partitions, %d replicas, %d h retention", spec.Name, spec.Partitions, spec.Replicas, spec.RetentionHours), nil
		})
	if err != nil {
		return nil, err
	}
	return detail, readErr
}

func (s *Service) createTopic(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client, spec *streamplane.TopicSpec) error {
	if err := spec.Normalize(inst.BrokerCount); err != nil {
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
	if err := inst.CheckPartitionLimit(partitionsUsed(metas), spec.Partitions); err != nil {
		return err
	}
	err = cl.CreateTopic(ctx, spec.Name, spec.Partitions, spec.Replicas, spec.KafkaConfigs())
	if err != nil {
		return topicError(err, configFields(spec.Configs, nil), "create topic %s", spec.Name)
	}
	if err := cl.WaitTopic(ctx, spec.Name, spec.Partitions); err != nil {
		s.Log.Warn("created topic not yet visible everywhere", "instance", inst.Name, "topic", spec.Name, "err", err)
	}
	return nil
}

// partitionsUsed counts the partitions of the topics users own: Kafka's
// internal topics do not count against the instance's limit.
func partitionsUsed(metas []kafkaadmin.TopicMetadata) int {
	n := 0
	for _, m := range metas {
		if !isInternal(m) {
			n += len(m.Partitions)
		}
	}
	return n
}

// topicUpdateParams is what a recorded topic change keeps.
type topicUpdateParams struct {
	Topic string `json:"topic"`
	streamplane.TopicUpdate
}

// UpdateTopic changes a topic's partitions, retention, synchronous
// replication and flushing, or other configs, and returns it.
func (s *Service) UpdateTopic(ctx context.Context, idOrName, topic string, upd streamplane.TopicUpdate) (*streamplane.TopicDetail, error) {
	var detail *streamplane.TopicDetail
	var readErr error
	err := s.change(ctx, idOrName, streamplane.TaskUpdateTopic, "Change topic "+topic, topicUpdateParams{Topic: topic, TopicUpdate: upd}, nil,
		func(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client) (string, error) {
			ch, err := s.updateTopic(ctx, inst, cl, topic, upd)
			if err != nil {
				return "", err
			}
			result := describeChange(topic, ch)
			s.Log.Info("topic changed", "instance", inst.Name, "topic", topic, "change", result)
			detail, readErr = s.topicDetail(ctx, inst, cl, topic)
			return result, nil
		})
	if err != nil {
		return nil, err
	}
	return detail, readErr
}

func (s *Service) updateTopic(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client, topic string, upd streamplane.TopicUpdate) (streamplane.TopicChange, error) {
	if err := streamplane.ValidateTopicName("topic", topic); err != nil {
		return streamplane.TopicChange{}, err
	}
	var metas []kafkaadmin.TopicMetadata
	var err error
	if upd.Partitions != nil {
		metas, err = cl.Topics(ctx) // all of them, for the partition limit
	} else {
		metas, err = cl.Topics(ctx, topic)
	}
	if err != nil {
		return streamplane.TopicChange{}, kafkaadmin.AppError(err, "", "describe topic %s", topic)
	}
	var cur *kafkaadmin.TopicMetadata
	for i := range metas {
		if metas[i].Name == topic && metas[i].Err == nil {
			cur = &metas[i]
		}
	}
	if cur == nil {
		return streamplane.TopicChange{}, noSuchTopic(inst, topic)
	}
	ch, err := upd.Plan(topic, len(cur.Partitions), cur.Replicas())
	if err != nil {
		return streamplane.TopicChange{}, err
	}
	if ch.Partitions > 0 {
		if err := inst.CheckPartitionLimit(partitionsUsed(metas), ch.Partitions-len(cur.Partitions)); err != nil {
			return streamplane.TopicChange{}, err
		}
	}
	fields := configFields(upd.Configs, upd.DeleteConfigs)
	// Let Kafka check the configs before adding partitions, so that a bad
	// config leaves the topic as it was.
	if len(ch.Set) > 0 || len(ch.Delete) > 0 {
		if err := cl.AlterTopicConfigs(ctx, topic, ch.Set, ch.Delete, true); err != nil {
			return streamplane.TopicChange{}, topicError(err, fields, "change topic %s", topic)
		}
	}
	if ch.Partitions > 0 {
		if err := cl.SetPartitions(ctx, topic, ch.Partitions); err != nil {
			return streamplane.TopicChange{}, topicError(err, nil, "add partitions to topic %s", topic)
		}
		if err := cl.WaitTopic(ctx, topic, ch.Partitions); err != nil {
			s.Log.Warn("new partitions not yet visible everywhere", "instance", inst.Name, "topic", topic, "err", err)
		}
	}
	if err := cl.AlterTopicConfigs(ctx, topic, ch.Set, ch.Delete, false); err != nil {
		return streamplane.TopicChange{}, topicError(err, fields, "change topic %s", topic)
	}
	if err := cl.WaitTopicConfigs(ctx, topic, ch.Set, ch.Delete); err != nil {
		s.Log.Warn("new topic configs not yet visible everywhere", "instance", inst.Name, "topic", topic, "err", err)
	}
	return ch, nil
}

func describeChange(topic string, ch streamplane.TopicChange) string {
	var parts []string
	if ch.Partitions > 0 {
		parts = append(parts, fmt.Sprintf("partitions=%d", ch.Partitions))
	}
	keys := make([]string, 0, len(ch.Set))
	for k := range ch.Set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, k+"="+ch.Set[k])
	}
	for _, k := range ch.Delete {
		parts = append(parts, "-"+k)
	}
	if len(parts) == 0 {
		return "topic " + topic + " already as asked"
	}
	return "changed topic " + topic + ": " + strings.Join(parts, ", ")
}

// DeleteTopics deletes a batch of topics. Every name is checked first: an
// internal or unknown topic refuses the whole batch.
func (s *Service) DeleteTopics(ctx context.Context, idOrName string, topics []string) (*streamplane.TopicDeletion, error) {
	var deleted []string
	err := s.change(ctx, idOrName, streamplane.TaskDeleteTopics, "Delete topics", map[string][]string{"topics": topics}, nil,
		func(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client) (string, error) {
			var err error
			if deleted, err = s.deleteTopics(ctx, inst, cl, topics); err != nil {
				return "", err
			}
			s.Log.Info("topics deleted", "instance", inst.Name, "topics", deleted)
			return fmt.Sprintf("deleted %d topic(s): %s", len(deleted), strings.Join(deleted, ", ")), nil
		})
	if err != nil {
		return nil, err
	}
	return &streamplane.TopicDeletion{Deleted: deleted}, nil
}

func (s *Service) deleteTopics(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client, topics []string) ([]string, error) {
	switch {
	case len(topics) == 0:
		return nil, streamplane.Invalid("topics", "name at least one topic to delete")
	case len(topics) > maxDeleteBatch:
		return nil, streamplane.Invalid("topics", "delete at most %d topics at once, got %d", maxDeleteBatch, len(topics))
	}
	var names []string
	seen := map[string]bool{}
	for _, t := range topics {
		if err := streamplane.ValidateTopicName("topics", t); err != nil {
			return nil, err
		}
		if !seen[t] {
			seen[t] = true
			names = append(names, t)
		}
	}
	metas, err := cl.Topics(ctx, names...)
	if err != nil {
		return nil, kafkaadmin.AppError(err, "", "describe topics of %s", inst.Name)
	}
	exists := map[string]bool{}
	for _, m := range metas {
		exists[m.Name] = m.Err == nil
	}
	for _, n := range names {
		if !exists[n] {
			return nil, &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "topics",
				Message: fmt.Sprintf("instance %s has no topic %q; nothing was deleted", inst.Name, n)}
		}
	}
	errs, err := cl.DeleteTopics(ctx, names...)
	if err != nil {
		return nil, kafkaadmin.AppError(err, "", "delete topics of %s", inst.Name)
	}
	var deleted, failed []string
	var firstErr error
	for _, n := range names {
		if e := errs[n]; e != nil {
			failed = append(failed, fmt.Sprintf("%s (%v)", n, e))
			if firstErr == nil {
				firstErr = kafkaadmin.AppError(e, "topics", "delete topic %s", n)
			}
			continue
		}
		deleted = append(deleted, n)
		if err := cl.WaitTopic(ctx, n, 0); err != nil {
			s.Log.Warn("deleted topic still visible", "instance", inst.Name, "topic", n, "err", err)
		}
	}
	// Kafka keeps a deleted topic's ACLs: a new topic of the same name would
	// inherit its grants. They go with the topic.
	if len(deleted) > 0 {
		if err := cl.DeleteTopicACLs(ctx, deleted...); err != nil {
			return deleted, kafkaadmin.AppError(err, "topics", "remove the permissions of deleted topics")
		}
	}
	if firstErr != nil {
		code := streamplane.ErrorCode(firstErr)
		if code == streamplane.EINTERNAL {
			return deleted, firstErr
		}
		return deleted, &streamplane.Error{Code: code, Field: "topics", Message: fmt.Sprintf(
			"could not delete %s; deleted %d other topic(s)", strings.Join(failed, ", "), len(deleted))}
	}
	return deleted, nil
}

// SampleCode returns a producer and consumer program for a topic, filled
// in with the instance's addresses and security settings for a listener
// (the preferred one when listener is "").
func (s *Service) SampleCode(ctx context.Context, idOrName, topic, lang, listener string) (*streamplane.SampleCode, error) {
	if err := streamplane.ValidateSampleLanguage(lang); err != nil {
		return nil, err
	}
	if err := streamplane.ValidateTopicName("topic", topic); err != nil {
		return nil, err
	}
	inst, cl, err := s.cluster(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	access, err := inst.ClientAccess(listener)
	if err != nil {
		return nil, err
	}
	sc, err := streamplane.RenderSampleCode(lang, inst, access, topic)
	if err != nil {
		return nil, err
	}
	if _, err := findTopic(ctx, inst, cl, topic); err != nil {
		return nil, err
	}
	return sc, nil
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

// topicError maps a Kafka error about a topic change to an application
// error. Kafka names the offending config only in its message, so a config
// error names the field of the config the message mentions.
func topicError(err error, fields map[string]string, format string, args ...any) error {
	field := ""
	switch {
	case errors.Is(err, kerr.InvalidConfig), errors.Is(err, kerr.PolicyViolation), errors.Is(err, kerr.InvalidRequest):
		best := ""
		for key := range fields {
			if strings.Contains(err.Error(), key) && len(key) > len(best) {
				best = key
			}
		}
		switch {
		case best != "":
			field = fields[best]
		case len(fields) > 0:
			field = "configs"
		}
	case errors.Is(err, kerr.InvalidReplicationFactor):
		field = "replicas"
	case errors.Is(err, kerr.InvalidPartitions):
		field = "partitions"
	case errors.Is(err, kerr.TopicAlreadyExists):
		field = "name"
	}
	return kafkaadmin.AppError(err, field, format, args...)
}
