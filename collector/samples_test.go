package collector

import (
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaadmin"
	"github.com/streamplane/streamplane/metrics"
)

func testInstance() *streamplane.Instance {
	return &streamplane.Instance{ID: "i1", Name: "demo", Flavor: "kafka.2u4g.cluster", StorageGBPerBroker: 100, BrokerCount: 2,
		Brokers: []streamplane.Broker{{ID: 0, State: streamplane.BrokerActive, PID: 100}, {ID: 1, State: streamplane.BrokerActive, PID: 101}}}
}

func jmxRound(bytesIn, topicBytesIn float64) []metrics.Sample {
	return []metrics.Sample{
		{Name: jmxBytesIn, Labels: map[string]string{}, Value: bytesIn},
		{Name: jmxBytesIn, Labels: map[string]string{"topic": "orders"}, Value: topicBytesIn},
		{Name: jmxConnections, Labels: map[string]string{"listener": "PRIVATE"}, Value: 3},
		{Name: jmxConnections, Labels: map[string]string{"listener": "INTERNAL"}, Value: 7},
		{Name: jmxHeapUsed, Labels: map[string]string{}, Value: 256},
		{Name: jmxHeapMax, Labels: map[string]string{}, Value: 1024},
	}
}

func readings() *kafkaadmin.Readings {
	return &kafkaadmin.Readings{
		Alive: map[int32]bool{0: true, 1: true},
		Topics: []kafkaadmin.TopicMetadata{
			{Name: "orders", Partitions: []kafkaadmin.PartitionMetadata{{ID: 0, Leader: 0, Replicas: []int32{0, 1}}, {ID: 1, Leader: -1, Replicas: []int32{1, 0}}}},
			{Name: "__consumer_offsets", Internal: true, Partitions: []kafkaadmin.PartitionMetadata{{ID: 0, Leader: 0, Replicas: []int32{0}}}},
		},
		Start:     map[string]map[int32]int64{"orders": {0: 10, 1: 0}},
		End:       map[string]map[int32]int64{"orders": {0: 110, 1: 50}},
		Sizes:     kafkaadmin.ReplicaSizes{0: {"orders": {0: 1000, 1: 400}}, 1: {"orders": {0: 900, 1: 500}}},
		Committed: map[string]map[string]map[int32]int64{"billing": {"orders": {0: 60, 1: 50}}},
	}
}

func value(t *testing.T, got []streamplane.Sample, k streamplane.SeriesKey) (float64, bool) {
	t.Helper()
	for _, s := range got {
		if s.Key == k {
			return s.Value, true
		}
	}
	return 0, false
}

func TestSamplesAcrossTwoRounds(t *testing.T) {
	inst := testInstance()
	ctr, seen := newCounters(), map[brokerKey]lastSeen{}
	t0 := time.Unix(1_700_000_000, 0)
	first := observation{inst: inst, at: t0, jmx: map[int][]metrics.Sample{0: jmxRound(1000, 600), 1: jmxRound(5000, 0)},
		kafka: readings(), loadPerCore: 0.5, storageUnit: 1000}
	got := samples(first, ctr, seen)
	if _, ok := value(t, got, streamplane.BrokerSeries("i1", "broker_bytes_in_rate", 0)); ok {
		t.Error("a rate after one reading")
	}
	second := first
	second.at = t0.Add(10 * time.Second)
	second.jmx = map[int][]metrics.Sample{0: jmxRound(21000, 10600), 1: jmxRound(5000, 100)}
	got = samples(second, ctr, seen)

	want := map[streamplane.SeriesKey]float64{
		streamplane.BrokerSeries("i1", "broker_alive", 0):                           1,
		streamplane.BrokerSeries("i1", "broker_bytes_in_rate", 0):                   2000,
		streamplane.BrokerSeries("i1", "broker_bytes_in_rate", 1):                   0,
		streamplane.TopicSeries("i1", "topic_bytes_in_rate", "orders"):              1010, // summed over brokers
		streamplane.BrokerSeries("i1", "broker_connections", 0):                     3,    // client listeners only
		streamplane.BrokerSeries("i1", "broker_heap_usage", 0):                      25,
		streamplane.BrokerSeries("i1", "broker_data_size", 0):                       1400,
		streamplane.BrokerSeries("i1", "broker_disk_usage", 0):                      1400.0 / 100000 * 100,
		streamplane.BrokerSeries("i1", "broker_cpu_core_load", 1):                   0.5,
		streamplane.InstanceSeries("i1", "current_topics"):                          1,
		streamplane.InstanceSeries("i1", "current_partitions"):                      2,
		streamplane.InstanceSeries("i1", "offline_partitions"):                      1,
		streamplane.TopicSeries("i1", "topic_data_size", "orders"):                  1500, // largest replica of each
		streamplane.TopicSeries("i1", "topic_messages", "orders"):                   150,
		streamplane.PartitionSeries("i1", "partition_messages", "orders", 0):        100,
		streamplane.GroupSeries("i1", "messages_remained", "billing", "orders"):     50,
		streamplane.GroupSeries("i1", "messages_consumed", "billing", "orders"):     110,
		streamplane.GroupSeries("i1", "consumer_messages_remaining", "billing", ""): 50,
		streamplane.InstanceSeries("i1", "group_msgs"):                              50,
		streamplane.InstanceSeries("i1", "instance_partition_limit"):                500, // 2 brokers × 250
	}
	for k, v := range want {
		if g, ok := value(t, got, k); !ok || g != v {
			t.Errorf("%s %v: got %v (present %v), want %v", k.Metric, k.Labels(), g, ok, v)
		}
	}
}

// A broker is alive only while it answers and keeps its process: one that
// restarted between rounds counts as down for that round.
func TestBrokerAlive(t *testing.T) {
	inst := testInstance()
	ctr, seen := newCounters(), map[brokerKey]lastSeen{}
	at := time.Unix(1_700_000_000, 0)
	round := func(pid int, scraped, listed bool) float64 {
		t.Helper()
		inst.Brokers[0].PID = pid
		at = at.Add(10 * time.Second)
		o := observation{inst: inst, at: at, jmx: map[int][]metrics.Sample{1: nil}, kafka: readings(), loadPerCore: -1}
		if scraped {
			o.jmx[0] = nil
		}
		o.kafka.Alive[0] = listed
		v, ok := value(t, samples(o, ctr, seen), streamplane.BrokerSeries("i1", "broker_alive", 0))
		if !ok {
			t.Fatal("no broker_alive for broker 0")
		}
		return v
	}
	for i, c := range []struct {
		pid             int
		scraped, listed bool
		want            float64
	}{
		{100, true, true, 1},
		{100, false, true, 0}, // exporter silent
		{100, true, false, 0}, // fenced
		{200, true, true, 0},  // came back as a new process since the last round
		{200, true, true, 1},
	} {
		if got := round(c.pid, c.scraped, c.listed); got != c.want {
			t.Errorf("round %d: broker_alive %v, want %v", i, got, c.want)
		}
	}
}

func TestCounterReset(t *testing.T) {
	c := newCounters()
	k := counterKey{instance: "i", name: "x"}
	t0 := time.Unix(0, 0)
	c.rate(k, 1000, t0)
	if r, ok := c.rate(k, 300, t0.Add(10*time.Second)); !ok || r != 30 {
		t.Errorf("after a reset: %v %v, want 30 (300 counted since)", r, ok)
	}
}

// Every metric of the catalog comes out of a round with everything to read:
// the catalog and the collector cannot drift apart.
func TestEveryCatalogMetricIsCollected(t *testing.T) {
	inst := testInstance()
	inst.PublicAccess = true
	ctr, seen := newCounters(), map[brokerKey]lastSeen{}
	jmx := func(n float64) []metrics.Sample {
		l := func(kv ...string) map[string]string {
			m := map[string]string{}
			for i := 0; i < len(kv); i += 2 {
				m[kv[i]] = kv[i+1]
			}
			return m
		}
		return append(jmxRound(1000*n, 500*n),
			metrics.Sample{Name: jmxBytesOut, Labels: l(), Value: 10 * n},
			metrics.Sample{Name: jmxBytesOut, Labels: l("topic", "orders"), Value: 10 * n},
			metrics.Sample{Name: jmxMessagesIn, Labels: l(), Value: n},
			metrics.Sample{Name: jmxMessagesIn, Labels: l("topic", "orders"), Value: n},
			metrics.Sample{Name: jmxRequestMean, Labels: l("request", "Produce"), Value: 2},
			metrics.Sample{Name: jmxRequestMean, Labels: l("request", "FetchConsumer"), Value: 500},
			metrics.Sample{Name: jmxQueueTimeMean, Labels: l("request", "Produce"), Value: 0.1},
			metrics.Sample{Name: jmxNetIn, Labels: l("listener", "PUBLIC", "network_processor", "0"), Value: 100 * n},
			metrics.Sample{Name: jmxNetOut, Labels: l("listener", "PUBLIC", "network_processor", "0"), Value: 100 * n},
			metrics.Sample{Name: jmxUnderReplicated, Labels: l(), Value: 0},
			metrics.Sample{Name: jmxUnderMinISR, Labels: l(), Value: 0},
			metrics.Sample{Name: jmxActiveCtrl, Labels: l(), Value: 1},
		)
	}
	var got []streamplane.Sample
	for i := range 2 {
		o := observation{inst: inst, at: time.Unix(int64(1_700_000_000+10*i), 0), jmx: map[int][]metrics.Sample{0: jmx(float64(i + 1)), 1: jmx(float64(i + 1))},
			kafka: readings(), loadPerCore: 0.2, storageUnit: 1 << 30,
			procs: map[int]procStat{0: {cpuSeconds: float64(i), rssBytes: 1 << 30}}}
		got = samples(o, ctr, seen)
	}
	have := map[string]bool{}
	for _, s := range got {
		have[s.Key.Metric] = true
	}
	for _, m := range streamplane.Metrics {
		if !have[m.Name] {
			t.Errorf("%s (%s) is in the catalog but not collected", m.Name, m.Level)
		}
	}
}
