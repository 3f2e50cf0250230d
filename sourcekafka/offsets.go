package sourcekafka

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// What a migration's status page reads of the source: how far its topics
// go and where its groups are.

// EndOffsets returns each topic's partitions' end offsets (the offset the
// next record gets). A topic the source does not have is left out.
func (c *Client) EndOffsets(ctx context.Context, topics []string) (map[string]map[int32]int64, error) {
	out := map[string]map[int32]int64{}
	if len(topics) == 0 {
		return out, nil
	}
	ends, err := c.adm.ListEndOffsets(ctx, topics...)
	if err != nil && len(ends) == 0 {
		return nil, c.classify(err)
	}
	return byTopic(ends), nil
}

// byTopic keeps the offsets listed without error, by topic and partition.
func byTopic(listed kadm.ListedOffsets) map[string]map[int32]int64 {
	out := map[string]map[int32]int64{}
	for topic, parts := range listed {
		for p, o := range parts {
			if p < 0 || o.Err != nil {
				continue
			}
			if out[topic] == nil {
				out[topic] = map[int32]int64{}
			}
			out[topic][p] = o.Offset
		}
	}
	return out
}

// GroupOffsets is one source group's state and committed offsets.
type GroupOffsets struct {
	Group string
	// State is as Kafka says (Stable, Empty, ...); Dead for a group the
	// source does not know.
	State string
	// Committed is the committed offset per topic and partition.
	Committed map[string]map[int32]int64
}

// GroupOffsets returns the named groups' states and committed offsets.
func (c *Client) GroupOffsets(ctx context.Context, groups []string) (map[string]GroupOffsets, error) {
	out := map[string]GroupOffsets{}
	if len(groups) == 0 {
		return out, nil
	}
	var (
		wg          sync.WaitGroup
		described   kadm.DescribedGroups
		describeErr error
		fetched     kadm.FetchOffsetsResponses
	)
	wg.Go(func() { described, describeErr = c.adm.DescribeGroups(ctx, groups...) })
	wg.Go(func() { fetched = c.adm.FetchManyOffsets(ctx, groups...) })
	wg.Wait()
	if describeErr != nil && len(described) == 0 {
		return nil, c.classify(describeErr)
	}
	for _, g := range groups {
		o := GroupOffsets{Group: g, State: "Dead", Committed: map[string]map[int32]int64{}}
		if d, ok := described[g]; ok && d.Err == nil && d.State != "" {
			o.State = d.State
		}
		if r, ok := fetched[g]; ok {
			if r.Err != nil && !errors.Is(r.Err, kerr.GroupIDNotFound) {
				return nil, c.classify(r.Err)
			}
			for topic, parts := range r.Fetched {
				for p, off := range parts {
					if off.Err != nil || off.At < 0 {
						continue
					}
					if o.Committed[topic] == nil {
						o.Committed[topic] = map[int32]int64{}
					}
					o.Committed[topic][p] = off.At
				}
			}
		}
		out[g] = o
	}
	return out, nil
}

// MatchingTopics returns the source's topics match selects, sorted;
// Kafka's internal topics (__*) never.
func (c *Client) MatchingTopics(ctx context.Context, match func(string) bool) ([]string, error) {
	topics, err := c.adm.ListTopics(ctx)
	if err != nil {
		return nil, c.classify(err)
	}
	var out []string
	for name, t := range topics {
		if !t.IsInternal && !strings.HasPrefix(name, "__") && match(name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// MatchingGroups returns the source's groups match selects, sorted.
func (c *Client) MatchingGroups(ctx context.Context, match func(string) bool) ([]string, error) {
	listed, err := c.adm.ListGroups(ctx)
	if err != nil && len(listed) == 0 {
		return nil, c.classify(err)
	}
	var out []string
	for _, g := range slices.Sorted(maps.Keys(listed)) {
		if match(g) {
			out = append(out, g)
		}
	}
	return out, nil
}
