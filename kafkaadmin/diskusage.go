package kafkaadmin

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kadm"
)

// ReplicaSizes holds the size in bytes of every replica's log, by broker,
// topic and partition, as DescribeLogDirs reports them.
type ReplicaSizes map[int32]map[string]map[int32]int64

// Broker returns the bytes all of a broker's replicas hold.
func (s ReplicaSizes) Broker(id int32) int64 {
	var n int64
	for _, parts := range s[id] {
		for _, size := range parts {
			n += size
		}
	}
	return n
}

// Replica returns one replica's size and whether its broker reported it.
func (s ReplicaSizes) Replica(broker int32, topic string, partition int32) (int64, bool) {
	size, ok := s[broker][topic][partition]
	return size, ok
}

// ReplicaSizes describes the log directories of every broker, one
// DescribeLogDirs request per broker, sent in parallel. With topics nil it
// covers every topic; otherwise the given partitions of the given topics.
//
// Brokers that do not answer are missing from the result and named in
// failed; the error is set only when none answered.
func (c *Client) ReplicaSizes(ctx context.Context, topics map[string][]int32) (sizes ReplicaSizes, failed map[int32]error, err error) {
	var set kadm.TopicsSet
	if topics != nil {
		set = kadm.TopicsSet{}
		for t, parts := range topics {
			set.Add(t, parts...)
		}
	}
	dirs, err := c.adm.DescribeAllLogDirs(ctx, set)
	failed = map[int32]error{}
	var shardErrs *kadm.ShardErrors
	switch {
	case errors.As(err, &shardErrs) && !shardErrs.AllFailed:
		for _, se := range shardErrs.Errs {
			failed[se.Broker.NodeID] = se.Err
		}
	case err != nil:
		return nil, nil, err
	}
	sizes = ReplicaSizes{}
	for broker, ds := range dirs {
		byTopic := map[string]map[int32]int64{}
		for _, d := range ds {
			if d.Err != nil {
				failed[broker] = d.Err // an offline log dir: its replicas are unknown
				continue
			}
			for topic, parts := range d.Topics {
				if byTopic[topic] == nil {
					byTopic[topic] = map[int32]int64{}
				}
				for p, dp := range parts {
					byTopic[topic][p] += dp.Size // a replica moving between dirs takes space in both
				}
			}
		}
		sizes[broker] = byTopic
	}
	return sizes, failed, nil
}
