package rebalance_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/streamplane/streamplane/rebalance"
)

// BenchmarkPlanFor times plans for a large instance: 3,000 partitions of
// three replicas on 9 brokers in three zones, as one topic or a hundred, with
// zones round-robin or at random.
func BenchmarkPlanFor(b *testing.B) {
	for _, topics := range []int{1, 100} {
		for _, zones := range []string{"round-robin", "random"} {
			var ps []rebalance.Partition
			for i := range topics {
				ps = append(ps, roundRobin(fmt.Sprintf("topic-%03d", i), 3000/topics, 3, mb, ids(1, 9)...)...)
			}
			r := rand.New(rand.NewPCG(1, 2))
			var racks []string
			for i := range 12 {
				if zones == "random" {
					i = r.IntN(3)
				}
				racks = append(racks, string(rune('a'+i%3)))
			}
			c := rebalance.Cluster{Brokers: brokers(racks...), Partitions: ps}
			for _, goal := range []struct {
				name string
				g    rebalance.Goal
			}{
				{"ScaleOut9To12", rebalance.Goal{}},
				{"Drain3", rebalance.Goal{Drain: []int32{7, 8, 9}}},
				{"Replicas2", rebalance.Goal{ReplicationFactor: 2}},
			} {
				b.Run(fmt.Sprintf("Topics%d/%s/%s", topics, zones, goal.name), func(b *testing.B) {
					for b.Loop() {
						if _, err := rebalance.PlanFor(c, goal.g); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
