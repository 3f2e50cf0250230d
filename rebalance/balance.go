package rebalance

import "slices"

// balanceReplicas moves replicas from busier to idler brokers until no
// broker has two more than another that could take one of its replicas. It
// prefers single moves (each moves one replica's data); when the rack rule
// blocks them all it looks for a chain of moves through brokers in between.
// Every step lowers the sum of squared loads, so it ends.
func (p *planner) balanceReplicas() {
	p.stuck = make([]bool, len(p.targets))
	for p.moveOne() || p.moveChain() {
	}
}

// moveOne makes the single move that narrows the widest gap, from the
// busiest broker that has one; among its moves it prefers the one that also
// evens out the partition's topic.
func (p *planner) moveOne() bool {
	dsts := byLoad(p.load, false)
	low := p.load[dsts[0]]
	var (
		best                     *part
		bestAt, bestFrom, bestTo int
		bestGap                  = 2
		bestTGap                 int
	)
	for _, src := range byLoad(p.load, true) {
		if gap := p.load[src] - low; gap < bestGap || best != nil && gap == bestGap {
			break
		}
		if p.stuck[src] {
			continue
		}
		// The widest gap this broker could close: to the idlest broker in
		// a rack not blocked for it.
		widest := 0
		for _, to := range dsts {
			if p.load[to] < p.room[to] && !p.blocked(src, p.rack[to]) {
				widest = p.load[src] - p.load[to]
				break
			}
		}
		if widest < bestGap || best != nil && widest == bestGap {
			if best == nil {
				p.stuck[src] = true // not even a gap of 2 to close
			}
			continue
		}
		found := false
		on := p.on[src]
		for j := 0; j < len(on); j++ {
			pt := on[j]
			at := slices.Index(pt.replicas, src)
			tl := p.topicLoad[pt.orig.Topic]
			widestHere := false
			for _, to := range dsts {
				gap := p.load[src] - p.load[to]
				if gap < bestGap {
					break
				}
				if p.load[to] >= p.room[to] || p.blocked(src, p.rack[to]) || !p.fits(pt, to, src) {
					continue
				}
				found = true
				widestHere = widestHere || gap == widest
				if tgap := tl[src] - tl[to]; best == nil || gap > bestGap || tgap > bestTGap {
					best, bestAt, bestFrom, bestTo, bestGap, bestTGap = pt, at, src, to, gap, tgap
				}
			}
			// Once a topic offers the widest gap, its other partitions
			// offer nothing better: skip to the next topic.
			if widestHere {
				next, _ := slices.BinarySearchFunc(on, pt.last+1, byN)
				j = next - 1
			}
		}
		if !found && best == nil {
			p.stuck[src] = true
		}
	}
	if best == nil {
		return false
	}
	p.place(best, bestAt, bestTo)
	p.unstick(best, bestFrom, bestTo)
	return true
}

// unstick forgets that a broker had no move when moving pt's replica from
// one broker to another may have given it one: it is the busier broker now,
// pt's replica on it may fit elsewhere now, or from, now idler, may have come
// within reach or found room.
func (p *planner) unstick(pt *part, from, to int) {
	for s, stuck := range p.stuck {
		if !stuck {
			continue
		}
		gap := p.load[s] - p.load[from]
		if s == to || gap == 2 || gap > 2 && p.load[from] == p.room[from]-1 || slices.Contains(pt.replicas, s) && p.canMove(pt, s) {
			p.stuck[s] = false
		}
	}
}

// canMove reports whether pt's replica on src has a single move.
func (p *planner) canMove(pt *part, src int) bool {
	for to := range p.targets {
		if p.load[src]-p.load[to] >= 2 && p.load[to] < p.room[to] && p.fits(pt, to, src) {
			return true
		}
	}
	return false
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
	low := slices.Min(p.load)
	for _, src := range byLoad(p.load, true) {
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
			for _, pt := range p.on[u] {
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
						clear(p.stuck)
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
