package rebalance

import (
	"fmt"
	"slices"

	streamplane "github.com/streamplane/streamplane"
)

// Assignment is one partition's replica list in a manual plan.
type Assignment struct {
	Topic     string  `json:"topic"`
	Partition int32   `json:"partition"`
	Replicas  []int32 `json:"replicas"` // [0] is the preferred leader
}

// CheckManual validates a manual plan and prices it: every partition exists
// and is named once, every list is non-empty, distinct and names brokers of
// the cluster, and no broker ends over its MaxReplicas (one already over may
// keep, but not grow, its count). Lists equal to the current ones are not
// moves. The spread covers the assigned partitions; Plan.Brokers is every
// broker the lists name. Racks are the caller's choice here and are not
// checked.
//
// Errors: EINVALID naming assignments, brokers or partitions; ELIMIT naming
// assignments when a broker would exceed its limit.
func CheckManual(c Cluster, assignments []Assignment) (*Plan, error) {
	ix, err := newIndex(c)
	if err != nil {
		return nil, err
	}
	if len(assignments) == 0 {
		return nil, streamplane.Invalid("assignments", "a manual plan needs at least one partition")
	}
	as := slices.Clone(assignments)
	slices.SortFunc(as, func(a, b Assignment) int {
		return compareKeys(key{a.Topic, a.Partition}, key{b.Topic, b.Partition})
	})

	before := ix.totals()
	after := ix.totals()
	plan := &Plan{}
	var from, to [][]int32
	for i, a := range as {
		k := key{a.Topic, a.Partition}
		j, ok := ix.byKey[k]
		switch {
		case !ok:
			return nil, streamplane.Invalid("assignments", "topic %q has no partition %d", a.Topic, a.Partition)
		case i > 0 && compareKeys(k, key{as[i-1].Topic, as[i-1].Partition}) == 0:
			return nil, streamplane.Invalid("assignments", "partition %s is assigned twice", k)
		case len(a.Replicas) == 0:
			return nil, streamplane.Invalid("assignments", "partition %s needs at least one replica", k)
		}
		if b, dup := duplicate(a.Replicas); dup {
			return nil, streamplane.Invalid("assignments", "partition %s lists broker %d twice", k, b)
		}
		for _, b := range a.Replicas {
			if _, ok := ix.brokers[b]; !ok {
				return nil, streamplane.Invalid("assignments", "partition %s names broker %d, which is not in the cluster", k, b)
			}
			plan.Brokers = append(plan.Brokers, b)
		}
		cur := ix.parts[j]
		for _, b := range cur.Replicas {
			after[b]--
		}
		for _, b := range a.Replicas {
			after[b]++
		}
		from, to = append(from, cur.Replicas), append(to, a.Replicas)
		if slices.Equal(cur.Replicas, a.Replicas) {
			continue
		}
		m := Move{Topic: a.Topic, Partition: a.Partition, From: slices.Clone(cur.Replicas), To: slices.Clone(a.Replicas)}
		m.Bytes = cur.SizeBytes * int64(added(m.From, m.To))
		plan.BytesToMove += m.Bytes
		plan.Moves = append(plan.Moves, m)
	}
	for _, id := range ix.ids {
		if limit := ix.brokers[id].MaxReplicas; limit > 0 && after[id] > limit && after[id] > before[id] {
			return nil, &streamplane.Error{Code: streamplane.ELIMIT, Field: "assignments",
				Message: fmt.Sprintf("broker %d would hold %d replicas, more than its limit of %d", id, after[id], limit)}
		}
	}
	slices.Sort(plan.Brokers)
	plan.Brokers = slices.Compact(plan.Brokers)
	plan.Before = spreadOf(ix.ids, from)
	plan.After = spreadOf(ix.ids, to)
	return plan, nil
}
