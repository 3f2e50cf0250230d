package streamplane

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Topic rules (DMS 8.1 and table 1-6; SPEC §2).
const (
	MaxTopicPartitions     = 100
	DefaultTopicPartitions = 3
	MaxTopicReplicas       = 3
	MinRetentionHours      = 1
	MaxRetentionHours      = 720
	DefaultRetentionHours  = 72
)

// Topic configs that Streamplane's own topic settings map onto.
const (
	ConfigRetentionMs       = "retention.ms"        // aging time; overrides the broker's log.retention.hours
	ConfigMinInsyncReplicas = "min.insync.replicas" // = replicas for synchronous replication
	ConfigFlushMessages     = "flush.messages"      // 1 for synchronous flushing
)

// HourMs is an hour in milliseconds, the unit of retention.ms.
const HourMs = int64(3_600_000)

var topicNameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{3,200}$`)

// IsInternalTopic reports whether a topic belongs to Kafka itself
// (__consumer_offsets, __transaction_state, …). Users cannot create, change
// or delete such topics, and they do not count against the partition limit.
func IsInternalTopic(name string) bool { return strings.HasPrefix(name, "__") }

// ValidateTopicName checks the SPEC §2 name rule; field names the JSON field
// that carried the name.
func ValidateTopicName(field, name string) error {
	switch {
	case name == "":
		return Invalid(field, "a topic name is required")
	case !topicNameRE.MatchString(name):
		return Invalid(field, "topic name %q must be 3–200 characters of letters, digits, '.', '_' and '-'", name)
	case IsInternalTopic(name):
		return Invalid(field, "topic name %q is reserved: names starting with \"__\" are Kafka's internal topics", name)
	}
	return nil
}

// PartitionLimit is the most partitions the instance's topics may have in
// all: its flavor's partitions per broker times its brokers (SPEC §1.1).
func (inst *Instance) PartitionLimit() int {
	f, ok := LookupFlavor(inst.Flavor)
	if !ok {
		return 0
	}
	return f.MaxPartitions(inst.BrokerCount)
}

// CheckPartitionLimit refuses adding partitions to an instance that has
// used of them in use (internal topics excluded).
func (inst *Instance) CheckPartitionLimit(used, adding int) error {
	limit := inst.PartitionLimit()
	if used+adding <= limit {
		return nil
	}
	return &Error{Code: ELIMIT, Field: "partitions", Message: fmt.Sprintf(
		"instance %s allows %d partitions (flavor %s, %d brokers) and its topics have %d; %d more would make %d. Delete topics or choose a larger flavor",
		inst.Name, limit, inst.Flavor, inst.BrokerCount, used, adding, used+adding)}
}

// TopicSpec is what a user asks for when creating a topic. Zero numbers
// take the defaults: 3 partitions, min(3, brokers) replicas, 72 hours.
type TopicSpec struct {
	Name            string            `json:"name"`
	Partitions      int               `json:"partitions,omitempty"`
	Replicas        int               `json:"replicas,omitempty"`
	RetentionHours  int               `json:"retention_hours,omitempty"`
	SyncReplication bool              `json:"sync_replication,omitempty"` // acks=all waits for every replica
	SyncFlush       bool              `json:"sync_flush,omitempty"`       // flush every message to disk
	Configs         map[string]string `json:"configs,omitempty"`          // other topic configs, passed to Kafka
}

// Normalize fills in defaults and checks the spec for an instance with the
// given number of brokers.
func (s *TopicSpec) Normalize(brokers int) error {
	if err := ValidateTopicName("name", s.Name); err != nil {
		return err
	}
	if s.Partitions == 0 {
		s.Partitions = DefaultTopicPartitions
	}
	if err := checkPartitions(s.Partitions); err != nil {
		return err
	}
	maxReplicas := min(MaxTopicReplicas, brokers)
	if s.Replicas == 0 {
		s.Replicas = maxReplicas
	}
	if s.Replicas < 1 || s.Replicas > maxReplicas {
		return Invalid("replicas", "replicas must be from 1 to %d (at most 3, and at most the instance's %d brokers), got %d", maxReplicas, brokers, s.Replicas)
	}
	if s.SyncReplication && s.Replicas < 2 {
		return Invalid("sync_replication", "synchronous replication needs at least 2 replicas; the topic would have %d", s.Replicas)
	}
	explicitRetention := s.RetentionHours != 0
	if !explicitRetention {
		s.RetentionHours = DefaultRetentionHours
	}
	if err := checkRetentionHours(s.RetentionHours); err != nil {
		return err
	}
	return checkConfigs(s.Configs, nil, s.Replicas, managed{
		retention: explicitRetention, syncReplication: s.SyncReplication, syncFlush: s.SyncFlush})
}

// SafeMinInsyncReplicas is the min.insync.replicas a replicated topic
// gets unless its creator asks otherwise: 2 (Kafka's advice for 3
// replicas), so that an acks=all write survives the loss of the broker
// that took it. DMS leaves topics at 1.
func SafeMinInsyncReplicas(replicas int) int { return min(2, replicas) }

// KafkaConfigs returns the topic configs to create the topic with. A
// retention.ms in Configs wins over the default retention; a replicated
// topic gets SafeMinInsyncReplicas unless it asks for synchronous
// replication or a min.insync.replicas of its own.
func (s *TopicSpec) KafkaConfigs() map[string]string {
	out := map[string]string{ConfigRetentionMs: strconv.FormatInt(int64(s.RetentionHours)*HourMs, 10)}
	if s.SyncReplication {
		out[ConfigMinInsyncReplicas] = strconv.Itoa(s.Replicas)
	} else if s.Replicas > 1 {
		out[ConfigMinInsyncReplicas] = strconv.Itoa(SafeMinInsyncReplicas(s.Replicas))
	}
	if s.SyncFlush {
		out[ConfigFlushMessages] = "1"
	}
	for k, v := range s.Configs {
		out[k] = v
	}
	return out
}

// TopicUpdate changes a topic. Nil fields stay as they are. Configs sets
// topic configs and DeleteConfigs removes overrides (the topic then follows
// the broker's setting).
type TopicUpdate struct {
	Partitions      *int              `json:"partitions,omitempty"` // only grows
	RetentionHours  *int              `json:"retention_hours,omitempty"`
	SyncReplication *bool             `json:"sync_replication,omitempty"`
	SyncFlush       *bool             `json:"sync_flush,omitempty"`
	Configs         map[string]string `json:"configs,omitempty"`
	DeleteConfigs   []string          `json:"delete_configs,omitempty"`
}

// TopicChange is what an update does to Kafka: the new partition count
// (0: unchanged) and the config overrides to set and to delete.
type TopicChange struct {
	Partitions int
	Set        map[string]string
	Delete     []string
}

// Empty reports whether the change does nothing.
func (c TopicChange) Empty() bool {
	return c.Partitions == 0 && len(c.Set) == 0 && len(c.Delete) == 0
}

// Plan checks the update against the topic as it is (its partition and
// replica counts) and returns what to change in Kafka.
func (u TopicUpdate) Plan(name string, partitions, replicas int) (TopicChange, error) {
	if u.Partitions == nil && u.RetentionHours == nil && u.SyncReplication == nil && u.SyncFlush == nil &&
		len(u.Configs) == 0 && len(u.DeleteConfigs) == 0 {
		return TopicChange{}, Invalid("", "nothing to change: give partitions, retention_hours, sync_replication, sync_flush, configs or delete_configs")
	}
	ch := TopicChange{Set: map[string]string{}}
	if u.Partitions != nil {
		p := *u.Partitions
		if err := checkPartitions(p); err != nil {
			return TopicChange{}, err
		}
		if p < partitions {
			return TopicChange{}, Invalid("partitions", "partitions can only be added: topic %s has %d, so %d would remove some", name, partitions, p)
		}
		if p > partitions {
			ch.Partitions = p
		}
	}
	if u.RetentionHours != nil {
		if err := checkRetentionHours(*u.RetentionHours); err != nil {
			return TopicChange{}, err
		}
		ch.Set[ConfigRetentionMs] = strconv.FormatInt(int64(*u.RetentionHours)*HourMs, 10)
	}
	if u.SyncReplication != nil {
		if *u.SyncReplication {
			if replicas < 2 {
				return TopicChange{}, Invalid("sync_replication", "synchronous replication needs at least 2 replicas; topic %s has %d", name, replicas)
			}
			ch.Set[ConfigMinInsyncReplicas] = strconv.Itoa(replicas)
		} else if replicas > 1 {
			// Short of every replica, but no lower than the safe default
			// allows: 2 of 3, 1 of 2.
			ch.Set[ConfigMinInsyncReplicas] = strconv.Itoa(SafeMinInsyncReplicas(replicas - 1))
		} else {
			ch.Delete = append(ch.Delete, ConfigMinInsyncReplicas)
		}
	}
	if u.SyncFlush != nil {
		if *u.SyncFlush {
			ch.Set[ConfigFlushMessages] = "1"
		} else {
			ch.Delete = append(ch.Delete, ConfigFlushMessages)
		}
	}
	err := checkConfigs(u.Configs, u.DeleteConfigs, replicas, managed{
		retention: u.RetentionHours != nil, syncReplication: u.SyncReplication != nil, syncFlush: u.SyncFlush != nil})
	if err != nil {
		return TopicChange{}, err
	}
	for k, v := range u.Configs {
		ch.Set[k] = v
	}
	for _, k := range u.DeleteConfigs {
		if !slices.Contains(ch.Delete, k) {
			ch.Delete = append(ch.Delete, k)
		}
	}
	sort.Strings(ch.Delete)
	return ch, nil
}

func checkPartitions(p int) error {
	if p < 1 || p > MaxTopicPartitions {
		return Invalid("partitions", "partitions must be from 1 to %d, got %d", MaxTopicPartitions, p)
	}
	return nil
}

func checkRetentionHours(h int) error {
	if h < MinRetentionHours || h > MaxRetentionHours {
		return Invalid("retention_hours", "retention_hours must be from %d to %d, got %d", MinRetentionHours, MaxRetentionHours, h)
	}
	return nil
}

// managed says which of the managed configs the request also sets through
// its own fields, so that configs may not set them a second time.
type managed struct{ retention, syncReplication, syncFlush bool }

// checkConfigs checks the configs a user passes to Kafka: the managed ones
// keep Streamplane's rules, and none is given twice. Kafka checks the rest.
func checkConfigs(set map[string]string, del []string, replicas int, m managed) error {
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys) // report the same first error every time
	twice := func(key, field string) error {
		return Invalid("configs."+key, "%s is set by %s; give it only once", key, field)
	}
	for _, k := range keys {
		v, field := set[k], "configs."+k
		switch {
		case strings.TrimSpace(k) == "" || strings.ContainsAny(k, " \t\r\n="):
			return Invalid("configs", "config name %q is not a Kafka config name", k)
		case slices.Contains(del, k):
			return Invalid(field, "config %s is both set and deleted", k)
		}
		switch k {
		case ConfigRetentionMs:
			if m.retention {
				return twice(k, "retention_hours")
			}
			ms, err := strconv.ParseInt(v, 10, 64)
			if err != nil || ms < MinRetentionHours*HourMs || ms > MaxRetentionHours*HourMs {
				return Invalid(field, "retention.ms must be from %d (%d h) to %d (%d h), got %q",
					MinRetentionHours*HourMs, MinRetentionHours, MaxRetentionHours*HourMs, MaxRetentionHours, v)
			}
		case ConfigMinInsyncReplicas:
			if m.syncReplication {
				return twice(k, "sync_replication")
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > replicas {
				return Invalid(field, "min.insync.replicas must be from 1 to the topic's %d replicas, got %q", replicas, v)
			}
		case ConfigFlushMessages:
			if m.syncFlush {
				return twice(k, "sync_flush")
			}
		}
	}
	for _, k := range del {
		switch {
		case k == ConfigRetentionMs && m.retention:
			return twice(k, "retention_hours")
		case k == ConfigMinInsyncReplicas && m.syncReplication:
			return twice(k, "sync_replication")
		case k == ConfigFlushMessages && m.syncFlush:
			return twice(k, "sync_flush")
		case strings.TrimSpace(k) == "":
			return Invalid("delete_configs", "config names to delete must not be empty")
		}
	}
	return nil
}

// Topic is one row of a topic list (DMS 8.8: the exported columns).
type Topic struct {
	Name            string `json:"name"`
	Internal        bool   `json:"internal"`
	Partitions      int    `json:"partitions"`
	Replicas        int    `json:"replicas"`
	RetentionMs     int64  `json:"retention_ms"`    // effective; -1 keeps data forever
	RetentionHours  int    `json:"retention_hours"` // retention_ms in whole hours; -1 forever
	SyncReplication bool   `json:"sync_replication"`
	SyncFlush       bool   `json:"sync_flush"`
	SizeBytes       int64  `json:"size_bytes"`       // data: the leader replicas' logs
	DiskBytes       int64  `json:"disk_bytes"`       // disk: every replica's log
	UnderReplicated int    `json:"under_replicated"` // partitions whose ISR is smaller than their replica set
}

// SetRetention sets the retention fields from an effective retention.ms.
func (t *Topic) SetRetention(ms int64) {
	t.RetentionMs = ms
	if ms < 0 {
		t.RetentionHours = -1
	} else {
		t.RetentionHours = int(ms / HourMs)
	}
}

// TopicList is an instance's topics with its partition budget.
type TopicList struct {
	Topics         []Topic `json:"topics"`
	Total          int     `json:"total"` // topics matching the filter, before paging
	Offset         int     `json:"offset"`
	Limit          int     `json:"limit"`
	PartitionsUsed int     `json:"partitions_used"` // by non-internal topics
	PartitionLimit int     `json:"partition_limit"`
}

// TopicFilter selects topics in a list.
type TopicFilter struct {
	Name          string // substring, case-insensitive
	Internal      bool   // include Kafka's internal topics
	Offset, Limit int    // a page of the list, sorted by name
}

// TopicPartition is one partition's placement, state, size and offsets.
type TopicPartition struct {
	Partition       int     `json:"partition"`
	Leader          int     `json:"leader"` // -1 when the partition has no leader
	Replicas        []int32 `json:"replicas"`
	ISR             []int32 `json:"isr"`
	OfflineReplicas []int32 `json:"offline_replicas"`
	UnderReplicated bool    `json:"under_replicated"`
	SizeBytes       int64   `json:"size_bytes"` // the leader replica's log
	StartOffset     int64   `json:"start_offset"`
	EndOffset       int64   `json:"end_offset"` // the high watermark
}

// Config sources, as TopicConfig.Source says them.
const (
	SourceTopic        = "topic"         // set on the topic
	SourceBroker       = "broker"        // a broker's dynamic setting
	SourceCluster      = "cluster"       // the cluster-wide dynamic default
	SourceStaticBroker = "static_broker" // the broker's configuration file
	SourceDefault      = "default"       // Kafka's default
)

// TopicConfig is one config value of a topic and where it comes from.
type TopicConfig struct {
	Name      string `json:"name"`
	Value     string `json:"value"`
	Source    string `json:"source"`
	Sensitive bool   `json:"sensitive,omitempty"`
}

// TopicDetail is a topic with its partitions and configs: those not at
// Kafka's default, plus the effective retention.
type TopicDetail struct {
	Topic      Topic            `json:"topic"`
	Partitions []TopicPartition `json:"partitions"`
	Configs    []TopicConfig    `json:"configs"`
}

// TopicDeletion reports the deletion of one topic.
type TopicDeletion struct {
	Deleted []string `json:"deleted"`
}

// TopicDeletionOutcome is the outcome of deleting one topic of a batch.
type TopicDeletionOutcome struct {
	Topic string
	Err   error // nil when the topic was deleted
}

// DiskUsage is an instance's storage by broker and its biggest topics
// (DMS 7.11).
type DiskUsage struct {
	UsedBytes  int64             `json:"used_bytes"`
	TotalBytes int64             `json:"total_bytes"`
	Percent    float64           `json:"percent"`
	Brokers    []BrokerDiskUsage `json:"brokers"`
	Topics     []TopicDiskUsage  `json:"topics"`
	Matched    int               `json:"matched"` // topics that pass the filter, before the top-N cut
}

// BrokerDiskUsage is one broker's storage.
type BrokerDiskUsage struct {
	Broker     int     `json:"broker"`
	UsedBytes  int64   `json:"used_bytes"`
	TotalBytes int64   `json:"total_bytes"`
	Percent    float64 `json:"percent"`
	Error      string  `json:"error,omitempty"` // why the broker's use is unknown
}

// TopicDiskUsage is one topic's share of the instance's storage.
type TopicDiskUsage struct {
	Name      string  `json:"name"`
	Internal  bool    `json:"internal"`
	DiskBytes int64   `json:"disk_bytes"` // every replica
	SizeBytes int64   `json:"size_bytes"` // the leader replicas
	Percent   float64 `json:"percent"`    // of the instance's total storage
}

// DiskUsageFilter selects the topics of a disk usage report.
type DiskUsageFilter struct {
	Top        int     // the N biggest topics, 1–1000; 0 means 10
	MinBytes   int64   // only topics using at least this much disk
	MinPercent float64 // only topics using at least this share of the storage
}

// Normalize fills in the default and checks the ranges.
func (f *DiskUsageFilter) Normalize() error {
	if f.Top == 0 {
		f.Top = 10
	}
	switch {
	case f.Top < 1 || f.Top > 1000:
		return Invalid("top", "top must be from 1 to 1000, got %d", f.Top)
	case f.MinBytes < 0:
		return Invalid("min_size_bytes", "min_size_bytes must not be negative, got %d", f.MinBytes)
	case f.MinPercent < 0 || f.MinPercent > 100:
		return Invalid("min_percent", "min_percent must be from 0 to 100, got %g", f.MinPercent)
	}
	return nil
}

// BytesPerGB is how Streamplane counts a broker's storage_gb_per_broker:
// decimal gigabytes, as disks are sold.
const BytesPerGB = int64(1_000_000_000)
