package service

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
)

// Messages are data, not configuration: reading and sending them changes
// nothing Streamplane manages, so they need no task and are allowed while
// a task holds the instance, as long as its brokers run.

// scanParallelism bounds the partitions a query reads at once.
const scanParallelism = 16

// QueryMessages returns a page of a topic's messages (SPEC §3). A search by
// time asks the time index (ListOffsets) for each partition's first offset
// at or after from and first offset after to, then reads only that range,
// at most limit matching records per partition: from its start oldest
// first, from its end backwards newest first. The page takes the first
// limit of them across partitions. A scan budget of records, bytes and
// time bounds the rest; the page says when it ran out.
func (s *Service) QueryMessages(ctx context.Context, instance string, q streamplane.MessageQuery) (*streamplane.MessagePage, error) {
	if err := q.Normalize(); err != nil {
		return nil, err
	}
	_, cl, err := s.cluster(ctx, instance)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeoutCause(ctx, streamplane.MaxScanTime, kafkaadmin.ErrScanTime)
	defer cancel()
	log, err := cl.TopicLog(ctx, q.Topic)
	if err != nil {
		return nil, err
	}
	return readMessages(ctx, log, q)
}

// messageLog is what a query reads of a topic: a kafkaadmin.TopicLog.
type messageLog interface {
	Partitions() []int32
	CheckPartition(field string, p int32) error
	Offsets(ctx context.Context, partitions []int32, timestamps ...int64) (logStart, logEnd map[int32]int64, atOrAfter []map[int32]int64, err error)
	ScanForward(ctx context.Context, p int32, start, end int64, want int, match func(time.Time) bool, b *kafkaadmin.ScanBudget) (streamplane.MessageScan, error)
	ScanBackward(ctx context.Context, p int32, start, end int64, want int, match func(time.Time) bool, b *kafkaadmin.ScanBudget) (streamplane.MessageScan, error)
}

var _ messageLog = (*kafkaadmin.TopicLog)(nil)

// readMessages carries out a normalized query on a topic's log: the I/O
// between the decisions of queryPartitions, planReads and finishPage.
func readMessages(ctx context.Context, log messageLog, q streamplane.MessageQuery) (*streamplane.MessagePage, error) {
	cursor, _ := streamplane.ParseMessageCursor(q.Cursor) // checked by Normalize
	partitions, err := queryPartitions(q, cursor, log.Partitions(), log.CheckPartition)
	if err != nil {
		return nil, err
	}
	starts, ends, byTime, err := log.Offsets(ctx, partitions, queryTimes(q)...)
	if err != nil {
		return nil, err
	}
	plan := planReads(q, cursor, partitions, listedOffsets{starts: starts, ends: ends, byTime: byTime})

	match := queryMatch(q)
	budget := kafkaadmin.NewScanBudget(int64(q.MaxScan), streamplane.MaxScanBytes)
	scans := make([]streamplane.MessageScan, len(plan.reads))
	errs := make([]error, len(plan.reads))
	sem := make(chan struct{}, scanParallelism)
	var wg sync.WaitGroup
	for i, r := range plan.reads {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if q.NewestFirst {
				scans[i], errs[i] = log.ScanBackward(ctx, r.partition, r.start, r.end, q.Limit, match, budget)
			} else {
				scans[i], errs[i] = log.ScanForward(ctx, r.partition, r.start, r.end, q.Limit, match, budget)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	scanned, scannedBytes := budget.Used()
	return finishPage(plan.page, q, scans, scanned, scannedBytes, budget.Stopped()), nil
}

// The decisions of a query, apart from the I/O that carries them out.

// queryPartitions decides which of the topic's partitions a query reads:
// all, or the one it names. check says whether the topic has a partition
// (kafkaadmin.TopicLog.CheckPartition), naming the field that asked. A
// cursor must name partitions the query reads.
func queryPartitions(q streamplane.MessageQuery, cursor map[int32]int64, all []int32, check func(field string, p int32) error) ([]int32, error) {
	partitions := all
	if q.Partition != nil {
		if err := check("partition", *q.Partition); err != nil {
			return nil, err
		}
		partitions = []int32{*q.Partition}
	}
	for _, p := range slices.Sorted(maps.Keys(cursor)) {
		if err := check("cursor", p); err != nil {
			return nil, err
		}
		if q.Partition != nil && p != *q.Partition {
			return nil, streamplane.Invalid("cursor", "the cursor names partition %d but the query reads partition %d only; pass the cursor with the query that returned it", p, *q.Partition)
		}
	}
	return partitions, nil
}

// queryTimes returns the timestamps (ms) to ask the time index for: the
// first millisecond of the window, and the one after its last.
func queryTimes(q streamplane.MessageQuery) []int64 {
	var times []int64
	if !q.ByOffset() {
		if q.From != nil {
			times = append(times, q.FromMilli())
		}
		if q.To != nil {
			times = append(times, q.ToMilli()+1)
		}
	}
	return times
}

// listedOffsets is what ListOffsets said for a query's partitions: log
// start and end, and for each of queryTimes the first offset at or after it.
type listedOffsets struct {
	starts, ends map[int32]int64
	byTime       []map[int32]int64
}

// readPlan is what a query reads: the page with every partition's offsets
// and range (and notes on clamped bounds), and the ranges not empty.
type readPlan struct {
	page  *streamplane.MessagePage
	reads []partitionRead
}

// partitionRead is one partition's range to read, offsets [start, end).
type partitionRead struct {
	partition  int32
	start, end int64
}

// planReads maps the query's bounds and cursor onto each partition's
// offsets (streamplane.MessageQuery.Range).
func planReads(q streamplane.MessageQuery, cursor map[int32]int64, partitions []int32, listed listedOffsets) readPlan {
	plan := readPlan{page: &streamplane.MessagePage{Messages: []streamplane.Message{}}}
	for _, p := range partitions {
		o := streamplane.PartitionOffsets{Partition: p, LogStart: listed.starts[p], LogEnd: listed.ends[p]}
		if q.From != nil && !q.ByOffset() {
			o.AtFrom = listed.byTime[0][p]
		}
		if q.To != nil && !q.ByOffset() {
			o.PastTo = listed.byTime[len(listed.byTime)-1][p]
		}
		start, end, note := q.Range(o, cursor)
		if note != "" {
			plan.page.Notes = append(plan.page.Notes, note)
		}
		plan.page.Partitions = append(plan.page.Partitions, streamplane.MessagePartition{Partition: p,
			LogStartOffset: o.LogStart, LogEndOffset: o.LogEnd, RangeStartOffset: start, RangeEndOffset: end})
		if start < end {
			plan.reads = append(plan.reads, partitionRead{partition: p, start: start, end: end})
		}
	}
	return plan
}

// queryMatch returns which records a scan keeps: those in the time
// window, or all (nil) for a search by offset or without bounds.
func queryMatch(q streamplane.MessageQuery) func(time.Time) bool {
	if q.ByOffset() || (q.From == nil && q.To == nil) {
		return nil
	}
	return q.Matches
}

// finishPage completes the planned page with what the scans found: the
// first limit records across partitions, where each partition resumes,
// the cursor, and what the scan cost and why it stopped early (stopped,
// empty when it did not).
func finishPage(page *streamplane.MessagePage, q streamplane.MessageQuery, scans []streamplane.MessageScan, scanned, scannedBytes int64, stopped string) *streamplane.MessagePage {
	records, next := streamplane.MergeMessageScans(scans, q.Limit, q.NewestFirst)
	for i := range records {
		page.Messages = append(page.Messages, records[i].View(q.Topic, streamplane.MessageViewBytes))
	}
	for i := range page.Partitions {
		if at, ok := next[page.Partitions[i].Partition]; ok {
			page.Partitions[i].NextOffset = &at
		}
	}
	page.More = len(next) > 0
	page.Cursor = streamplane.FormatMessageCursor(next)
	page.Scanned, page.ScannedBytes = scanned, scannedBytes
	if stopped != "" {
		page.StoppedEarly, page.Reason = true, stopped+"; the page holds what was found, and the cursor continues the scan"
	}
	return page
}

// Message returns one message, its key and body cut at maxBytes (0: whole).
func (s *Service) Message(ctx context.Context, instance, topic string, partition int32, offset int64, maxBytes int) (*streamplane.Message, error) {
	rec, err := s.readMessage(ctx, instance, topic, partition, offset)
	if err != nil {
		return nil, err
	}
	m := rec.View(topic, maxBytes)
	return &m, nil
}

// MessageValue returns one message's whole body; nil for a null body.
func (s *Service) MessageValue(ctx context.Context, instance, topic string, partition int32, offset int64) ([]byte, error) {
	rec, err := s.readMessage(ctx, instance, topic, partition, offset)
	if err != nil {
		return nil, err
	}
	return rec.Value, nil
}

func (s *Service) readMessage(ctx context.Context, instance, topic string, partition int32, offset int64) (*streamplane.MessageRecord, error) {
	switch {
	case partition < 0:
		return nil, streamplane.Invalid("partition", "partition must be 0 or more, got %d", partition)
	case offset < 0:
		return nil, streamplane.Invalid("offset", "offset must be 0 or more, got %d", offset)
	}
	_, cl, err := s.cluster(ctx, instance)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, streamplane.MaxScanTime)
	defer cancel()
	log, err := cl.TopicLog(ctx, topic)
	if err != nil {
		return nil, err
	}
	return log.Read(ctx, partition, offset)
}

// SendMessage appends a message to a topic and says where it went. Kafka
// alone decides whether to take it: its size limits and min.insync.replicas
// apply, topic permissions do not (the server writes as the instance's
// admin).
func (s *Service) SendMessage(ctx context.Context, instance, topic string, m streamplane.MessageSend) (*streamplane.MessageSent, error) {
	// Kafka's own topics (__consumer_offsets, __transaction_state) hold
	// its state; a stray record there breaks groups or transactions.
	if streamplane.IsInternalTopic(topic) {
		return nil, streamplane.Invalid("topic", "topic %s is internal to Kafka; messages cannot be sent to it", topic)
	}
	rec, err := m.Record(time.Now())
	if err != nil {
		return nil, err
	}
	_, cl, err := s.cluster(ctx, instance)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	log, err := cl.TopicLog(ctx, topic)
	if err != nil {
		return nil, err
	}
	sent, err := log.Produce(ctx, rec, m.Partition != nil)
	if err != nil {
		return nil, err
	}
	return &sent, nil
}
