package service

import (
	"context"
	"errors"
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
	cursor, _ := streamplane.ParseMessageCursor(q.Cursor) // checked by Normalize
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
	partitions := log.Partitions()
	if q.Partition != nil {
		if err := log.CheckPartition("partition", *q.Partition); err != nil {
			return nil, err
		}
		partitions = []int32{*q.Partition}
	}
	for p := range cursor {
		if err := log.CheckPartition("cursor", p); err != nil {
			return nil, err
		}
		if q.Partition != nil && p != *q.Partition {
			return nil, streamplane.Invalid("cursor", "the cursor names partition %d but the query reads partition %d only; pass the cursor with the query that returned it", p, *q.Partition)
		}
	}

	var times []int64
	if !q.ByOffset() {
		if q.From != nil {
			times = append(times, q.FromMilli())
		}
		if q.To != nil {
			times = append(times, q.ToMilli()+1)
		}
	}
	starts, ends, byTime, err := log.Offsets(ctx, partitions, times...)
	if err != nil {
		return nil, err
	}

	page := &streamplane.MessagePage{Messages: []streamplane.Message{}}
	type job struct {
		p          int32
		start, end int64
	}
	var jobs []job
	for _, p := range partitions {
		o := streamplane.PartitionOffsets{Partition: p, LogStart: starts[p], LogEnd: ends[p]}
		if q.From != nil && !q.ByOffset() {
			o.AtFrom = byTime[0][p]
		}
		if q.To != nil && !q.ByOffset() {
			o.PastTo = byTime[len(byTime)-1][p]
		}
		start, end, note := q.Range(o, cursor)
		if note != "" {
			page.Notes = append(page.Notes, note)
		}
		page.Partitions = append(page.Partitions, streamplane.MessagePartition{Partition: p,
			LogStartOffset: o.LogStart, LogEndOffset: o.LogEnd, RangeStartOffset: start, RangeEndOffset: end})
		if start < end {
			jobs = append(jobs, job{p, start, end})
		}
	}

	var match func(time.Time) bool
	if !q.ByOffset() && (q.From != nil || q.To != nil) {
		match = q.Matches
	}
	budget := kafkaadmin.NewScanBudget(int64(q.MaxScan), streamplane.MaxScanBytes)
	scans := make([]streamplane.MessageScan, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, scanParallelism)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if q.NewestFirst {
				scans[i], errs[i] = log.ScanBackward(ctx, j.p, j.start, j.end, q.Limit, match, budget)
			} else {
				scans[i], errs[i] = log.ScanForward(ctx, j.p, j.start, j.end, q.Limit, match, budget)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

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
	page.Scanned, page.ScannedBytes = budget.Used()
	if reason := budget.Stopped(); reason != "" {
		page.StoppedEarly, page.Reason = true, reason+"; the page holds what was found, and the cursor continues the scan"
	}
	return page, nil
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
