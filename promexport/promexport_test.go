package promexport_test

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/metrics"
	"github.com/streamplane/streamplane/promexport"
)

var names = map[string]string{"i-1": "demo", "i-2": "alpha"}

func TestWrite(t *testing.T) {
	samples := []streamplane.Sample{
		{Key: streamplane.BrokerSeries("i-1", "broker_alive", 2), Value: 0},
		{Key: streamplane.GroupSeries("i-1", "messages_remained", "g1", "orders"), Value: 42},
		{Key: streamplane.BrokerSeries("i-1", "broker_alive", 10), Value: 1},
		{Key: streamplane.InstanceSeries("i-2", "current_partitions"), Value: 12},
		{Key: streamplane.BrokerSeries("i-2", "broker_alive", 0), Value: 1},
		{Key: streamplane.InstanceSeries("i-1", "current_partitions"), Value: 3},
		{Key: streamplane.PartitionSeries("i-1", "partition_messages", `a"b\c`, 1), Value: 1.5e9},
		{Key: streamplane.BrokerSeries("i-1", "broker_alive", 2), Value: 1}, // the later value wins
	}
	var b strings.Builder
	if err := promexport.Write(&b, samples, names); err != nil {
		t.Fatal(err)
	}
	want := `# HELP streamplane_current_partitions Partitions in the instance. Unit: count.
# TYPE streamplane_current_partitions gauge
streamplane_current_partitions{instance_id="i-2",instance="alpha"} 12
streamplane_current_partitions{instance_id="i-1",instance="demo"} 3
# HELP streamplane_broker_alive 1 when the broker answers, 0 when it does not. Unit: 0/1.
# TYPE streamplane_broker_alive gauge
streamplane_broker_alive{instance_id="i-2",instance="alpha",broker="0"} 1
streamplane_broker_alive{instance_id="i-1",instance="demo",broker="2"} 1
streamplane_broker_alive{instance_id="i-1",instance="demo",broker="10"} 1
# HELP streamplane_partition_messages Messages in the partition (end offset less start offset). Unit: count.
# TYPE streamplane_partition_messages gauge
streamplane_partition_messages{instance_id="i-1",instance="demo",topic="a\"b\\c",partition="1"} 1.5e+09
# HELP streamplane_messages_remained Messages of the topic the group has yet to consume (its lag). Unit: count.
# TYPE streamplane_messages_remained gauge
streamplane_messages_remained{instance_id="i-1",instance="demo",topic="orders",group="g1"} 42
`
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestWriteLeavesOut(t *testing.T) {
	samples := []streamplane.Sample{
		{Key: streamplane.BrokerSeries("gone", "broker_alive", 0), Value: 1},
		{Key: streamplane.InstanceSeries("i-1", "retired_metric"), Value: 1},
	}
	var b strings.Builder
	if err := promexport.Write(&b, samples, names); err != nil {
		t.Fatal(err)
	}
	if b.Len() != 0 {
		t.Errorf("a deleted instance's or an unknown metric's sample was written:\n%s", b.String())
	}
}

func TestWriteValues(t *testing.T) {
	values := []float64{0, -1, 0.1, 1e-300, math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN()}
	var samples []streamplane.Sample
	for i, v := range values {
		samples = append(samples, streamplane.Sample{Key: streamplane.BrokerSeries("i-1", "broker_cpu_usage", i), Value: v})
	}
	var b bytes.Buffer
	if err := promexport.Write(&b, samples, names); err != nil {
		t.Fatal(err)
	}
	parsed, err := metrics.Parse(&b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(parsed) != len(values) {
		t.Fatalf("%d samples parsed, want %d", len(parsed), len(values))
	}
	for _, p := range parsed {
		broker, _ := strconv.Atoi(p.Labels["broker"])
		want := values[broker]
		if p.Value != want && !(math.IsNaN(p.Value) && math.IsNaN(want)) {
			t.Errorf("broker %d: %v, want %v", broker, p.Value, want)
		}
		if p.Name != "streamplane_broker_cpu_usage" || p.Labels["instance"] != "demo" || p.Labels["instance_id"] != "i-1" {
			t.Errorf("sample %+v", p)
		}
	}
}

// TestWriteEveryMetric writes a series of each catalog metric with all its
// dimensions and reads it back: every metric is exported under its
// prefixed name with exactly the labels of its level.
func TestWriteEveryMetric(t *testing.T) {
	var samples []streamplane.Sample
	for i, m := range streamplane.Metrics {
		k := streamplane.InstanceSeries("i-1", m.Name)
		if m.HasDimension(streamplane.DimBroker) {
			k.Broker = 3
		}
		if m.HasDimension(streamplane.DimTopic) {
			k.Topic = "orders"
		}
		if m.HasDimension(streamplane.DimPartition) {
			k.Partition = 7
		}
		if m.HasDimension(streamplane.DimGroup) {
			k.Group = "billing"
		}
		samples = append(samples, streamplane.Sample{Key: k, Value: float64(i)})
	}
	var b bytes.Buffer
	if err := promexport.Write(&b, samples, names); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	parsed, err := metrics.Parse(strings.NewReader(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(parsed) != len(streamplane.Metrics) {
		t.Fatalf("%d samples, want one per metric (%d)", len(parsed), len(streamplane.Metrics))
	}
	for i, m := range streamplane.Metrics {
		p := parsed[i]
		if p.Name != promexport.MetricName(m.Name) || p.Value != float64(i) {
			t.Errorf("sample %d: %s %v, want %s %d", i, p.Name, p.Value, promexport.MetricName(m.Name), i)
		}
		if len(p.Labels) != 2+len(m.Dimensions) {
			t.Errorf("%s: labels %v, want instance_id, instance and %v", m.Name, p.Labels, m.Dimensions)
		}
		for _, dim := range m.Dimensions {
			if p.Labels[dim] == "" {
				t.Errorf("%s: no %s label: %v", m.Name, dim, p.Labels)
			}
		}
		if !strings.Contains(text, "# TYPE "+p.Name+" gauge\n") || !strings.Contains(text, "# HELP "+p.Name+" "+m.Description) {
			t.Errorf("%s: no HELP or TYPE line", p.Name)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestWriteError(t *testing.T) {
	samples := []streamplane.Sample{{Key: streamplane.InstanceSeries("i-1", "current_topics"), Value: 1}}
	if err := promexport.Write(failingWriter{}, samples, names); err == nil {
		t.Error("a failed write was not reported")
	}
}
