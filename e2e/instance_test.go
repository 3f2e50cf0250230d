// Not in kfake: rack-aware replica placement across zones and a kill -9 of a broker process.

package e2e

import (
	"context"
	"syscall"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// A 3-broker instance takes 10,000 records with acks=all on a
// replication-factor-3 topic and gives every one back; each partition's
// replicas sit in three different zones (racks).
func TestProduceConsumeAcrossZones(t *testing.T) {
	_, inst := sharedInstance(t)
	two := "2"
	createTopic(t, inst, "zones", 6, 3, map[string]*string{"min.insync.replicas": &two})

	cl := kafkaClient(t, inst, kgo.RequiredAcks(kgo.AllISRAcks()))
	values := produce(t, cl, "zones", "zones", 10000)
	seen := consumeAll(t, inst, "zones", len(values))
	if m := missing(values, seen); len(m) > 0 {
		t.Fatalf("%d of %d acknowledged records missing, e.g. %v", len(m), len(values), m[:min(5, len(m))])
	}

	adm := kadm.NewClient(kafkaClient(t, inst))
	md, err := adm.Metadata(context.Background(), "zones")
	if err != nil {
		t.Fatal(err)
	}
	rackOf := map[int32]string{}
	for _, b := range md.Brokers {
		if b.Rack == nil {
			t.Fatalf("broker %d has no rack", b.NodeID)
		}
		rackOf[b.NodeID] = *b.Rack
	}
	for _, p := range md.Topics["zones"].Partitions.Sorted() {
		racks := map[string]bool{}
		for _, r := range p.Replicas {
			racks[rackOf[r]] = true
		}
		if len(racks) != 3 {
			t.Errorf("partition %d has replicas %v in racks %v, want 3 different racks", p.Partition, p.Replicas, racks)
		}
	}
	// The racks are the instance's zones.
	for _, b := range inst.Brokers {
		if rackOf[int32(b.ID)] != b.Rack || b.Rack != inst.Zones[b.ID%3] {
			t.Errorf("broker %d: Kafka rack %q, API rack %q, zone %q", b.ID, rackOf[int32(b.ID)], b.Rack, inst.Zones[b.ID%3])
		}
	}
}

// kill -9 of a broker: the instance shows it within 30 s, the supervisor
// restarts the broker, the instance returns to RUNNING and every
// acknowledged record is still there.
func TestKilledBrokerIsRestarted(t *testing.T) {
	s, inst := sharedInstance(t)
	two := "2"
	createTopic(t, inst, "crash", 3, 3, map[string]*string{"min.insync.replicas": &two})
	cl := kafkaClient(t, inst, kgo.RequiredAcks(kgo.AllISRAcks()))
	values := produce(t, cl, "crash", "before", 2000)

	inst, err := s.Client.Instance(context.Background(), inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	victim := inst.Brokers[1]
	if victim.PID == 0 || victim.State != streamplane.BrokerActive {
		t.Fatalf("broker 1 should be ACTIVE with a pid: %+v", victim)
	}
	if err := syscall.Kill(victim.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()

	waitStatus(t, s, inst.ID, streamplane.InstanceFaulty, 30*time.Second)
	t.Logf("FAULTY reported %.1fs after the kill", time.Since(killed).Seconds())
	after := waitStatus(t, s, inst.ID, streamplane.InstanceRunning, 2*time.Minute)
	t.Logf("RUNNING again %.1fs after the kill", time.Since(killed).Seconds())
	b := after.Brokers[1]
	if b.PID == victim.PID || b.State != streamplane.BrokerActive || b.Restarts != victim.Restarts+1 {
		t.Fatalf("broker 1 after restart: pid %d (was %d), state %s, restarts %d (was %d)", b.PID, victim.PID, b.State, b.Restarts, victim.Restarts)
	}

	values = append(values, produce(t, cl, "crash", "after", 500)...)
	seen := consumeAll(t, inst, "crash", len(values))
	if m := missing(values, seen); len(m) > 0 {
		t.Fatalf("%d acknowledged records lost, e.g. %v", len(m), m[:min(5, len(m))])
	}
}
