package rebalance_test

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/rebalance"
)

// randomCase draws a small cluster and goal: up to 8 brokers (one case in
// five 16) on no racks, round-robin zones or random zones, some with
// limits, up to three topics of up to 8 partitions (or 40) with replicas on
// random brokers (now and then a lost one).
func randomCase(r *rand.Rand) (rebalance.Cluster, rebalance.Goal) {
	var c rebalance.Cluster
	maxBrokers, maxPartitions, maxLimit := 8, 8, 12
	if r.IntN(5) == 0 {
		maxBrokers, maxPartitions, maxLimit = 16, 40, 60
	}
	n := 1 + r.IntN(maxBrokers)
	zones := []string{"a", "b", "c"}
	mode := r.IntN(3)
	limited := r.IntN(4) == 0
	for i := range n {
		b := rebalance.Broker{ID: int32(i + 1)}
		switch mode {
		case 1:
			b.Rack = zones[i%3]
		case 2:
			b.Rack = zones[r.IntN(3)]
		}
		if limited && r.IntN(2) == 0 {
			b.MaxReplicas = 1 + r.IntN(maxLimit)
		}
		c.Brokers = append(c.Brokers, b)
	}
	topics := []string{"audit", "orders", "clicks"}[:1+r.IntN(3)]
	for _, t := range topics {
		rf := 1 + r.IntN(min(3, n))
		for p := range 1 + r.IntN(maxPartitions) {
			part := rebalance.Partition{Topic: t, Partition: int32(p), SizeBytes: int64(r.IntN(1000))}
			for _, i := range r.Perm(n + 1)[:rf] {
				id := int32(i + 1)
				if i == n && r.IntN(3) > 0 {
					continue // broker n+1 is lost; keep it rare
				}
				part.Replicas = append(part.Replicas, id)
			}
			if len(part.Replicas) == 0 {
				part.Replicas = []int32{1}
			}
			c.Partitions = append(c.Partitions, part)
		}
	}
	var g rebalance.Goal
	if r.IntN(3) == 0 {
		g.Topics = topics[:1]
	}
	switch r.IntN(4) {
	case 1:
		g.Drain = []int32{int32(1 + r.IntN(n))}
	case 2:
		for _, i := range r.Perm(n)[:1+r.IntN(n)] {
			g.Brokers = append(g.Brokers, int32(i+1))
		}
	}
	if r.IntN(3) == 0 {
		g.ReplicationFactor = 1 + r.IntN(3)
	}
	return c, g
}

// check runs PlanFor and holds it to the invariants: a plan that keeps them,
// the same plan for the same cluster listed in another order, or an
// application error; without limits, no ELIMIT unless partitions outnumber
// the brokers left.
func check(c rebalance.Cluster, g rebalance.Goal, shuffle func(int, func(int, int))) error {
	plan, err := rebalance.PlanFor(c, g)
	if err != nil {
		var e *streamplane.Error
		if !errors.As(err, &e) || e.Field == "" || e.Message == "" {
			return errors.New("not a streamplane error naming a field: " + err.Error())
		}
		switch e.Code {
		case streamplane.EINVALID, streamplane.ENOTFOUND:
		case streamplane.ELIMIT:
			if !slices.ContainsFunc(c.Brokers, func(b rebalance.Broker) bool { return b.MaxReplicas > 0 }) && len(g.Drain) == 0 {
				return errors.New("ELIMIT without limits or drain: " + err.Error())
			}
		default:
			return err
		}
		return nil
	}
	if err := invariants(c, g, plan); err != nil {
		return err
	}
	shuffled := rebalance.Cluster{Brokers: slices.Clone(c.Brokers), Partitions: slices.Clone(c.Partitions)}
	shuffle(len(shuffled.Brokers), func(i, j int) { shuffled.Brokers[i], shuffled.Brokers[j] = shuffled.Brokers[j], shuffled.Brokers[i] })
	shuffle(len(shuffled.Partitions), func(i, j int) {
		shuffled.Partitions[i], shuffled.Partitions[j] = shuffled.Partitions[j], shuffled.Partitions[i]
	})
	again, err := rebalance.PlanFor(shuffled, g)
	if err != nil {
		return errors.New("shuffled input fails: " + err.Error())
	}
	if !reflect.DeepEqual(plan, again) {
		return errors.New("shuffled input plans differently")
	}
	return nil
}

func TestPlanForProperties(t *testing.T) {
	count := 3000
	if testing.Short() {
		count = 500
	}
	r := rand.New(rand.NewPCG(9, 2026))
	for i := range count {
		c, g := randomCase(r)
		if err := check(c, g, r.Shuffle); err != nil {
			t.Fatalf("case %d: %v\ncluster %+v\ngoal %+v", i, err, c, g)
		}
	}
}

// FuzzPlanFor decodes bytes into a small cluster and goal and checks that
// PlanFor never panics and keeps its invariants.
func FuzzPlanFor(f *testing.F) {
	f.Add([]byte{3, 0, 0, 0, 3, 1, 2, 3, 2, 2, 3, 3, 1, 0, 0})
	f.Add([]byte{5, 1, 2, 3, 1, 2, 6, 3, 1, 2, 3, 3, 2, 3, 4, 3, 3, 4, 5, 1, 4, 0})
	f.Add([]byte{4, 0, 7, 0, 0, 4, 2, 1, 2, 2, 2, 3, 2, 3, 4, 2, 4, 1, 2, 1, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, g := decodeCase(data)
		r := rand.New(rand.NewPCG(uint64(len(data)), 1))
		if err := check(c, g, r.Shuffle); err != nil {
			t.Fatalf("%v\ncluster %+v\ngoal %+v", err, c, g)
		}
	})
}

// decodeCase reads: broker count; per broker a byte (rack in the low two
// bits, 0 = none; limit in the rest); partition count; per partition a
// replica count and that many broker ids; then drain, target and replica
// count bytes. Missing bytes read as zero and values are bounded, so every
// input is a small cluster.
func decodeCase(data []byte) (rebalance.Cluster, rebalance.Goal) {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return int(b)
	}
	var c rebalance.Cluster
	n := 1 + next()%8
	for i := range n {
		v := next()
		b := rebalance.Broker{ID: int32(i + 1), MaxReplicas: (v >> 2) % 16}
		if v&3 > 0 {
			b.Rack = string(rune('a' + v&3))
		}
		c.Brokers = append(c.Brokers, b)
	}
	for p := range next() % 16 {
		part := rebalance.Partition{Topic: []string{"audit", "orders"}[p%2], Partition: int32(p / 2), SizeBytes: int64(p)}
		for range next() % 5 {
			part.Replicas = append(part.Replicas, int32(next()%(n+2)))
		}
		c.Partitions = append(c.Partitions, part)
	}
	var g rebalance.Goal
	if d := next() % (n + 2); d > 0 {
		g.Drain = []int32{int32(d)}
	}
	for bits, id := next(), int32(1); bits > 0; bits, id = bits>>1, id+1 {
		if bits&1 == 1 {
			g.Brokers = append(g.Brokers, id)
		}
	}
	g.ReplicationFactor = next() % 5
	if next()%2 == 1 {
		g.Topics = []string{"orders"}
	}
	return c, g
}
