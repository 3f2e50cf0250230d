package rebalance_test

import (
	"slices"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/rebalance"
)

const mb = int64(1 << 20)

// moved counts the replicas a plan copies: those To adds.
func moved(plan *rebalance.Plan) int {
	n := 0
	for _, m := range plan.Moves {
		for _, b := range m.To {
			if !slices.Contains(m.From, b) {
				n++
			}
		}
	}
	return n
}

// plan runs PlanFor, fails on an error or a broken invariant and returns
// the plan and its skews after.
func plan(t *testing.T, c rebalance.Cluster, g rebalance.Goal) (*rebalance.Plan, int, int) {
	t.Helper()
	p, err := rebalance.PlanFor(c, g)
	if err != nil {
		t.Fatalf("PlanFor: %v", err)
	}
	if err := invariants(c, g, p); err != nil {
		t.Fatal(err)
	}
	r, l := p.After.Skew(p.Brokers)
	return p, r, l
}

func TestPlanFor(t *testing.T) {
	t.Run("BalancedStays", func(t *testing.T) {
		c := rebalance.Cluster{Brokers: brokers("a", "b", "c"),
			Partitions: append(roundRobin("orders", 6, 3, mb, 1, 2, 3), roundRobin("audit", 3, 2, mb, 1, 2, 3)...)}
		p, _, _ := plan(t, c, rebalance.Goal{})
		if len(p.Moves) != 0 || p.BytesToMove != 0 {
			t.Fatalf("moves %+v, want none", p.Moves)
		}
	})

	t.Run("ScaleOut3To5", func(t *testing.T) {
		c := rebalance.Cluster{Brokers: brokers("", "", "", "", ""), Partitions: roundRobin("orders", 30, 3, mb, 1, 2, 3)}
		p, r, l := plan(t, c, rebalance.Goal{})
		if r > 1 || l > 1 {
			t.Errorf("skew after: replicas %d, leaders %d; spread %+v", r, l, p.After)
		}
		// 90 replicas over 5 brokers: the new two need 36, 2/5 of them.
		if got := moved(p); got > 36 {
			t.Errorf("moved %d replicas, at most 36 are needed", got)
		}
		if got, want := p.BytesToMove, int64(moved(p))*mb; got != want {
			t.Errorf("BytesToMove = %d, want %d", got, want)
		}
		if p.Before.Replicas[4] != 0 || p.After.Replicas[4] != 18 || p.After.Replicas[5] != 18 {
			t.Errorf("spread before %+v after %+v", p.Before, p.After)
		}
	})

	t.Run("ScaleOut3To5ThreeRacks", func(t *testing.T) {
		// Zones round-robin: broker 3 is alone in zone c, so it keeps a
		// replica of every partition and only zones a and b even out.
		c := rebalance.Cluster{Brokers: brokers("a", "b", "c", "a", "b"), Partitions: roundRobin("orders", 30, 3, mb, 1, 2, 3)}
		p, _, l := plan(t, c, rebalance.Goal{})
		want := map[int32]int{1: 15, 2: 15, 3: 30, 4: 15, 5: 15}
		for b, n := range want {
			if p.After.Replicas[b] != n {
				t.Errorf("broker %d: %d replicas, want %d (%+v)", b, p.After.Replicas[b], n, p.After.Replicas)
			}
		}
		if got := moved(p); got != 30 {
			t.Errorf("moved %d replicas, want 30", got)
		}
		if l > 1 {
			t.Errorf("leader skew %d: %+v", l, p.After.Leaders)
		}
	})

	t.Run("ScaleOut3To6ThreeRacks", func(t *testing.T) {
		c := rebalance.Cluster{Brokers: brokers("a", "b", "c", "a", "b", "c"), Partitions: roundRobin("orders", 20, 3, mb, 1, 2, 3)}
		p, r, l := plan(t, c, rebalance.Goal{})
		if r > 1 || l > 1 {
			t.Errorf("skew replicas %d leaders %d: %+v", r, l, p.After)
		}
		if got := moved(p); got != 30 {
			t.Errorf("moved %d replicas, want 30", got)
		}
	})

	t.Run("ScaleOutRF2ThreeRacks", func(t *testing.T) {
		c := rebalance.Cluster{Brokers: brokers("a", "b", "c", "a", "b"), Partitions: roundRobin("orders", 25, 2, mb, 1, 2, 3)}
		p, r, l := plan(t, c, rebalance.Goal{})
		if r > 1 || l > 1 {
			t.Errorf("skew replicas %d leaders %d: %+v", r, l, p.After)
		}
	})

	t.Run("Drain5To3", func(t *testing.T) {
		c := rebalance.Cluster{Brokers: brokers("a", "b", "c", "a", "b"),
			Partitions: roundRobin("orders", 30, 3, mb, 1, 2, 3, 4, 5)}
		p, r, l := plan(t, c, rebalance.Goal{Drain: []int32{4, 5}})
		if r != 0 || l != 0 {
			t.Errorf("skew replicas %d leaders %d: %+v", r, l, p.After)
		}
		if p.After.Replicas[4] != 0 || p.After.Replicas[5] != 0 || p.Before.Replicas[4] != 18 {
			t.Errorf("drained brokers: before %+v after %+v", p.Before, p.After)
		}
		// Only the 36 replicas on 4 and 5 move.
		if got := moved(p); got != 36 {
			t.Errorf("moved %d replicas, want 36", got)
		}
		if !slices.Equal(p.Brokers, []int32{1, 2, 3}) {
			t.Errorf("Brokers = %v", p.Brokers)
		}
	})

	t.Run("ReplicationFactor1To3", func(t *testing.T) {
		c := rebalance.Cluster{Brokers: brokers("a", "b", "c"), Partitions: roundRobin("orders", 9, 1, mb, 1, 2, 3)}
		p, r, l := plan(t, c, rebalance.Goal{ReplicationFactor: 3})
		if r != 0 || l != 0 {
			t.Errorf("skew replicas %d leaders %d", r, l)
		}
		if got, want := p.BytesToMove, 18*mb; got != want {
			t.Errorf("BytesToMove = %d, want %d", got, want)
		}
		for _, m := range p.Moves {
			if m.To[0] != m.From[0] {
				t.Errorf("%s-%d: leader %d became %d", m.Topic, m.Partition, m.From[0], m.To[0])
			}
		}
	})

	t.Run("ReplicationFactor3To2", func(t *testing.T) {
		c := rebalance.Cluster{Brokers: brokers("a", "b", "c", "a"), Partitions: roundRobin("orders", 12, 3, mb, 1, 2, 3, 4)}
		p, r, l := plan(t, c, rebalance.Goal{ReplicationFactor: 2})
		if r > 1 || l > 1 {
			t.Errorf("skew replicas %d leaders %d: %+v", r, l, p.After)
		}
		if p.BytesToMove != 0 {
			t.Errorf("BytesToMove = %d, want 0: dropping replicas copies nothing", p.BytesToMove)
		}
	})

	t.Run("LeadersOnly", func(t *testing.T) {
		// Every partition led by broker 1: reorders fix it without copying.
		var ps []rebalance.Partition
		for i := range 6 {
			ps = append(ps, rebalance.Partition{Topic: "orders", Partition: int32(i), Replicas: []int32{1, 2, 3}, SizeBytes: mb})
		}
		c := rebalance.Cluster{Brokers: brokers("a", "b", "c"), Partitions: ps}
		p, _, l := plan(t, c, rebalance.Goal{})
		if l != 0 || p.BytesToMove != 0 || len(p.Moves) != 4 {
			t.Errorf("leader skew %d, %d bytes, %d moves; want 0, 0, 4", l, p.BytesToMove, len(p.Moves))
		}
	})

	t.Run("OneTopicToBrokers", func(t *testing.T) {
		c := rebalance.Cluster{Brokers: brokers("a", "b", "c", "a"),
			Partitions: append(roundRobin("orders", 4, 3, mb, 1, 2, 3), roundRobin("audit", 4, 2, mb, 1, 2, 3)...)}
		g := rebalance.Goal{Topics: []string{"orders"}, Brokers: []int32{2, 3, 4}, ReplicationFactor: 2}
		p, r, l := plan(t, c, g)
		if r > 1 || l > 1 {
			t.Errorf("skew replicas %d leaders %d: %+v", r, l, p.After)
		}
		if _, ok := p.After.Replicas[1]; !ok || p.After.Replicas[1] != 0 {
			t.Errorf("broker 1 after: %+v", p.After.Replicas)
		}
	})

	t.Run("ChainAroundRacks", func(t *testing.T) {
		// Broker 5 has two replicas and broker 4 none, but both of 5's
		// partitions already have a replica in 4's zone: 5 gives one to 6,
		// and 6 one to 4.
		c := rebalance.Cluster{Brokers: brokers("c", "a", "c", "c", "b", "b"), Partitions: []rebalance.Partition{
			{Topic: "audit", Partition: 0, Replicas: []int32{3, 5}, SizeBytes: mb},
			{Topic: "audit", Partition: 1, Replicas: []int32{1, 5}, SizeBytes: mb},
			{Topic: "audit", Partition: 2, Replicas: []int32{6, 2}, SizeBytes: mb},
		}}
		p, r, _ := plan(t, c, rebalance.Goal{})
		if r != 0 || moved(p) != 2 {
			t.Errorf("skew %d after moving %d replicas, want 0 after 2: %+v", r, moved(p), p.Moves)
		}
	})

	t.Run("LostBroker", func(t *testing.T) {
		c := rebalance.Cluster{Brokers: brokers("", "", ""), Partitions: roundRobin("orders", 6, 2, mb, 1, 2, 9)}
		p, r, _ := plan(t, c, rebalance.Goal{})
		if p.Before.Replicas[9] != 4 || p.After.Replicas[9] != 0 || r > 0 {
			t.Errorf("before %+v after %+v", p.Before, p.After)
		}
	})

	t.Run("Limits", func(t *testing.T) {
		bs := brokers("", "", "", "")
		bs[3].MaxReplicas = 2 // a small new broker
		c := rebalance.Cluster{Brokers: bs, Partitions: roundRobin("orders", 12, 2, mb, 1, 2, 3)}
		p, _, _ := plan(t, c, rebalance.Goal{})
		if got := p.After.Replicas[4]; got != 2 {
			t.Errorf("broker 4 holds %d, want its limit 2: %+v", got, p.After.Replicas)
		}
	})

	t.Run("LimitCountsOtherTopics", func(t *testing.T) {
		bs := brokers("", "", "")
		bs[2].MaxReplicas = 5
		c := rebalance.Cluster{Brokers: bs, Partitions: append(roundRobin("audit", 4, 1, mb, 3), roundRobin("orders", 6, 1, mb, 1, 2)...)}
		p, _, _ := plan(t, c, rebalance.Goal{Topics: []string{"orders"}})
		if got := p.After.Replicas[3]; got != 1 {
			t.Errorf("broker 3 takes %d orders replicas, room for 1: %+v", got, p.After.Replicas)
		}
	})

	t.Run("OverLimitSheds", func(t *testing.T) {
		bs := brokers("", "", "")
		bs[0].MaxReplicas = 1
		c := rebalance.Cluster{Brokers: bs, Partitions: roundRobin("orders", 4, 1, mb, 1)}
		p, _, _ := plan(t, c, rebalance.Goal{})
		if got := p.After.Replicas[1]; got != 1 {
			t.Errorf("broker 1 keeps %d, limit 1", got)
		}
	})

	t.Run("Deterministic", func(t *testing.T) {
		c := rebalance.Cluster{Brokers: brokers("a", "b", "c", "a", "b"), Partitions: roundRobin("orders", 10, 3, mb, 1, 2, 3)}
		p1, _, _ := plan(t, c, rebalance.Goal{})
		slices.Reverse(c.Brokers)
		slices.Reverse(c.Partitions)
		p2, _, _ := plan(t, c, rebalance.Goal{})
		if !equalPlans(p1, p2) {
			t.Errorf("plans differ:\n%+v\n%+v", p1, p2)
		}
	})
}

func TestPlanForErrors(t *testing.T) {
	three := rebalance.Cluster{Brokers: brokers("a", "b", "c"), Partitions: roundRobin("orders", 3, 3, mb, 1, 2, 3)}
	limited := rebalance.Cluster{Brokers: []rebalance.Broker{{ID: 1, MaxReplicas: 4}, {ID: 2, MaxReplicas: 4}, {ID: 3}, {ID: 4}},
		Partitions: roundRobin("orders", 6, 2, mb, 1, 2, 3, 4)}
	for _, tc := range []struct {
		name        string
		c           rebalance.Cluster
		g           rebalance.Goal
		code, field string
	}{
		{"UnknownTarget", three, rebalance.Goal{Brokers: []int32{1, 7}}, streamplane.EINVALID, "brokers"},
		{"UnknownDrain", three, rebalance.Goal{Drain: []int32{7}}, streamplane.EINVALID, "drain"},
		{"TargetDrained", three, rebalance.Goal{Brokers: []int32{1, 2}, Drain: []int32{2}}, streamplane.EINVALID, "drain"},
		{"DrainAll", three, rebalance.Goal{Drain: []int32{1, 2, 3}}, streamplane.EINVALID, "drain"},
		{"DrainBelowReplicas", three, rebalance.Goal{Drain: []int32{3}}, streamplane.ELIMIT, "drain"},
		{"DrainOverLimits", limited, rebalance.Goal{Drain: []int32{3, 4}}, streamplane.ELIMIT, "drain"},
		{"GrowOverLimits", limited, rebalance.Goal{Brokers: []int32{1, 2, 3}, ReplicationFactor: 3}, streamplane.ELIMIT, "replicas"},
		{"TooFewTargets", three, rebalance.Goal{Brokers: []int32{1, 2}}, streamplane.EINVALID, "brokers"},
		{"ReplicasOverBrokers", three, rebalance.Goal{ReplicationFactor: 4}, streamplane.EINVALID, "replicas"},
		{"ReplicasNegative", three, rebalance.Goal{ReplicationFactor: -1}, streamplane.EINVALID, "replicas"},
		{"UnknownTopic", three, rebalance.Goal{Topics: []string{"nope"}}, streamplane.ENOTFOUND, "topics"},
		{"NoBrokers", rebalance.Cluster{}, rebalance.Goal{}, streamplane.EINVALID, "brokers"},
		{"DuplicateBroker", rebalance.Cluster{Brokers: []rebalance.Broker{{ID: 1}, {ID: 1}}}, rebalance.Goal{}, streamplane.EINVALID, "brokers"},
		{"NegativeLimit", rebalance.Cluster{Brokers: []rebalance.Broker{{ID: 1, MaxReplicas: -1}}}, rebalance.Goal{}, streamplane.EINVALID, "brokers"},
		{"DuplicatePartition", rebalance.Cluster{Brokers: brokers(""), Partitions: append(roundRobin("t", 1, 1, 0, 1), roundRobin("t", 1, 1, 0, 1)...)},
			rebalance.Goal{}, streamplane.EINVALID, "partitions"},
		{"NoReplicas", rebalance.Cluster{Brokers: brokers(""), Partitions: []rebalance.Partition{{Topic: "t"}}}, rebalance.Goal{}, streamplane.EINVALID, "partitions"},
		{"ReplicaTwice", rebalance.Cluster{Brokers: brokers(""), Partitions: []rebalance.Partition{{Topic: "t", Replicas: []int32{1, 1}}}},
			rebalance.Goal{}, streamplane.EINVALID, "partitions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := rebalance.PlanFor(tc.c, tc.g)
			if p != nil {
				t.Errorf("plan = %+v, want nil", p)
			}
			checkError(t, err, tc.code, tc.field)
		})
	}
}

func equalPlans(a, b *rebalance.Plan) bool {
	if len(a.Moves) != len(b.Moves) || a.BytesToMove != b.BytesToMove || !slices.Equal(a.Brokers, b.Brokers) {
		return false
	}
	for i := range a.Moves {
		x, y := a.Moves[i], b.Moves[i]
		if x.Topic != y.Topic || x.Partition != y.Partition || !slices.Equal(x.From, y.From) || !slices.Equal(x.To, y.To) || x.Bytes != y.Bytes {
			return false
		}
	}
	return true
}
