package rebalance

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	streamplane "github.com/streamplane/streamplane"
)

// planner holds a placement in progress. Brokers are indexes into targets,
// so counts are slices; partitions keep the sorted order of the index.
type planner struct {
	ix        *index
	targets   []int32       // sorted broker ids
	pos       map[int32]int // broker id → index in targets
	rack      []int         // rack number of each target
	rackSize  []int         // targets per rack number
	room      []int         // replicas of covered partitions each target may hold
	load      []int         // replicas of covered partitions on each target
	topicLoad map[string][]int
	parts     []*part
	on        [][]*part // the partitions on each target, in partition order
	stuck     []bool    // targets known to have no single move, while balancing
	full      [][]int   // per target and rack: its partitions whose other replicas fill the rack
	field     string    // the goal field to blame for a lack of room
}

// part is one covered partition.
type part struct {
	n        int // its place in planner.parts
	last     int // the place of its topic's last partition
	orig     *Partition
	rf       int   // the replica count it ends with
	perRack  int   // the most replicas one rack may hold
	replicas []int // target indexes; [0] is the preferred leader
}

func newPlanner(ix *index, targets []int32, scope []int, g Goal) (*planner, error) {
	p := &planner{
		ix:        ix,
		targets:   targets,
		pos:       make(map[int32]int),
		rack:      make([]int, len(targets)),
		room:      make([]int, len(targets)),
		load:      make([]int, len(targets)),
		on:        make([][]*part, len(targets)),
		topicLoad: make(map[string][]int),
		field:     g.capacityField(),
	}
	racks := make(map[string]int)
	for i, b := range targets {
		p.pos[b] = i
		p.full = append(p.full, make([]int, len(targets)))
		r, ok := racks[ix.brokers[b].Rack]
		if !ok {
			r = len(racks)
			racks[ix.brokers[b].Rack] = r
			p.rackSize = append(p.rackSize, 0)
		}
		p.rack[i] = r
		p.rackSize[r]++
	}

	// Partitions outside the plan still count against MaxReplicas.
	covered := make([]bool, len(ix.parts))
	for _, i := range scope {
		covered[i] = true
	}
	fixed := make(map[int32]int)
	for i, pt := range ix.parts {
		if !covered[i] {
			for _, b := range pt.Replicas {
				fixed[b]++
			}
		}
	}
	for i, b := range targets {
		p.room[i] = math.MaxInt
		if limit := ix.brokers[b].MaxReplicas; limit > 0 {
			p.room[i] = max(0, limit-fixed[b])
		}
	}

	need, room := 0, 0
	for _, i := range scope {
		orig := &ix.parts[i]
		rf := cmp.Or(g.ReplicationFactor, len(orig.Replicas))
		if rf > len(targets) {
			if g.ReplicationFactor > 0 {
				return nil, streamplane.Invalid("replicas", "%d replicas need %d brokers; the plan has %d", rf, rf, len(targets))
			}
			if len(g.Drain) > 0 {
				return nil, &streamplane.Error{Code: streamplane.ELIMIT, Field: "drain",
					Message: fmt.Sprintf("partition %s has %d replicas but draining leaves %d brokers", keyOf(*orig), rf, len(targets))}
			}
			return nil, streamplane.Invalid("brokers", "partition %s has %d replicas but the plan has %d brokers", keyOf(*orig), rf, len(targets))
		}
		p.parts = append(p.parts, &part{n: len(p.parts), orig: orig, rf: rf, perRack: p.perRack(rf)})
		need += rf
		if _, ok := p.topicLoad[orig.Topic]; !ok {
			p.topicLoad[orig.Topic] = make([]int, len(targets))
		}
	}
	for i, pt := range slices.Backward(p.parts) {
		pt.last = i
		if i+1 < len(p.parts) && p.parts[i+1].orig.Topic == pt.orig.Topic {
			pt.last = p.parts[i+1].last
		}
	}
	for _, r := range p.room {
		room = min(math.MaxInt/2, room+min(r, math.MaxInt/2)) // no overflow when unlimited
	}
	if need > room {
		return nil, p.noRoom(fmt.Sprintf("the target brokers have room for %d more replicas within their limits; the plan places %d", room, need))
	}
	return p, nil
}

func (p *planner) noRoom(msg string) error {
	return &streamplane.Error{Code: streamplane.ELIMIT, Field: p.field, Message: msg}
}

// perRack is the fewest replicas per rack that still fits rf replicas on
// distinct brokers: 1 when there are at least rf racks, and an even share
// otherwise.
func (p *planner) perRack(rf int) int {
	for m := 1; ; m++ {
		n := 0
		for _, size := range p.rackSize {
			n += min(m, size)
		}
		if n >= rf {
			return m
		}
	}
}

// inRack counts pt's replicas in rack r, leaving out broker without.
func (p *planner) inRack(pt *part, r, without int) int {
	n := 0
	for _, b := range pt.replicas {
		if b != without && p.rack[b] == r {
			n++
		}
	}
	return n
}

// fits reports whether broker b may take pt's replica now on broker from
// (-1 for a new replica) without breaking the rack rule. Room is checked by
// the caller, since a chain of moves leaves middle brokers' loads as they are.
func (p *planner) fits(pt *part, b, from int) bool {
	return !slices.Contains(pt.replicas, b) && p.inRack(pt, p.rack[b], from) < pt.perRack
}

// place puts broker b in pt's replica list at position i (append when i is
// the length), replacing the broker there.
func (p *planner) place(pt *part, i, b int) {
	p.count(pt, -1)
	defer p.count(pt, 1)
	tl := p.topicLoad[pt.orig.Topic]
	if i < len(pt.replicas) {
		old := pt.replicas[i]
		p.load[old]--
		tl[old]--
		p.on[old] = removePart(p.on[old], pt)
		pt.replicas[i] = b
	} else {
		pt.replicas = append(pt.replicas, b)
	}
	p.load[b]++
	tl[b]++
	p.on[b] = insertPart(p.on[b], pt)
}

// drop removes pt's replica at position i.
func (p *planner) drop(pt *part, i int) {
	p.count(pt, -1)
	defer p.count(pt, 1)
	b := pt.replicas[i]
	p.load[b]--
	p.topicLoad[pt.orig.Topic][b]--
	p.on[b] = removePart(p.on[b], pt)
	pt.replicas = slices.Delete(pt.replicas, i, i+1)
}

// count adds (sign 1) or removes (-1) pt from the full counts: for each of
// its brokers, the racks its other replicas fill, where that replica cannot go.
func (p *planner) count(pt *part, sign int) {
	for _, b := range pt.replicas {
		for r := range p.rackSize {
			if p.inRack(pt, r, b) >= pt.perRack {
				p.full[b][r] += sign
			}
		}
	}
}

// blocked reports whether no partition on src may move to rack r.
func (p *planner) blocked(src, r int) bool { return p.full[src][r] == len(p.on[src]) }

// insertPart and removePart keep a list of partitions in partition order,
// so searches over it are deterministic.
func insertPart(list []*part, pt *part) []*part {
	i, found := slices.BinarySearchFunc(list, pt.n, byN)
	if found {
		return list
	}
	return slices.Insert(list, i, pt)
}

func removePart(list []*part, pt *part) []*part {
	if i, found := slices.BinarySearchFunc(list, pt.n, byN); found {
		return slices.Delete(list, i, i+1)
	}
	return list
}

func byN(q *part, n int) int { return q.n - n }

// byLoad returns the targets ordered by count, the highest first when desc,
// then by id.
func byLoad(count []int, desc bool) []int {
	order := make([]int, len(count))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if desc {
			return count[b] - count[a]
		}
		return count[a] - count[b]
	})
	return order
}
