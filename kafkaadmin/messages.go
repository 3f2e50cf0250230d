package kafkaadmin

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TopicLog reads and appends records of one topic's partitions with raw
// Fetch and Produce requests to each partition's leader: stateless, so a
// query needs no consumer (no group, no fetch session, no buffering) and
// reads exactly the offsets it asks for.
type TopicLog struct {
	c     *Client
	topic string

	mu      sync.RWMutex // scans of several partitions share the log; a refresh replaces these
	id      [16]byte
	leaders map[int32]int32 // partition → leader broker
}

var decompressor = kgo.DefaultDecompressor()

// TopicLog returns the topic's partitions and their leaders, from metadata
// cached for at most a moment. An unknown topic is NOT_FOUND on field
// "topic", after a short grace: brokers learn of a new topic from the
// controller a moment after it is created, and a topic created a moment
// ago should not be reported missing.
func (c *Client) TopicLog(ctx context.Context, topic string) (*TopicLog, error) {
	maxAge := time.Duration(0) // the client's MetadataMinAge
	for wait := 100 * time.Millisecond; ; wait *= 2 {
		l, err := c.topicLog(ctx, topic, maxAge)
		if !streamplane.IsCode(err, streamplane.ENOTFOUND) || wait > 400*time.Millisecond {
			return l, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
		maxAge = time.Nanosecond // ask a broker again
	}
}

func (c *Client) topicLog(ctx context.Context, topic string, maxAge time.Duration) (*TopicLog, error) {
	resp, err := c.kcl.RequestCachedMetadata(ctx, topicsRequest(topic), maxAge)
	if err != nil {
		return nil, AppError(err, "topic", "read topic %s's metadata", topic)
	}
	if len(resp.Topics) != 1 {
		return nil, fmt.Errorf("kafkaadmin: metadata for topic %s has %d topics", topic, len(resp.Topics))
	}
	t := resp.Topics[0]
	if err := kerrOf(t.ErrorCode, nil); err != nil {
		if errors.Is(err, kerr.UnknownTopicOrPartition) {
			return nil, &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "topic", Message: fmt.Sprintf("topic %s does not exist", topic)}
		}
		return nil, AppError(err, "topic", "read topic %s's metadata", topic)
	}
	l := &TopicLog{c: c, topic: topic, id: t.TopicID, leaders: map[int32]int32{}}
	for _, p := range t.Partitions {
		l.leaders[p.Partition] = p.Leader
	}
	return l, nil
}

// refresh reloads the partitions' leaders after a request found one moved.
func (l *TopicLog) refresh(ctx context.Context) error {
	fresh, err := l.c.topicLog(ctx, l.topic, time.Nanosecond)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.id, l.leaders = fresh.id, fresh.leaders
	return nil
}

// leader returns the topic's id and the partition's leader, or
// LeaderNotAvailable for an offline partition.
func (l *TopicLog) leader(p int32) ([16]byte, *kgo.Broker, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	id, ok := l.leaders[p]
	if !ok || id < 0 {
		return l.id, nil, kerr.LeaderNotAvailable
	}
	return l.id, l.c.kcl.Broker(int(id)), nil
}

// Partitions returns the topic's partition ids in order.
func (l *TopicLog) Partitions() []int32 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return slices.Sorted(maps.Keys(l.leaders))
}

// CheckPartition returns NOT_FOUND on field (e.g. "partition") unless the
// topic has the partition.
func (l *TopicLog) CheckPartition(field string, p int32) error {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if _, ok := l.leaders[p]; ok {
		return nil
	}
	return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: field,
		Message: fmt.Sprintf("topic %s has no partition %d (it has %d: 0 to %d)", l.topic, p, len(l.leaders), len(l.leaders)-1)}
}

// Offsets asks the partitions' leaders, through the time index, for what a
// query needs: each partition's log start and end offsets and, for each
// timestamp given (ms), the first offset whose timestamp is at or after it
// (the end offset when there is none). The requests run concurrently.
func (l *TopicLog) Offsets(ctx context.Context, partitions []int32, timestamps ...int64) (logStart, logEnd map[int32]int64, atOrAfter []map[int32]int64, err error) {
	adm := l.c.adm
	out := make([]map[int32]int64, 2+len(timestamps))
	errs := make([]error, len(out))
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() {
			var listed kadm.ListedOffsets
			switch i {
			case 0:
				listed, errs[i] = adm.ListStartOffsets(ctx, l.topic)
			case 1:
				listed, errs[i] = adm.ListEndOffsets(ctx, l.topic)
			default:
				listed, errs[i] = adm.ListOffsetsAfterMilli(ctx, timestamps[i-2], l.topic)
			}
			if errs[i] != nil {
				return
			}
			out[i] = map[int32]int64{}
			for _, p := range partitions {
				lo, ok := listed.Lookup(l.topic, p)
				switch {
				case !ok:
					errs[i] = fmt.Errorf("kafkaadmin: no offset listed for %s/%d", l.topic, p)
				case lo.Err != nil:
					errs[i] = lo.Err
				default:
					out[i][p] = lo.Offset
				}
				if errs[i] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, nil, AppError(err, "topic", "list the offsets of topic %s", l.topic)
	}
	return out[0], out[1], out[2:], nil
}

// fetched is what one Fetch returned for a partition: its records from the
// offset asked on, the offset to ask next, and the partition's log bounds.
type fetched struct {
	records        []*kgo.Record
	next           int64
	highWatermark  int64
	logStartOffset int64
	bytes          int
}

// fetch reads records of one partition from its leader, starting at
// offset, about maxBytes of them (at least one whole batch: Kafka returns
// the first batch of the first partition even when it is larger).
func (l *TopicLog) fetch(ctx context.Context, p int32, offset int64, maxBytes int32) (fetched, error) {
	var f fetched
	err := l.retryStale(ctx, func() (err error) {
		f, err = l.fetchOnce(ctx, p, offset, maxBytes)
		return err
	})
	return f, err
}

// retryStale runs op, and runs it again with fresh metadata while it fails
// because the topic's metadata is in flux: a leader moved, or a new topic
// has not reached every broker yet. It gives up after about a second.
func (l *TopicLog) retryStale(ctx context.Context, op func() error) error {
	wait := 50 * time.Millisecond
	for {
		err := op()
		if !isStaleLeader(err) || wait > 400*time.Millisecond {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait *= 2
		l.refresh(ctx) // on failure, the next attempt fails the same way
	}
}

func (l *TopicLog) fetchOnce(ctx context.Context, p int32, offset int64, maxBytes int32) (fetched, error) {
	id, leader, err := l.leader(p)
	if err != nil {
		return fetched{}, err
	}
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = 0 // answer with what is there
	req.MinBytes = 1
	req.MaxBytes = maxBytes
	req.IsolationLevel = 0 // read uncommitted: everything up to the high watermark, as most consoles show
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic, rt.TopicID = l.topic, id // the request's version decides which one is sent
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = p, offset, maxBytes
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, leader)
	if err != nil {
		return fetched{}, err
	}
	if err := kerrOf(resp.ErrorCode, nil); err != nil {
		return fetched{}, err
	}
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		return fetched{}, fmt.Errorf("kafkaadmin: fetch of %s/%d answered %d topics", l.topic, p, len(resp.Topics))
	}
	part := &resp.Topics[0].Partitions[0]
	fp, next := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{Offset: offset, Topic: l.topic, Partition: p}, part, decompressor, nil)
	if fp.Err != nil {
		return fetched{}, fp.Err
	}
	return fetched{records: fp.Records, next: next, highWatermark: fp.HighWatermark,
		logStartOffset: fp.LogStartOffset, bytes: len(part.RecordBatches)}, nil
}

func isStaleLeader(err error) bool {
	return errors.Is(err, kerr.NotLeaderForPartition) || errors.Is(err, kerr.FencedLeaderEpoch) ||
		errors.Is(err, kerr.UnknownLeaderEpoch) || errors.Is(err, kerr.UnknownTopicID) ||
		errors.Is(err, kerr.LeaderNotAvailable) || errors.Is(err, kerr.UnknownTopicOrPartition)
}

// Read returns the record at one offset of a partition. An offset the
// partition does not hold (deleted by retention, not written yet, or
// removed by compaction) is NOT_FOUND on field "offset".
func (l *TopicLog) Read(ctx context.Context, p int32, offset int64) (*streamplane.MessageRecord, error) {
	if err := l.CheckPartition("partition", p); err != nil {
		return nil, err
	}
	notFound := func(format string, args ...any) error {
		return &streamplane.Error{Code: streamplane.ENOTFOUND, Field: "offset", Message: fmt.Sprintf(format, args...)}
	}
	f, err := l.fetch(ctx, p, offset, firstFetchBytes) // the batch holding offset comes whole, however large
	if errors.Is(err, kerr.OffsetOutOfRange) {
		start, end, _, lerr := l.Offsets(ctx, []int32{p})
		if lerr != nil {
			return nil, lerr
		}
		if offset < start[p] {
			return nil, notFound("offset %d of %s/%d is below the log start offset %d: retention deleted it", offset, l.topic, p, start[p])
		}
		return nil, notFound("offset %d of %s/%d is past the end offset %d: nothing was written there yet", offset, l.topic, p, end[p])
	}
	if err != nil {
		return nil, AppError(err, fieldOf(err, "offset"), "read offset %d of %s/%d", offset, l.topic, p)
	}
	for _, r := range f.records {
		if r.Offset == offset {
			rec := toMessageRecord(r)
			return &rec, nil
		}
		if r.Offset > offset {
			break
		}
	}
	if offset >= f.highWatermark {
		return nil, notFound("offset %d of %s/%d is past the end offset %d: nothing was written there yet", offset, l.topic, p, f.highWatermark)
	}
	return nil, notFound("%s/%d has no message at offset %d: compaction removed it, or it is a transaction marker", l.topic, p, offset)
}

func toMessageRecord(r *kgo.Record) streamplane.MessageRecord {
	m := streamplane.MessageRecord{Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp,
		LogAppendTime: r.Attrs.TimestampType() == 1, Key: r.Key, Value: r.Value}
	for _, h := range r.Headers {
		m.Headers = append(m.Headers, streamplane.MessageRecordHeader{Key: h.Key, Value: h.Value})
	}
	return m
}

// ScanForward reads partition p from offset start towards end (exclusive),
// until it has found want records that match (nil matches all), the range
// ends or the budget is spent. Its records are in offset order; Next is
// the first offset not examined. What to fetch and when to stop is
// forwardScan's to decide; this does the fetching.
func (l *TopicLog) ScanForward(ctx context.Context, p int32, start, end int64, want int, match func(time.Time) bool, b *ScanBudget) (streamplane.MessageScan, error) {
	scan := newForwardScan(p, start, end, want, match)
	return l.scan(ctx, p, scan, &scan.result, b)
}

// ScanBackward reads partition p from end (exclusive) back towards start,
// in chunks that double, until it has found want records that match (nil
// matches all), the range ends or the budget is spent. Its records are in
// descending offset order; Next is the offset below which nothing was
// examined. backwardScan decides; this fetches.
func (l *TopicLog) ScanBackward(ctx context.Context, p int32, start, end int64, want int, match func(time.Time) bool, b *ScanBudget) (streamplane.MessageScan, error) {
	scan := newBackwardScan(p, start, end, want, match)
	return l.scan(ctx, p, scan, &scan.result, b)
}

// scanPlan decides what a scan fetches next and takes in what came back:
// forwardScan and backwardScan, which differ only in direction.
type scanPlan interface {
	nextFetch(b *ScanBudget) (from int64, maxBytes int32, ok bool)
	take(from int64, f fetched, b *ScanBudget) error
}

// scan fetches what plan asks for until it is done, returning what the
// plan has found so far (result) whatever ends the scan.
func (l *TopicLog) scan(ctx context.Context, p int32, plan scanPlan, result *streamplane.MessageScan, b *ScanBudget) (streamplane.MessageScan, error) {
	for {
		from, maxBytes, ok := plan.nextFetch(b)
		if !ok {
			return *result, nil
		}
		f, err := l.fetch(ctx, p, from, maxBytes)
		if err != nil {
			return *result, scanError(ctx, b, err, l.topic, p)
		}
		if err := plan.take(from, f, b); err != nil {
			return *result, fmt.Errorf("kafkaadmin: reading %s/%d: %w at offset %d", l.topic, p, err, from)
		}
	}
}

// scanError turns a failed fetch into a stop when the query's time ran out
// (the scan then returns what it found) or into the query's error.
func scanError(ctx context.Context, b *ScanBudget, err error, topic string, p int32) error {
	if ctx.Err() != nil && errors.Is(context.Cause(ctx), ErrScanTime) {
		b.Stop(fmt.Sprintf("the scan budget of %s was spent", streamplane.MaxScanTime))
		return nil
	}
	return AppError(err, fieldOf(err, "partition"), "read %s/%d", topic, p)
}

// ErrScanTime is the cause of a query context whose time budget ran out.
var ErrScanTime = errors.New("the query's time budget was spent")

// fieldOf names the field an error is about: the topic when Kafka does not
// know it (it was deleted meanwhile), else field.
func fieldOf(err error, field string) string {
	if errors.Is(err, kerr.UnknownTopicOrPartition) || errors.Is(err, kerr.UnknownTopicID) {
		return "topic"
	}
	return field
}
