// Package roller restarts an instance's brokers one at a time, and only when
// it is safe, after Strimzi's KafkaRoller (reference/operators.md (b)):
// brokers that are down first, broker-only nodes next, controllers after
// them and the active controller last; never a restart that would take a
// partition below min.insync.replicas or the controller quorum below a
// caught-up majority; and the next restart only once the restarted node is
// back in every ISR. The rules here are pure; roller.go executes them.
package roller

import (
	"fmt"
	"slices"
	"sort"

	"github.com/streamplane/streamplane/kafkaadmin"
)

// The roller reads the cluster as the admin client reports it.
type (
	Partition = kafkaadmin.Partition
	Quorum    = kafkaadmin.Quorum
	Voter     = kafkaadmin.Voter
)

// partitionName names a partition in messages: topic-id.
func partitionName(p Partition) string { return fmt.Sprintf("%s-%d", p.Topic, p.ID) }

// Node is one broker as the roller plans it.
type Node struct {
	ID         int32
	Controller bool
	Running    bool
}

// Order returns the order to restart nodes in: nodes that are down first
// (starting one is always safe), then broker-only nodes, then controllers,
// the active controller last of all. Within a group, by id.
func Order(nodes []Node, activeController int32) []int32 {
	rank := func(n Node) int {
		switch {
		case !n.Running:
			return 0
		case !n.Controller:
			return 1
		case n.ID != activeController:
			return 2
		default:
			return 3
		}
	}
	sorted := slices.Clone(nodes)
	sort.SliceStable(sorted, func(i, j int) bool {
		ri, rj := rank(sorted[i]), rank(sorted[j])
		if ri != rj {
			return ri < rj
		}
		return sorted[i].ID < sorted[j].ID
	})
	out := make([]int32, len(sorted))
	for i, n := range sorted {
		out[i] = n.ID
	}
	return out
}

// Blockers lists the partitions that restarting node id would take below
// min.insync.replicas. A partition whose replication factor is at most its
// min.insync.replicas is skipped: it cannot survive any restart, and waiting
// for it would block the roll forever (Strimzi #2964).
func Blockers(id int32, parts []Partition) []string {
	var out []string
	for _, p := range parts {
		if !slices.Contains(p.Replicas, id) || len(p.Replicas) <= p.MinISR {
			continue
		}
		isr := len(p.ISR)
		switch {
		case isr < p.MinISR:
			out = append(out, fmt.Sprintf("%s has %d in-sync replicas, below min.insync.replicas %d", partitionName(p), isr, p.MinISR))
		case isr == p.MinISR && slices.Contains(p.ISR, id):
			out = append(out, fmt.Sprintf("%s has exactly min.insync.replicas %d in sync, node %d among them", partitionName(p), p.MinISR, id))
		}
	}
	return out
}

// NotInSync lists the partitions replicated on node id whose ISR lacks it.
func NotInSync(id int32, parts []Partition) []string {
	var out []string
	for _, p := range parts {
		if slices.Contains(p.Replicas, id) && !slices.Contains(p.ISR, id) {
			out = append(out, partitionName(p))
		}
	}
	return out
}

// QuorumSafe reports whether restarting controller id leaves a majority of
// caught-up voters (see Caught). The node being restarted does not count.
func QuorumSafe(id int32, q Quorum, fetchTimeoutMs int64) (bool, string) {
	if len(q.Voters) <= 1 {
		return true, "" // a single controller: restarting it is the only way
	}
	if q.Leader < 0 {
		return false, "the controller quorum has no leader"
	}
	caughtUp := 0
	for _, v := range q.Voters {
		if v.ID != id && Caught(v.ID, q, fetchTimeoutMs) {
			caughtUp++
		}
	}
	// A majority of all voters must stay caught up; with two voters that is
	// impossible while one restarts, so the other must at least be caught up.
	need := min(len(q.Voters)/2+1, len(q.Voters)-1)
	if caughtUp < need {
		return false, fmt.Sprintf("only %d of the other controllers are caught up; %d are needed", caughtUp, need)
	}
	return true, ""
}

// Caught reports whether voter id is caught up with the leader: it is the
// leader, or was caught up within fetchTimeoutMs of the leader
// (controller.quorum.fetch.timeout.ms).
func Caught(id int32, q Quorum, fetchTimeoutMs int64) bool {
	if id == q.Leader {
		return true
	}
	var leader, mine int64 = -1, -1
	for _, v := range q.Voters {
		if v.ID == q.Leader {
			leader = v.LastCaughtUpMs
		}
		if v.ID == id {
			mine = v.LastCaughtUpMs
		}
	}
	return q.Leader >= 0 && mine >= 0 && leader-mine < fetchTimeoutMs
}
