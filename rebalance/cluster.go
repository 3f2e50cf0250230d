package rebalance

import (
	"cmp"
	"fmt"
	"slices"

	streamplane "github.com/streamplane/streamplane"
)

// Broker is one broker a plan may place replicas on.
type Broker struct {
	ID          int32  `json:"id"`
	Rack        string `json:"rack"`         // zone; "" is a rack of its own name
	MaxReplicas int    `json:"max_replicas"` // partition replicas it may hold in all; 0 = no limit
}

// Partition is one partition as it is placed now.
type Partition struct {
	Topic     string  `json:"topic"`
	Partition int32   `json:"partition"`
	Replicas  []int32 `json:"replicas"` // [0] is the preferred leader
	SizeBytes int64   `json:"size_bytes"`
}

// Cluster is the brokers and every partition on them. Replicas may name a
// broker that is no longer listed (a lost broker): plans move them off.
type Cluster struct {
	Brokers    []Broker    `json:"brokers"`
	Partitions []Partition `json:"partitions"`
}

// key names a partition.
type key struct {
	topic     string
	partition int32
}

func (k key) String() string { return fmt.Sprintf("%s-%d", k.topic, k.partition) }

func keyOf(p Partition) key { return key{p.Topic, p.Partition} }

func compareKeys(a, b key) int {
	return cmp.Or(cmp.Compare(a.topic, b.topic), cmp.Compare(a.partition, b.partition))
}

// index is a validated, sorted copy of a Cluster, so plans do not depend on
// the order the caller listed things in and never alias its slices.
type index struct {
	brokers map[int32]Broker
	ids     []int32     // sorted
	parts   []Partition // sorted by topic, then partition
	byKey   map[key]int // into parts
}

func newIndex(c Cluster) (*index, error) {
	ix := &index{brokers: make(map[int32]Broker), byKey: make(map[key]int)}
	for _, b := range c.Brokers {
		switch _, dup := ix.brokers[b.ID]; {
		case b.ID < 0:
			return nil, streamplane.Invalid("brokers", "broker id %d is negative", b.ID)
		case dup:
			return nil, streamplane.Invalid("brokers", "broker %d is listed twice", b.ID)
		case b.MaxReplicas < 0:
			return nil, streamplane.Invalid("brokers", "broker %d has a negative replica limit", b.ID)
		}
		ix.brokers[b.ID] = b
		ix.ids = append(ix.ids, b.ID)
	}
	if len(ix.ids) == 0 {
		return nil, streamplane.Invalid("brokers", "the cluster has no brokers")
	}
	slices.Sort(ix.ids)

	ix.parts = make([]Partition, len(c.Partitions))
	for i, p := range c.Partitions {
		p.Replicas = slices.Clone(p.Replicas)
		ix.parts[i] = p
	}
	slices.SortFunc(ix.parts, func(a, b Partition) int { return compareKeys(keyOf(a), keyOf(b)) })
	for i, p := range ix.parts {
		k := keyOf(p)
		switch _, dup := ix.byKey[k]; {
		case p.Topic == "":
			return nil, streamplane.Invalid("partitions", "partition %d has no topic", p.Partition)
		case p.Partition < 0:
			return nil, streamplane.Invalid("partitions", "partition %s has a negative number", k)
		case dup:
			return nil, streamplane.Invalid("partitions", "partition %s is listed twice", k)
		case len(p.Replicas) == 0:
			return nil, streamplane.Invalid("partitions", "partition %s has no replicas", k)
		case p.SizeBytes < 0:
			return nil, streamplane.Invalid("partitions", "partition %s has a negative size", k)
		}
		if b, ok := duplicate(p.Replicas); ok {
			return nil, streamplane.Invalid("partitions", "partition %s lists broker %d twice", k, b)
		}
		ix.byKey[k] = i
	}
	return ix, nil
}

// totals counts every partition's replicas per broker, to hold limits.
func (ix *index) totals() map[int32]int {
	n := make(map[int32]int)
	for _, p := range ix.parts {
		for _, b := range p.Replicas {
			n[b]++
		}
	}
	return n
}

// duplicate returns a broker listed more than once.
func duplicate(ids []int32) (int32, bool) {
	for i, b := range ids {
		if slices.Contains(ids[:i], b) {
			return b, true
		}
	}
	return 0, false
}
