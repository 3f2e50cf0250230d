// Not in kfake: brokers that join a running KRaft cluster, take replicas, and leave it again.

package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/kafkaruntime"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// instance scale: two broker-only nodes join a 3-broker instance under an
// acks=all producer and take their share of the replicas; then one is
// drained, stopped and unregistered. The producer sees no failed write and
// a consumer finds every acknowledged record. What cannot be done is
// refused before anything changes.
func TestScaleOutAndIn(t *testing.T) {
	s, _ := sharedInstance(t)
	ctx := context.Background()
	inst := ownInstance(t, s, streamplane.InstanceSpec{Name: "scaled", Version: kafkaruntime.Recommended().Version,
		Flavor: "kafka.2u4g.cluster", BrokerCount: 3, StorageGBPerBroker: 100, Zones: []string{"az1", "az2", "az3"}})
	two := "2"
	createTopic(t, inst, "scale-load", 6, 3, map[string]*string{"min.insync.replicas": &two})
	createTopic(t, inst, "scale-idle", 12, 2, nil)
	load := startLoad(t, inst, "scale-load")

	for _, c := range []struct{ args, want string }{
		{"--remove-brokers 1", "KRaft controller"},
		{"--brokers 3", "field broker_count"},
		{"--brokers 31", "takes 3–30 brokers"},
	} {
		out, err := cli(t, s, append([]string{"instance", "scale", inst.Name}, strings.Fields(c.args)...)...)
		if err == nil || !strings.Contains(out, c.want) {
			t.Errorf("scale %s: %v, want refused with %q\n%s", c.args, err, c.want, out)
		}
	}

	start := time.Now()
	mustCLI(t, s, "instance", "scale", inst.Name, "--brokers", "5", "--throttle-mbps", "50")
	t.Logf("scale-out 3 → 5 took %s", time.Since(start).Round(time.Millisecond))
	out := mustGet(t, s, inst.ID)
	if out.Status != streamplane.InstanceRunning || out.BrokerCount != 5 || len(out.Brokers) != 5 {
		t.Fatalf("after scale-out: %s with %d brokers (%s)", out.Status, len(out.Brokers), out.StatusReason)
	}
	for id, zone := range map[int]string{3: "az1", 4: "az2"} {
		b, ok := out.Broker(id)
		if !ok || b.IsController() || b.Rack != zone || b.State != streamplane.BrokerActive {
			t.Errorf("new broker %d: %+v; want a broker-only node in %s, ACTIVE", id, b, zone)
		}
	}
	adm := kadm.NewClient(kafkaClient(t, inst))
	perBroker := replicasPerBroker(t, adm, "scale-load", "scale-idle")
	for id := int32(0); id < 5; id++ {
		// 42 replicas over 5 brokers: 8 or 9 each when balanced over these
		// two topics alone; the plan balances every topic there is.
		if n := perBroker[id]; n < 7 || n > 10 {
			t.Errorf("after scale-out broker %d holds %d replicas, want 7–10 (balanced): %v", id, n, perBroker)
		}
	}
	wantNoThrottle(t, adm, "scale-load")

	// A drain that is cancelled: the scale fails, broker 4 stays as it was
	// and the instance can scale again. 60 MB on broker 4 alone, copied at
	// 1 MB/s, keeps the drain going long enough to cancel it.
	createTopic(t, inst, "scale-slow", 1, 1, nil)
	if _, err := s.Client.Reassign(ctx, inst.Name, streamplane.ReassignRequest{
		Assignments: []streamplane.PartitionAssignment{{Topic: "scale-slow", Partition: 0, Replicas: []int32{4}}}}); err != nil {
		t.Fatal(err)
	}
	fillRandom(t, inst, "scale-slow", 6000, 10<<10)
	task, err := s.Client.Scale(ctx, inst.Name, streamplane.ScaleRequest{RemoveBrokers: []int{4}, ThrottleMBps: 1})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Minute, func() (bool, string) {
		st, err := s.Client.ReassignStatus(ctx, inst.Name)
		if err != nil {
			return false, err.Error()
		}
		return st.TaskID == task.ID && len(st.InProgress) > 0, fmt.Sprintf("status %+v, want the scale's drain moving", st)
	})
	if _, err := s.Client.CancelReassignment(ctx, inst.Name); err != nil {
		t.Fatal(err)
	}
	if detail, err := s.Client.WaitTask(ctx, task.ID, nil); err == nil || !strings.Contains(detail.Error, "cancelled") {
		t.Fatalf("the cancelled scale-in: %v, %+v; want FAILED as cancelled", err, detail)
	}
	failed := mustGet(t, s, inst.ID)
	b4, ok := failed.Broker(4)
	if failed.Status != streamplane.InstanceRunning || failed.BrokerCount != 5 || !ok || b4.State != streamplane.BrokerActive {
		t.Fatalf("after the cancelled scale-in: %s (%s), %d brokers, broker 4 %+v; want RUNNING on 5, broker 4 ACTIVE",
			failed.Status, failed.StatusReason, failed.BrokerCount, b4)
	}
	wantNoThrottle(t, adm, "scale-slow")

	mustCLI(t, s, "instance", "scale", inst.Name, "--remove-brokers", "4")
	in := mustGet(t, s, inst.ID)
	if in.Status != streamplane.InstanceRunning || in.BrokerCount != 4 || len(in.Brokers) != 4 {
		t.Fatalf("after scale-in: %s with %d brokers (%s)", in.Status, len(in.Brokers), in.StatusReason)
	}
	if _, ok := in.Broker(4); ok {
		t.Errorf("broker 4 is still listed after its removal")
	}
	if b, _ := out.Broker(4); b.PID > 0 && syscall.Kill(b.PID, 0) == nil {
		t.Errorf("removed broker 4 (pid %d) still runs", b.PID)
	}
	perBroker = replicasPerBroker(t, adm, "scale-load", "scale-idle", "scale-slow")
	if perBroker[4] != 0 {
		t.Errorf("broker 4 still holds %d replicas after its removal", perBroker[4])
	}
	eventually(t, time.Minute, func() (bool, string) {
		md, err := adm.BrokerMetadata(ctx)
		if err != nil {
			return false, err.Error()
		}
		ids := md.Brokers.NodeIDs()
		slices.Sort(ids)
		return slices.Equal(ids, []int32{0, 1, 2, 3}), fmt.Sprintf("the cluster lists brokers %v", ids)
	})

	load.stop()
	load.check(t, "scaling out and in")
}

// fillRandom writes n records of size random (incompressible) bytes.
func fillRandom(t *testing.T, inst *streamplane.Instance, topic string, n, size int) {
	t.Helper()
	cl := kafkaClient(t, inst, kgo.ProducerBatchMaxBytes(1<<20))
	records := make([]*kgo.Record, n)
	for i := range records {
		value := make([]byte, size)
		rand.Read(value)
		records[i] = &kgo.Record{Topic: topic, Value: value}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := cl.ProduceSync(ctx, records...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

func mustGet(t *testing.T, s *Server, id string) *streamplane.Instance {
	t.Helper()
	inst, err := s.Client.Instance(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// replicasPerBroker counts the topics' replicas on each broker, once every
// partition is fully in sync.
func replicasPerBroker(t *testing.T, adm *kadm.Client, topics ...string) map[int32]int {
	t.Helper()
	var counts map[int32]int
	eventually(t, time.Minute, func() (bool, string) {
		md, err := adm.Metadata(context.Background(), topics...)
		if err != nil {
			return false, err.Error()
		}
		counts = map[int32]int{}
		for _, td := range md.Topics {
			for _, p := range td.Partitions {
				if len(p.ISR) != len(p.Replicas) {
					return false, fmt.Sprintf("%s-%d: replicas %v, in sync %v", td.Topic, p.Partition, p.Replicas, p.ISR)
				}
				for _, r := range p.Replicas {
					counts[r]++
				}
			}
		}
		return true, ""
	})
	return counts
}
