package rebalance

import "slices"

// balanceLeaders picks each partition's preferred leader among its replicas:
// the current leader where it stays, then shifts leadership along chains
// (partition led by a, also on b; partition led by b, also on c; …) from a
// broker to one with at least two leaders fewer until no chain is left. A
// placement without such chains has the evenest leader counts its replica
// lists allow (the semi-matching optimality condition).
func (p *planner) balanceLeaders() {
	leads := make([]int, len(p.targets))
	for _, pt := range p.parts {
		if b, ok := p.pos[pt.orig.Replicas[0]]; ok {
			if i := slices.Index(pt.replicas, b); i > 0 {
				lead(pt, i)
			}
		}
		leads[pt.replicas[0]]++
	}
	for p.shiftLeader(leads) {
	}
}

// lead makes pt's replica at i its preferred leader, keeping the others in
// order.
func lead(pt *part, i int) {
	b := pt.replicas[i]
	copy(pt.replicas[1:i+1], pt.replicas[:i])
	pt.replicas[0] = b
}

// shiftLeader shifts one leadership along the shortest chain it finds from
// the brokers with most leaders first.
func (p *planner) shiftLeader(leads []int) bool {
	order := make([]int, len(p.targets))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return leads[b] - leads[a] })
	low := slices.Min(leads)
	led := make([][]*part, len(p.targets))
	for _, pt := range p.parts {
		led[pt.replicas[0]] = append(led[pt.replicas[0]], pt)
	}
	for _, src := range order {
		if leads[src]-low < 2 {
			break
		}
		prev := make([]*part, len(p.targets))
		from := make([]int, len(p.targets))
		seen := make([]bool, len(p.targets))
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
					if leads[src]-leads[v] >= 2 {
						for w := v; w != src; w = from[w] {
							lead(prev[w], slices.Index(prev[w].replicas, w))
						}
						leads[src]--
						leads[v]++
						return true
					}
					queue = append(queue, v)
				}
			}
		}
	}
	return false
}
