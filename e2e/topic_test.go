// Not in kfake: Kafka checking topic config names and values, and the partition limit under real metadata propagation.

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Topic tests share the shared instance (3 brokers, kafka.1u2g.dev: 750
// partitions) and name their topics t-…; each deletes what it creates.

// tasksMentioning returns the instance's tasks of a kind and status whose
// result or error mentions text.
func tasksMentioning(t *testing.T, s *Server, inst, kind string, status streamplane.TaskStatus, text string) []*streamplane.Task {
	t.Helper()
	list, err := s.Client.Tasks(context.Background(), client.TaskOptions{Instance: inst, Kind: kind, Status: []string{string(status)}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []*streamplane.Task
	for _, tk := range list.Tasks {
		if strings.Contains(tk.Error+tk.Result, text) {
			out = append(out, tk)
		}
	}
	return out
}

// wantTask checks that such a task was recorded.
func wantTask(t *testing.T, s *Server, inst, kind string, status streamplane.TaskStatus, text string) {
	t.Helper()
	if len(tasksMentioning(t, s, inst, kind, status, text)) == 0 {
		t.Errorf("no %s %s task mentioning %q was recorded", status, kind, text)
	}
}

// deleteTopicsAtEnd deletes topics when the test ends, whatever happened.
func deleteTopicsAtEnd(t *testing.T, s *Server, inst string, names ...string) {
	t.Cleanup(func() {
		ctx := context.Background()
		for _, n := range names {
			s.Client.DeleteTopic(ctx, inst, n) // gone already is fine
		}
	})
}

// apiTopic creates a topic through the API and deletes it when the test
// ends.
func apiTopic(t *testing.T, s *Server, inst string, spec streamplane.TopicSpec) {
	t.Helper()
	deleteTopicsAtEnd(t, s, inst, spec.Name)
	if _, err := s.Client.CreateTopic(context.Background(), inst, spec); err != nil {
		t.Fatalf("create topic %s: %v", spec.Name, err)
	}
}

func topicConfig(d *streamplane.TopicDetail, name string) (streamplane.TopicConfig, bool) {
	for _, c := range d.Configs {
		if c.Name == name {
			return c, true
		}
	}
	return streamplane.TopicConfig{}, false
}

func listedTopic(list *streamplane.TopicList, name string) (streamplane.Topic, bool) {
	for _, tp := range list.Topics {
		if tp.Name == name {
			return tp, true
		}
	}
	return streamplane.Topic{}, false
}

// Every topic command through the real binary, as the README shows them.
func TestTopicCLI(t *testing.T) {
	s, inst := sharedInstance(t)
	deleteTopicsAtEnd(t, s, inst.Name, "t-cli")

	var d streamplane.TopicDetail
	mustJSON(t, mustCLI(t, s, "topic", "create", inst.Name, "t-cli", "--partitions", "6", "--replicas", "3", "--retention-hours", "24",
		"--sync-replication", "--sync-flush", "--config", "cleanup.policy=delete", "-o", "json"), &d)
	tp := d.Topic
	if tp.Name != "t-cli" || tp.Partitions != 6 || tp.Replicas != 3 || tp.RetentionHours != 24 || !tp.SyncReplication || !tp.SyncFlush || len(d.Partitions) != 6 {
		t.Fatalf("created: %+v", d)
	}
	for name, want := range map[string]string{"retention.ms": "86400000", "min.insync.replicas": "3", "flush.messages": "1", "cleanup.policy": "delete"} {
		if c, ok := topicConfig(&d, name); !ok || c.Value != want || c.Source != streamplane.SourceTopic {
			t.Errorf("config %s: %+v, want %s set on the topic", name, c, want)
		}
	}

	cl := kafkaClient(t, inst, kgo.RequiredAcks(kgo.AllISRAcks()))
	values := produce(t, cl, "t-cli", "cli", 600)

	table := mustCLI(t, s, "topic", "list", inst.Name)
	row := ""
	for _, line := range strings.Split(table, "\n") {
		if strings.HasPrefix(line, "t-cli ") {
			row = strings.Join(strings.Fields(line), " ")
		}
	}
	if !strings.HasPrefix(table, "NAME") || !strings.HasPrefix(row, "t-cli 6 3 24 h on on ") || !strings.HasSuffix(row, " 0") {
		t.Fatalf("topic list row %q:\n%s", row, table)
	}
	var list streamplane.TopicList
	mustJSON(t, mustCLI(t, s, "topic", "list", inst.Name, "--name", "T-CL", "-o", "json"), &list)
	got, ok := listedTopic(&list, "t-cli")
	if !ok || list.Total != 1 || list.PartitionLimit != 750 || list.PartitionsUsed < 6 {
		t.Fatalf("filtered list: %+v", list)
	}
	if got.SizeBytes <= 0 || got.DiskBytes < 3*got.SizeBytes*9/10 || got.DiskBytes > 3*got.SizeBytes {
		t.Errorf("size %d, disk %d: want data > 0 and disk about three times the data", got.SizeBytes, got.DiskBytes)
	}
	csv := mustCLI(t, s, "topic", "list", inst.Name, "-o", "csv")
	if !strings.HasPrefix(csv, "name,partitions,replicas,retention_hours,sync_replication,sync_flush,size_bytes,disk_bytes,under_replicated\n") ||
		!strings.Contains(csv, "\nt-cli,6,3,24,true,true,") {
		t.Fatalf("csv:\n%s", csv)
	}

	show := mustCLI(t, s, "topic", "show", inst.Name, "t-cli")
	for _, want := range []string{"PARTITION", "LEADER", "REPLICAS", "ISR", "START", "END", "retention.ms", "86400000", "Sync replication:"} {
		if !strings.Contains(show, want) {
			t.Errorf("topic show lacks %q:\n%s", want, show)
		}
	}
	mustJSON(t, mustCLI(t, s, "topic", "show", inst.Name, "t-cli", "-o", "json"), &d)
	var records int64
	for _, p := range d.Partitions {
		records += p.EndOffset - p.StartOffset
		if p.Leader < 0 || len(p.Replicas) != 3 || len(p.ISR) != 3 || p.UnderReplicated {
			t.Errorf("partition %+v", p)
		}
	}
	if records != int64(len(values)) {
		t.Errorf("offsets account for %d records, %d were produced", records, len(values))
	}

	mustJSON(t, mustCLI(t, s, "topic", "update", inst.Name, "t-cli", "--partitions", "12", "--retention-hours", "48",
		"--sync-replication=false", "--sync-flush=false", "--config", "max.message.bytes=2097152", "-o", "json"), &d)
	tp = d.Topic
	if tp.Partitions != 12 || tp.RetentionHours != 48 || tp.SyncReplication || tp.SyncFlush || len(d.Partitions) != 12 {
		t.Fatalf("updated: %+v", tp)
	}
	if c, ok := topicConfig(&d, "max.message.bytes"); !ok || c.Value != "2097152" || c.Source != streamplane.SourceTopic {
		t.Errorf("max.message.bytes: %+v", c)
	}
	if c, ok := topicConfig(&d, "flush.messages"); ok && c.Source == streamplane.SourceTopic {
		t.Errorf("turning sync flush off should delete the topic's flush.messages: %+v", c)
	}
	// Sync replication off keeps acks=all writes on two of the three.
	if c, ok := topicConfig(&d, "min.insync.replicas"); !ok || c.Value != "2" || c.Source != streamplane.SourceTopic {
		t.Errorf("min.insync.replicas after sync replication off: %+v, want 2 set on the topic", c)
	}
	mustJSON(t, mustCLI(t, s, "topic", "update", inst.Name, "t-cli", "--delete-config", "max.message.bytes", "-o", "json"), &d)
	if c, ok := topicConfig(&d, "max.message.bytes"); ok && c.Source == streamplane.SourceTopic {
		t.Errorf("--delete-config left %+v", c)
	}
	if out, err := cli(t, s, "topic", "update", inst.Name, "t-cli", "--partitions", "3"); err == nil || !strings.Contains(out, "INVALID_ARGUMENT") || !strings.Contains(out, "field partitions") {
		t.Errorf("shrinking: %v\n%s", err, out)
	}

	code := mustCLI(t, s, "topic", "sample-code", inst.Name, "t-cli", "--lang", "python")
	if !strings.Contains(code, `TOPIC = "t-cli"`) || !strings.Contains(code, strings.Split(inst.BootstrapServers[streamplane.ListenerPrivatePlaintext], ",")[0]) {
		t.Errorf("python sample:\n%s", code)
	}

	usage := mustCLI(t, s, "instance", "disk-usage", inst.Name, "--top", "1000", "--min-size", "1B")
	if !strings.Contains(usage, "BROKER") || !strings.Contains(usage, "t-cli") || !strings.Contains(usage, "10.0 GB") {
		t.Errorf("disk usage:\n%s", usage)
	}
	if usage := mustCLI(t, s, "instance", "disk-usage", inst.Name, "--min-size", "1GiB"); strings.Contains(usage, "t-cli") || !strings.Contains(usage, "No topic matches") {
		t.Errorf("--min-size 1GiB still shows small topics:\n%s", usage)
	}
	var du streamplane.DiskUsage
	mustJSON(t, mustCLI(t, s, "instance", "disk-usage", inst.Name, "--top", "1", "-o", "json"), &du)
	if len(du.Brokers) != 3 || len(du.Topics) != 1 || du.Matched < 1 {
		t.Errorf("disk usage --top 1: %+v", du)
	}

	if out, err := cli(t, s, "topic", "delete", inst.Name, "t-cli"); err == nil || !strings.Contains(out, "--yes") {
		t.Fatalf("delete without --yes: %v\n%s", err, out)
	}
	// Each topic is reported on its own; one not deleted makes the command fail.
	if out, err := cli(t, s, "topic", "delete", inst.Name, "t-cli-nothing", "t-cli", "--yes"); err == nil ||
		!strings.Contains(out, "Deleted topic t-cli.") || !strings.Contains(out, "t-cli-nothing: NOT_FOUND") {
		t.Errorf("delete: %v\n%s", err, out)
	}
	if out, err := cli(t, s, "topic", "show", inst.Name, "t-cli"); err == nil || !strings.Contains(out, "NOT_FOUND") {
		t.Fatalf("show after delete: %v\n%s", err, out)
	}
}

// A topic made with nothing but a name keeps acknowledged writes: Kafka
// gets min.insync.replicas=2 on the topic, and the brokers refuse unclean
// leader elections.
func TestTopicDefaultsKeepAcknowledgedWrites(t *testing.T) {
	s, inst := sharedInstance(t)
	apiTopic(t, s, inst.Name, streamplane.TopicSpec{Name: "t-safe"})
	adm := kadm.NewClient(kafkaClient(t, inst))
	topics, err := adm.DescribeTopicConfigs(context.Background(), "t-safe")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := topics.On("t-safe", nil)
	if err != nil || rc.Err != nil {
		t.Fatalf("describe t-safe: %v %v", err, rc.Err)
	}
	got := map[string]kadm.Config{}
	for _, c := range rc.Configs {
		got[c.Key] = c
	}
	if c := got["min.insync.replicas"]; c.MaybeValue() != "2" || c.Source != kmsg.ConfigSourceDynamicTopicConfig {
		t.Errorf("min.insync.replicas of a 3-replica topic: %q from %v, want 2 set on the topic", c.MaybeValue(), c.Source)
	}
	if c := got["unclean.leader.election.enable"]; c.MaybeValue() != "false" {
		t.Errorf("unclean.leader.election.enable as the topic sees it: %q from %v, want false", c.MaybeValue(), c.Source)
	}
}

// The topic rules, each refused over the API with its status, code and
// field, and every change recorded as a task, done or refused.
func TestTopicRules(t *testing.T) {
	s, inst := sharedInstance(t)
	c := s.Client
	ctx := context.Background()
	deleteTopicsAtEnd(t, s, inst.Name, "t-rules", "t-rules-one", "t-rules-keep")

	for _, tc := range []struct {
		name  string
		spec  streamplane.TopicSpec
		field string
	}{
		{"NameTooShort", streamplane.TopicSpec{Name: "ab"}, "name"},
		{"NameBadChar", streamplane.TopicSpec{Name: "t-a/b"}, "name"},
		{"NameInternal", streamplane.TopicSpec{Name: "__t-mine"}, "name"},
		{"PartitionsAbove100", streamplane.TopicSpec{Name: "t-rules", Partitions: 101}, "partitions"},
		{"ReplicasAboveBrokers", streamplane.TopicSpec{Name: "t-rules", Replicas: 4}, "replicas"},
		{"RetentionAbove720", streamplane.TopicSpec{Name: "t-rules", RetentionHours: 721}, "retention_hours"},
		{"SyncReplicationOneReplica", streamplane.TopicSpec{Name: "t-rules", Replicas: 1, SyncReplication: true}, "sync_replication"},
		{"RetentionMsOutOfRange", streamplane.TopicSpec{Name: "t-rules", Configs: map[string]string{"retention.ms": "60000"}}, "configs.retention.ms"},
		{"MinISRAboveReplicas", streamplane.TopicSpec{Name: "t-rules", Replicas: 2, Configs: map[string]string{"min.insync.replicas": "3"}}, "configs.min.insync.replicas"},
		{"KafkaUnknownConfig", streamplane.TopicSpec{Name: "t-rules", Configs: map[string]string{"no.such.config": "1"}}, "configs.no.such.config"},
		{"KafkaBadValue", streamplane.TopicSpec{Name: "t-rules", Configs: map[string]string{"cleanup.policy": "sometimes"}}, "configs.cleanup.policy"},
	} {
		t.Run("Create"+tc.name, func(t *testing.T) {
			_, err := c.CreateTopic(ctx, inst.Name, tc.spec)
			wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, tc.field)
		})
	}
	wantTask(t, s, inst.Name, streamplane.TaskCreateTopic, streamplane.TaskFailed, "partitions must be from 1 to 100")
	wantTask(t, s, inst.Name, streamplane.TaskCreateTopic, streamplane.TaskFailed, "no.such.config")

	d, err := c.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: "t-rules", RetentionHours: 12, SyncReplication: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.Topic.Partitions != 3 || d.Topic.Replicas != 3 || d.Topic.RetentionHours != 12 || !d.Topic.SyncReplication || d.Topic.SyncFlush {
		t.Fatalf("defaults: %+v", d.Topic)
	}
	wantTask(t, s, inst.Name, streamplane.TaskCreateTopic, streamplane.TaskSucceeded, "created topic t-rules")
	_, err = c.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: "t-rules"})
	wantErrorCode(t, err, http.StatusConflict, streamplane.ECONFLICT, "name")

	// The topic's retention is its own retention.ms, which Kafka applies
	// over the brokers' log.retention.hours; synchronous replication is
	// the topic's min.insync.replicas at its replica count.
	adm := kadm.NewClient(kafkaClient(t, inst))
	rcs, err := adm.DescribeTopicConfigs(ctx, "t-rules")
	if err != nil {
		t.Fatal(err)
	}
	rc, err := rcs.On("t-rules", nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]kadm.Config{}
	for _, cfg := range rc.Configs {
		seen[cfg.Key] = cfg
	}
	if r := seen["retention.ms"]; r.MaybeValue() != "43200000" || r.Source != kmsg.ConfigSourceDynamicTopicConfig {
		t.Errorf("Kafka describes retention.ms as %q from %v, want 43200000 set on the topic", r.MaybeValue(), r.Source)
	}
	if m := seen["min.insync.replicas"]; m.MaybeValue() != "3" || m.Source != kmsg.ConfigSourceDynamicTopicConfig {
		t.Errorf("Kafka describes min.insync.replicas as %q from %v, want 3 set on the topic", m.MaybeValue(), m.Source)
	}
	if c, ok := topicConfig(d, "retention.ms"); !ok || c.Value != "43200000" || c.Source != streamplane.SourceTopic {
		t.Errorf("topic show: retention.ms %+v", c)
	}

	if _, err := c.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: "t-rules-one", Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	six, two, yes := 6, 2, true
	for _, tc := range []struct {
		name, topic string
		upd         streamplane.TopicUpdate
		status      int
		code, field string
	}{
		{"Shrink", "t-rules", streamplane.TopicUpdate{Partitions: &two}, 400, streamplane.EINVALID, "partitions"},
		{"SyncReplicationOneReplica", "t-rules-one", streamplane.TopicUpdate{SyncReplication: &yes}, 400, streamplane.EINVALID, "sync_replication"},
		{"MinISRAboveReplicas", "t-rules-one", streamplane.TopicUpdate{Configs: map[string]string{"min.insync.replicas": "2"}}, 400, streamplane.EINVALID, "configs.min.insync.replicas"},
		{"KafkaBadValue", "t-rules", streamplane.TopicUpdate{Partitions: &six, Configs: map[string]string{"cleanup.policy": "sometimes"}}, 400, streamplane.EINVALID, "configs.cleanup.policy"},
		{"Internal", "__consumer_offsets", streamplane.TopicUpdate{Partitions: &six}, 400, streamplane.EINVALID, "topic"},
		{"Unknown", "t-rules-none", streamplane.TopicUpdate{Partitions: &six}, 404, streamplane.ENOTFOUND, "topic"},
	} {
		t.Run("Update"+tc.name, func(t *testing.T) {
			_, err := c.UpdateTopic(ctx, inst.Name, tc.topic, tc.upd)
			wantErrorCode(t, err, tc.status, tc.code, tc.field)
		})
	}
	// The refused config left the topic as it was: no partitions were added.
	if d, err := c.Topic(ctx, inst.Name, "t-rules"); err != nil || d.Topic.Partitions != 3 {
		t.Fatalf("after a refused update: %+v %v", d, err)
	}
	wantTask(t, s, inst.Name, streamplane.TaskUpdateTopic, streamplane.TaskFailed, "partitions can only be added")
	if _, err := c.UpdateTopic(ctx, inst.Name, "t-rules", streamplane.TopicUpdate{Partitions: &six}); err != nil {
		t.Fatal(err)
	}
	wantTask(t, s, inst.Name, streamplane.TaskUpdateTopic, streamplane.TaskSucceeded, "partitions=6")

	_, err = c.Topic(ctx, inst.Name, "t-rules-none")
	wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "topic")
	_, err = c.SampleCode(ctx, inst.Name, "t-rules", "rust", "")
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "lang")
	_, err = c.SampleCode(ctx, inst.Name, "t-rules-none", "go", "")
	wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "topic")
	_, err = c.SampleCode(ctx, inst.Name, "t-rules", "go", "public_plaintext")
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "listener")

	// Batch deletes answer per topic: an unknown topic is refused on its
	// own, the others are deleted.
	if _, err := c.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: "t-rules-keep", Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	// Kafka's internal topics are refused as input: nothing is deleted.
	wantErrorCode(t, errOf(c.DeleteTopics(ctx, inst.Name, "t-rules-keep", "__consumer_offsets")), http.StatusBadRequest, streamplane.EINVALID, "topics")
	wantErrorCode(t, errOf(c.DeleteTopics(ctx, inst.Name)), http.StatusBadRequest, streamplane.EINVALID, "topics")
	results, err := c.DeleteTopics(ctx, inst.Name, "t-rules-none", "t-rules", "t-rules-one")
	if err != nil || len(results) != 3 {
		t.Fatalf("batch delete: %+v %v", results, err)
	}
	for i, want := range []struct {
		topic, code string
	}{{"t-rules-none", streamplane.ENOTFOUND}, {"t-rules", ""}, {"t-rules-one", ""}} {
		got := results[i]
		if got.Topic != want.topic || got.Deleted != (want.code == "") || streamplane.ErrorCode(got.Err()) != want.code && want.code != "" {
			t.Errorf("outcome %d = %+v (err %v), want %s deleted=%v %s", i, got, got.Err(), want.topic, want.code == "", want.code)
		}
		if want.code != "" && (got.Error == nil || got.Error.Field != "topics" || !strings.Contains(got.Error.Message, want.topic)) {
			t.Errorf("refusal of %s should name it, field topics: %+v", want.topic, got.Error)
		}
	}
	if _, err := c.Topic(ctx, inst.Name, "t-rules-keep"); err != nil {
		t.Fatalf("a refused or other batch deleted t-rules-keep: %v", err)
	}
	// The batch is one task, failed for the topics it could not delete.
	wantTask(t, s, inst.Name, streamplane.TaskDeleteTopics, streamplane.TaskFailed, "t-rules-none")
	results, err = c.DeleteTopics(ctx, inst.Name, "t-rules-keep")
	if err != nil || len(results) != 1 || !results[0].Deleted {
		t.Fatalf("batch delete: %+v %v", results, err)
	}
	if tasks := tasksMentioning(t, s, inst.Name, streamplane.TaskDeleteTopics, streamplane.TaskSucceeded, "t-rules-keep"); len(tasks) != 1 ||
		!strings.Contains(tasks[0].Result, "deleted 1 topic(s)") {
		t.Errorf("the batch should be one recorded task: %+v", tasks)
	}
	list, err := c.Topics(ctx, inst.Name, client.TopicListOptions{Name: "t-rules"})
	if err != nil || list.Total != 0 {
		t.Fatalf("after the batch delete: %+v %v", list, err)
	}
}

func errOf(_ any, err error) error { return err }

// Internal topics are hidden unless asked for, never counted against the
// limit, and cannot be deleted.
func TestTopicInternalHidden(t *testing.T) {
	s, inst := sharedInstance(t)
	ctx := context.Background()
	// Looking for a group's coordinator makes Kafka create __consumer_offsets.
	adm := kadm.NewClient(kafkaClient(t, inst))
	eventually(t, time.Minute, func() (bool, string) {
		adm.FindGroupCoordinators(ctx, "t-internal")
		list, err := s.Client.Topics(ctx, inst.Name, client.TopicListOptions{Internal: true})
		if err != nil {
			return false, err.Error()
		}
		off, ok := listedTopic(list, "__consumer_offsets")
		return ok && off.Internal, "no __consumer_offsets in the list with internal topics"
	})
	list, err := s.Client.Topics(ctx, inst.Name, client.TopicListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	all := 0
	for _, tp := range list.Topics {
		if tp.Internal || strings.HasPrefix(tp.Name, "__") {
			t.Errorf("internal topic %s listed without internal=true", tp.Name)
		}
		all += tp.Partitions
	}
	if all != list.PartitionsUsed {
		t.Errorf("partitions_used %d, but the non-internal topics have %d", list.PartitionsUsed, all)
	}
	_, err = s.Client.DeleteTopic(ctx, inst.Name, "__consumer_offsets")
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "topics")
}

// The partition limit (250 per broker × 3 = 750) holds on create and on
// grow, and two concurrent creations cannot pass it together.
func TestTopicPartitionLimit(t *testing.T) {
	s, inst := sharedInstance(t)
	c := s.Client
	ctx := context.Background()
	list, err := c.Topics(ctx, inst.Name, client.TopicListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if list.PartitionLimit != 750 {
		t.Fatalf("partition limit %d, want 750", list.PartitionLimit)
	}
	// Fill the instance up to 150 partitions below its limit with
	// single-replica topics made straight through Kafka.
	adm := kadm.NewClient(kafkaClient(t, inst))
	var fillers []string
	t.Cleanup(func() {
		if len(fillers) > 0 {
			adm.DeleteTopics(context.Background(), fillers...)
		}
	})
	for free := list.PartitionLimit - list.PartitionsUsed - 150; free > 0; free -= 100 {
		name := fmt.Sprintf("t-limit-fill-%d", len(fillers))
		if _, err := adm.CreateTopic(ctx, int32(min(100, free)), 1, nil, name); err != nil {
			t.Fatal(err)
		}
		fillers = append(fillers, name)
	}
	// Topics made outside Streamplane reach every broker's metadata a
	// moment later.
	eventually(t, time.Minute, func() (bool, string) {
		list, err := c.Topics(ctx, inst.Name, client.TopicListOptions{})
		if err != nil {
			return false, err.Error()
		}
		return list.PartitionsUsed == list.PartitionLimit-150, fmt.Sprintf("%d partitions used, want %d", list.PartitionsUsed, list.PartitionLimit-150)
	})
	deleteTopicsAtEnd(t, s, inst.Name, "t-limit-a", "t-limit-b", "t-limit-grow", "t-limit-c")

	// Either creation fits alone; together they would not.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, name := range []string{"t-limit-a", "t-limit-b"} {
		wg.Go(func() {
			_, errs[i] = c.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: name, Partitions: 100, Replicas: 1})
		})
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("two concurrent creations of 100 partitions with 150 free: errors %v and %v, want exactly one refused", errs[0], errs[1])
	}
	refused, winner, loser := errs[0], "t-limit-b", "t-limit-a"
	if refused == nil {
		refused, winner, loser = errs[1], "t-limit-a", "t-limit-b"
	}
	// The loser is refused either while the winner's task holds the
	// instance (409 naming that task) or after, by the limit.
	if streamplane.ErrorCode(refused) == streamplane.EBUSY {
		if e := wantErrorCode(t, refused, http.StatusConflict, streamplane.EBUSY, ""); e.App.TaskID == "" || !strings.Contains(e.App.Message, e.App.TaskID) {
			t.Errorf("the busy refusal should name the task holding the instance: %+v", e.App)
		}
		// Alone now, the same creation is refused by the limit.
		_, refused = c.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: loser, Partitions: 100, Replicas: 1})
	}
	e := wantErrorCode(t, refused, http.StatusUnprocessableEntity, streamplane.ELIMIT, "partitions")
	if !strings.Contains(e.App.Message, "750") || !strings.Contains(e.App.Message, "700") {
		t.Errorf("the refusal should name the limit (750) and the count in use (700): %s", e.App.Message)
	}

	// 700 used: a 3-partition topic fits, growing it by 48 more does not.
	if _, err := c.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: "t-limit-grow", Replicas: 1}); err != nil {
		t.Fatal(err)
	}
	parts := 51
	_, err = c.UpdateTopic(ctx, inst.Name, "t-limit-grow", streamplane.TopicUpdate{Partitions: &parts})
	wantErrorCode(t, err, http.StatusUnprocessableEntity, streamplane.ELIMIT, "partitions")
	wantTask(t, s, inst.Name, streamplane.TaskUpdateTopic, streamplane.TaskFailed, "750")
	parts = 50 // exactly the limit
	if _, err := c.UpdateTopic(ctx, inst.Name, "t-limit-grow", streamplane.TopicUpdate{Partitions: &parts}); err != nil {
		t.Fatalf("growing to exactly the limit: %v", err)
	}
	_, err = c.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: "t-limit-c", Partitions: 1, Replicas: 1})
	wantErrorCode(t, err, http.StatusUnprocessableEntity, streamplane.ELIMIT, "partitions")

	// Deleting (a large batch, through the API) frees the room again.
	batch := append(fillers, winner, "t-limit-grow")
	results, err := c.DeleteTopics(ctx, inst.Name, batch...)
	if err != nil {
		t.Fatal(err)
	}
	fillers = nil
	if len(results) != len(batch) {
		t.Fatalf("outcomes %+v, want one for each of %v", results, batch)
	}
	for _, r := range results {
		if !r.Deleted {
			t.Errorf("topic %s not deleted: %v", r.Topic, r.Err())
		}
	}
	if _, err := c.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: "t-limit-c", Partitions: 100, Replicas: 1}); err != nil {
		t.Fatalf("after deleting, 100 partitions should fit again: %v", err)
	}
	if _, err := c.DeleteTopic(ctx, inst.Name, "t-limit-c"); err != nil {
		t.Fatal(err)
	}
}

// While an instance-level task holds an instance, topic changes get 409
// naming the task (a separate 1-broker instance: the shared one is never
// restarted).
func TestTopicRefusedWhileRestarting(t *testing.T) {
	s, _ := sharedInstance(t)
	ctx := context.Background()
	inst := ownInstance(t, s, devSpec("t-busy", 1))
	restart, err := s.Client.RestartInstance(ctx, inst.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Client.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: "t-busy"})
	e := wantErrorCode(t, err, http.StatusConflict, streamplane.EBUSY, "")
	if e.App.Field != "" || e.App.TaskID != restart.ID || !strings.Contains(e.App.Message, restart.ID) {
		t.Errorf("the 409 should name the restart task %s: %+v", restart.ID, e.App)
	}
	if _, err := s.Client.WaitTask(ctx, restart.ID, nil); err != nil {
		t.Fatal(err)
	}
	wantTask(t, s, inst.Name, streamplane.TaskCreateTopic, streamplane.TaskFailed, restart.ID)
	d, err := s.Client.CreateTopic(ctx, inst.Name, streamplane.TopicSpec{Name: "t-busy"})
	if err != nil || d.Topic.Replicas != 1 {
		t.Fatalf("after the restart, with 1 broker: %+v %v", d, err)
	}
}

// Disk usage: per broker against storage_gb_per_broker, topics biggest
// first with their share, and the filters.
func TestDiskUsage(t *testing.T) {
	s, inst := sharedInstance(t)
	c := s.Client
	ctx := context.Background()
	for name, n := range map[string]int{"t-du-big": 2000, "t-du-small": 20} {
		apiTopic(t, s, inst.Name, streamplane.TopicSpec{Name: name, Partitions: 1, Replicas: 3})
		cl := kafkaClient(t, inst, kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerBatchCompression(kgo.NoCompression()))
		produce(t, cl, name, strings.Repeat("x", 500), n)
	}

	du, err := c.DiskUsage(ctx, inst.Name, streamplane.DiskUsageFilter{Top: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(du.Brokers) != 3 || du.TotalBytes != 3*10*streamplane.BytesPerGB {
		t.Fatalf("brokers %+v, total %d", du.Brokers, du.TotalBytes)
	}
	var sum int64
	for _, b := range du.Brokers {
		if b.TotalBytes != 10*streamplane.BytesPerGB || b.UsedBytes <= 0 || b.Error != "" {
			t.Errorf("broker %+v", b)
		}
		sum += b.UsedBytes
	}
	if sum != du.UsedBytes {
		t.Errorf("brokers use %d in all, the instance reports %d", sum, du.UsedBytes)
	}
	rank := map[string]int{}
	for i, tp := range du.Topics {
		rank[tp.Name] = i
		if i > 0 && tp.DiskBytes > du.Topics[i-1].DiskBytes {
			t.Errorf("topics not sorted by disk: %s after %s", tp.Name, du.Topics[i-1].Name)
		}
	}
	big := du.Topics[rank["t-du-big"]]
	if _, ok := rank["t-du-small"]; !ok || big.Name != "t-du-big" || rank["t-du-big"] > rank["t-du-small"] {
		t.Fatalf("topics: %+v", du.Topics)
	}
	if big.DiskBytes < 3*big.SizeBytes*9/10 || big.SizeBytes < 2000*500 {
		t.Errorf("t-du-big: %+v; want about 1 MB of data on three replicas", big)
	}
	if want := float64(big.DiskBytes) * 100 / float64(du.TotalBytes); big.Percent < want-0.01 || big.Percent > want+0.01 {
		t.Errorf("t-du-big share %.4f%%, want %.4f%%", big.Percent, want)
	}

	filtered, err := c.DiskUsage(ctx, inst.Name, streamplane.DiskUsageFilter{MinBytes: big.DiskBytes})
	if err != nil {
		t.Fatal(err)
	}
	for _, tp := range filtered.Topics {
		if tp.DiskBytes < big.DiskBytes {
			t.Errorf("min_size_bytes %d let %s (%d) through", big.DiskBytes, tp.Name, tp.DiskBytes)
		}
	}
	if top, err := c.DiskUsage(ctx, inst.Name, streamplane.DiskUsageFilter{Top: 1}); err != nil || len(top.Topics) != 1 || top.Matched < 2 {
		t.Errorf("top 1: %+v %v", top, err)
	}
	if none, err := c.DiskUsage(ctx, inst.Name, streamplane.DiskUsageFilter{MinPercent: 50}); err != nil || len(none.Topics) != 0 {
		t.Errorf("min_percent 50: %+v %v", none, err)
	}
	_, err = c.DiskUsage(ctx, inst.Name, streamplane.DiskUsageFilter{Top: 1001})
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "top")
	_, err = c.DiskUsage(ctx, inst.Name, streamplane.DiskUsageFilter{MinPercent: -1})
	wantErrorCode(t, err, http.StatusBadRequest, streamplane.EINVALID, "min_percent")
}

// The sample programs are real programs: the Go one compiles and
// round-trips a message against the instance, the Java one compiles (and
// runs) against the runtime's kafka-clients, the Python one compiles.
func TestSampleCode(t *testing.T) {
	s, inst := sharedInstance(t)
	ctx := context.Background()
	apiTopic(t, s, inst.Name, streamplane.TopicSpec{Name: "t-sample"})
	servers := inst.BootstrapServers[streamplane.ListenerPrivatePlaintext]
	sample := func(t *testing.T, lang string) (*streamplane.SampleCode, string) {
		sc, err := s.Client.SampleCode(ctx, inst.Name, "t-sample", lang, "")
		if err != nil {
			t.Fatal(err)
		}
		if sc.Listener != streamplane.ListenerPrivatePlaintext || sc.BootstrapServers != servers || sc.SecurityProtocol != "PLAINTEXT" {
			t.Fatalf("%s sample access: %+v", lang, sc.ClientAccess)
		}
		for _, addr := range strings.Split(servers, ",") {
			if !strings.Contains(sc.Code, addr) {
				t.Fatalf("%s sample lacks %s:\n%s", lang, addr, sc.Code)
			}
		}
		dir := t.TempDir()
		path := filepath.Join(dir, sc.Filename)
		if err := os.WriteFile(path, []byte(sc.Code), 0o644); err != nil {
			t.Fatal(err)
		}
		return sc, dir
	}

	t.Run("Go", func(t *testing.T) {
		_, dir := sample(t, "go")
		// A module of its own that takes franz-go from this machine's cache.
		gomod := "module sample\n\ngo 1.26\n\nrequire github.com/twmb/franz-go v1.22.2\n"
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "go.sum"), franzGoSums(t), 0o644); err != nil {
			t.Fatal(err)
		}
		runCtx, cancel := context.WithTimeout(ctx, 4*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(runCtx, "go", "run", ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go run: %v\n%s", err, out)
		}
		wantRoundTrip(t, string(out))
	})

	t.Run("Java", func(t *testing.T) {
		_, dir := sample(t, "java")
		classpath := runtimeLib(t, s, inst.Version) + "/*"
		if out, err := exec.Command("javac", "-d", dir, "-cp", classpath, filepath.Join(dir, "StreamplaneSample.java")).CombinedOutput(); err != nil {
			t.Fatalf("javac: %v\n%s", err, out)
		}
		runCtx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(runCtx, "java", "-Xmx128m", "-cp", dir+":"+classpath, "StreamplaneSample").CombinedOutput()
		if err != nil {
			t.Fatalf("java: %v\n%s", err, out)
		}
		wantRoundTrip(t, string(out))
	})

	t.Run("Python", func(t *testing.T) {
		sc, dir := sample(t, "python")
		if out, err := exec.Command("python3", "-m", "py_compile", filepath.Join(dir, sc.Filename)).CombinedOutput(); err != nil {
			t.Fatalf("py_compile: %v\n%s", err, out)
		}
	})
}

// wantRoundTrip checks a sample's output: the value it produced came back.
func wantRoundTrip(t *testing.T, out string) {
	t.Helper()
	var produced string
	consumed := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "produced: "); ok {
			_, produced, _ = strings.Cut(rest, ": ")
		}
		if rest, ok := strings.CutPrefix(line, "consumed: "); ok {
			_, v, _ := strings.Cut(rest, ": ")
			consumed[v] = true
		}
	}
	if produced == "" || !consumed[produced] {
		t.Fatalf("the produced message %q did not come back:\n%s", produced, out)
	}
}

// franzGoSums returns this module's go.sum lines for franz-go and its
// dependencies, so the sample's module resolves from the module cache.
func franzGoSums(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile("../go.sum")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(raw), "\n") {
		for _, mod := range []string{"github.com/twmb/franz-go ", "github.com/twmb/franz-go/pkg/kmsg ", "github.com/klauspost/compress ", "github.com/pierrec/lz4/v4 "} {
			if strings.HasPrefix(line, mod) {
				out = append(out, line)
			}
		}
	}
	return []byte(strings.Join(out, "\n") + "\n")
}

// The topic list pages, sorted by name.
func TestTopicListPaging(t *testing.T) {
	s, inst := sharedInstance(t)
	ctx := context.Background()
	for _, name := range []string{"t-page-b", "t-page-a", "t-page-c"} {
		apiTopic(t, s, inst.Name, streamplane.TopicSpec{Name: name, Partitions: 1, Replicas: 1})
	}
	page, err := s.Client.Topics(ctx, inst.Name, client.TopicListOptions{Name: "t-page-", Offset: 1, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 3 || len(page.Topics) != 1 || page.Topics[0].Name != "t-page-b" || page.Offset != 1 || page.Limit != 1 {
		t.Fatalf("page = %+v", page)
	}
	_, err = s.Client.Topics(ctx, inst.Name, client.TopicListOptions{Limit: 20000})
	wantErrorCode(t, err, 400, streamplane.EINVALID, "limit")
}
