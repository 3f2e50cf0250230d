package service

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
)

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
	if v, ok := cfg[streamplane.ConfigMinInsyncReplicas]; ok && v.SetOnTopic() {
		n, _ := strconv.Atoi(v.Value)
		t.SyncReplication = t.Replicas > 1 && n >= t.Replicas
	}
	if v, ok := cfg[streamplane.ConfigFlushMessages]; ok && v.SetOnTopic() {
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
		if v.IsDefault() && name != streamplane.ConfigRetentionMs {
			continue
		}
		d.Configs = append(d.Configs, streamplane.TopicConfig{Name: name, Value: v.Value, Source: v.SourceName(), Sensitive: v.Sensitive})
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

// findTopic returns one topic's metadata, or NOT_FOUND naming it.
func findTopic(ctx context.Context, inst *streamplane.Instance, cl *kafkaadmin.Client, topic string) (kafkaadmin.TopicMetadata, error) {
	metas, err := cl.Topics(ctx, topic)
	if err != nil {
		return kafkaadmin.TopicMetadata{}, kafkaadmin.AppError(err, "topic", "describe topic %s", topic)
	}
	if len(metas) != 1 || kafkaadmin.IsUnknownTopic(metas[0].Err) {
		return kafkaadmin.TopicMetadata{}, noSuchTopic(inst, topic)
	} else if metas[0].Err != nil {
		return kafkaadmin.TopicMetadata{}, kafkaadmin.AppError(metas[0].Err, "topic", "describe topic %s", topic)
	}
	return metas[0], nil
}

func noSuchTopic(inst *streamplane.Instance, topic string) error {
	return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "topic", Message: fmt.Sprintf("instance %s has no topic %q", inst.Name, topic)}
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
