package streamplane

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GroupState is a consumer group's state as SPEC §4 (DMS 11.1) names it.
type GroupState string

const (
	GroupDead                GroupState = "DEAD"                 // no members and no metadata
	GroupEmpty               GroupState = "EMPTY"                // metadata (offsets) but no members
	GroupPreparingRebalance  GroupState = "PREPARING_REBALANCE"  // a rebalance is about to happen
	GroupCompletingRebalance GroupState = "COMPLETING_REBALANCE" // the members have joined; assignments are being handed out
	GroupStable              GroupState = "STABLE"               // the members consume normally
	GroupUnknown             GroupState = "UNKNOWN"              // a state this version of Streamplane does not know
)

// GroupStates are the states a group can be shown in.
var GroupStates = []GroupState{GroupDead, GroupEmpty, GroupPreparingRebalance, GroupCompletingRebalance, GroupStable, GroupUnknown}

// GroupStateOf maps the state Kafka reports for a group onto the SPEC's
// names. Classic groups report the SPEC's states in CamelCase. Groups of
// the KIP-848 consumer protocol (and streams groups) report their own: the
// coordinator first computes a new target assignment (Assigning, or
// NotReady while a streams group's topics are missing), then the members
// converge on it (Reconciling). Those are the two halves of a classic
// rebalance, so Assigning and NotReady show as PREPARING_REBALANCE and
// Reconciling as COMPLETING_REBALANCE. Kafka's own name stays visible
// beside the mapped one (Group.KafkaState).
func GroupStateOf(kafkaState string) GroupState {
	switch strings.ToLower(strings.ReplaceAll(kafkaState, "_", "")) {
	case "dead":
		return GroupDead
	case "empty":
		return GroupEmpty
	case "preparingrebalance", "assigning", "notready":
		return GroupPreparingRebalance
	case "completingrebalance", "reconciling":
		return GroupCompletingRebalance
	case "stable":
		return GroupStable
	}
	return GroupUnknown
}

// Group types: which protocol the group's members speak (Kafka 3.8+ reports
// it; older brokers only run classic groups).
const (
	GroupTypeClassic  = "classic"  // JoinGroup/SyncGroup, client-side assignment
	GroupTypeConsumer = "consumer" // KIP-848: the coordinator assigns partitions
	GroupTypeShare    = "share"    // KIP-932 share groups
	GroupTypeStreams  = "streams"  // KIP-1071 streams groups
)

// Group is one consumer group as the list shows it.
type Group struct {
	Name         string     `json:"group"`
	State        GroupState `json:"state"`
	KafkaState   string     `json:"kafka_state"`             // the state as Kafka names it, e.g. Reconciling
	Type         string     `json:"type"`                    // classic, consumer, share or streams
	ProtocolType string     `json:"protocol_type,omitempty"` // "consumer" for consumers, "connect" for Kafka Connect, … (classic groups)
	Protocol     string     `json:"protocol,omitempty"`      // the partition assignor in use, e.g. cooperative-sticky or uniform
	Coordinator  int32      `json:"coordinator"`             // the broker (node id) that coordinates the group, -1 unknown
	MemberCount  int        `json:"member_count"`
	Lag          int64      `json:"lag"`             // messages accumulated: the sum of the partitions' lags
	Error        string     `json:"error,omitempty"` // what could not be read about the group, if anything
}

// GroupDetail is one group with its members and, for every topic it has
// committed offsets in or is assigned, every partition's offsets.
type GroupDetail struct {
	Group
	Members []GroupMember `json:"members"`
	Topics  []GroupTopic  `json:"topics"`
}

// GroupMember is one consumer in a group.
type GroupMember struct {
	MemberID   string             `json:"member_id"`
	InstanceID string             `json:"instance_id,omitempty"` // static membership (KIP-345)
	ClientID   string             `json:"client_id"`
	ClientHost string             `json:"client_host"` // the address the consumer connects from
	Assignment []MemberAssignment `json:"assignment"`
}

// MemberAssignment is the partitions of one topic assigned to a member.
type MemberAssignment struct {
	Topic      string  `json:"topic"`
	Partitions []int32 `json:"partitions"`
}

// GroupTopic is a group's position in one topic.
type GroupTopic struct {
	Topic      string           `json:"topic"`
	Lag        int64            `json:"lag"` // the sum over partitions with a committed offset
	Partitions []GroupPartition `json:"partitions"`
}

// GroupPartition is a group's position in one partition: lag = end offset
// − committed offset. A partition the group has committed nothing in has
// no offset and no lag.
type GroupPartition struct {
	Partition int32  `json:"partition"`
	Offset    *int64 `json:"offset"`              // committed offset: the next record the group will read
	EndOffset int64  `json:"end_offset"`          // log end offset (high watermark)
	Lag       *int64 `json:"lag"`                 // end_offset − offset, never below 0
	MemberID  string `json:"member_id,omitempty"` // the member the partition is assigned to
}

// Where an offset reset moves a group (DMS 11.3).
const (
	ResetEarliest  = "earliest"  // the log start offset
	ResetLatest    = "latest"    // the log end offset: skip everything not yet read
	ResetTimestamp = "timestamp" // the first record at or after a time, by Kafka's time index
	ResetOffset    = "offset"    // an explicit offset, clamped to [start, end]
)

// ResetTargets are the values of OffsetResetRequest.To.
var ResetTargets = []string{ResetEarliest, ResetLatest, ResetTimestamp, ResetOffset}

// OffsetResetRequest asks to move a group's committed offsets in one topic,
// or in one partition of it. The group must have no members.
type OffsetResetRequest struct {
	Topic     string     `json:"topic"`
	Partition *int32     `json:"partition,omitempty"` // one partition; all of the topic's when absent
	To        string     `json:"to"`                  // earliest, latest, timestamp or offset
	Timestamp *time.Time `json:"timestamp,omitempty"` // for to=timestamp
	Offset    *int64     `json:"offset,omitempty"`    // for to=offset
	DryRun    bool       `json:"dry_run,omitempty"`   // compute the new offsets without committing them
}

// Validate checks the request without asking Kafka.
func (r *OffsetResetRequest) Validate() error {
	switch {
	case r.Topic == "":
		return Invalid("topic", "topic is required")
	case r.Partition != nil && *r.Partition < 0:
		return Invalid("partition", "partition must be 0 or more, got %d", *r.Partition)
	}
	switch r.To {
	case ResetEarliest, ResetLatest:
	case ResetTimestamp:
		if r.Timestamp == nil {
			return Invalid("timestamp", "to=timestamp needs a timestamp (RFC 3339, e.g. 2026-11-21T10:00:00Z)")
		}
		// Kafka reads negative times as special positions (-1 latest,
		// -2 earliest, -3 the newest timestamp), never as times.
		if r.Timestamp.UnixMilli() < 0 {
			return Invalid("timestamp", "timestamp must not be before 1970-01-01T00:00:00Z, got %s", r.Timestamp.Format(time.RFC3339))
		}
	case ResetOffset:
		if r.Offset == nil {
			return Invalid("offset", "to=offset needs an offset")
		}
	case "":
		return Invalid("to", "to is required: one of %s", strings.Join(ResetTargets, ", "))
	default:
		return Invalid("to", "unknown reset target %q: use one of %s", r.To, strings.Join(ResetTargets, ", "))
	}
	if r.Timestamp != nil && r.To != ResetTimestamp {
		return Invalid("timestamp", "timestamp is only for to=timestamp, not to=%s", r.To)
	}
	if r.Offset != nil && r.To != ResetOffset {
		return Invalid("offset", "offset is only for to=offset, not to=%s", r.To)
	}
	return nil
}

// SetTarget fills To, Timestamp and Offset from the CLI's one-word form:
// earliest, latest, timestamp=2026-11-21T10:00:00Z or offset=42.
func (r *OffsetResetRequest) SetTarget(spec string) error {
	kind, value, hasValue := strings.Cut(strings.TrimSpace(spec), "=")
	kind = strings.ToLower(kind)
	r.To, r.Timestamp, r.Offset = kind, nil, nil
	switch kind {
	case ResetEarliest, ResetLatest:
		if hasValue {
			return Invalid("to", "%s takes no value, got %q", kind, spec)
		}
	case ResetTimestamp:
		ts, err := time.Parse(time.RFC3339Nano, value)
		if err != nil {
			return Invalid("timestamp", "timestamp=%s is not an RFC 3339 time such as 2026-11-21T10:00:00Z", value)
		}
		r.Timestamp = &ts
	case ResetOffset:
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return Invalid("offset", "offset=%s is not an integer", value)
		}
		r.Offset = &n
	default:
		return Invalid("to", "unknown reset target %q: use earliest, latest, timestamp=RFC3339 or offset=N", spec)
	}
	return nil
}

// Describe renders the target for people and task records.
func (r *OffsetResetRequest) Describe() string {
	switch {
	case r.To == ResetTimestamp && r.Timestamp != nil:
		return "timestamp " + r.Timestamp.Format(time.RFC3339Nano)
	case r.To == ResetOffset && r.Offset != nil:
		return fmt.Sprintf("offset %d", *r.Offset)
	}
	return r.To
}

// ClampResetOffset keeps an explicit offset inside a partition's [start, end]
// and says whether it had to.
func ClampResetOffset(want, start, end int64) (int64, bool) {
	switch {
	case want < start:
		return start, true
	case want > end:
		return end, true
	}
	return want, false
}

// OffsetReset is the outcome of a reset: every partition's old and new
// offset.
type OffsetReset struct {
	Group      string           `json:"group"`
	Topic      string           `json:"topic"`
	To         string           `json:"to"`
	DryRun     bool             `json:"dry_run"`
	Created    bool             `json:"created"` // the group did not exist; the commit created it (EMPTY), or would have in a dry run
	Partitions []PartitionReset `json:"partitions"`
}

// PartitionReset is one partition's reset.
type PartitionReset struct {
	Partition int32  `json:"partition"`
	OldOffset *int64 `json:"old_offset"` // null when the group had committed nothing there
	NewOffset int64  `json:"new_offset"`
	Clamped   bool   `json:"clamped"` // an explicit offset was outside [start, end] and was moved to the nearer end
}

// GroupDeletion is the outcome of deleting one group of a batch.
type GroupDeletion struct {
	Group string
	Err   error // nil when the group was deleted
}

// ValidateGroupName checks a group name given by a caller. Kafka accepts
// any string; the empty one only by accident, so it is refused.
func ValidateGroupName(field, name string) error {
	if name == "" {
		return Invalid(field, "a group name is required")
	}
	if strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return Invalid(field, "group name %q must not contain control characters", name)
	}
	return nil
}

// GroupFilter selects and pages a group list.
type GroupFilter struct {
	Name          string       // substring of the name, any case
	States        []GroupState // any of these; all when empty
	Offset, Limit int
}

// Matches reports whether a group passes the filter (paging aside).
func (f GroupFilter) Matches(g Group) bool {
	if f.Name != "" && !strings.Contains(strings.ToLower(g.Name), strings.ToLower(f.Name)) {
		return false
	}
	return len(f.States) == 0 || slices.Contains(f.States, g.State)
}

// Validate checks the filter's states.
func (f GroupFilter) Validate() error {
	for _, st := range f.States {
		if !slices.Contains(GroupStates, st) {
			return Invalid("state", "unknown group state %q; one of %v", st, GroupStates)
		}
	}
	return nil
}
