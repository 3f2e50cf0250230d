// Not in kfake: KIP-848 consumer groups (kfake leaves topic names out of member assignments) and real consumers leaving.

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/streamplane/streamplane/client"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Consumer groups on real brokers: a franz-go consumer in a group, its
// members and lag as the API shows them, the rules that refuse resets and
// deletions while it has members, and resets by time and by offset. The
// classic protocol and KIP-848's consumer protocol are both exercised.

// groupProtocols are the two ways a franz-go consumer can be in a group.
var groupProtocols = []struct {
	name, typ string
	opts      []kgo.Opt
}{
	{"Classic", streamplane.GroupTypeClassic, nil},
	{"KIP848", streamplane.GroupTypeConsumer, []kgo.Opt{kgo.ServerSideBalancer(), kgo.Balancers(kgo.RangeBalancer())}},
}

func TestGroupMembersLagAndRules(t *testing.T) {
	s, inst := sharedInstance(t)
	for _, proto := range groupProtocols {
		t.Run(proto.name, func(t *testing.T) {
			c := s.Client
			ctx := context.Background()
			topic, group, clientID := "g-lag-"+strings.ToLower(proto.name), "g-app-"+strings.ToLower(proto.name), "g-client-"+strings.ToLower(proto.name)
			createTopic(t, inst, topic, 3, 3, nil)
			producer := kafkaClient(t, inst, kgo.RecordPartitioner(kgo.ManualPartitioner()))
			for p := range int32(3) {
				produceTo(t, producer, topic, p, "r", 10)
			}

			// Consume all 30 records, then commit 4, 7 and 10 of the 10 in
			// partitions 0, 1 and 2: lag 6, 3 and 0.
			consumer := groupConsumer(t, inst, group, topic, clientID, proto.opts...)
			records := pollRecords(t, consumer, 30)
			want := map[int32]int64{0: 4, 1: 7, 2: 10}
			var commit []*kgo.Record
			for _, r := range records {
				if r.Offset == want[r.Partition]-1 {
					commit = append(commit, r)
				}
			}
			if err := consumer.CommitRecords(ctx, commit...); err != nil {
				t.Fatalf("commit: %v", err)
			}

			var g *streamplane.GroupDetail
			eventually(t, time.Minute, func() (bool, string) {
				var err error
				if g, err = c.Group(ctx, inst.Name, group); err != nil {
					return false, err.Error()
				}
				return g.State == streamplane.GroupStable && g.Lag == 9, fmt.Sprintf("group %s is %s (%s) with lag %d, want STABLE with lag 9", group, g.State, g.KafkaState, g.Lag)
			})
			if g.Type != proto.typ || g.MemberCount != 1 || len(g.Members) != 1 {
				t.Fatalf("group: type %s, %d member(s): %+v", g.Type, g.MemberCount, g.Members)
			}
			if !slices.ContainsFunc(inst.Brokers, func(b streamplane.Broker) bool { return int32(b.ID) == g.Coordinator }) {
				t.Errorf("coordinator %d is not a broker of the instance", g.Coordinator)
			}
			m := g.Members[0]
			if m.MemberID == "" || m.ClientID != clientID || m.ClientHost != "127.0.0.1" {
				t.Errorf("member %+v, want client id %s from 127.0.0.1", m, clientID)
			}
			if len(m.Assignment) != 1 || m.Assignment[0].Topic != topic || fmt.Sprint(m.Assignment[0].Partitions) != "[0 1 2]" {
				t.Errorf("member assignment %+v", m.Assignment)
			}
			if len(g.Topics) != 1 || g.Topics[0].Topic != topic || g.Topics[0].Lag != 9 || len(g.Topics[0].Partitions) != 3 {
				t.Fatalf("topics %+v", g.Topics)
			}
			for _, p := range g.Topics[0].Partitions {
				if p.Offset == nil || *p.Offset != want[p.Partition] || p.EndOffset != 10 || p.Lag == nil || *p.Lag != 10-want[p.Partition] || p.MemberID != m.MemberID {
					t.Errorf("partition %d: offset %s, end %d, lag %s, member %q; want offset %d, end 10, lag %d, member %s",
						p.Partition, ptr(p.Offset), p.EndOffset, ptr(p.Lag), p.MemberID, want[p.Partition], 10-want[p.Partition], m.MemberID)
				}
			}

			show := mustCLI(t, s, "group", "show", inst.Name, group)
			t.Logf("streamplane group show %s %s:\n%s", inst.Name, group, show)
			for _, want := range []string{"STABLE", m.MemberID, clientID, "127.0.0.1", topic + ":0-2"} {
				if !strings.Contains(show, want) {
					t.Errorf("group show lacks %q", want)
				}
			}

			list, err := c.Groups(ctx, inst.Name, client.GroupOptions{Name: group})
			if err != nil {
				t.Fatal(err)
			}
			if list.Total != 1 || list.Groups[0].Name != group || list.Groups[0].State != streamplane.GroupStable ||
				list.Groups[0].MemberCount != 1 || list.Groups[0].Lag != 9 || list.Groups[0].Coordinator != g.Coordinator {
				t.Errorf("list: %+v", list)
			}
			csv, err := c.GroupsCSV(ctx, inst.Name, client.GroupOptions{Name: group})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(csv, "group,state,kafka_state,type,coordinator,members,lag") || !strings.Contains(csv, "\n"+group+",STABLE,") {
				t.Errorf("csv:\n%s", csv)
			}

			// While the consumer is in the group: no reset, no deletion.
			_, err = c.ResetOffsets(ctx, inst.Name, group, streamplane.OffsetResetRequest{Topic: topic, To: streamplane.ResetEarliest})
			if e := wantErrorCode(t, err, http.StatusConflict, streamplane.ESTATE, ""); !strings.Contains(e.Error(), "STABLE") {
				t.Errorf("the refused reset should say the group is STABLE: %v", e)
			}
			err = c.DeleteGroup(ctx, inst.Name, group)
			if e := wantErrorCode(t, err, http.StatusConflict, streamplane.ESTATE, ""); !strings.Contains(e.Error(), "STABLE") {
				t.Errorf("the refused deletion should say the group is STABLE: %v", e)
			}

			// A batch reports each group: an empty one goes, the busy one
			// and a missing one stay, each with its reason.
			empty := group + "-empty"
			reset, err := c.ResetOffsets(ctx, inst.Name, empty, streamplane.OffsetResetRequest{Topic: topic, To: streamplane.ResetEarliest})
			if err != nil || !reset.Created {
				t.Fatalf("creating %s by a reset: %+v %v", empty, reset, err)
			}
			results, err := c.DeleteGroups(ctx, inst.Name, group, empty, "g-missing")
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, r := range results {
				got[r.Group] = "deleted"
				if err := r.Err(); err != nil {
					got[r.Group] = streamplane.ErrorCode(err)
				}
			}
			if fmt.Sprint(got) != fmt.Sprintf("map[%s:INVALID_STATE %s:deleted g-missing:NOT_FOUND]", group, empty) {
				t.Errorf("batch delete: %v", got)
			}

			// The consumer leaves: the group is EMPTY and keeps its offsets.
			consumer.Close()
			if g = waitGroupEmpty(t, c, inst.Name, group); g.Lag != 9 {
				t.Errorf("an EMPTY group lost its offsets: lag %d", g.Lag)
			}
			if err := c.DeleteGroup(ctx, inst.Name, group); err != nil {
				t.Fatal(err)
			}
			_, err = c.Group(ctx, inst.Name, group)
			if e := wantErrorCode(t, err, http.StatusNotFound, streamplane.ENOTFOUND, "group"); !strings.Contains(e.Error(), group) {
				t.Errorf("%v does not name the group", e)
			}

			// Every change, refused or done, is on the instance's task list:
			// the refused reset, the refused deletion, the batch (failed in
			// part) and the deletion.
			for kind, want := range map[string]string{
				streamplane.TaskResetOffsets: "map[FAILED:1]",
				streamplane.TaskDeleteGroups: "map[FAILED:2 SUCCEEDED:1]",
			} {
				tasks, err := c.Tasks(ctx, client.TaskOptions{Instance: inst.Name, Kind: kind, Limit: 1000})
				if err != nil {
					t.Fatal(err)
				}
				statuses := map[streamplane.TaskStatus]int{}
				for _, tk := range tasks.Tasks {
					if strings.Contains(string(tk.Params), `"`+group+`"`) {
						statuses[tk.Status]++
					}
				}
				if fmt.Sprint(statuses) != want {
					t.Errorf("%s tasks naming %s: %v, want %s", kind, group, statuses, want)
				}
			}
		})
	}
}

// After the consumer has left, a reset to a time makes the next consumer
// start at the first record at or after that time, found by Kafka's time
// index.
func TestGroupResetToTimestamp(t *testing.T) {
	s, inst := sharedInstance(t)
	c := s.Client
	ctx := context.Background()
	topic, group := "g-time", "g-time-app"
	createTopic(t, inst, topic, 2, 3, nil)
	producer := kafkaClient(t, inst, kgo.RecordPartitioner(kgo.ManualPartitioner()))

	var lastMs int64
	for p := range int32(2) {
		for _, r := range produceTo(t, producer, topic, p, "b1", 5) {
			lastMs = max(lastMs, r.Timestamp.UnixMilli())
		}
	}
	// Kafka keeps milliseconds: the boundary is the millisecond after the
	// first batch's last record, and the second batch is produced only
	// once the wall clock has passed it.
	boundary := time.UnixMilli(lastMs + 1).UTC()
	for time.Now().UnixMilli() <= boundary.UnixMilli() {
		time.Sleep(time.Millisecond)
	}
	for p := range int32(2) {
		for _, r := range produceTo(t, producer, topic, p, "b2", 5) {
			if r.Timestamp.Before(boundary) {
				t.Fatalf("record %s has timestamp %s, before the boundary %s", r.Value, r.Timestamp, boundary)
			}
		}
	}

	first := groupConsumer(t, inst, group, topic, "g-time-client")
	pollRecords(t, first, 20)
	if err := first.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatal(err)
	}
	first.Close()
	waitGroupEmpty(t, c, inst.Name, group)

	// A dry run commits nothing.
	req := streamplane.OffsetResetRequest{Topic: topic, To: streamplane.ResetTimestamp, Timestamp: &boundary, DryRun: true}
	plan, err := c.ResetOffsets(ctx, inst.Name, group, req)
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.Group(ctx, inst.Name, group)
	if err != nil || !plan.DryRun || g.Lag != 0 {
		t.Fatalf("dry run: %+v, lag %d, %v", plan, g.Lag, err)
	}
	req.DryRun = false
	reset, err := c.ResetOffsets(ctx, inst.Name, group, req)
	if err != nil {
		t.Fatal(err)
	}
	if reset.Created || reset.DryRun || len(reset.Partitions) != 2 {
		t.Fatalf("reset: %+v", reset)
	}
	for _, p := range reset.Partitions {
		if p.OldOffset == nil || *p.OldOffset != 10 || p.NewOffset != 5 || p.Clamped {
			t.Errorf("partition %d: old %s new %d clamped %v; want 10 → 5, not clamped", p.Partition, ptr(p.OldOffset), p.NewOffset, p.Clamped)
		}
	}
	if resets(reset.Partitions) != resets(plan.Partitions) {
		t.Errorf("the dry run planned %s, the reset did %s", resets(plan.Partitions), resets(reset.Partitions))
	}

	next := groupConsumer(t, inst, group, topic, "g-time-client")
	firstOf := map[int32]string{}
	for _, r := range pollRecords(t, next, 10) {
		if _, ok := firstOf[r.Partition]; !ok {
			firstOf[r.Partition] = string(r.Value)
		}
	}
	if firstOf[0] != "b2-p0-000" || firstOf[1] != "b2-p1-000" {
		t.Errorf("the next consumer started at %v, want the first record of the second batch in each partition", firstOf)
	}

	// A time after every record moves the group to the end.
	next.Close()
	waitGroupEmpty(t, c, inst.Name, group)
	future := time.Now().Add(time.Hour)
	reset, err = c.ResetOffsets(ctx, inst.Name, group, streamplane.OffsetResetRequest{Topic: topic, To: streamplane.ResetTimestamp, Timestamp: &future})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range reset.Partitions {
		if p.NewOffset != 10 {
			t.Errorf("partition %d: a future time moved the group to %d, want the end (10)", p.Partition, p.NewOffset)
		}
	}
	if err := c.DeleteGroup(ctx, inst.Name, group); err != nil {
		t.Fatal(err)
	}
}

// Explicit offsets outside a partition's [start, end] are clamped, and the
// answer says so; unknown topics and partitions are NOT_FOUND.
func TestGroupResetClamp(t *testing.T) {
	s, inst := sharedInstance(t)
	c := s.Client
	ctx := context.Background()
	topic, group := "g-clamp", "g-clamp-app"
	createTopic(t, inst, topic, 2, 3, nil)
	producer := kafkaClient(t, inst, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for p := range int32(2) {
		produceTo(t, producer, topic, p, "r", 10)
	}
	// Partition 0 starts at 3.
	adm := kadm.NewClient(kafkaClient(t, inst))
	del := kadm.Offsets{}
	del.Add(kadm.Offset{Topic: topic, Partition: 0, At: 3})
	if resp, err := adm.DeleteRecords(ctx, del); err != nil || resp.Error() != nil {
		t.Fatalf("delete records: %v %v", err, resp.Error())
	}

	p0, p1 := int32(0), int32(1)
	at := func(n int64) *int64 { return &n }
	for _, tc := range []struct {
		name      string
		req       streamplane.OffsetResetRequest
		partition int32
		old       string
		want      int64
		clamped   bool
	}{
		{"BelowStart", streamplane.OffsetResetRequest{Partition: &p0, To: streamplane.ResetOffset, Offset: at(-5)}, 0, "<nil>", 3, true},
		{"AboveEnd", streamplane.OffsetResetRequest{Partition: &p0, To: streamplane.ResetOffset, Offset: at(1_000_000_000)}, 0, "3", 10, true},
		{"Inside", streamplane.OffsetResetRequest{Partition: &p0, To: streamplane.ResetOffset, Offset: at(5)}, 0, "10", 5, false},
		{"Earliest", streamplane.OffsetResetRequest{Partition: &p0, To: streamplane.ResetEarliest}, 0, "5", 3, false},
		{"Latest", streamplane.OffsetResetRequest{Partition: &p1, To: streamplane.ResetLatest}, 1, "<nil>", 10, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Topic = topic
			reset, err := c.ResetOffsets(ctx, inst.Name, group, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if len(reset.Partitions) != 1 {
				t.Fatalf("reset %d partitions, want 1", len(reset.Partitions))
			}
			p := reset.Partitions[0]
			if p.Partition != tc.partition || ptr(p.OldOffset) != tc.old || p.NewOffset != tc.want || p.Clamped != tc.clamped {
				t.Errorf("partition %d: old %s new %d clamped %v; want partition %d, old %s new %d clamped %v",
					p.Partition, ptr(p.OldOffset), p.NewOffset, p.Clamped, tc.partition, tc.old, tc.want, tc.clamped)
			}
			if reset.Created != (tc.name == "BelowStart") {
				t.Errorf("created %v", reset.Created)
			}
		})
	}
	g, err := c.Group(ctx, inst.Name, group)
	if err != nil {
		t.Fatal(err)
	}
	if g.State != streamplane.GroupEmpty || g.Lag != 7 {
		t.Errorf("group %s with lag %d, want EMPTY with 7 (partition 0 at 3 of 10, partition 1 at its end)", g.State, g.Lag)
	}

	seven := int32(7)
	for _, tc := range []struct {
		name   string
		req    streamplane.OffsetResetRequest
		status int
		code   string
		field  string
	}{
		{"ErrUnknownTopic", streamplane.OffsetResetRequest{Topic: "g-no-such-topic", To: streamplane.ResetEarliest}, 404, streamplane.ENOTFOUND, "topic"},
		{"ErrUnknownPartition", streamplane.OffsetResetRequest{Topic: topic, Partition: &seven, To: streamplane.ResetEarliest}, 404, streamplane.ENOTFOUND, "partition"},
		{"ErrNoTimestamp", streamplane.OffsetResetRequest{Topic: topic, To: streamplane.ResetTimestamp}, 400, streamplane.EINVALID, "timestamp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.ResetOffsets(ctx, inst.Name, group, tc.req)
			wantErrorCode(t, err, tc.status, tc.code, tc.field)
		})
	}
	if err := c.DeleteGroup(ctx, inst.Name, group); err != nil {
		t.Fatal(err)
	}
}

// The group commands, through the real binary.
func TestGroupCLI(t *testing.T) {
	s, inst := sharedInstance(t)
	topic, group := "g-cli", "g-cli-app"
	createTopic(t, inst, topic, 2, 3, nil)
	produceTo(t, kafkaClient(t, inst, kgo.RecordPartitioner(kgo.ManualPartitioner())), topic, 1, "r", 4)

	var reset map[string]any
	mustJSON(t, mustCLI(t, s, "group", "reset-offsets", inst.Name, group, "--topic", topic, "--partition", "1", "--to", "offset=2", "-o", "json"), &reset)
	parts, _ := reset["partitions"].([]any)
	if reset["created"] != true || len(parts) != 1 {
		t.Fatalf("reset: %v", reset)
	}
	if p := parts[0].(map[string]any); p["partition"] != 1.0 || p["old_offset"] != nil || p["new_offset"] != 2.0 || p["clamped"] != false {
		t.Errorf("reset partition: %v", p)
	}
	out := mustCLI(t, s, "group", "reset-offsets", inst.Name, group, "--topic", topic, "--to", "latest")
	if !strings.Contains(out, "Reset group "+group+" in topic "+topic+" to latest: 2 partition(s).") {
		t.Errorf("reset-offsets:\n%s", out)
	}
	mustCLI(t, s, "group", "reset-offsets", inst.Name, group, "--topic", topic, "--partition", "1", "--to", "offset=-9")

	table := mustCLI(t, s, "group", "list", inst.Name, "--name", "g-cli")
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "GROUP STATE COORDINATOR MEMBERS LAG" {
		t.Fatalf("group list:\n%s", table)
	}
	if row := strings.Fields(lines[1]); len(row) != 5 || row[0] != group || row[1] != "EMPTY" || row[3] != "0" || row[4] != "4" {
		t.Errorf("group list row %q, want %s EMPTY <coordinator> 0 4", row, group)
	}
	var list struct {
		Groups []map[string]any `json:"groups"`
		Total  int              `json:"total"`
	}
	mustJSON(t, mustCLI(t, s, "group", "list", inst.Name, "--name", "g-cli", "-o", "json"), &list)
	if list.Total != 1 || list.Groups[0]["group"] != group || list.Groups[0]["state"] != "EMPTY" || list.Groups[0]["lag"] != 4.0 {
		t.Errorf("group list json: %+v", list)
	}
	for _, key := range []string{"kafka_state", "type", "coordinator", "member_count"} {
		if _, ok := list.Groups[0][key]; !ok {
			t.Errorf("group list json lacks %s: %v", key, list.Groups[0])
		}
	}
	if csv := mustCLI(t, s, "group", "list", inst.Name, "--name", "g-cli", "-o", "csv"); !strings.HasPrefix(csv, "group,state,") || !strings.Contains(csv, "\n"+group+",EMPTY,") {
		t.Errorf("group list csv:\n%s", csv)
	}

	var show struct {
		Group   string           `json:"group"`
		State   string           `json:"state"`
		Members []map[string]any `json:"members"`
		Topics  []struct {
			Topic      string           `json:"topic"`
			Lag        int64            `json:"lag"`
			Partitions []map[string]any `json:"partitions"`
		} `json:"topics"`
	}
	mustJSON(t, mustCLI(t, s, "group", "show", inst.Name, group, "-o", "json"), &show)
	if show.Group != group || show.State != "EMPTY" || show.Members == nil || len(show.Topics) != 1 || len(show.Topics[0].Partitions) != 2 || show.Topics[0].Lag != 4 {
		t.Fatalf("group show json: %+v", show)
	}
	if p := show.Topics[0].Partitions[1]; p["partition"] != 1.0 || p["offset"] != 0.0 || p["end_offset"] != 4.0 || p["lag"] != 4.0 {
		t.Errorf("partition 1: %v, want offset 0, end_offset 4, lag 4", p)
	}
	if p := show.Topics[0].Partitions[0]; p["offset"] != 0.0 || p["end_offset"] != 0.0 || p["lag"] != 0.0 {
		t.Errorf("partition 0: %v", p)
	}
	text := mustCLI(t, s, "group", "show", inst.Name, group)
	for _, want := range []string{"State:", "EMPTY", "Coordinator:", "Offsets:", "TOPIC", "END"} {
		if !strings.Contains(text, want) {
			t.Errorf("group show lacks %q:\n%s", want, text)
		}
	}

	if out, err := cli(t, s, "group", "reset-offsets", inst.Name, group, "--topic", topic, "--to", "yesterday"); err == nil || !strings.Contains(out, "invalid --to") {
		t.Errorf("bad --to: %v\n%s", err, out)
	}
	if out, err := cli(t, s, "group", "show", inst.Name, "g-cli-nobody"); err == nil || !strings.Contains(out, "NOT_FOUND") {
		t.Errorf("show of a missing group: %v\n%s", err, out)
	}
	if out, err := cli(t, s, "group", "delete", inst.Name, group); err == nil || !strings.Contains(out, "--yes") {
		t.Errorf("delete without --yes: %v\n%s", err, out)
	}
	out, err := cli(t, s, "group", "delete", inst.Name, group, "g-cli-nobody", "--yes")
	if err == nil || !strings.Contains(out, "Deleted group "+group+".") || !strings.Contains(out, "error: g-cli-nobody: NOT_FOUND") {
		t.Errorf("delete: %v\n%s", err, out)
	}
	if out, err := cli(t, s, "group", "show", inst.Name, group); err == nil || !strings.Contains(out, "NOT_FOUND") {
		t.Errorf("show after delete: %v\n%s", err, out)
	}
}

// groupConsumer joins group, reading topic from the start and committing
// only when told to.
func groupConsumer(t *testing.T, inst *streamplane.Instance, group, topic, clientID string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	return kafkaClient(t, inst, append([]kgo.Opt{kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic), kgo.ClientID(clientID),
		kgo.DisableAutoCommit(), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(time.Second)}, opts...)...)
}

// waitGroupEmpty waits until the group is EMPTY, its members gone.
func waitGroupEmpty(t *testing.T, c *client.Client, instance, group string) *streamplane.GroupDetail {
	t.Helper()
	var g *streamplane.GroupDetail
	eventually(t, time.Minute, func() (bool, string) {
		var err error
		if g, err = c.Group(context.Background(), instance, group); err != nil {
			return false, err.Error()
		}
		return g.State == streamplane.GroupEmpty && g.MemberCount == 0, fmt.Sprintf("group %s is %s with %d member(s)", group, g.State, g.MemberCount)
	})
	return g
}

// pollRecords polls until n records arrived.
func pollRecords(t *testing.T, cl *kgo.Client, n int) []*kgo.Record {
	t.Helper()
	var out []*kgo.Record
	deadline := time.Now().Add(2 * time.Minute)
	for len(out) < n {
		if time.Now().After(deadline) {
			t.Fatalf("got %d of %d records in 2 minutes", len(out), n)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		fetches := cl.PollFetches(ctx)
		cancel()
		fetches.EachError(func(topic string, p int32, err error) {
			if err != context.DeadlineExceeded {
				t.Logf("fetch %s-%d: %v", topic, p, err)
			}
		})
		out = append(out, fetches.Records()...)
	}
	return out
}

// produceTo writes n records to one partition, in order, and returns them
// with their offsets and timestamps. Values are prefix-pP-NNN.
func produceTo(t *testing.T, cl *kgo.Client, topic string, partition int32, prefix string, n int) []*kgo.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	records := make([]*kgo.Record, n)
	for i := range records {
		v := fmt.Sprintf("%s-p%d-%03d", prefix, partition, i)
		records[i] = &kgo.Record{Topic: topic, Partition: partition, Value: []byte(v)}
	}
	if err := cl.ProduceSync(ctx, records...).FirstErr(); err != nil {
		t.Fatalf("produce to %s-%d: %v", topic, partition, err)
	}
	return records
}

func resets(ps []streamplane.PartitionReset) string {
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%d: %s → %d clamped %v", p.Partition, ptr(p.OldOffset), p.NewOffset, p.Clamped))
	}
	return strings.Join(out, ", ")
}

func ptr(n *int64) string {
	if n == nil {
		return "<nil>"
	}
	return fmt.Sprint(*n)
}
