// Not in kfake: replicas copied between real brokers under a throttle, and the throttle gone afterwards.

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
)

// topic reassign: a dry run plans without moving; an automatic plan from
// one replica to three copies the data under a throttle, keeps every
// record, and leaves no throttle behind; a manual plan reorders replicas
// and the preferred leaders follow; bad requests are refused as such.
func TestReassign(t *testing.T) {
	s, inst := sharedInstance(t)
	ctx := context.Background()
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
	// The throttle is gone from the brokers and the topic.
	brokers, err := adm.DescribeBrokerConfigs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range brokers {
		for _, c := range rc.Configs {
			if strings.Contains(c.Key, "replication.throttled.rate") && c.Source == 1 { // DYNAMIC_BROKER_CONFIG
				t.Errorf("broker %s still has %s=%s", rc.Name, c.Key, c.MaybeValue())
			}
		}
	}
	topics, err := adm.DescribeTopicConfigs(ctx, "t-move")
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range topics {
		for _, c := range rc.Configs {
			if strings.Contains(c.Key, "throttled.replicas") && c.MaybeValue() != "" {
				t.Errorf("t-move still has %s=%s", c.Key, c.MaybeValue())
			}
		}
	}
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
	done := tasksMentioning(t, s, inst.Name, streamplane.TaskReassign, streamplane.TaskSucceeded, "moved")
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
