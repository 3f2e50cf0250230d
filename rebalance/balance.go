package rebalance

import "slices"

// balanceReplicas moves replicas from busier to idler brokers until no
// broker has two more than another that could take one of its replicas. It
// prefers single moves (each moves one replica's data); when the rack rule
// blocks them all it looks for a chain of moves through brokers in between.
// Every step lowers the sum of squared loads, so it ends.
func (p *planner) balanceReplicas() {
	for p.moveOne() || p.moveChain() {
	}
}

// moveOne makes the single move that narrows the widest gap, preferring
// the move that also evens out the partition's topic.
func (p *planner) moveOne() bool {
	low := slices.Min(p.load)
	var (
		best              *part
		bestAt, bestTo    int
		bestGap, bestTGap int
	)
	for _, pt := range p.parts {
		tl := p.topicLoad[pt.orig.Topic]
		for i, from := range pt.replicas {
			if p.load[from]-low < 2 {
				continue
			}
			for to := range p.targets {
				gap := p.load[from] - p.load[to]
				if gap < 2 || p.load[to] >= p.room[to] || !p.fits(pt, to, from) {
					continue
				}
				tgap := tl[from] - tl[to]
				if best == nil || gap > bestGap || gap == bestGap && tgap > bestTGap {
					best, bestAt, bestTo, bestGap, bestTGap = pt, i, to, gap, tgap
				}
			}
		}
	}
	if best == nil {
		return false
	}
	p.place(best, bestAt, bestTo)
	return true
}

// step is how a search reached a broker: by moving replica at of pt from
// broker from.
type step struct {
	from, at int
	pt       *part
}

// moveChain finds, for the busiest broker it can, a shortest chain of moves
// to a broker with room and at least two replicas fewer, each move taking a
// different partition; the brokers in between give one replica and take one.
func (p *planner) moveChain() bool {
	order := make([]int, len(p.targets))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return p.load[b] - p.load[a] })
	low := slices.Min(p.load)
	on := make([][]*part, len(p.targets))
	for _, pt := range p.parts {
		for _, b := range pt.replicas {
			on[b] = append(on[b], pt)
		}
	}
	for _, src := range order {
		if p.load[src]-low < 2 {
			break
		}
		prev := make([]step, len(p.targets))
		seen := make([]bool, len(p.targets))
		seen[src] = true
		queue := []int{src}
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			for _, pt := range on[u] {
				if onPath(prev, src, u, pt) {
					continue
				}
				at := slices.Index(pt.replicas, u)
				for v := range p.targets {
					if seen[v] || !p.fits(pt, v, u) {
						continue
					}
					seen[v] = true
					prev[v] = step{from: u, at: at, pt: pt}
					if p.load[src]-p.load[v] >= 2 && p.load[v] < p.room[v] {
						for w := v; w != src; w = prev[w].from {
							s := prev[w]
							p.place(s.pt, s.at, w)
						}
						return true
					}
					queue = append(queue, v)
				}
			}
		}
	}
	return false
}

// onPath reports whether pt already moves on the chain from src to u.
func onPath(prev []step, src, u int, pt *part) bool {
	for w := u; w != src; w = prev[w].from {
		if prev[w].pt == pt {
			return true
		}
	}
	return false
}
