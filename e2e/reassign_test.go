// Not in kfake: replicas copied between real brokers under a throttle, and the throttle gone afterwards.

package e2e

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// topic reassign: a dry run plans without moving; an automatic plan from
// one replica to three copies the data under a throttle, keeps every
// record, and leaves no throttle behind; a manual plan reorders replicas
// and the preferred leaders follow; bad requests are refused as such.
func TestReassign(t *testing.T) {
	s, inst := sharedInstance(t)
	ctx := context.Background()
	// The shared instance also holds other tests' reassignments (the
	// console's): this test counts the tasks it started, from here on
	// (to the second, as the store may keep times).
	start := time.Now().Truncate(time.Second)
	apiTopic(t, s, inst.Name, streamplane.TopicSpec{Name: "t-move", Partitions: 3, Replicas: 1})
	values := produce(t, kafkaClient(t, inst), "t-move", "move", 3000)
	adm := kadm.NewClient(kafkaClient(t, inst))

	var plan streamplane.ReassignPlan
	mustJSON(t, mustCLI(t, s, "topic", "reassign", inst.Name, "t-move", "--replicas", "3", "--dry-run", "-o", "json"), &plan)
	if !plan.DryRun || len(plan.Moves) != 3 || plan.BytesToMove <= 0 {
		t.Fatalf("dry run: %+v, want 3 moves with bytes to copy", plan)
	}
	for _, m := range plan.Moves {
		if len(m.From) != 1 || len(m.To) != 3 {
			t.Errorf("planned move %+v, want 1 replica to 3", m)
		}
	}
	for p := int32(0); p < 3; p++ {
		if got := partitionState(t, adm, "t-move", p); len(got.Replicas) != 1 {
			t.Fatalf("a dry run moved t-move-%d: replicas %v", p, got.Replicas)
		}
	}

	mustJSON(t, mustCLI(t, s, "topic", "reassign", inst.Name, "t-move", "--replicas", "3", "--throttle-mbps", "5", "-o", "json"), &plan)
	if plan.DryRun || len(plan.Moves) != 3 {
		t.Fatalf("reassignment: %+v", plan)
	}
	for _, b := range plan.Brokers {
		if b.ReplicasAfter != 3 || b.LeadersAfter != 1 {
			t.Errorf("broker %d after the plan: %d replicas, %d leaders; want 3 and 1", b.Broker, b.ReplicasAfter, b.LeadersAfter)
		}
	}
	for p := int32(0); p < 3; p++ {
		eventually(t, time.Minute, func() (bool, string) {
			got := partitionState(t, adm, "t-move", p)
			return len(got.Replicas) == 3 && len(got.ISR) == 3, fmt.Sprintf("t-move-%d replicas %v, in sync %v", p, got.Replicas, got.ISR)
		})
	}
	wantNoThrottle(t, adm, "t-move")
	if out := mustCLI(t, s, "topic", "reassign", inst.Name, "--status"); !strings.Contains(out, "No partition is moving.") {
		t.Errorf("status after the move:\n%s", out)
	}
	if seen := consumeAll(t, inst, "t-move", len(values)); len(missing(values, seen)) > 0 {
		t.Errorf("%d records lost in the move", len(missing(values, seen)))
	}

	// A manual plan in kafka-reassign-partitions' format: rotate
	// partition 0's replicas, so its preferred leader changes.
	before := partitionState(t, adm, "t-move", 0).Replicas
	rotated := append(append([]int32{}, before[1:]...), before[0])
	file := filepath.Join(t.TempDir(), "plan.json")
	body := fmt.Sprintf(`{"version": 1, "partitions": [{"topic": "t-move", "partition": 0, "replicas": [%d, %d, %d]}]}`, rotated[0], rotated[1], rotated[2])
	if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, s, "topic", "reassign", inst.Name, "--plan", file)
	eventually(t, time.Minute, func() (bool, string) {
		got := partitionState(t, adm, "t-move", 0)
		return fmt.Sprint(got.Replicas) == fmt.Sprint(rotated) && got.Leader == rotated[0],
			fmt.Sprintf("t-move-0 replicas %v led by %d, want %v led by %d", got.Replicas, got.Leader, rotated, rotated[0])
	})

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"t-move", "--replicas", "4"}, "field replicas"},
		{[]string{"t-nowhere"}, "NOT_FOUND"},
		{[]string{"t-move", "--brokers", "0,7"}, "field brokers"},
		{[]string{"--cancel"}, "no reassignment in progress"},
	} {
		out, err := cli(t, s, append([]string{"topic", "reassign", inst.Name}, bad.args...)...)
		if err == nil || !strings.Contains(out, bad.want) {
			t.Errorf("topic reassign %v: %v, want refused with %q\n%s", bad.args, err, bad.want, out)
		}
	}
	var done []*streamplane.Task
	for _, tk := range tasksMentioning(t, s, inst.Name, streamplane.TaskReassign, streamplane.TaskSucceeded, "moved") {
		if !tk.CreatedAt.Before(start) {
			done = append(done, tk)
		}
	}
	if len(done) != 2 {
		t.Fatalf("%d succeeded reassign tasks, want 2", len(done))
	}
	// The first (oldest) throttled its copying, and said so.
	detail, err := s.Client.Task(ctx, done[len(done)-1].ID)
	if err != nil {
		t.Fatal(err)
	}
	throttled := false
	for _, ev := range detail.Events {
		throttled = throttled || strings.Contains(ev.Message, "throttled to 5 MB/s")
	}
	if !throttled {
		t.Errorf("the throttled reassignment's task does not record its throttle: %v", detail.Events)
	}
}

// A slow, throttled move: its status shows the copying and the throttle,
// --cancel stops it where it is, and the task then fails as cancelled and
// leaves no throttle behind.
func TestReassignCancel(t *testing.T) {
	s, inst := sharedInstance(t)
	ctx := context.Background()
	apiTopic(t, s, inst.Name, streamplane.TopicSpec{Name: "t-slow", Partitions: 1, Replicas: 1})
	cl := kafkaClient(t, inst, kgo.ProducerBatchMaxBytes(1<<20))
	// 30 MB that does not compress: half a minute or more per new replica
	// at 1 MB/s.
	var records []*kgo.Record
	for range 3000 {
		value := make([]byte, 10<<10)
		rand.Read(value)
		records = append(records, &kgo.Record{Topic: "t-slow", Value: value})
	}
	if err := cl.ProduceSync(ctx, records...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	before := partitionState(t, kadm.NewClient(kafkaClient(t, inst)), "t-slow", 0).Replicas

	_, err := s.Client.Reassign(ctx, inst.Name, streamplane.ReassignRequest{Topics: []string{"t-slow"}, Replicas: 3, ThrottleMBps: 1})
	var running *client.StillRunning
	if !errors.As(err, &running) {
		t.Fatalf("a throttled 60 MB copy answered %v, want its task still running", err)
	}
	st, err := s.Client.ReassignStatus(ctx, inst.Name)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.InProgress) != 1 || st.ThrottleMBps != 1 || st.TaskID != running.Task.ID || st.BytesToMove < 2*3000*10<<10 {
		t.Errorf("status while moving: %+v, want t-slow-0 moving under a 1 MB/s throttle by task %s", st, running.Task.ID)
	}
	if out := mustCLI(t, s, "topic", "reassign", inst.Name, "--cancel"); !strings.Contains(out, "No partition is moving.") {
		t.Errorf("cancel:\n%s", out)
	}
	detail, err := s.Client.WaitTask(ctx, running.Task.ID, nil)
	if err == nil || detail.Status != streamplane.TaskFailed || !strings.Contains(detail.Error, "cancelled") {
		t.Errorf("the cancelled reassignment's task: %v, %+v; want FAILED as cancelled", err, detail)
	}
	adm := kadm.NewClient(kafkaClient(t, inst))
	eventually(t, 30*time.Second, func() (bool, string) {
		got := partitionState(t, adm, "t-slow", 0).Replicas
		return fmt.Sprint(got) == fmt.Sprint(before), fmt.Sprintf("t-slow-0 replicas %v after the cancel, want %v as before", got, before)
	})
	wantNoThrottle(t, adm, "t-slow")
	if inst, err := s.Client.Instance(ctx, inst.ID); err != nil || inst.TaskID != "" {
		t.Errorf("the instance is still held after the cancel: %+v %v", inst, err)
	}
}

// wantNoThrottle checks that no broker runs with a replication throttle
// rate of its own and that topic throttles none of its replicas.
func wantNoThrottle(t *testing.T, adm *kadm.Client, topic string) {
	t.Helper()
	ctx := context.Background()
	brokers, err := adm.DescribeBrokerConfigs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range brokers {
		for _, c := range rc.Configs {
			if strings.Contains(c.Key, "replication.throttled.rate") && c.Source == kmsg.ConfigSourceDynamicBrokerConfig {
				t.Errorf("broker %s still has %s=%s", rc.Name, c.Key, c.MaybeValue())
			}
		}
	}
	topics, err := adm.DescribeTopicConfigs(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range topics {
		for _, c := range rc.Configs {
			if strings.Contains(c.Key, "throttled.replicas") && c.MaybeValue() != "" {
				t.Errorf("%s still has %s=%s", topic, c.Key, c.MaybeValue())
			}
		}
	}
}
