package rebalance

import (
	"slices"

	streamplane "github.com/streamplane/streamplane"
)

// Goal says what PlanFor should reach.
type Goal struct {
	Topics            []string `json:"topics"`  // the topics to place; empty = all
	Brokers           []int32  `json:"brokers"` // the brokers to place them on; empty = every broker not drained
	Drain             []int32  `json:"drain"`   // brokers to empty of the topics' replicas
	ReplicationFactor int      `json:"replicas"`
}

// Move is one partition's new replica list. A reorder of the same brokers is
// a move too (it changes the preferred leader) that copies no data.
type Move struct {
	Topic     string  `json:"topic"`
	Partition int32   `json:"partition"`
	From      []int32 `json:"from"`
	To        []int32 `json:"to"`    // [0] is the preferred leader
	Bytes     int64   `json:"bytes"` // the partition's size times the replicas To adds
}

// Plan is a reassignment: the moves, sorted by topic and partition, and the
// spread of the covered partitions before and after them.
type Plan struct {
	Moves       []Move  `json:"moves"`
	Brokers     []int32 `json:"brokers"` // the brokers the plan places replicas on, sorted
	Before      Spread  `json:"before"`
	After       Spread  `json:"after"`
	BytesToMove int64   `json:"bytes_to_move"`
}

// PlanFor places the replicas of g.Topics' partitions (all partitions when
// empty) on the target brokers, keeping each partition's replica count
// unless g.ReplicationFactor sets it. It keeps the replicas that may stay,
// spreads each partition over as many racks as it can, and evens out
// replicas and then preferred leaders per broker, within every broker's
// MaxReplicas (which counts the partitions not covered too).
//
// Errors: EINVALID naming brokers, drain, topics, replicas or partitions for
// a goal or cluster that breaks a rule; ELIMIT naming drain, replicas or
// brokers when the targets cannot hold the replicas.
func PlanFor(c Cluster, g Goal) (*Plan, error) {
	ix, err := newIndex(c)
	if err != nil {
		return nil, err
	}
	targets, err := targetsFor(ix, g)
	if err != nil {
		return nil, err
	}
	scope, err := scopeOf(ix, g.Topics)
	if err != nil {
		return nil, err
	}
	if g.ReplicationFactor < 0 {
		return nil, streamplane.Invalid("replicas", "the replica count must not be negative")
	}
	p, err := newPlanner(ix, targets, scope, g)
	if err != nil {
		return nil, err
	}
	p.strip()
	if err := p.fill(); err != nil {
		return nil, err
	}
	p.balanceReplicas()
	p.balanceLeaders()
	return p.result(), nil
}

// targetsFor returns the sorted brokers a goal places replicas on.
func targetsFor(ix *index, g Goal) ([]int32, error) {
	drain := make(map[int32]bool)
	for _, b := range g.Drain {
		if _, ok := ix.brokers[b]; !ok {
			return nil, streamplane.Invalid("drain", "broker %d is not in the cluster", b)
		}
		drain[b] = true
	}
	var targets []int32
	if len(g.Brokers) > 0 {
		for _, b := range g.Brokers {
			if _, ok := ix.brokers[b]; !ok {
				return nil, streamplane.Invalid("brokers", "broker %d is not in the cluster", b)
			}
			if drain[b] {
				return nil, streamplane.Invalid("drain", "broker %d is both a target and drained", b)
			}
			targets = append(targets, b)
		}
		slices.Sort(targets)
		targets = slices.Compact(targets)
	} else {
		for _, b := range ix.ids {
			if !drain[b] {
				targets = append(targets, b)
			}
		}
	}
	if len(targets) == 0 {
		if len(drain) > 0 {
			return nil, streamplane.Invalid("drain", "draining every broker leaves none to hold the replicas")
		}
		return nil, streamplane.Invalid("brokers", "no target broker")
	}
	return targets, nil
}

// scopeOf returns the indexes of the partitions of the given topics, or of
// all partitions.
func scopeOf(ix *index, topics []string) ([]int, error) {
	want := make(map[string]bool)
	for _, t := range topics {
		want[t] = true
	}
	found := make(map[string]bool)
	var scope []int
	for i, p := range ix.parts {
		if len(want) == 0 || want[p.Topic] {
			scope = append(scope, i)
			found[p.Topic] = true
		}
	}
	for _, t := range topics {
		if !found[t] {
			e := streamplane.Errorf(streamplane.ENOTFOUND, "topic %q has no partitions in the cluster", t)
			e.Field = "topics"
			return nil, e
		}
	}
	return scope, nil
}

// capacityField names the goal field to blame when the targets are too
// small: the drain that removed brokers, else the replica count that grew.
func (g Goal) capacityField() string {
	switch {
	case len(g.Drain) > 0:
		return "drain"
	case g.ReplicationFactor > 0:
		return "replicas"
	}
	return "brokers"
}

// result turns the planner's placement into moves and spreads.
func (p *planner) result() *Plan {
	plan := &Plan{Brokers: slices.Clone(p.targets)}
	var before, after [][]int32
	for _, pt := range p.parts {
		to := make([]int32, len(pt.replicas))
		for i, b := range pt.replicas {
			to[i] = p.targets[b]
		}
		before = append(before, pt.orig.Replicas)
		after = append(after, to)
		if slices.Equal(to, pt.orig.Replicas) {
			continue
		}
		m := Move{Topic: pt.orig.Topic, Partition: pt.orig.Partition, From: slices.Clone(pt.orig.Replicas), To: to}
		m.Bytes = pt.orig.SizeBytes * int64(added(m.From, m.To))
		plan.BytesToMove += m.Bytes
		plan.Moves = append(plan.Moves, m)
	}
	plan.Before = spreadOf(p.ix.ids, before)
	plan.After = spreadOf(p.ix.ids, after)
	return plan
}

// added counts the brokers in to that are not in from: the replicas that
// must copy the partition's data.
func added(from, to []int32) int {
	n := 0
	for _, b := range to {
		if !slices.Contains(from, b) {
			n++
		}
	}
	return n
}
