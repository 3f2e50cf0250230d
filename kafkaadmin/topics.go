package kafkaadmin

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TopicMetadata is a topic's partitions as the cluster's metadata has them.
type TopicMetadata struct {
	Name       string
	Internal   bool // Kafka's own (IsInternal), e.g. __consumer_offsets
	Partitions []PartitionMetadata
	Err        error // per topic: kerr.UnknownTopicOrPartition for a missing one
}

// PartitionMetadata is one partition's leader and replica sets.
type PartitionMetadata struct {
	ID       int32
	Leader   int32 // -1 without a leader
	Replicas []int32
	ISR      []int32
	Offline  []int32 // replicas on brokers that are down or whose log dir failed
}

// Replicas is the topic's replication factor: its first partition's
// replica count.
func (t TopicMetadata) Replicas() int {
	if len(t.Partitions) == 0 {
		return 0
	}
	return len(t.Partitions[0].Replicas)
}

// Topics returns the named topics' metadata, or every topic's when none is
// named, sorted by name, in one Metadata request that bypasses the client's
// cache. A named topic that does not exist comes back with Err set.
func (c *Client) Topics(ctx context.Context, names ...string) ([]TopicMetadata, error) {
	resp, err := topicsRequest(names...).RequestWith(ctx, c.kcl)
	if err != nil {
		return nil, err
	}
	return topicsOf(resp), nil
}

// topicsRequest asks for the named topics' metadata, or every topic's when
// none is named.
func topicsRequest(names ...string) *kmsg.MetadataRequest {
	req := kmsg.NewPtrMetadataRequest()
	req.AllowAutoTopicCreation = false // asking about a topic must never create it
	for _, n := range names {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(n)
		req.Topics = append(req.Topics, rt)
	}
	return req
}

func topicsOf(resp *kmsg.MetadataResponse) []TopicMetadata {
	out := make([]TopicMetadata, 0, len(resp.Topics))
	for _, t := range resp.Topics {
		if t.Topic == nil {
			continue
		}
		tm := TopicMetadata{Name: *t.Topic, Internal: t.IsInternal, Err: kerr.ErrorForCode(t.ErrorCode)}
		for _, p := range t.Partitions {
			tm.Partitions = append(tm.Partitions, PartitionMetadata{ID: p.Partition, Leader: p.Leader,
				Replicas: p.Replicas, ISR: p.ISR, Offline: p.OfflineReplicas})
		}
		sort.Slice(tm.Partitions, func(i, j int) bool { return tm.Partitions[i].ID < tm.Partitions[j].ID })
		out = append(out, tm)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ConfigValue is one topic config as DescribeConfigs reports it.
type ConfigValue struct {
	Value     string
	Source    kmsg.ConfigSource
	Sensitive bool
}

// TopicConfigs describes topics' configs in one DescribeConfigs request:
// only the named keys, or all of them when keys is nil. Topics that
// vanished meanwhile are left out.
func (c *Client) TopicConfigs(ctx context.Context, topics []string, keys []string) (map[string]map[string]ConfigValue, error) {
	out := map[string]map[string]ConfigValue{}
	if len(topics) == 0 {
		return out, nil
	}
	req := kmsg.NewPtrDescribeConfigsRequest()
	for _, t := range topics {
		rr := kmsg.NewDescribeConfigsRequestResource()
		rr.ResourceType = kmsg.ConfigResourceTypeTopic
		rr.ResourceName = t
		rr.ConfigNames = keys
		req.Resources = append(req.Resources, rr)
	}
	resp, err := req.RequestWith(ctx, c.kcl)
	if err != nil {
		return nil, err
	}
	for _, r := range resp.Resources {
		if err := kerrOf(r.ErrorCode, r.ErrorMessage); err != nil {
			if errors.Is(err, kerr.UnknownTopicOrPartition) {
				continue
			}
			return nil, fmt.Errorf("describe configs of %s: %w", r.ResourceName, err)
		}
		cfg := make(map[string]ConfigValue, len(r.Configs))
		for _, e := range r.Configs {
			v := ConfigValue{Source: e.Source, Sensitive: e.IsSensitive}
			if e.Value != nil {
				v.Value = *e.Value
			}
			cfg[e.Name] = v
		}
		out[r.ResourceName] = cfg
	}
	return out, nil
}

// CreateTopic creates a topic; Kafka places the replicas rack-aware.
func (c *Client) CreateTopic(ctx context.Context, name string, partitions, replicas int, configs map[string]string) error {
	cfg := make(map[string]*string, len(configs))
	for k, v := range configs {
		cfg[k] = kadm.StringPtr(v)
	}
	// CreateTopics, not CreateTopic: the latter drops the error message,
	// the only place Kafka names a config it refuses.
	resps, err := c.adm.CreateTopics(ctx, int32(partitions), int16(replicas), cfg, name)
	if err != nil {
		return err
	}
	r, ok := resps[name]
	if !ok {
		return fmt.Errorf("no answer for topic %s", name)
	}
	return withMessage(r.Err, r.ErrMessage)
}

// SetPartitions grows a topic to a partition count.
func (c *Client) SetPartitions(ctx context.Context, name string, partitions int) error {
	resps, err := c.adm.UpdatePartitions(ctx, partitions, name)
	if err != nil {
		return err
	}
	r, err := resps.On(name, nil)
	if err != nil {
		return err
	}
	return withMessage(r.Err, r.ErrMessage)
}

// AlterTopicConfigs sets and deletes a topic's config overrides in one
// IncrementalAlterConfigs request; with validateOnly, Kafka only checks them.
func (c *Client) AlterTopicConfigs(ctx context.Context, name string, set map[string]string, del []string, validateOnly bool) error {
	ops := setConfigs(set)
	for _, k := range del {
		ops = append(ops, kadm.AlterConfig{Op: kadm.DeleteConfig, Name: k})
	}
	if len(ops) == 0 {
		return nil
	}
	alter := c.adm.AlterTopicConfigs
	if validateOnly {
		alter = c.adm.ValidateAlterTopicConfigs
	}
	resps, err := alter(ctx, ops, name)
	if err != nil {
		return err
	}
	r, err := resps.On(name, nil)
	if err != nil {
		return err
	}
	return withMessage(r.Err, r.ErrMessage)
}

// DeleteTopics deletes topics and returns each one's error, if any.
func (c *Client) DeleteTopics(ctx context.Context, names ...string) (map[string]error, error) {
	resps, err := c.adm.DeleteTopics(ctx, names...)
	if err != nil {
		return nil, err
	}
	out := map[string]error{}
	for _, n := range names {
		r, ok := resps[n]
		if !ok {
			out[n] = errors.New("no answer for this topic")
			continue
		}
		if err := withMessage(r.Err, r.ErrMessage); err != nil {
			out[n] = err
		}
	}
	return out, nil
}

// Offsets returns the start (log start) and end (high watermark) offset of
// every partition of a topic.
func (c *Client) Offsets(ctx context.Context, topic string) (start, end map[int32]int64, err error) {
	starts, err := c.adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return nil, nil, err
	}
	ends, err := c.adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, nil, err
	}
	start, end = map[int32]int64{}, map[int32]int64{}
	starts.Each(func(o kadm.ListedOffset) {
		if o.Err == nil {
			start[o.Partition] = o.Offset
		}
	})
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err == nil {
			end[o.Partition] = o.Offset
		}
	})
	return start, end, nil
}

// EndOffsets returns the end offset (high watermark) of every partition of
// the topics, in one listing; a topic the instance lacks is left out.
func (c *Client) EndOffsets(ctx context.Context, topics ...string) (map[string]map[int32]int64, error) {
	out := map[string]map[int32]int64{}
	if len(topics) == 0 {
		return out, nil
	}
	ends, err := c.adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return nil, err
	}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			return
		}
		if out[o.Topic] == nil {
			out[o.Topic] = map[int32]int64{}
		}
		out[o.Topic][o.Partition] = o.Offset
	})
	return out, nil
}

// WaitTopic waits until every broker's metadata shows the topic with the
// given partition count, or (partitions 0) no longer shows it. A change
// returns once the controller has it; brokers learn it a moment later, and
// the next request (a limit check, a describe) may go to any of them.
func (c *Client) WaitTopic(ctx context.Context, topic string, partitions int) error {
	what := fmt.Sprintf("topic %s with %d partitions", topic, partitions)
	return c.waitBrokers(ctx, 10*time.Second, what, func(ctx context.Context, b *kgo.Broker) bool {
		resp, err := b.Request(ctx, topicsRequest(topic))
		if err != nil {
			return false
		}
		ts := topicsOf(resp.(*kmsg.MetadataResponse))
		got := 0
		if len(ts) == 1 && ts[0].Err == nil {
			got = len(ts[0].Partitions)
		}
		return got == partitions
	})
}

// WaitTopicConfigs waits until every broker describes the topic with the
// set configs at their values and without the deleted ones as topic
// overrides. Like WaitTopic: a change is done when the controller has it,
// and brokers answer DescribeConfigs from their own copy of the metadata.
func (c *Client) WaitTopicConfigs(ctx context.Context, topic string, set map[string]string, del []string) error {
	if len(set) == 0 && len(del) == 0 {
		return nil
	}
	keys := append([]string{}, del...)
	for k := range set {
		keys = append(keys, k)
	}
	what := "the new configs of topic " + topic
	return c.waitBrokers(ctx, 10*time.Second, what, func(ctx context.Context, b *kgo.Broker) bool {
		req := kmsg.NewPtrDescribeConfigsRequest()
		rr := kmsg.NewDescribeConfigsRequestResource()
		rr.ResourceType, rr.ResourceName, rr.ConfigNames = kmsg.ConfigResourceTypeTopic, topic, keys
		req.Resources = append(req.Resources, rr)
		resp, err := b.Request(ctx, req)
		return err == nil && configsApplied(resp.(*kmsg.DescribeConfigsResponse), set, del)
	})
}

func configsApplied(resp *kmsg.DescribeConfigsResponse, set map[string]string, del []string) bool {
	if len(resp.Resources) != 1 || resp.Resources[0].ErrorCode != 0 {
		return false
	}
	got := map[string]kmsg.DescribeConfigsResponseResourceConfig{}
	for _, c := range resp.Resources[0].Configs {
		got[c.Name] = c
	}
	for k, v := range set {
		c, ok := got[k]
		if !ok || c.Source != kmsg.ConfigSourceDynamicTopicConfig || c.Value == nil || !strings.EqualFold(strings.TrimSpace(*c.Value), strings.TrimSpace(v)) {
			return false
		}
	}
	for _, k := range del {
		if c, ok := got[k]; ok && c.Source == kmsg.ConfigSourceDynamicTopicConfig {
			return false
		}
	}
	return true
}

// withMessage joins a per-item Kafka error and its message, which is often
// the only place that names the offending config.
func withMessage(err error, msg string) error {
	if err == nil || msg == "" || strings.Contains(err.Error(), msg) {
		return err
	}
	return fmt.Errorf("%w: %s", err, msg)
}
