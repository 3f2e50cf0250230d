package rebalance

import "slices"

// Spread counts, per broker, the replicas and the preferred leaders (first
// replicas) of the partitions a plan covers. Every broker of the cluster has
// an entry, as does any broker that held a replica without being listed.
type Spread struct {
	Replicas map[int32]int `json:"replicas"`
	Leaders  map[int32]int `json:"leaders"`
}

// spreadOf counts the replica lists over the given brokers and any others the
// lists name.
func spreadOf(brokers []int32, lists [][]int32) Spread {
	s := Spread{Replicas: make(map[int32]int), Leaders: make(map[int32]int)}
	for _, b := range brokers {
		s.Replicas[b], s.Leaders[b] = 0, 0
	}
	for _, l := range lists {
		for i, b := range l {
			s.Replicas[b]++
			if i == 0 {
				s.Leaders[b]++
			} else if _, ok := s.Leaders[b]; !ok {
				s.Leaders[b] = 0
			}
		}
	}
	return s
}

// Skew returns the largest difference, between two of the given brokers, in
// replicas and in leaders: 0 or 1 is as even as a count can be. Call it with
// a plan's Brokers, since drained brokers end with nothing.
func (s Spread) Skew(brokers []int32) (replicas, leaders int) {
	return skew(s.Replicas, brokers), skew(s.Leaders, brokers)
}

func skew(counts map[int32]int, brokers []int32) int {
	if len(brokers) == 0 {
		return 0
	}
	n := make([]int, len(brokers))
	for i, b := range brokers {
		n[i] = counts[b]
	}
	return slices.Max(n) - slices.Min(n)
}
