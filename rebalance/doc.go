// Package rebalance plans partition reassignments: where each partition's
// replicas should live after a scale-out, a scale-in (draining brokers), a
// topic reassignment or a manual plan. It is pure: it reads a Cluster (the
// brokers, their racks and limits, and where every replica is now) and
// returns a Plan; running the plan (Kafka's AlterPartitionReassignments,
// KIP-455) is someone else's job.
//
//	PlanFor(c, Goal{})                                  // scale-out: even out over all brokers
//	PlanFor(c, Goal{Drain: []int32{4, 5}})              // scale-in: empty brokers 4 and 5
//	PlanFor(c, Goal{Topics: []string{"orders"},
//		Brokers: []int32{1, 2, 3}, ReplicationFactor: 2}) // automatic topic reassignment
//	CheckManual(c, []Assignment{{Topic: "orders", Partition: 0, Replicas: []int32{3, 1}}})
//
// PlanFor's rules, most important first:
//
//   - Each covered partition ends with its replica count (or the goal's) on
//     distinct target brokers, and no broker ends over its MaxReplicas, which
//     counts uncovered partitions too. When that cannot be done the goal is
//     refused (ELIMIT naming drain, replicas or brokers).
//   - Rack awareness: a rack holds at most the fewest replicas of a partition
//     that still fit, so one each when there are at least as many racks as
//     replicas and an even share otherwise. Only a lack of room can break it.
//   - Minimal movement: replicas on targets stay unless the rules above or
//     balance need them elsewhere; surplus replicas leave the busiest brokers.
//   - Balance: replicas move from busier to idler brokers until no move, nor
//     chain of moves through brokers in between, that keeps the rules above
//     narrows a gap of two or more. Without racks or limits in the way,
//     counts per target then differ by at most one; with uneven zones (say a
//     zone with one broker and replicas in every zone) they differ as the
//     zones force. Among equal moves, the one that evens out the topic wins.
//   - Leaders: each partition keeps its preferred leader (first replica) if
//     it stays, and leadership then shifts until leader counts are as even as
//     the replica lists allow. A reorder of the same brokers is a move of 0
//     bytes.
//
// A goal covers its topics' partitions (all of them when Topics is empty) and
// moves nothing else, so a scale-in must cover every topic, Kafka's internal
// ones included, to leave its brokers empty. Replicas on brokers missing from
// the Cluster (lost ones) are moved off like drained ones.
//
// Spreads count only the covered partitions (a topic reassignment shows that
// topic's spread) and list every broker of the cluster. Output is sorted and
// does not depend on the order of the input.
package rebalance
