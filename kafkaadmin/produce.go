package kafkaadmin

import (
	"context"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Produce appends one record to the topic through the client's producer,
// in partition rec.Partition when partition is true, else where Kafka's
// default partitioner would put it: by the murmur2 hash of the key, as
// Java clients do, or any partition for a record without key. It waits for
// all in-sync replicas (acks=all, idempotent: franz-go's defaults, so its
// retries write the record once).
func (l *TopicLog) Produce(ctx context.Context, rec streamplane.MessageRecord, partition bool) (streamplane.MessageSent, error) {
	if partition {
		if err := l.CheckPartition("partition", rec.Partition); err != nil {
			return streamplane.MessageSent{}, err
		}
	}
	r := &kgo.Record{Topic: l.topic, Key: rec.Key, Value: rec.Value, Timestamp: rec.Timestamp, Partition: rec.Partition}
	for _, h := range rec.Headers {
		r.Headers = append(r.Headers, kgo.RecordHeader{Key: h.Key, Value: h.Value})
	}
	if partition {
		r.Context = context.WithValue(ctx, chosenPartition{}, true)
	}
	if err := l.c.kcl.ProduceSync(ctx, r).FirstErr(); err != nil {
		return streamplane.MessageSent{}, AppError(err, fieldOf(err, "value"), "send to %s/%d", l.topic, r.Partition)
	}
	sent := streamplane.MessageSent{Topic: l.topic, Partition: r.Partition, Offset: r.Offset,
		Timestamp: r.Timestamp.UTC(), TimestampType: streamplane.TimestampCreateTime}
	// franz-go does not pass on the time a broker stamped on the record (a
	// topic with message.timestamp.type=LogAppendTime): read what Kafka
	// stored. The record is written either way, so a failed read must not
	// fail the send (a retry would write it twice); it keeps the client's time.
	if stored, err := l.Read(ctx, r.Partition, r.Offset); err == nil && stored.LogAppendTime {
		sent.Timestamp, sent.TimestampType = stored.Timestamp.UTC(), streamplane.TimestampLogAppendTime
	}
	return sent, nil
}

// chosenPartition marks, in a record's context, a record whose sender
// chose its partition.
type chosenPartition struct{}

// senderPartitioner is franz-go's StickyKeyPartitioner with Kafka's own
// hash (murmur2 of the key, as Java clients; sticky for records without
// key), except for records whose sender chose the partition.
type senderPartitioner struct{ kafka kgo.Partitioner }

func newPartitioner() kgo.Partitioner {
	return senderPartitioner{kafka: kgo.StickyKeyPartitioner(nil)}
}

func (p senderPartitioner) ForTopic(topic string) kgo.TopicPartitioner {
	return senderTopicPartitioner{kafka: p.kafka.ForTopic(topic)}
}

type senderTopicPartitioner struct{ kafka kgo.TopicPartitioner }

func chosen(r *kgo.Record) bool {
	return r.Context != nil && r.Context.Value(chosenPartition{}) != nil
}

// RequiresConsistency: a chosen partition is not swapped for another when
// it is briefly without leader.
func (t senderTopicPartitioner) RequiresConsistency(r *kgo.Record) bool {
	return chosen(r) || t.kafka.RequiresConsistency(r)
}

func (t senderTopicPartitioner) Partition(r *kgo.Record, n int) int {
	if chosen(r) {
		return int(r.Partition)
	}
	return t.kafka.Partition(r, n)
}

// OnNewBatch lets the sticky partitioner move records without key on.
func (t senderTopicPartitioner) OnNewBatch() {
	if s, ok := t.kafka.(kgo.TopicPartitionerOnNewBatch); ok {
		s.OnNewBatch()
	}
}
