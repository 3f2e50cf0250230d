package rebalance

import "slices"

// balanceLeaders picks each partition's preferred leader among its replicas:
// the current leader where it stays, then shifts leadership along chains
// (partition led by a, also on b; partition led by b, also on c; …) from a
// broker to one with at least two leaders fewer until no chain is left. A
// placement without such chains has the evenest leader counts its replica
// lists allow (the semi-matching optimality condition).
func (p *planner) balanceLeaders() {
	led := make([][]*part, len(p.targets)) // the partitions each target leads, in order
	for _, pt := range p.parts {
		if b, ok := p.pos[pt.orig.Replicas[0]]; ok {
			if i := slices.Index(pt.replicas, b); i > 0 {
				lead(pt, i)
			}
		}
		led[pt.replicas[0]] = append(led[pt.replicas[0]], pt)
	}
	for shiftLeader(led) {
	}
}

// lead makes pt's replica at i its preferred leader, keeping the others in
// order.
func lead(pt *part, i int) {
	b := pt.replicas[i]
	copy(pt.replicas[1:i+1], pt.replicas[:i])
	pt.replicas[0] = b
}

// shiftLeader shifts one leadership along the shortest chain it finds,
// trying the brokers with most leaders first.
func shiftLeader(led [][]*part) bool {
	leads := make([]int, len(led))
	for b, l := range led {
		leads[b] = len(l)
	}
	low := slices.Min(leads)
	for _, src := range byLoad(leads, true) {
		if leads[src]-low < 2 {
			break
		}
		prev := make([]*part, len(led))
		from := make([]int, len(led))
		seen := make([]bool, len(led))
		seen[src] = true
		queue := []int{src}
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			for _, pt := range led[u] {
				for _, v := range pt.replicas[1:] {
					if seen[v] {
						continue
					}
					seen[v], prev[v], from[v] = true, pt, u
					if leads[src]-leads[v] < 2 {
						queue = append(queue, v)
						continue
					}
					for w := v; w != src; w = from[w] {
						pt := prev[w]
						led[from[w]] = removePart(led[from[w]], pt)
						led[w] = insertPart(led[w], pt)
						lead(pt, slices.Index(pt.replicas, w))
					}
					return true
				}
			}
		}
	}
	return false
}
