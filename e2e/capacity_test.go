// Not in kfake: a broker filled to its storage limit, and the capacity
// threshold policy acting on it through real ACLs and DeleteRecords.

package e2e

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// capacityUnit makes 1 "GB" of storage 32 MiB, so that a dev instance of
// 1 GB per broker fills in seconds.
const capacityUnit = 32 << 20

// capacityServer is a server whose storage unit is capacityUnit and which
// measures disk use every second.
func capacityServer(t *testing.T) *Server {
	s := NewServer(t, ServerOptions{Args: []string{"--storage-unit-bytes", fmt.Sprint(capacityUnit), "--usage-interval", "1s"}})
	t.Cleanup(s.Close)
	return s
}

// smallSegments keeps segments at Kafka's least, 1 MiB, so that deleting
// the oldest records frees whole segments.
func smallSegments() map[string]*string {
	mib := "1048576"
	return map[string]*string{"segment.bytes": &mib}
}

// fill writes n records of 10 KiB of random (incompressible) bytes, keyed
// by their number, and returns how many were refused and the first error.
func fill(t *testing.T, cl *kgo.Client, topic string, n int) (refused int, first error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for i := 0; i < n; i++ {
		v := make([]byte, 10<<10)
		rand.Read(v)
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: []byte(fmt.Sprintf("k-%06d", i)), Value: v}).FirstErr(); err != nil {
			refused++
			if first == nil {
				first = err
			}
		}
	}
	return refused, first
}

// capacityTasks lists the instance's capacity_event tasks that succeeded.
func capacityTasks(t *testing.T, s *Server, inst string) []*streamplane.Task {
	return tasksMentioning(t, s, inst, streamplane.TaskCapacityEvent, streamplane.TaskSucceeded, "")
}

// auto_delete (the default): a broker at 95% of its storage loses its
// oldest records, about 10% of its storage, and keeps everything newer;
// production never stops, before, during or after.
func TestCapacityAutoDelete(t *testing.T) {
	s := capacityServer(t)
	spec := devSpec("capdel", 1)
	spec.StorageGBPerBroker = 1
	inst := ownInstance(t, s, spec)
	if inst.CapacityPolicy != streamplane.CapacityAutoDelete {
		t.Fatalf("capacity policy %q by default, want auto_delete (DMS)", inst.CapacityPolicy)
	}
	createTopic(t, inst, "fill", 2, 1, smallSegments())
	producer := kafkaClient(t, inst, kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerBatchCompression(kgo.NoCompression()))
	createTopic(t, inst, "fill-after", 1, 1, nil)
	const n = 3200 // ~31.5 MiB with the records' overhead: 98% of 32 MiB
	if refused, first := fill(t, producer, "fill", n); refused > 0 {
		t.Fatalf("%d of %d records refused while filling under auto_delete: %v", refused, n, first)
	}
	load := startLoad(t, inst, "fill-after")

	eventually(t, 4*time.Minute, func() (bool, string) {
		if len(capacityTasks(t, s, inst.ID)) == 0 {
			return false, "no capacity_event task succeeded yet\n" + s.LogTail(5)
		}
		return true, ""
	})
	load.stop()
	load.check(t, "an auto_delete capacity event")

	ev := capacityTasks(t, s, inst.ID)[0]
	t.Logf("capacity event: %s", ev.Result)
	if !strings.Contains(ev.Result, "deleted records older than") {
		t.Errorf("the event's result does not say what it deleted: %q", ev.Result)
	}
	after, err := s.Client.Instance(context.Background(), inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(after.CapacityEvent, "deleted records") || after.ProductionStopped {
		t.Errorf("instance shows capacity event %q, production stopped %v", after.CapacityEvent, after.ProductionStopped)
	}

	// The oldest records went, about a tenth of the data; everything after
	// them is still there and readable.
	adm := kadm.NewClient(kafkaClient(t, inst))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	starts, err := adm.ListStartOffsets(ctx, "fill")
	if err != nil {
		t.Fatal(err)
	}
	ends, err := adm.ListEndOffsets(ctx, "fill")
	if err != nil {
		t.Fatal(err)
	}
	var deleted, kept int64
	starts.Each(func(o kadm.ListedOffset) {
		end, _ := ends.Lookup(o.Topic, o.Partition)
		deleted += o.Offset
		kept += end.Offset - o.Offset
	})
	t.Logf("fill: %d records deleted, %d kept", deleted, kept)
	// Each event deletes about a tenth; the load written meanwhile may
	// call for a second one.
	if deleted < n/20 || deleted > n*2/5 {
		t.Errorf("%d of %d records deleted; want about a tenth per event (between 5%% and 40%% in all)", deleted, n)
	}
	if got := consumeAllRecords(t, inst, "fill", int(kept)); got != int(kept) {
		t.Errorf("read %d records after the deletion, want the %d kept", got, kept)
	}
	// And production goes on.
	if refused, first := fill(t, producer, "fill", 50); refused > 0 {
		t.Errorf("%d records refused after the capacity event: %v", refused, first)
	}
}

// consumeAllRecords reads topic from its start and counts the records,
// until want arrived or 30 seconds pass.
func consumeAllRecords(t *testing.T, inst *streamplane.Instance, topic string, want int) int {
	t.Helper()
	cl := kafkaClient(t, inst, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got := 0
	for got < want {
		f := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			break
		}
		got += f.NumRecords()
	}
	return got
}

// stop_production: a broker at 95% of its storage makes every producer's
// write fail at once with TOPIC_AUTHORIZATION_FAILED, while reads go on;
// once space is freed (here the test deletes the topic) and use is below
// 85%, writes are accepted again. Both events are tasks and show on the
// instance. Expanding the storage grows only, and counts.
func TestCapacityStopProduction(t *testing.T) {
	s := capacityServer(t)
	spec := devSpec("capstop", 1)
	spec.StorageGBPerBroker = 1
	spec.CapacityPolicy = streamplane.CapacityStopProduction
	inst := ownInstance(t, s, spec)
	createTopic(t, inst, "fill", 1, 1, smallSegments())
	producer := kafkaClient(t, inst, kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.RecordDeliveryTimeout(20*time.Second))
	// Past 95%; the last records may already be refused.
	fill(t, producer, "fill", 3200)

	var stopped *streamplane.Instance
	eventually(t, 2*time.Minute, func() (bool, string) {
		cur, err := s.Client.Instance(context.Background(), inst.ID)
		if err != nil {
			return false, err.Error()
		}
		stopped = cur
		return cur.ProductionStopped, "writes not stopped yet: " + cur.CapacityEvent
	})
	t.Logf("capacity event: %s", stopped.CapacityEvent)
	out := mustCLI(t, s, "instance", "show", inst.Name)
	if !strings.Contains(out, "WRITES STOPPED") || !strings.Contains(out, "used of 33.6 MB") {
		t.Errorf("instance show does not say writes are stopped, or of how much storage (32 MiB):\n%s", out)
	}

	// Refused, not throttled: at once, with an error no client retries.
	start := time.Now()
	err := producer.ProduceSync(context.Background(), &kgo.Record{Topic: "fill", Value: []byte("one more")}).FirstErr()
	if !errors.Is(err, kerr.TopicAuthorizationFailed) {
		t.Fatalf("a write while production is stopped: %v, want TOPIC_AUTHORIZATION_FAILED", err)
	}
	t.Logf("the producer was refused in %s: %v", time.Since(start).Round(time.Millisecond), err)
	// Reads go on.
	if got := consumeAllRecords(t, inst, "fill", 100); got < 100 {
		t.Errorf("read %d records while production is stopped, want at least 100", got)
	}

	// Space freed: the topic goes (deleting it is not a write).
	adm := kadm.NewClient(kafkaClient(t, inst))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if resp, err := adm.DeleteTopics(ctx, "fill"); err != nil || resp.Error() != nil {
		t.Fatalf("delete topic fill while production is stopped: %v %v", err, resp.Error())
	}
	eventually(t, 2*time.Minute, func() (bool, string) {
		cur, err := s.Client.Instance(context.Background(), inst.ID)
		if err != nil {
			return false, err.Error()
		}
		return !cur.ProductionStopped, "writes still stopped: " + cur.CapacityEvent
	})
	createTopic(t, inst, "again", 1, 1, nil)
	eventually(t, 30*time.Second, func() (bool, string) {
		err := producer.ProduceSync(context.Background(), &kgo.Record{Topic: "again", Value: []byte("back")}).FirstErr()
		return err == nil, fmt.Sprint("write after the resume: ", err)
	})
	wantTask(t, s, inst.ID, streamplane.TaskCapacityEvent, streamplane.TaskSucceeded, "writes refused")
	wantTask(t, s, inst.ID, streamplane.TaskCapacityEvent, streamplane.TaskSucceeded, "writes accepted again")

	// Storage grows only, without a restart, and counts.
	out, err = cli(t, s, "instance", "expand-storage", inst.Name, "--storage-gb", "1")
	if err == nil || !strings.Contains(out, "storage_gb_per_broker") {
		t.Errorf("expanding to the same size: %v, want refused naming storage_gb_per_broker\n%s", err, out)
	}
	pids := map[int]int{}
	for _, b := range stopped.Brokers {
		pids[b.ID] = b.PID
	}
	mustCLI(t, s, "instance", "expand-storage", inst.Name, "--storage-gb", "2")
	grown, err := s.Client.Instance(context.Background(), inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	if grown.Status != streamplane.InstanceRunning || grown.StorageGBPerBroker != 2 || grown.StorageExpansions != 1 {
		t.Errorf("after expand-storage: %s, %d GB, %d expansions; want RUNNING, 2, 1", grown.Status, grown.StorageGBPerBroker, grown.StorageExpansions)
	}
	for _, b := range grown.Brokers {
		if b.State != streamplane.BrokerActive || b.PID != pids[b.ID] {
			t.Errorf("broker %d is %s as pid %d after expand-storage; want ACTIVE, not restarted (pid %d)", b.ID, b.State, b.PID, pids[b.ID])
		}
	}
	wantTask(t, s, inst.ID, streamplane.TaskExpandStorage, streamplane.TaskSucceeded, "no broker restarted")
}
