package rebalance

import (
	"fmt"
	"slices"
)

// strip keeps the replicas that may stay: those on targets, within the
// rack rule and the partition's replica count, and within the brokers' room.
// A partition's surplus replicas go from the busiest of its brokers,
// followers before leaders, so what stays is as even as it can be before
// anything is copied.
func (p *planner) strip() {
	for _, pt := range p.parts {
		for _, id := range pt.orig.Replicas {
			if b, ok := p.pos[id]; ok {
				p.place(pt, len(pt.replicas), b)
			}
		}
	}
	for _, pt := range p.parts {
		for s := p.surplus(pt); len(s) > 0; s = p.surplus(pt) {
			at := s[0]
			for _, i := range s[1:] {
				if k, best := p.load[pt.replicas[i]], p.load[pt.replicas[at]]; k > best || k == best && at == 0 {
					at = i
				}
			}
			p.drop(pt, at)
		}
	}
	// A broker over its room sheds followers first, from the last partitions.
	for b := range p.targets {
		for leader := 0; leader < 2 && p.load[b] > p.room[b]; leader++ {
			for j := len(p.parts) - 1; j >= 0 && p.load[b] > p.room[b]; j-- {
				pt := p.parts[j]
				if i := slices.Index(pt.replicas, b); i >= 0 && (i == 0) == (leader == 1) {
					p.drop(pt, i)
				}
			}
		}
	}
}

// fill gives every partition its missing replicas, each on the least loaded
// broker with room that keeps the rack rule; when room forces it, on the
// broker whose rack holds fewest of the partition's replicas.
func (p *planner) fill() error {
	for _, pt := range p.parts {
		for len(pt.replicas) < pt.rf {
			b := p.pickNew(pt)
			if b < 0 {
				return p.noRoom(fmt.Sprintf("no target broker has room for another replica of %s", keyOf(*pt.orig)))
			}
			p.place(pt, len(pt.replicas), b)
		}
	}
	return nil
}

func (p *planner) pickNew(pt *part) int {
	best, bestKey := -1, [4]int{}
	tl := p.topicLoad[pt.orig.Topic]
	for b := range p.targets {
		if slices.Contains(pt.replicas, b) || p.load[b] >= p.room[b] {
			continue
		}
		over := max(0, p.inRack(pt, p.rack[b], -1)+1-pt.perRack)
		k := [4]int{over, p.load[b], tl[b], b}
		if best < 0 || slices.Compare(k[:], bestKey[:]) < 0 {
			best, bestKey = b, k
		}
	}
	return best
}

// surplus returns the positions of pt's replicas one of which must go: those
// in a rack over the rack rule, else any when pt has too many.
func (p *planner) surplus(pt *part) []int {
	var over, all []int
	for i, b := range pt.replicas {
		all = append(all, i)
		if p.inRack(pt, p.rack[b], -1) > pt.perRack {
			over = append(over, i)
		}
	}
	switch {
	case len(over) > 0:
		return over
	case len(pt.replicas) > pt.rf:
		return all
	}
	return nil
}
