// Not in kfake: broker-only KRaft nodes and a crash-looping broker process.

package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Beyond three brokers, nodes are brokers only: the controller quorum stays
// the first three, and the fourth node serves data like the others.
func TestBrokerOnlyNodes(t *testing.T) {
	s, _ := sharedInstance(t)
	ctx := context.Background()
	spec := streamplane.InstanceSpec{Name: "four-brokers", Version: kafkaVersion, Flavor: "kafka.2u4g.cluster",
		BrokerCount: 4, StorageGBPerBroker: 100, Zones: []string{"az1", "az2", "az3"}}
	inst := ownInstance(t, s, spec)
	for _, b := range inst.Brokers {
		wantController := b.ID < 3
		if b.IsController() != wantController || !slices.Contains(b.Roles, streamplane.RoleBroker) {
			t.Errorf("broker %d has roles %v", b.ID, b.Roles)
		}
	}
	if inst.Brokers[3].Rack != "az1" {
		t.Errorf("the fourth broker is in %s, want az1 (round robin)", inst.Brokers[3].Rack)
	}
	adm := kadm.NewClient(kafkaClient(t, inst))
	md, err := adm.BrokerMetadata(ctx)
	if err != nil || len(md.Brokers) != 4 {
		t.Fatalf("metadata lists %d brokers (%v), want 4", len(md.Brokers), err)
	}
	// The broker-only node holds replicas like the others. (Kafka's striped
	// placer picks leaders by rack, and az1 has two brokers, so whether
	// broker 3 leads one of 8 partitions is chance; holding replicas is not:
	// every partition has a replica in az1.)
	createTopic(t, inst, "four", 8, 3, nil)
	// The broker that answers may not know the new topic's replicas yet.
	onThree := map[int32]bool{}
	eventually(t, 30*time.Second, func() (bool, string) {
		m, err := adm.Metadata(ctx, "four")
		if err != nil {
			return false, err.Error()
		}
		onThree = map[int32]bool{}
		for _, p := range m.Topics["four"].Partitions {
			if slices.Contains(p.Replicas, 3) {
				onThree[p.Partition] = true
			}
		}
		return len(m.Topics["four"].Partitions) == 8, fmt.Sprintf("%d of 8 partitions of four known", len(m.Topics["four"].Partitions))
	})
	if len(onThree) == 0 {
		t.Fatal("broker 3 holds no replica of the 8 partitions of four")
	}
	values := produce(t, kafkaClient(t, inst, kgo.RequiredAcks(kgo.AllISRAcks())), "four", "four", 500)
	if m := missing(values, consumeAll(t, inst, "four", len(values))); len(m) > 0 {
		t.Fatalf("%d records lost", len(m))
	}
	// After acks=all writes, broker 3 is in sync on every partition it holds:
	// it fetched and kept up like the others.
	m, err := adm.Metadata(ctx, "four")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Topics["four"].Partitions {
		if onThree[p.Partition] && !slices.Contains(p.ISR, 3) {
			t.Errorf("partition %d: broker 3 is a replica but not in sync (ISR %v)", p.Partition, p.ISR)
		}
	}
}

// A broker that keeps dying is restarted a few times, then left in ERROR,
// and the instance says which broker and why.
func TestCrashLoopingBrokerEndsInError(t *testing.T) {
	s, _ := sharedInstance(t)
	ctx := context.Background()
	inst := ownInstance(t, s, devSpec("crashloop", 1))
	killed := map[int]bool{}
	// Kill each new process the supervisor starts: 1 + 3 restarts (the
	// server's --max-broker-restarts default), bounded by time.
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		cur, err := s.Client.Instance(ctx, inst.ID)
		if err != nil {
			t.Fatal(err)
		}
		b := cur.Brokers[0]
		if b.State == streamplane.BrokerError && b.PID == 0 {
			if cur.Status != streamplane.InstanceFaulty || !strings.Contains(cur.StatusReason, "broker 0 ERROR") {
				t.Fatalf("instance %s (%s), want FAULTY naming broker 0", cur.Status, cur.StatusReason)
			}
			if len(killed) != 4 || b.Restarts != 3 {
				t.Fatalf("gave up after %d kills and %d restarts, want 4 and 3", len(killed), b.Restarts)
			}
			// It stays given up: no new process appears.
			time.Sleep(3 * time.Second) // a quiet period, not a wait for a condition
			again, _ := s.Client.Instance(ctx, inst.ID)
			if again.Brokers[0].PID != 0 || len(brokerProcesses(fmt.Sprintf("%s/instances/%s", s.Dir, inst.ID))) != 0 {
				t.Fatal("the supervisor restarted a broker it had given up on")
			}
			// A restart of the instance tries again, and succeeds.
			task, err := s.Client.RestartInstance(ctx, inst.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Client.WaitTask(ctx, task.ID, nil); err != nil {
				t.Fatal(err)
			}
			waitStatus(t, s, inst.ID, streamplane.InstanceRunning, time.Minute)
			return
		}
		if b.PID != 0 && !killed[b.PID] {
			if _, alive := procStart(b.PID); alive {
				syscall.Kill(b.PID, syscall.SIGKILL)
				killed[b.PID] = true
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the broker never ended in ERROR; killed %d processes", len(killed))
}
