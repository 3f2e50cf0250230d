// Not in kfake: dynamic broker configs reaching every broker and static ones needing a rolling restart.

package e2e

import (
	"context"
	"crypto/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// brokerConfig returns one setting as every broker reports it, asked by a
// stock client on the client listener.
func brokerConfig(t *testing.T, inst *streamplane.Instance, name string) map[int32]kadm.Config {
	t.Helper()
	adm := kadm.NewClient(kafkaClient(t, inst))
	out := map[int32]kadm.Config{}
	for _, b := range inst.Brokers {
		rcs, err := adm.DescribeBrokerConfigs(context.Background(), int32(b.ID))
		if err != nil {
			t.Fatal(err)
		}
		for _, rc := range rcs {
			for _, c := range rc.Configs {
				if c.Key == name {
					out[int32(b.ID)] = c
				}
			}
		}
	}
	return out
}

// anySource accepts a setting from wherever it comes.
const anySource kmsg.ConfigSource = -1

func wantConfig(t *testing.T, inst *streamplane.Instance, name, value string, source kmsg.ConfigSource) {
	t.Helper()
	for id, c := range brokerConfig(t, inst, name) {
		if c.Value == nil || *c.Value != value || (source != anySource && c.Source != source) {
			got := "<nil>"
			if c.Value != nil {
				got = *c.Value
			}
			t.Errorf("broker %d: %s = %s (source %s), want %s (source %s)", id, name, got, c.Source, value, source)
		}
	}
}

// The DMS parameters are listed with their ranges, defaults and kinds; a
// dynamic change applies to every broker without a restart, and a reset
// restores the default.
func TestParamDynamic(t *testing.T) {
	s, inst := sharedInstance(t)
	ctx := context.Background()
	list, err := s.Client.Parameters(ctx, inst.Name)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		name, value, rng string
		dynamic          bool
	}{
		{"min.insync.replicas", "1", "1–3", true},
		{"message.max.bytes", "10485760", "0–10485760", true},
		{"max.connections.per.ip", "1000", "100–20000", true},
		{"unclean.leader.election.enable", "false", "true, false", true},
		{"connections.max.idle.ms", "600000", "5000–600000", false},
		{"log.retention.hours", "72", "1–168", false},
		{"group.max.session.timeout.ms", "1800000", "6000–1800000", false},
		{"group.min.session.timeout.ms", "6000", "6000–300000", false},
		{"default.replication.factor", "3", "1–3", false},
		{"num.partitions", "3", "1–100", false},
		{"auto.create.topics.enable", "false", "true, false", false},
	} {
		p, ok := list.Parameter(want.name)
		if !ok || p.Value != want.value || p.Default != want.value || p.Range != want.rng || p.Dynamic != want.dynamic || p.PendingRestart {
			t.Errorf("%s: got %+v, want value=default=%s range %s dynamic %v", want.name, p, want.value, want.rng, want.dynamic)
		}
	}

	_, err = s.Client.SetParameters(ctx, inst.Name, map[string]string{"min.insync.replicas": "4"})
	if e := wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "min.insync.replicas"); !strings.Contains(e.App.Message, "from 1 to 3") {
		t.Errorf("the error should give the range: %s", e.App.Message)
	}
	_, err = s.Client.SetParameters(ctx, inst.Name, map[string]string{"max.connections.per.ip": "50"})
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "max.connections.per.ip")
	_, err = s.Client.SetParameters(ctx, inst.Name, map[string]string{"log.flush.interval.ms": "1"})
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "log.flush.interval.ms")
	// Kafka 4 records min.insync.replicas cluster-wide at its first start.
	wantConfig(t, inst, "min.insync.replicas", "1", anySource)

	inst, err = s.Client.Instance(ctx, inst.ID) // other tests restart the shared brokers
	if err != nil {
		t.Fatal(err)
	}
	pids := map[int]int{}
	for _, b := range inst.Brokers {
		pids[b.ID] = b.PID
	}
	change, err := s.Client.SetParameters(ctx, inst.Name, map[string]string{"min.insync.replicas": "2", "message.max.bytes": "1000000"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(change.AppliedLive, ",") != "message.max.bytes,min.insync.replicas" || len(change.Saved) != 0 || len(change.PendingRestart) != 0 {
		t.Fatalf("change = %+v", change)
	}
	wantConfig(t, inst, "min.insync.replicas", "2", kmsg.ConfigSourceDynamicDefaultBrokerConfig)
	wantConfig(t, inst, "message.max.bytes", "1000000", kmsg.ConfigSourceDynamicDefaultBrokerConfig)
	// The brokers enforce it: a 1.5 MB record is now too large.
	createTopic(t, inst, "p-limits", 1, 3, nil)
	// Retries stay on: a topic this new may not be on every broker yet
	// (UNKNOWN_TOPIC_OR_PARTITION, retried), while MESSAGE_TOO_LARGE is
	// never retried.
	cl := kafkaClient(t, inst, kgo.ProducerBatchMaxBytes(4<<20), kgo.ProducerBatchCompression(kgo.NoCompression()))
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	big := make([]byte, 1500000)
	rand.Read(big)
	res := cl.ProduceSync(pctx, &kgo.Record{Topic: "p-limits", Value: big})
	cancel()
	if err := res.FirstErr(); err == nil || !strings.Contains(err.Error(), "MESSAGE_TOO_LARGE") {
		t.Errorf("producing 1.5 MB with message.max.bytes=1000000: %v, want MESSAGE_TOO_LARGE", err)
	}
	after, err := s.Client.Instance(ctx, inst.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range after.Brokers {
		if b.PID != pids[b.ID] {
			t.Errorf("broker %d was restarted by a dynamic change (pid %d → %d)", b.ID, pids[b.ID], b.PID)
		}
	}

	// Through the CLI: list, reset.
	var listed streamplane.ParameterList
	mustJSON(t, mustCLI(t, s, "param", "list", inst.Name, "-o", "json"), &listed)
	if p, _ := listed.Parameter("min.insync.replicas"); p.Value != "2" {
		t.Errorf("param list shows min.insync.replicas=%s, want 2", p.Value)
	}
	out := mustCLI(t, s, "param", "reset", inst.Name, "min.insync.replicas", "message.max.bytes")
	if !strings.Contains(out, "Applied live") {
		t.Errorf("param reset output:\n%s", out)
	}
	wantConfig(t, inst, "min.insync.replicas", "1", anySource)
	wantConfig(t, inst, "message.max.bytes", "10485760", anySource)
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "p-limits", Value: big}).FirstErr(); err != nil {
		t.Errorf("producing 1.5 MB after the reset: %v", err)
	}

	tasks, err := s.Client.Tasks(ctx, client.TaskOptions{Instance: inst.Name, Kind: streamplane.TaskSetParameters})
	if err != nil || tasks.Total < 4 { // three refused, one applied
		t.Fatalf("parameter changes are not recorded as tasks: %+v, %v", tasks, err)
	}
}

// A static change is saved and reported as pending; the next (rolling)
// restart applies it. Automatically created topics then follow
// num.partitions, default.replication.factor and log.retention.hours.
func TestParamStatic(t *testing.T) {
	s, _ := sharedInstance(t)
	ctx := context.Background()
	inst := ownInstance(t, s, devSpec("params-static", 1))

	_, err := s.Client.SetParameters(ctx, inst.Name, map[string]string{"default.replication.factor": "2"})
	if e := wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "default.replication.factor"); !strings.Contains(e.App.Message, "from 1 to 1") {
		t.Errorf("a 1-broker instance allows 1 replica: %s", e.App.Message)
	}
	_, err = s.Client.SetParameters(ctx, inst.Name, map[string]string{"group.min.session.timeout.ms": "300000", "group.max.session.timeout.ms": "200000"})
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "group.min.session.timeout.ms")

	out := mustCLI(t, s, "param", "set", inst.Name, "num.partitions=5", "auto.create.topics.enable=true", "log.retention.hours=48")
	if !strings.Contains(out, "Saved for the next restart") {
		t.Fatalf("param set output:\n%s", out)
	}
	list, err := s.Client.Parameters(ctx, inst.Name)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(list.PendingRestart, ","); got != "auto.create.topics.enable,log.retention.hours,num.partitions" {
		t.Fatalf("pending restart = %s", got)
	}
	if p, _ := list.Parameter("num.partitions"); p.Value != "3" || !p.PendingRestart || p.PendingValue != "5" {
		t.Fatalf("num.partitions before the restart: %+v", p)
	}
	shown, _ := s.Client.Instance(ctx, inst.ID)
	if len(shown.PendingRestart) != 3 {
		t.Errorf("instance shows pending_restart %v", shown.PendingRestart)
	}
	wantConfig(t, inst, "num.partitions", "3", kmsg.ConfigSourceStaticBrokerConfig)

	task, err := s.Client.RestartInstance(ctx, inst.Name, false)
	if err != nil {
		t.Fatal(err)
	}
	// While the restart holds the instance, changes inside it are refused.
	_, err = s.Client.SetParameters(ctx, inst.Name, map[string]string{"num.partitions": "6"})
	if e := wantErrorCode(t, err, http.StatusConflict, streamplane.EBUSY, ""); e.App.TaskID != task.ID {
		t.Errorf("409 names task %q, want %q", e.App.TaskID, task.ID)
	}
	done, err := s.Client.WaitTask(ctx, task.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(done.Result, "applied auto.create.topics.enable, log.retention.hours, num.partitions") {
		t.Errorf("restart result %q does not say what it applied", done.Result)
	}
	list, _ = s.Client.Parameters(ctx, inst.Name)
	if len(list.PendingRestart) != 0 {
		t.Fatalf("still pending after the restart: %v", list.PendingRestart)
	}
	if p, _ := list.Parameter("num.partitions"); p.Value != "5" || p.PendingRestart {
		t.Fatalf("num.partitions after the restart: %+v", p)
	}
	inst, _ = s.Client.Instance(ctx, inst.ID)
	wantConfig(t, inst, "num.partitions", "5", kmsg.ConfigSourceStaticBrokerConfig)
	wantConfig(t, inst, "log.retention.hours", "48", kmsg.ConfigSourceStaticBrokerConfig)

	// Producing to a missing topic now creates it with the defaults.
	cl := kafkaClient(t, inst, kgo.AllowAutoTopicCreation())
	pctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := cl.ProduceSync(pctx, &kgo.Record{Topic: "p-auto", Value: []byte("hello")}).FirstErr(); err != nil {
		t.Fatalf("produce to an automatically created topic: %v", err)
	}
	adm := kadm.NewClient(cl)
	md, err := adm.Metadata(ctx, "p-auto")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(md.Topics["p-auto"].Partitions); n != 5 {
		t.Errorf("auto-created topic has %d partitions, want num.partitions=5", n)
	}
	if rf := md.Topics["p-auto"].Partitions.NumReplicas(); rf != 1 {
		t.Errorf("auto-created topic has replication factor %d, want 1", rf)
	}
	cfgs, err := adm.DescribeTopicConfigs(ctx, "p-auto")
	if err != nil {
		t.Fatal(err)
	}
	rc, _ := cfgs.On("p-auto", nil)
	for _, c := range rc.Configs {
		if c.Key == "retention.ms" && (c.Value == nil || *c.Value != "172800000") {
			t.Errorf("auto-created topic retention.ms = %v, want 48 h from log.retention.hours", c.Value)
		}
	}
}
