package kafkaadmin

import (
	"encoding/binary"
	"reflect"
	"strconv"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
)

// offsetRecord is a record as Connect writes MirrorMaker's source offsets
// (the key's map in Java's HashMap order, which JSON readers ignore).
func offsetRecord(connector, alias, topic string, partition int, value string) *kgo.Record {
	key := `["` + connector + `",{"partition":` + strconv.Itoa(partition) + `,"topic":"` + topic + `","cluster":"` + alias + `"}]`
	r := &kgo.Record{Key: []byte(key)}
	if value != "" {
		r.Value = []byte(value)
	}
	return r
}

func TestMirrorOffsetsDecode(t *testing.T) {
	recs := []*kgo.Record{
		offsetRecord("MirrorSourceConnector", "legacy", "orders", 0, `{"offset":41}`),
		offsetRecord("MirrorSourceConnector", "legacy", "orders", 1, `{"offset":7}`),
		offsetRecord("MirrorSourceConnector", "legacy", "orders", 0, `{"offset":99}`), // later wins
		offsetRecord("MirrorSourceConnector", "legacy", "gone", 0, `{"offset":5}`),
		offsetRecord("MirrorSourceConnector", "legacy", "gone", 0, ""), // null value deletes
		offsetRecord("MirrorSourceConnector", "other", "orders", 0, `{"offset":1000}`),
		offsetRecord("MirrorCheckpointConnector", "legacy", "orders", 0, `{"offset":1000}`),
		{Key: []byte("not json"), Value: []byte(`{"offset":1}`)},
		offsetRecord("MirrorSourceConnector", "legacy", "payments", 2, `{"offset":0}`),
	}
	got := decodeMirrorOffsets(recs, "legacy")
	want := map[string]map[int32]int64{"orders": {0: 100, 1: 8}, "payments": {2: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("copied up to %v, want %v", got, want)
	}
}

func TestMirrorStatusDecode(t *testing.T) {
	rec := func(k, v string) *kgo.Record {
		r := &kgo.Record{Key: []byte(k)}
		if v != "" {
			r.Value = []byte(v)
		}
		return r
	}
	recs := []*kgo.Record{
		rec("status-connector-MirrorSourceConnector", `{"state":"UNASSIGNED","trace":null,"worker_id":"w1","generation":1}`),
		rec("status-task-MirrorSourceConnector-0", `{"state":"RUNNING","trace":null,"worker_id":"w1","generation":1}`),
		rec("status-connector-MirrorSourceConnector", `{"state":"RUNNING","trace":null,"worker_id":"w1","generation":2}`),
		rec("status-task-MirrorSourceConnector-1", `{"state":"FAILED","trace":"org.apache.kafka.common.errors.TopicAuthorizationException: x","worker_id":"w1","generation":2}`),
		rec("status-connector-MirrorCheckpointConnector", `{"state":"RUNNING","worker_id":"w1","generation":2}`),
		rec("status-connector-Removed", `{"state":"RUNNING","worker_id":"w1","generation":1}`),
		rec("status-connector-Removed", ""),
		rec("status-topic-orders:connector-MirrorSourceConnector", `{"topic":{"name":"orders"}}`),
	}
	got := decodeMirrorStatus(recs)
	want := []streamplane.MirrorConnector{
		{Name: "MirrorCheckpointConnector", State: "RUNNING"},
		{Name: "MirrorSourceConnector", State: "RUNNING"},
		{Name: "MirrorSourceConnector-0", State: "RUNNING"},
		{Name: "MirrorSourceConnector-1", State: "FAILED", Trace: "org.apache.kafka.common.errors.TopicAuthorizationException: x"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

// checkpointKey encodes a key as Checkpoint.java's KEY_SCHEMA does.
func checkpointKey(group, topic string, partition int32) []byte {
	var b []byte
	for _, s := range []string{group, topic} {
		b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
		b = append(b, s...)
	}
	return binary.BigEndian.AppendUint32(b, uint32(partition))
}

// checkpointValue encodes a value as Checkpoint.java's version 0 does.
func checkpointValue(upstream, downstream int64, metadata string) []byte {
	b := binary.BigEndian.AppendUint16(nil, 0)
	b = binary.BigEndian.AppendUint64(b, uint64(upstream))
	b = binary.BigEndian.AppendUint64(b, uint64(downstream))
	b = binary.BigEndian.AppendUint16(b, uint16(len(metadata)))
	return append(b, metadata...)
}

func TestMirrorCheckpointsDecode(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	recs := []*kgo.Record{
		{Key: checkpointKey("billing", "orders", 0), Value: checkpointValue(100, 90, ""), Timestamp: t0},
		{Key: checkpointKey("billing", "orders", 1), Value: checkpointValue(50, 50, "m"), Timestamp: t0.Add(time.Minute)},
		{Key: checkpointKey("billing", "orders", 0), Value: checkpointValue(200, 180, ""), Timestamp: t0.Add(30 * time.Second)},
		{Key: checkpointKey("audit", "payments", 3), Value: checkpointValue(7, 7, ""), Timestamp: t0},
		{Key: []byte{0, 9, 'x'}, Value: checkpointValue(1, 1, ""), Timestamp: t0.Add(time.Hour)},                      // truncated key: skipped
		{Key: checkpointKey("audit", "payments", 4), Value: []byte{0, 1, 2}, Timestamp: t0},                           // short value: skipped
		{Key: checkpointKey("audit", "payments", 5), Value: append([]byte{0, 1}, make([]byte, 18)...), Timestamp: t0}, // version 1: skipped
	}
	got := decodeCheckpoints(recs)
	want := map[string]streamplane.GroupCheckpoints{
		"billing": {"orders": {0: {Upstream: 200, Downstream: 180, At: t0.Add(30 * time.Second)}, 1: {Upstream: 50, Downstream: 50, At: t0.Add(time.Minute)}}},
		"audit":   {"payments": {3: {Upstream: 7, Downstream: 7, At: t0}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	g, topic, p, err := decodeCheckpointKey(checkpointKey("g", "t", 7))
	if err != nil || g != "g" || topic != "t" || p != 7 {
		t.Errorf("decodeCheckpointKey = %q %q %d %v", g, topic, p, err)
	}
}

// TestMirrorCopied reads MirrorMaker's offsets topic from a cluster, as it
// is on an instance, and a migration whose topic is not there yet.
func TestMirrorCopied(t *testing.T) {
	c, fake := fakeClient(t)
	ctx := testContext(t)
	m := &streamplane.Migration{Name: "legacy"}
	got, err := c.MirrorCopied(ctx, m)
	if err != nil || len(got) != 0 {
		t.Fatalf("before MirrorMaker starts: %v, %v; want nothing", got, err)
	}

	mustCreateTopic(t, c, "mm2-offsets.legacy.internal", 3, map[string]string{"cleanup.policy": "compact"})
	producer, err := kgo.NewClient(kgo.SeedBrokers(fake.ListenAddrs()...),
		kgo.SASL(plain.Auth{User: fakeAdmin, Pass: fakePassword}.AsMechanism()), kgo.DefaultProduceTopic("mm2-offsets.legacy.internal"),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	// Connect spreads keys over the partitions; a key's records stay in one.
	for _, w := range []struct {
		partition int32
		rec       *kgo.Record
	}{
		{0, offsetRecord("MirrorSourceConnector", "legacy", "orders", 0, `{"offset":10}`)},
		{2, offsetRecord("MirrorSourceConnector", "legacy", "orders", 1, `{"offset":3}`)},
		{0, offsetRecord("MirrorSourceConnector", "legacy", "orders", 0, `{"offset":20}`)},
	} {
		w.rec.Partition = w.partition
		if err := producer.ProduceSync(ctx, w.rec).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	got, err = c.MirrorCopied(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]map[int32]int64{"orders": {0: 21, 1: 4}}; !reflect.DeepEqual(got, want) {
		t.Errorf("copied up to %v, want %v", got, want)
	}
}

// TestEndOffsets lists several topics' end offsets at once, leaving out
// one the cluster lacks.
func TestEndOffsets(t *testing.T) {
	c, _ := fakeClient(t)
	ctx := testContext(t)
	mustCreateTopic(t, c, "orders", 2, nil)
	mustCreateTopic(t, c, "payments", 1, nil)
	got, err := c.EndOffsets(ctx, "orders", "payments", "absent")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[int32]int64{"orders": {0: 0, 1: 0}, "payments": {0: 0}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
