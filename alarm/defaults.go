package alarm

import (
	"fmt"

	streamplane "github.com/streamplane/streamplane"
)

// Limits are the user-set upper limits DMS table 15-5 sets thresholds
// against: 90% of each.
type Limits struct {
	// GroupMessages is the most messages all groups together may leave
	// unconsumed (group_msgs).
	GroupMessages int64
	// TopicMessages is the most a group may leave unconsumed in one topic
	// (messages_remained).
	TopicMessages int64
}

// DefaultLimits apply when the user sets none.
var DefaultLimits = Limits{GroupMessages: 10_000_000, TopicMessages: 1_000_000}

// DefaultRules are DMS table 15-5's recommended rules for an instance, with
// the partition limit of its flavor and broker count, plus one DMS leaves
// to its platform: a broker that is down. Channels are notified of each.
func DefaultRules(inst *streamplane.Instance, limits Limits, channels []string) ([]*streamplane.AlarmRule, error) {
	flavor, ok := streamplane.LookupFlavor(inst.Flavor)
	if !ok {
		return nil, fmt.Errorf("instance %s has unknown flavor %s", inst.Name, inst.Flavor)
	}
	if limits.GroupMessages <= 0 {
		return nil, streamplane.Invalid("group_messages_limit", "group_messages_limit must be more than 0")
	}
	if limits.TopicMessages <= 0 {
		return nil, streamplane.Invalid("topic_messages_limit", "topic_messages_limit must be more than 0")
	}
	rule := func(name, metric, op string, threshold float64, periods int, severity, why string) *streamplane.AlarmRule {
		return &streamplane.AlarmRule{InstanceID: inst.ID, Name: name, Description: why, Metric: metric, Op: op,
			Threshold: threshold, Periods: periods, Severity: severity, Enabled: true, Channels: channels}
	}
	partitions := 0.9 * float64(flavor.MaxPartitions(inst.BrokerCount))
	return []*streamplane.AlarmRule{
		rule("disk-usage", "broker_disk_usage", ">", 80, 1, streamplane.SeverityCritical,
			"A broker's storage is more than 80% used: expand the storage (instance expand-storage)."),
		rule("cpu-core-load", "broker_cpu_core_load", ">", 2, 3, streamplane.SeverityMajor,
			"The load per CPU core stayed above 2: add brokers or choose a larger flavor."),
		rule("memory-usage", "broker_memory_usage", ">", 90, 3, streamplane.SeverityCritical,
			"A broker uses more than 90% of its memory: choose a larger flavor or add brokers."),
		rule("partitions", "current_partitions", ">", partitions, 1, streamplane.SeverityMajor,
			fmt.Sprintf("More than 90%% of the instance's %d partitions are used: add brokers or split the service.", flavor.MaxPartitions(inst.BrokerCount))),
		rule("cpu-usage", "broker_cpu_usage", ">", 90, 3, streamplane.SeverityMajor,
			"A broker's CPU stayed above 90%: add brokers or choose a larger flavor."),
		rule("group-messages", "group_msgs", ">", 0.9*float64(limits.GroupMessages), 1, streamplane.SeverityMajor,
			fmt.Sprintf("Groups left more than 90%% of %d messages unconsumed: delete idle groups or add consumers.", limits.GroupMessages)),
		rule("topic-messages", "messages_remained", ">", 0.9*float64(limits.TopicMessages), 1, streamplane.SeverityMajor,
			fmt.Sprintf("A group left more than 90%% of %d messages of a topic unconsumed: check its consumers.", limits.TopicMessages)),
		rule("broker-down", "broker_alive", "==", 0, 1, streamplane.SeverityCritical,
			"A broker did not serve through a collection period: it is down or restarted."),
	}, nil
}
