package rebalance_test

import (
	"slices"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/rebalance"
)

func TestCheckManual(t *testing.T) {
	c := rebalance.Cluster{Brokers: brokers("a", "b", "c", "a"), Partitions: roundRobin("orders", 3, 2, mb, 1, 2, 3)}

	t.Run("OK", func(t *testing.T) {
		p, err := rebalance.CheckManual(c, []rebalance.Assignment{
			{Topic: "orders", Partition: 2, Replicas: []int32{4, 1, 2}}, // was [3 1]: adds 4 and 2
			{Topic: "orders", Partition: 0, Replicas: []int32{1, 2}},    // unchanged: no move
			{Topic: "orders", Partition: 1, Replicas: []int32{3, 2}},    // reorder: no bytes
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Moves) != 2 || p.Moves[0].Partition != 1 || p.Moves[1].Partition != 2 {
			t.Fatalf("moves %+v, want partitions 1 and 2", p.Moves)
		}
		if got, want := p.Moves[0].Bytes, int64(0); got != want {
			t.Errorf("reorder Bytes = %d, want %d", got, want)
		}
		if got, want := p.BytesToMove, 2*mb; got != want {
			t.Errorf("BytesToMove = %d, want %d", got, want)
		}
		if !slices.Equal(p.Brokers, []int32{1, 2, 3, 4}) {
			t.Errorf("Brokers = %v", p.Brokers)
		}
		if p.Before.Replicas[4] != 0 || p.After.Replicas[4] != 1 || p.After.Leaders[4] != 1 || p.After.Replicas[2] != 3 {
			t.Errorf("before %+v after %+v", p.Before, p.After)
		}
		if err := invariantsManual(c, p); err != nil {
			t.Error(err)
		}
	})

	t.Run("OverLimitMayShrink", func(t *testing.T) {
		bs := brokers("", "")
		bs[0].MaxReplicas = 1 // already holds 2
		c := rebalance.Cluster{Brokers: bs, Partitions: roundRobin("orders", 3, 1, mb, 1, 1, 2)}
		if _, err := rebalance.CheckManual(c, []rebalance.Assignment{{Topic: "orders", Partition: 0, Replicas: []int32{2}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := rebalance.CheckManual(c, []rebalance.Assignment{{Topic: "orders", Partition: 0, Replicas: []int32{2, 1}}}); err != nil {
			t.Fatalf("keeping broker 1 at 2 replicas: %v", err)
		}
		_, err := rebalance.CheckManual(c, []rebalance.Assignment{{Topic: "orders", Partition: 2, Replicas: []int32{2, 1}}})
		checkError(t, err, streamplane.ELIMIT, "assignments")
	})

	limited := rebalance.Cluster{Brokers: []rebalance.Broker{{ID: 1}, {ID: 2}, {ID: 3, MaxReplicas: 2}}, Partitions: roundRobin("orders", 3, 2, mb, 1, 2, 3)}
	for _, tc := range []struct {
		name        string
		c           rebalance.Cluster
		as          []rebalance.Assignment
		code, field string
	}{
		{"Empty", c, nil, streamplane.EINVALID, "assignments"},
		{"UnknownPartition", c, []rebalance.Assignment{{Topic: "orders", Partition: 3, Replicas: []int32{1}}}, streamplane.EINVALID, "assignments"},
		{"UnknownTopic", c, []rebalance.Assignment{{Topic: "nope", Replicas: []int32{1}}}, streamplane.EINVALID, "assignments"},
		{"Twice", c, []rebalance.Assignment{{Topic: "orders", Replicas: []int32{1}}, {Topic: "orders", Replicas: []int32{2}}}, streamplane.EINVALID, "assignments"},
		{"NoReplicas", c, []rebalance.Assignment{{Topic: "orders"}}, streamplane.EINVALID, "assignments"},
		{"BrokerTwice", c, []rebalance.Assignment{{Topic: "orders", Replicas: []int32{1, 2, 1}}}, streamplane.EINVALID, "assignments"},
		{"UnknownBroker", c, []rebalance.Assignment{{Topic: "orders", Replicas: []int32{1, 9}}}, streamplane.EINVALID, "assignments"},
		{"OverLimit", limited, []rebalance.Assignment{{Topic: "orders", Partition: 0, Replicas: []int32{1, 2, 3}}}, streamplane.ELIMIT, "assignments"},
		{"BadCluster", rebalance.Cluster{}, []rebalance.Assignment{{Topic: "orders", Replicas: []int32{1}}}, streamplane.EINVALID, "brokers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := rebalance.CheckManual(tc.c, tc.as)
			if p != nil {
				t.Errorf("plan = %+v, want nil", p)
			}
			checkError(t, err, tc.code, tc.field)
		})
	}
}

// invariantsManual checks a manual plan's bookkeeping: moves, bytes and
// spreads over the assigned partitions.
func invariantsManual(c rebalance.Cluster, p *rebalance.Plan) error {
	if _, err := apply(c, nil, p); err != nil {
		return err
	}
	var before, after [][]int32
	for _, part := range c.Partitions {
		before, after = append(before, part.Replicas), append(after, part.Replicas)
		for _, m := range p.Moves {
			if m.Topic == part.Topic && m.Partition == part.Partition {
				after[len(after)-1] = m.To
			}
		}
	}
	if err := sameSpread("Before", p.Before, before, c); err != nil {
		return err
	}
	return sameSpread("After", p.After, after, c)
}
