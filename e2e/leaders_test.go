// Not in kfake: leaders that moved away from a crashed broker, and an election that moves them back.

package e2e

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
)

// A partition whose preferred replica's broker crashed is led by another
// replica once the broker is back; topic elect-leaders gives the
// leadership back to the preferred replica, and an election with nothing
// to move says so. (Clients cannot reorder replicas: the cluster guard
// keeps reassignment to the server.) Kafka's own leader rebalancing runs
// every 5 minutes; should it move the leader back between the restart and
// the election, the election finds it already preferred, which the first
// check allows.
func TestElectLeaders(t *testing.T) {
	s, inst := sharedInstance(t)
	ctx := context.Background()
	apiTopic(t, s, inst.Name, streamplane.TopicSpec{Name: "t-elect", Partitions: 2, Replicas: 3})
	adm := kadm.NewClient(kafkaClient(t, inst))

	p := partitionState(t, adm, "t-elect", 0)
	preferred := p.Replicas[0]
	if p.Leader != preferred {
		t.Fatalf("a new topic's partition 0 is led by %d, not its preferred replica %d", p.Leader, preferred)
	}
	cur, err := s.Client.Instance(ctx, inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	victim, ok := cur.Broker(int(preferred))
	if !ok || victim.PID == 0 {
		t.Fatalf("broker %d has no process: %+v", preferred, victim)
	}
	if err := syscall.Kill(victim.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, func() (bool, string) {
		p := partitionState(t, adm, "t-elect", 0)
		return p.Leader >= 0 && p.Leader != preferred, fmt.Sprintf("t-elect-0 is led by %d after broker %d was killed", p.Leader, preferred)
	})
	waitStatus(t, s, inst.ID, streamplane.InstanceRunning, 2*time.Minute)
	eventually(t, 2*time.Minute, func() (bool, string) {
		p := partitionState(t, adm, "t-elect", 0)
		return len(p.ISR) == 3, fmt.Sprintf("t-elect-0 in-sync replicas %v after broker %d came back", p.ISR, preferred)
	})

	var e streamplane.LeaderElection
	mustJSON(t, mustCLI(t, s, "topic", "elect-leaders", inst.Name, "t-elect", "-o", "json"), &e)
	if e.Elected+e.AlreadyPreferred != 2 || e.Elected < 1 && partitionState(t, adm, "t-elect", 0).Leader != preferred || len(e.Failed) != 0 {
		t.Errorf("election: %+v, want partition 0 elected (or already back) and none failed", e)
	}
	// Brokers learn the new leader from the controller, each in its turn.
	eventually(t, 30*time.Second, func() (bool, string) {
		p := partitionState(t, adm, "t-elect", 0)
		return p.Leader == preferred, fmt.Sprintf("t-elect-0 is led by %d after the election, want its preferred replica %d", p.Leader, preferred)
	})

	out := mustCLI(t, s, "topic", "elect-leaders", inst.Name, "t-elect")
	if want := "Elected the preferred leader of 0 partition(s); 2 already had it.\n"; out != want {
		t.Errorf("second election: %q, want %q", out, want)
	}
	if tasks := tasksMentioning(t, s, inst.Name, streamplane.TaskElectLeaders, streamplane.TaskSucceeded, "elected"); len(tasks) < 2 {
		t.Errorf("%d succeeded elect_leaders tasks, want the 2 elections", len(tasks))
	}
}

// partitionState is one partition's leader and replicas as Kafka has them.
func partitionState(t *testing.T, adm *kadm.Client, topic string, partition int32) kadm.PartitionDetail {
	t.Helper()
	md, err := adm.Metadata(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := md.Topics[topic].Partitions[partition]
	if !ok {
		t.Fatalf("no partition %s-%d in %v", topic, partition, md.Topics[topic])
	}
	return p
}
