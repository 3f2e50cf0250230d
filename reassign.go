package streamplane

import (
	"fmt"
	"slices"
)

// ReassignRequest moves partition replicas between brokers (KIP-455),
// automatically or by hand:
//
//   - Topics (automatic): spread the topics' partitions over Brokers (every
//     broker when empty) with Replicas replicas each (0 keeps each
//     partition's count), rack-aware, balanced, moving as little as can be.
//   - Assignments (manual): these partitions get exactly these replica
//     lists, the first of each its preferred leader.
//
// ThrottleMBps limits the copying on every broker involved (0: none);
// DryRun returns the plan without moving anything.
type ReassignRequest struct {
	Topics       []string              `json:"topics,omitempty"`
	Brokers      []int32               `json:"brokers,omitempty"`
	Replicas     int                   `json:"replicas,omitempty"`
	Assignments  []PartitionAssignment `json:"assignments,omitempty"`
	ThrottleMBps int                   `json:"throttle_mbps,omitempty"`
	DryRun       bool                  `json:"dry_run,omitempty"`
}

// PartitionAssignment is one partition's replica list in a manual plan.
type PartitionAssignment struct {
	Topic     string  `json:"topic"`
	Partition int32   `json:"partition"`
	Replicas  []int32 `json:"replicas"`
}

// MaxThrottleMBps bounds the replication throttle (10 GB/s: no throttle at
// all would be asked for by leaving it out).
const MaxThrottleMBps = 10240

// Validate checks the request's form; what the instance can hold is the
// planner's to say.
func (r ReassignRequest) Validate() error {
	switch {
	case len(r.Topics) == 0 && len(r.Assignments) == 0:
		return Invalid("topics", "name the topics to reassign, or give assignments")
	case len(r.Topics) > 0 && len(r.Assignments) > 0:
		return Invalid("assignments", "give either topics (an automatic plan) or assignments (a manual one), not both")
	case len(r.Assignments) > 0 && (len(r.Brokers) > 0 || r.Replicas != 0):
		return Invalid("assignments", "a manual plan names its brokers in each assignment; brokers and replicas are for an automatic one")
	case r.Replicas < 0 || r.Replicas > MaxTopicReplicas:
		return Invalid("replicas", "replicas must be from 1 to %d, or 0 to keep each partition's count; got %d", MaxTopicReplicas, r.Replicas)
	case r.ThrottleMBps < 0 || r.ThrottleMBps > MaxThrottleMBps:
		return Invalid("throttle_mbps", "the throttle must be from 1 to %d MB/s, or 0 for none; got %d", MaxThrottleMBps, r.ThrottleMBps)
	}
	if err := validateTopicList("topics", r.Topics); err != nil {
		return err
	}
	for _, b := range r.Brokers {
		if b < 0 {
			return Invalid("brokers", "broker ids are 0 or more, got %d", b)
		}
	}
	for i, a := range r.Assignments {
		if err := ValidateTopicName(fmt.Sprintf("assignments[%d].topic", i), a.Topic); err != nil {
			return err
		}
		field := fmt.Sprintf("assignments[%d].replicas", i)
		if len(a.Replicas) == 0 || len(a.Replicas) > MaxTopicReplicas {
			return Invalid(field, "a partition takes 1 to %d replicas, got %d", MaxTopicReplicas, len(a.Replicas))
		}
		for j, b := range a.Replicas {
			if b < 0 || slices.Contains(a.Replicas[:j], b) {
				return Invalid(field, "replicas are distinct broker ids, 0 or more; got %v", a.Replicas)
			}
		}
		if a.Partition < 0 {
			return Invalid(fmt.Sprintf("assignments[%d].partition", i), "partitions are numbered from 0, got %d", a.Partition)
		}
	}
	return nil
}

// ReassignPlan is a reassignment: the partitions it moves and the spread of
// replicas and preferred leaders per broker, before and after.
type ReassignPlan struct {
	Moves       []PartitionMove `json:"moves"`
	Brokers     []BrokerSpread  `json:"brokers"`
	BytesToMove int64           `json:"bytes_to_move"`
	DryRun      bool            `json:"dry_run"`
}

// PartitionMove is one partition's replica list, before and after.
type PartitionMove struct {
	Topic     string  `json:"topic"`
	Partition int32   `json:"partition"`
	From      []int32 `json:"from"`
	To        []int32 `json:"to"`
	Bytes     int64   `json:"bytes"` // copied: the partition's size for each replica added
}

// BrokerSpread is one broker's share of the partitions a plan covers.
type BrokerSpread struct {
	Broker         int32 `json:"broker"`
	ReplicasBefore int   `json:"replicas_before"`
	ReplicasAfter  int   `json:"replicas_after"`
	LeadersBefore  int   `json:"leaders_before"`
	LeadersAfter   int   `json:"leaders_after"`
}

// ReassignStatus is what is being moved now: the partitions Kafka is
// moving, bytes copied so far of those to copy, and the throttle.
type ReassignStatus struct {
	InProgress   []PartitionReassignment `json:"in_progress"`
	BytesToMove  int64                   `json:"bytes_to_move"`
	BytesMoved   int64                   `json:"bytes_moved"`
	ThrottleMBps int                     `json:"throttle_mbps"`          // on the brokers; 0: none
	SecondsLeft  int64                   `json:"seconds_left,omitempty"` // at the throttle rate, if set
	TaskID       string                  `json:"task_id,omitempty"`      // the reassign or scale task moving them
}

// PartitionReassignment is one partition Kafka is moving.
type PartitionReassignment struct {
	Topic     string  `json:"topic"`
	Partition int32   `json:"partition"`
	Replicas  []int32 `json:"replicas"`
	Adding    []int32 `json:"adding"`
	Removing  []int32 `json:"removing"`
}
