package streamplane

import (
	"slices"
	"strconv"
	"time"
)

// Metric levels, as DMS groups its metrics (DMS ch. 15, tables 15-1…15-4).
const (
	LevelInstance  = "instance"
	LevelBroker    = "broker"
	LevelTopic     = "topic"
	LevelPartition = "partition"
	LevelGroup     = "group"
)

// Dimensions a series can carry beside its instance.
const (
	DimBroker    = "broker"
	DimTopic     = "topic"
	DimPartition = "partition"
	DimGroup     = "group"
)

// MetricDef describes one metric of the catalog.
type MetricDef struct {
	Name        string   `json:"name"`
	Level       string   `json:"level"`
	Unit        string   `json:"unit"`
	Dimensions  []string `json:"dimensions"`
	Description string   `json:"description"`
}

// Metric units.
const (
	UnitCount        = "count"
	UnitCountPerSec  = "count/s"
	UnitBytes        = "byte"
	UnitBytesPerSec  = "byte/s"
	UnitMilliseconds = "ms"
	UnitPercent      = "%"
	UnitBool         = "0/1"
)

var (
	dimsInstance  = []string{}
	dimsBroker    = []string{DimBroker}
	dimsTopic     = []string{DimTopic}
	dimsPartition = []string{DimTopic, DimPartition}
	dimsGroup     = []string{DimGroup}
	dimsGroupByT  = []string{DimGroup, DimTopic}
)

// Metrics is the catalog: DMS's names and units at DMS's levels, plus what
// Strimzi's dashboards watch that DMS lacks (replication health, the
// controller, request queueing). The collector fills every series of it.
var Metrics = []MetricDef{
	{"current_partitions", LevelInstance, UnitCount, dimsInstance, "Partitions in the instance."},
	{"instance_partition_limit", LevelInstance, UnitCount, dimsInstance, "Partitions the instance's flavor allows at its broker count (DMS alarms at 90% of it)."},
	{"current_topics", LevelInstance, UnitCount, dimsInstance, "Topics in the instance."},
	{"group_msgs", LevelInstance, UnitCount, dimsInstance, "Messages not yet consumed, summed over every consumer group."},
	{"offline_partitions", LevelInstance, UnitCount, dimsInstance, "Partitions without a leader (as the active controller counts them)."},
	{"active_controller_count", LevelInstance, UnitCount, dimsInstance, "Nodes that are the active controller (1 when healthy)."},

	{"broker_alive", LevelBroker, UnitBool, dimsBroker, "1 when the broker answers, 0 when it does not."},
	{"broker_bytes_in_rate", LevelBroker, UnitBytesPerSec, dimsBroker, "Bytes produced to the broker per second."},
	{"broker_bytes_out_rate", LevelBroker, UnitBytesPerSec, dimsBroker, "Bytes fetched by consumers from the broker per second."},
	{"broker_messages_in_rate", LevelBroker, UnitCountPerSec, dimsBroker, "Messages produced to the broker per second."},
	{"broker_total_bytes_in_rate", LevelBroker, UnitBytesPerSec, dimsBroker, "Network bytes received per second on every listener, replication included."},
	{"broker_total_bytes_out_rate", LevelBroker, UnitBytesPerSec, dimsBroker, "Network bytes sent per second on every listener, replication included."},
	{"broker_public_bytes_in_rate", LevelBroker, UnitBytesPerSec, dimsBroker, "Network bytes received per second on the public listener."},
	{"broker_public_bytes_out_rate", LevelBroker, UnitBytesPerSec, dimsBroker, "Network bytes sent per second on the public listener."},
	{"broker_produce_mean", LevelBroker, UnitMilliseconds, dimsBroker, "Mean time the broker takes to handle a produce request."},
	{"broker_fetch_mean", LevelBroker, UnitMilliseconds, dimsBroker, "Mean time the broker takes to handle a consumer's fetch request."},
	{"broker_request_queue_time", LevelBroker, UnitMilliseconds, dimsBroker, "Mean time a produce request waits in the broker's request queue."},
	{"broker_cpu_usage", LevelBroker, UnitPercent, dimsBroker, "CPU the broker process uses, in percent of one core."},
	{"broker_cpu_core_load", LevelBroker, UnitCount, dimsBroker, "Load average of the broker's host per CPU core."},
	{"broker_memory_usage", LevelBroker, UnitPercent, dimsBroker, "Resident memory of the broker process, in percent of its flavor's memory."},
	{"broker_heap_usage", LevelBroker, UnitPercent, dimsBroker, "Used JVM heap, in percent of the maximum heap."},
	{"broker_disk_usage", LevelBroker, UnitPercent, dimsBroker, "Used storage, in percent of the broker's storage."},
	{"broker_data_size", LevelBroker, UnitBytes, dimsBroker, "Bytes of partition data on the broker."},
	{"broker_connections", LevelBroker, UnitCount, dimsBroker, "Open client connections on the broker's client listeners."},
	{"broker_under_replicated_partitions", LevelBroker, UnitCount, dimsBroker, "Partitions led by the broker with a replica out of sync."},
	{"broker_under_min_isr_partitions", LevelBroker, UnitCount, dimsBroker, "Partitions led by the broker with fewer in-sync replicas than min.insync.replicas."},

	{"topic_bytes_in_rate", LevelTopic, UnitBytesPerSec, dimsTopic, "Bytes produced to the topic per second."},
	{"topic_bytes_out_rate", LevelTopic, UnitBytesPerSec, dimsTopic, "Bytes fetched by consumers from the topic per second."},
	{"topic_messages_in_rate", LevelTopic, UnitCountPerSec, dimsTopic, "Messages produced to the topic per second."},
	{"topic_data_size", LevelTopic, UnitBytes, dimsTopic, "Bytes of the topic's data (one replica of each partition)."},
	{"topic_messages", LevelTopic, UnitCount, dimsTopic, "Messages in the topic (end offsets less start offsets)."},

	{"partition_messages", LevelPartition, UnitCount, dimsPartition, "Messages in the partition (end offset less start offset)."},

	{"messages_consumed", LevelGroup, UnitCount, dimsGroupByT, "Messages of the topic the group has consumed (its committed offsets, summed)."},
	{"messages_remained", LevelGroup, UnitCount, dimsGroupByT, "Messages of the topic the group has yet to consume (its lag)."},
	{"consumer_messages_consumed", LevelGroup, UnitCount, dimsGroup, "Messages the group has consumed, over all its topics."},
	{"consumer_messages_remaining", LevelGroup, UnitCount, dimsGroup, "Messages the group has yet to consume, over all its topics (its lag)."},
}

// MetricByName returns the catalog entry of a metric.
func MetricByName(name string) (MetricDef, bool) {
	i := slices.IndexFunc(Metrics, func(m MetricDef) bool { return m.Name == name })
	if i < 0 {
		return MetricDef{}, false
	}
	return Metrics[i], true
}

// HasDimension says whether the metric's series carry a dimension.
func (m MetricDef) HasDimension(dim string) bool { return slices.Contains(m.Dimensions, dim) }

// NoBroker and NoPartition mark a series without that dimension.
const (
	NoBroker    = -1
	NoPartition = -1
)

// SeriesKey names one series: a metric of an instance and the values of
// the metric's dimensions (the others are empty, or NoBroker/NoPartition).
type SeriesKey struct {
	InstanceID string
	Metric     string
	Broker     int
	Topic      string
	Partition  int
	Group      string
}

// InstanceSeries, BrokerSeries, TopicSeries, PartitionSeries and
// GroupSeries build keys with the dimensions of each level.
func InstanceSeries(instanceID, metric string) SeriesKey {
	return SeriesKey{InstanceID: instanceID, Metric: metric, Broker: NoBroker, Partition: NoPartition}
}

func BrokerSeries(instanceID, metric string, broker int) SeriesKey {
	k := InstanceSeries(instanceID, metric)
	k.Broker = broker
	return k
}

func TopicSeries(instanceID, metric, topic string) SeriesKey {
	k := InstanceSeries(instanceID, metric)
	k.Topic = topic
	return k
}

func PartitionSeries(instanceID, metric, topic string, partition int) SeriesKey {
	k := TopicSeries(instanceID, metric, topic)
	k.Partition = partition
	return k
}

func GroupSeries(instanceID, metric, group, topic string) SeriesKey {
	k := TopicSeries(instanceID, metric, topic)
	k.Group = group
	return k
}

// Labels returns the key's dimensions that are set, by name, as
// Prometheus and the API show them.
func (k SeriesKey) Labels() map[string]string {
	l := map[string]string{}
	if k.Broker != NoBroker {
		l[DimBroker] = strconv.Itoa(k.Broker)
	}
	if k.Topic != "" {
		l[DimTopic] = k.Topic
	}
	if k.Partition != NoPartition {
		l[DimPartition] = strconv.Itoa(k.Partition)
	}
	if k.Group != "" {
		l[DimGroup] = k.Group
	}
	return l
}

// Point is one value of a series at a time (seconds resolution).
type Point struct {
	At    time.Time
	Value float64
}

// Sample is one collected value of a series.
type Sample struct {
	Key   SeriesKey
	Value float64
}

// Series is a key and its points, oldest first.
type Series struct {
	Key    SeriesKey
	Points []Point
}

// Resolutions the store keeps: raw collection points (one a minute by
// default) and two rollups, each with its own retention.
const (
	ResolutionRaw  = time.Minute
	Resolution5Min = 5 * time.Minute
	ResolutionHour = time.Hour
)

// MetricQuery selects series of one metric over a time range. Nil
// dimension filters match every value.
type MetricQuery struct {
	InstanceID string
	Metric     string
	Broker     *int
	Topic      *string
	Partition  *int
	Group      *string
	From, To   time.Time
	// Step is the distance between returned points: points inside one step
	// are averaged. Zero chooses one from the range.
	Step time.Duration
}

// Matches says whether a series key passes the query's filters.
func (q MetricQuery) Matches(k SeriesKey) bool {
	return k.InstanceID == q.InstanceID && k.Metric == q.Metric &&
		(q.Broker == nil || *q.Broker == k.Broker) &&
		(q.Topic == nil || *q.Topic == k.Topic) &&
		(q.Partition == nil || *q.Partition == k.Partition) &&
		(q.Group == nil || *q.Group == k.Group)
}
