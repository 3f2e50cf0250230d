package kafkaadmin

import (
	"context"
	"fmt"
	"sort"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
)

// The capacity policy auto_delete frees a broker's space by deleting the
// oldest records, by record time, across every partition the broker holds
// (internal topics aside): it finds the time T such that deleting every
// record older than T frees about the bytes wanted, and moves each
// partition's log start to its first record at or after T (DeleteRecords).
// A partition's bytes are taken as spread evenly over its offsets.
//
// Records no consumer group has read yet are kept if that still frees
// enough to take the broker below the high mark: each partition's cut stops
// at the lowest offset a group committed on it. Only when that is not
// enough are unread records deleted too; the plan says where.

// PartitionCut is one partition's planned new log start.
type PartitionCut struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	From      int64  `json:"from"` // the log start offset before
	To        int64  `json:"to"`   // the new log start offset
	Bytes     int64  `json:"bytes"`
	// Unread counts the records deleted that some group has not read.
	Unread int64 `json:"unread,omitempty"`
}

// DeletionPlan is what auto_delete deletes on one broker.
type DeletionPlan struct {
	Broker int32          `json:"broker"`
	Before int64          `json:"before_ms"` // records older than this go
	Bytes  int64          `json:"bytes"`     // estimated bytes freed
	Unread bool           `json:"unread"`    // whether unread records go too
	Cuts   []PartitionCut `json:"cuts"`
}

// span is a partition's log on the broker.
type span struct {
	topic      string
	partition  int32
	size       int64
	start, end int64
	floor      int64 // lowest committed offset of any group; -1: none
}

// bytesTo estimates the bytes below offset cut.
func (s span) bytesTo(cut int64) int64 {
	if cut <= s.start || s.end <= s.start {
		return 0
	}
	return s.size * (min(cut, s.end) - s.start) / (s.end - s.start)
}

// PlanDeletion plans freeing want bytes of broker's data, the oldest first;
// enough is the least that takes the broker below the high mark, for which
// unread records may go.
func (c *Client) PlanDeletion(ctx context.Context, broker int32, want, enough int64) (*DeletionPlan, error) {
	spans, err := c.spans(ctx, broker)
	if err != nil {
		return nil, err
	}
	plan := &DeletionPlan{Broker: broker, Cuts: []PartitionCut{}}
	if len(spans) == 0 {
		return plan, nil
	}
	var topics []string
	seen := map[string]bool{}
	for _, s := range spans {
		if !seen[s.topic] {
			seen[s.topic] = true
			topics = append(topics, s.topic)
		}
	}
	// cutsAt gives each partition's first offset at or after ms.
	cutsAt := func(ms int64) (map[string]map[int32]int64, error) {
		listed, err := c.adm.ListOffsetsAfterMilli(ctx, ms, topics...)
		if err != nil {
			return nil, err
		}
		out := map[string]map[int32]int64{}
		listed.Each(func(o kadm.ListedOffset) {
			if o.Err == nil {
				if out[o.Topic] == nil {
					out[o.Topic] = map[int32]int64{}
				}
				out[o.Topic][o.Partition] = o.Offset
			}
		})
		return out, nil
	}
	freed := func(cuts map[string]map[int32]int64, protect bool) int64 {
		var n int64
		for _, s := range spans {
			cut := s.cut(cuts, protect)
			n += s.bytesTo(cut)
		}
		return n
	}
	// search finds the earliest time whose cut frees want bytes (or the
	// most there is to free).
	search := func(protect bool) (int64, map[string]map[int32]int64, error) {
		lo, hi := int64(0), time.Now().UnixMilli()+1
		best, err := cutsAt(hi)
		if err != nil {
			return 0, nil, err
		}
		for hi-lo > 1 {
			mid := lo + (hi-lo)/2
			cuts, err := cutsAt(mid)
			if err != nil {
				return 0, nil, err
			}
			if freed(cuts, protect) >= want {
				hi, best = mid, cuts
			} else {
				lo = mid
			}
		}
		return hi, best, nil
	}
	at, cuts, err := search(true)
	if err != nil {
		return nil, err
	}
	if freed(cuts, true) < enough {
		plan.Unread = true
		if at, cuts, err = search(false); err != nil {
			return nil, err
		}
	}
	plan.Before = at
	for _, s := range spans {
		cut := s.cut(cuts, !plan.Unread)
		if cut <= s.start {
			continue
		}
		pc := PartitionCut{Topic: s.topic, Partition: s.partition, From: s.start, To: cut, Bytes: s.bytesTo(cut)}
		if s.floor >= 0 && cut > s.floor {
			pc.Unread = cut - max(s.floor, s.start)
		}
		plan.Bytes += pc.Bytes
		plan.Cuts = append(plan.Cuts, pc)
	}
	sort.Slice(plan.Cuts, func(i, j int) bool {
		a, b := plan.Cuts[i], plan.Cuts[j]
		return a.Topic < b.Topic || a.Topic == b.Topic && a.Partition < b.Partition
	})
	return plan, nil
}

// cut is the partition's new log start in cuts: never before its start,
// never past its end, and, protecting, never past what a group has read.
func (s span) cut(cuts map[string]map[int32]int64, protect bool) int64 {
	cut, ok := cuts[s.topic][s.partition]
	if !ok || cut < 0 {
		cut = s.end
	}
	cut = min(max(cut, s.start), s.end)
	if protect && s.floor >= 0 {
		cut = min(cut, max(s.floor, s.start))
	}
	return cut
}

// spans lists the partitions broker holds, with their sizes, offsets and
// the lowest offset any group committed on them.
func (c *Client) spans(ctx context.Context, broker int32) ([]span, error) {
	sizes, failed, err := c.ReplicaSizes(ctx, nil)
	if err != nil {
		return nil, err
	}
	if err, ok := failed[broker]; ok {
		return nil, fmt.Errorf("broker %d did not describe its log directories: %w", broker, err)
	}
	var topics []string
	for topic := range sizes[broker] {
		if !streamplane.IsInternalTopic(topic) {
			topics = append(topics, topic)
		}
	}
	if len(topics) == 0 {
		return nil, nil
	}
	starts, err := c.adm.ListStartOffsets(ctx, topics...)
	if err != nil {
		return nil, err
	}
	ends, err := c.adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return nil, err
	}
	floors, err := c.committedFloors(ctx)
	if err != nil {
		return nil, err
	}
	var out []span
	for _, topic := range topics {
		for p, size := range sizes[broker][topic] {
			st, ok1 := starts.Lookup(topic, p)
			en, ok2 := ends.Lookup(topic, p)
			if !ok1 || !ok2 || st.Err != nil || en.Err != nil {
				continue
			}
			floor, ok := floors[topic][p]
			if !ok {
				floor = -1
			}
			out = append(out, span{topic: topic, partition: p, size: size, start: st.Offset, end: en.Offset, floor: floor})
		}
	}
	return out, nil
}

// committedFloors returns, by topic and partition, the lowest offset any
// consumer group has committed.
func (c *Client) committedFloors(ctx context.Context) (map[string]map[int32]int64, error) {
	groups, err := c.adm.ListGroups(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]map[int32]int64{}
	if len(groups) == 0 {
		return out, nil
	}
	for _, r := range c.adm.FetchManyOffsets(ctx, groups.Groups()...) {
		if r.Err != nil {
			return nil, fmt.Errorf("group %s: %w", r.Group, r.Err)
		}
		r.Fetched.Each(func(o kadm.OffsetResponse) {
			if o.Err != nil || o.At < 0 {
				return
			}
			if out[o.Topic] == nil {
				out[o.Topic] = map[int32]int64{}
			}
			if cur, ok := out[o.Topic][o.Partition]; !ok || o.At < cur {
				out[o.Topic][o.Partition] = o.At
			}
		})
	}
	return out, nil
}

// DeleteOldest carries a plan out: DeleteRecords up to each cut.
func (c *Client) DeleteOldest(ctx context.Context, plan *DeletionPlan) error {
	offsets := kadm.Offsets{}
	for _, pc := range plan.Cuts {
		offsets.AddOffset(pc.Topic, pc.Partition, pc.To, -1)
	}
	if len(offsets) == 0 {
		return nil
	}
	resp, err := c.adm.DeleteRecords(ctx, offsets)
	if err != nil {
		return err
	}
	return resp.Error()
}
