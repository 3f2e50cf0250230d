package rebalance_test

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/rebalance"
)

// brokers builds brokers 1..n on the given racks ("" for none) with no limits.
func brokers(racks ...string) []rebalance.Broker {
	bs := make([]rebalance.Broker, len(racks))
	for i, r := range racks {
		bs[i] = rebalance.Broker{ID: int32(i + 1), Rack: r}
	}
	return bs
}

// roundRobin places n partitions of topic with rf replicas the way Kafka
// creates them: partition i starts on ids[i%len(ids)] and takes the next
// brokers, so leaders and replicas are even.
func roundRobin(topic string, n, rf int, size int64, ids ...int32) []rebalance.Partition {
	ps := make([]rebalance.Partition, n)
	for i := range ps {
		ps[i] = rebalance.Partition{Topic: topic, Partition: int32(i), SizeBytes: size}
		for j := range rf {
			ps[i].Replicas = append(ps[i].Replicas, ids[(i+j)%len(ids)])
		}
	}
	return ps
}

func ids(from, to int32) []int32 {
	var s []int32
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// outcome is a plan applied to its cluster.
type outcome struct {
	replicas map[string][]int32 // topic-partition → final list
	covered  map[string]bool    // partitions the goal covers
	targets  []int32
	load     map[int32]int // covered replicas per broker after
	total    map[int32]int // all replicas per broker after
	fixed    map[int32]int // uncovered replicas per broker
}

func name(topic string, p int32) string { return fmt.Sprintf("%s-%d", topic, p) }

// apply checks the plan's bookkeeping (moves sorted, From current, Bytes
// right) and returns the placement it leads to.
func apply(c rebalance.Cluster, topics []string, plan *rebalance.Plan) (*outcome, error) {
	o := &outcome{replicas: map[string][]int32{}, covered: map[string]bool{},
		load: map[int32]int{}, total: map[int32]int{}, fixed: map[int32]int{}, targets: plan.Brokers}
	size := map[string]int64{}
	for _, p := range c.Partitions {
		n := name(p.Topic, p.Partition)
		o.replicas[n] = p.Replicas
		size[n] = p.SizeBytes
		o.covered[n] = len(topics) == 0 || slices.Contains(topics, p.Topic)
	}
	var bytes int64
	for i, m := range plan.Moves {
		n := name(m.Topic, m.Partition)
		if i > 0 {
			prev := plan.Moves[i-1]
			if prev.Topic > m.Topic || prev.Topic == m.Topic && prev.Partition >= m.Partition {
				return nil, fmt.Errorf("moves not sorted at %s", n)
			}
		}
		if !slices.Equal(m.From, o.replicas[n]) {
			return nil, fmt.Errorf("%s: From %v, current %v", n, m.From, o.replicas[n])
		}
		if slices.Equal(m.From, m.To) {
			return nil, fmt.Errorf("%s: a move that changes nothing", n)
		}
		if !o.covered[n] {
			return nil, fmt.Errorf("%s: moved but not covered", n)
		}
		add := 0
		for _, b := range m.To {
			if !slices.Contains(m.From, b) {
				add++
			}
		}
		if m.Bytes != size[n]*int64(add) {
			return nil, fmt.Errorf("%s: Bytes %d, want %d × %d", n, m.Bytes, size[n], add)
		}
		bytes += m.Bytes
		o.replicas[n] = m.To
	}
	if bytes != plan.BytesToMove {
		return nil, fmt.Errorf("BytesToMove %d, moves add up to %d", plan.BytesToMove, bytes)
	}
	for n, rs := range o.replicas {
		for _, b := range rs {
			o.total[b]++
			if o.covered[n] {
				o.load[b]++
			} else {
				o.fixed[b]++
			}
		}
	}
	return o, nil
}

// invariants checks what every plan must hold: replica counts, distinct
// target brokers, limits, spreads, the rack rule, loads within one where
// nothing constrains them and no single move left that would even them out,
// few copies for a pure rebalance, and the evenest leaders (when few
// partitions let it try every choice).
func invariants(c rebalance.Cluster, g rebalance.Goal, plan *rebalance.Plan) error {
	o, err := apply(c, g.Topics, plan)
	if err != nil {
		return err
	}
	rack := map[int32]string{}
	limited := false
	for _, b := range c.Brokers {
		rack[b.ID] = b.Rack
		limited = limited || b.MaxReplicas > 0
	}
	racks := map[string]int{}
	for _, b := range o.targets {
		racks[rack[b]]++
	}
	var before, after [][]int32
	type movable struct {
		replicas []int32
		perRack  int
	}
	var moves []movable
	for _, p := range c.Partitions {
		n := name(p.Topic, p.Partition)
		if !o.covered[n] {
			continue
		}
		rs := o.replicas[n]
		before, after = append(before, p.Replicas), append(after, rs)
		want := len(p.Replicas)
		if g.ReplicationFactor > 0 {
			want = g.ReplicationFactor
		}
		if len(rs) != want {
			return fmt.Errorf("%s: %d replicas %v, want %d", n, len(rs), rs, want)
		}
		perRack := map[string]int{}
		for i, b := range rs {
			if slices.Contains(rs[:i], b) {
				return fmt.Errorf("%s: broker %d twice in %v", n, b, rs)
			}
			if !slices.Contains(o.targets, b) {
				return fmt.Errorf("%s: broker %d in %v is not a target %v", n, b, rs, o.targets)
			}
			perRack[rack[b]]++
		}
		m := 1
		for fit(racks, m) < want {
			m++
		}
		moves = append(moves, movable{rs, m})
		// Rack rule: no rack holds more than the fewest that still fits.
		if !limited {
			for r, k := range perRack {
				if k > m {
					return fmt.Errorf("%s: %d replicas in rack %q (%v), at most %d fit", n, k, r, rs, m)
				}
			}
		}
	}
	for _, b := range c.Brokers {
		if b.MaxReplicas > 0 && o.total[b.ID] > b.MaxReplicas && o.total[b.ID] > o.fixed[b.ID] {
			return fmt.Errorf("broker %d holds %d replicas, limit %d", b.ID, o.total[b.ID], b.MaxReplicas)
		}
	}
	if err := sameSpread("Before", plan.Before, before, c); err != nil {
		return err
	}
	if err := sameSpread("After", plan.After, after, c); err != nil {
		return err
	}
	// Without rack constraints any broker two replicas short of another
	// can take one of its partitions, unless it is full.
	if len(racks) == 1 || len(racks) == len(o.targets) {
		for _, a := range o.targets {
			for _, b := range o.targets {
				full := false
				for _, br := range c.Brokers {
					full = full || br.ID == b && br.MaxReplicas > 0 && o.total[b] >= br.MaxReplicas
				}
				if o.load[a]-o.load[b] >= 2 && !full {
					return fmt.Errorf("broker %d has %d replicas, broker %d %d and room", a, o.load[a], b, o.load[b])
				}
			}
		}
	}
	// Minimal movement: with nothing but balance to reach, a plan copies at
	// most each broker's excess over an even share. (Replicas that must leave
	// brokers can force more: a partition may fit only on a busy broker.)
	stays := true
	for b, n := range plan.Before.Replicas {
		stays = stays && (n == 0 || slices.Contains(o.targets, b))
	}
	if stays && (len(racks) == 1 || len(racks) == len(o.targets)) && !limited && g.ReplicationFactor == 0 {
		total, bound := 0, 0
		for _, b := range o.targets {
			total += o.load[b]
		}
		for _, b := range o.targets {
			bound += max(0, plan.Before.Replicas[b]-total/len(o.targets))
		}
		copied := 0
		for _, m := range plan.Moves {
			for _, b := range m.To {
				if !slices.Contains(m.From, b) {
					copied++
				}
			}
		}
		if copied > bound {
			return fmt.Errorf("copied %d replicas, at most %d are needed", copied, bound)
		}
	}
	// Balancing ends when no single move narrows a gap of two or more.
	full := func(b int32) bool {
		i := slices.IndexFunc(c.Brokers, func(br rebalance.Broker) bool { return br.ID == b })
		return c.Brokers[i].MaxReplicas > 0 && o.total[b] >= c.Brokers[i].MaxReplicas
	}
	for _, mv := range moves {
		for _, a := range mv.replicas {
			for _, b := range o.targets {
				if o.load[a]-o.load[b] < 2 || full(b) || slices.Contains(mv.replicas, b) {
					continue
				}
				inRack := 0
				for _, x := range mv.replicas {
					if x != a && rack[x] == rack[b] {
						inRack++
					}
				}
				if inRack < mv.perRack {
					return fmt.Errorf("%v could move from broker %d (%d replicas) to %d (%d)", mv.replicas, a, o.load[a], b, o.load[b])
				}
			}
		}
	}
	if best, ok := evenestLeaders(after, o.targets); ok {
		if _, got := plan.After.Skew(o.targets); got > best {
			return fmt.Errorf("leader skew %d, %d is possible: %v", got, best, plan.After.Leaders)
		}
	}
	return nil
}

// fit counts the replicas racks of the given sizes hold at m per rack.
func fit(racks map[string]int, m int) int {
	n := 0
	for _, size := range racks {
		n += min(m, size)
	}
	return n
}

func sameSpread(which string, s rebalance.Spread, lists [][]int32, c rebalance.Cluster) error {
	want := rebalance.Spread{Replicas: map[int32]int{}, Leaders: map[int32]int{}}
	for _, b := range c.Brokers {
		want.Replicas[b.ID], want.Leaders[b.ID] = 0, 0
	}
	for _, l := range lists {
		for i, b := range l {
			want.Replicas[b]++
			want.Leaders[b] += 0
			if i == 0 {
				want.Leaders[b]++
			}
		}
	}
	if !reflect.DeepEqual(s, want) {
		return fmt.Errorf("%s spread %+v, want %+v", which, s, want)
	}
	return nil
}

// evenestLeaders tries every choice of leaders (when there are few) and
// returns the smallest leader skew over targets any choice reaches.
func evenestLeaders(lists [][]int32, targets []int32) (int, bool) {
	choices := 1
	for _, l := range lists {
		if choices *= len(l); choices > 20000 {
			return 0, false
		}
	}
	best := -1
	pick := make([]int, len(lists))
	for {
		counts := map[int32]int{}
		for i, l := range lists {
			counts[l[pick[i]]]++
		}
		hi, lo := 0, int(^uint(0)>>1)
		for _, b := range targets {
			hi, lo = max(hi, counts[b]), min(lo, counts[b])
		}
		if len(targets) > 0 && (best < 0 || hi-lo < best) {
			best = hi - lo
		}
		i := 0
		for ; i < len(lists); i++ {
			if pick[i]++; pick[i] < len(lists[i]) {
				break
			}
			pick[i] = 0
		}
		if i == len(lists) {
			return best, best >= 0
		}
	}
}

// checkError fails unless err is a *streamplane.Error with code and field.
func checkError(t *testing.T, err error, code, field string) {
	t.Helper()
	var e *streamplane.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want %s on %q", err, code, field)
	}
	if e.Code != code || e.Field != field || e.Message == "" {
		t.Fatalf("err = %v, want %s on %q", err, code, field)
	}
}
