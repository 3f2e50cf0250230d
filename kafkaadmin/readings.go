package kafkaadmin

import (
	"context"
	"errors"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
)

// Readings is what the Admin API tells the metrics collector in one round:
// which brokers serve, the topics with their partitions, every partition's
// start and end offset, the replicas' sizes and the groups' committed
// offsets. Parts that could not be read are nil, with the reason in Errs.
type Readings struct {
	Alive  map[int32]bool
	Topics []TopicMetadata
	// Start and End are log start and end offsets by topic and partition.
	Start, End map[string]map[int32]int64
	Sizes      ReplicaSizes
	// Committed is each group's committed offsets by topic and partition.
	Committed map[string]map[string]map[int32]int64
	Errs      []error
}

// Read takes the collector's readings, the independent requests at once.
func (c *Client) Read(ctx context.Context) *Readings {
	r := &Readings{}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		r.Errs = append(r.Errs, err)
	}
	wg.Go(func() {
		alive, err := c.AliveBrokers(ctx)
		if err != nil {
			fail(err)
			return
		}
		r.Alive = alive
	})
	wg.Go(func() {
		topics, err := c.Topics(ctx)
		if err != nil {
			fail(err)
			return
		}
		r.Topics = topics
	})
	wg.Go(func() {
		starts, err := c.adm.ListStartOffsets(ctx)
		if err != nil {
			fail(err)
			return
		}
		ends, err := c.adm.ListEndOffsets(ctx)
		if err != nil {
			fail(err)
			return
		}
		r.Start, r.End = offsetsOf(starts), offsetsOf(ends)
	})
	wg.Go(func() {
		sizes, _, err := c.ReplicaSizes(ctx, nil)
		if err != nil {
			fail(err)
			return
		}
		r.Sizes = sizes
	})
	wg.Go(func() {
		committed, err := c.committedOffsets(ctx)
		if err != nil {
			fail(err)
			return
		}
		r.Committed = committed
	})
	wg.Wait()
	return r
}

// Err joins what could not be read, nil if everything was.
func (r *Readings) Err() error { return errors.Join(r.Errs...) }

func offsetsOf(listed kadm.ListedOffsets) map[string]map[int32]int64 {
	out := map[string]map[int32]int64{}
	listed.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			return
		}
		if out[o.Topic] == nil {
			out[o.Topic] = map[int32]int64{}
		}
		out[o.Topic][o.Partition] = o.Offset
	})
	return out
}

// committedOffsets lists every group's committed offsets. Share groups
// commit none and are skipped.
func (c *Client) committedOffsets(ctx context.Context) (map[string]map[string]map[int32]int64, error) {
	groups, err := c.ListGroups(ctx)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, g := range groups {
		if g.Type != "share" {
			names = append(names, g.Name)
		}
	}
	out := map[string]map[string]map[int32]int64{}
	if len(names) == 0 {
		return out, nil
	}
	for group, resp := range c.adm.FetchManyOffsets(ctx, names...) {
		if resp.Err != nil {
			continue // a group deleted since the listing, or its coordinator moving
		}
		byTopic := map[string]map[int32]int64{}
		resp.Fetched.Each(func(o kadm.OffsetResponse) {
			if o.Err != nil || o.At < 0 {
				return
			}
			if byTopic[o.Topic] == nil {
				byTopic[o.Topic] = map[int32]int64{}
			}
			byTopic[o.Topic][o.Partition] = o.At
		})
		out[group] = byTopic
	}
	return out, nil
}
