package kafkaadmin

import (
	"context"
	"slices"
	"testing"
	"time"

	streamplane "github.com/streamplane/streamplane"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
)

// produceN appends n records to a partition, the i-th stamped at+i seconds.
func produceN(t *testing.T, c *Client, topic string, p int32, n int, at time.Time) {
	t.Helper()
	ctx := testContext(t)
	log, err := c.TopicLog(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		rec := streamplane.MessageRecord{Partition: p, Value: []byte{byte(i)}, Timestamp: at.Add(time.Duration(i) * time.Second)}
		if _, err := log.Produce(ctx, rec, true); err != nil {
			t.Fatal(err)
		}
	}
}

// commit sets a group's committed offsets in a topic, partition → offset.
func commit(t *testing.T, c *Client, group, topic string, offsets map[int32]int64) {
	t.Helper()
	var resets []streamplane.PartitionReset
	for p, o := range offsets {
		resets = append(resets, streamplane.PartitionReset{Partition: p, NewOffset: o})
	}
	if err := c.CommitGroupOffsets(testContext(t), group, topic, resets); err != nil {
		t.Fatal(err)
	}
}

// partitionView is what a user reads of a group's partition.
type partitionView struct {
	offset, lag int64 // -1: none
	end         int64
	member      string
}

func viewOf(gp streamplane.GroupPartition) partitionView {
	v := partitionView{offset: -1, lag: -1, end: gp.EndOffset, member: gp.MemberID}
	if gp.Offset != nil {
		v.offset = *gp.Offset
	}
	if gp.Lag != nil {
		v.lag = *gp.Lag
	}
	return v
}

func TestGroupLag(t *testing.T) {
	c, _ := fakeClient(t)
	ctx := testContext(t)
	mustCreateTopic(t, c, "events", 3, nil)
	mustCreateTopic(t, c, "audit", 1, nil)
	at := time.Now().Add(-time.Hour)
	produceN(t, c, "events", 0, 10, at)
	produceN(t, c, "events", 1, 5, at)
	produceN(t, c, "events", 2, 3, at)
	produceN(t, c, "audit", 0, 3, at)

	// p0 is behind, p1 caught up, p2 never committed in (no lag, though
	// it has records); audit's commit is past its end (Kafka allows it):
	// lag 0, not negative.
	commit(t, c, "billing", "events", map[int32]int64{0: 4, 1: 5})
	commit(t, c, "billing", "audit", map[int32]int64{0: 7})

	g, err := c.Group(ctx, "billing")
	if err != nil {
		t.Fatal(err)
	}
	if g.State != streamplane.GroupEmpty || g.MemberCount != 0 || g.Lag != 6 || g.Error != "" {
		t.Errorf("group %+v, want EMPTY, no members, lag 6", g.Group)
	}
	want := map[string][]partitionView{
		"audit":  {{offset: 7, lag: 0, end: 3}},
		"events": {{offset: 4, lag: 6, end: 10}, {offset: 5, lag: 0, end: 5}, {offset: -1, lag: -1, end: 3}},
	}
	wantTopicLag := map[string]int64{"audit": 0, "events": 6}
	var topics []string
	for _, gt := range g.Topics {
		topics = append(topics, gt.Topic)
		if gt.Lag != wantTopicLag[gt.Topic] {
			t.Errorf("topic %s: lag %d, want %d", gt.Topic, gt.Lag, wantTopicLag[gt.Topic])
		}
		var got []partitionView
		for i, gp := range gt.Partitions {
			if gp.Partition != int32(i) {
				t.Errorf("topic %s: partition %d at position %d", gt.Topic, gp.Partition, i)
			}
			got = append(got, viewOf(gp))
		}
		if !slices.Equal(got, want[gt.Topic]) {
			t.Errorf("topic %s: partitions %+v, want %+v", gt.Topic, got, want[gt.Topic])
		}
	}
	if !slices.Equal(topics, []string{"audit", "events"}) {
		t.Errorf("topics %v, want audit and events in order", topics)
	}

	t.Run("List", func(t *testing.T) {
		groups, err := c.ListGroups(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(groups) != 1 || groups[0].Name != "billing" || groups[0].State != streamplane.GroupEmpty || groups[0].Type != streamplane.GroupTypeClassic {
			t.Errorf("groups %+v, want billing alone, EMPTY and classic", groups)
		}
	})

	t.Run("Unknown", func(t *testing.T) {
		_, err := c.Group(ctx, "nobody")
		wantAppError(t, err, streamplane.ENOTFOUND, "group")
	})
}

// A group with a live consumer: members, who owns which partition, and
// what Kafka refuses while it runs. Classic protocol only: kfake's
// ConsumerGroupDescribe leaves topic names out of KIP-848 assignments,
// which Kafka fills in; e2e covers both protocols.
func TestGroupWithMember(t *testing.T) {
	const typ = streamplane.GroupTypeClassic
	c, fake := fakeClient(t)
	ctx := testContext(t)
	mustCreateTopic(t, c, "events", 2, nil)
	produceN(t, c, "events", 0, 4, time.Now())

	consumer, err := kgo.NewClient(kgo.SeedBrokers(fake.ListenAddrs()...), kgo.ClientID("reader"),
		kgo.SASL(plain.Auth{User: fakeAdmin, Pass: fakePassword}.AsMechanism()),
		kgo.ConsumerGroup("live"), kgo.ConsumeTopics("events"), kgo.DisableAutoCommit())
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	closeConsumer := func() {
		if !closed {
			closed = true
			consumer.Close() // leaves the group
		}
	}
	t.Cleanup(closeConsumer)
	pollCtx, stopPolling := context.WithCancel(ctx)
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		for pollCtx.Err() == nil {
			consumer.PollFetches(pollCtx)
		}
	}()

	g := waitGroup(t, c, "live", func(g *streamplane.GroupDetail) bool {
		return g.State == streamplane.GroupStable && len(g.Members) == 1 && len(g.Members[0].Assignment) == 1
	})
	if g.Type != typ {
		t.Errorf("group of type %q, want %q", g.Type, typ)
	}
	listed, err := c.ListGroups(ctx)
	if err != nil || len(listed) != 1 || listed[0].Type != typ || listed[0].State != streamplane.GroupStable {
		t.Errorf("listed %+v, %v; want live, %s and STABLE", listed, err, typ)
	}
	m := g.Members[0]
	if m.ClientID != "reader" || m.Assignment[0].Topic != "events" || !slices.Equal(m.Assignment[0].Partitions, []int32{0, 1}) {
		t.Errorf("member %+v, want client reader assigned events 0 and 1", m)
	}
	if len(g.Topics) != 1 || len(g.Topics[0].Partitions) != 2 {
		t.Fatalf("topics %+v, want events with 2 partitions", g.Topics)
	}
	for _, gp := range g.Topics[0].Partitions {
		if gp.MemberID != m.MemberID || gp.Offset != nil || gp.Lag != nil {
			t.Errorf("partition %+v, want owned by %s and nothing committed", viewOf(gp), m.MemberID)
		}
	}

	deleted, err := c.DeleteGroups(ctx, "live")
	if err != nil {
		t.Fatal(err)
	}
	wantAppError(t, deleted[0].Err, streamplane.ESTATE, "groups")
	err = c.CommitGroupOffsets(ctx, "live", "events", []streamplane.PartitionReset{{Partition: 0, NewOffset: 1}})
	wantAppError(t, err, streamplane.ESTATE, "")

	stopPolling()
	<-polled
	closeConsumer()
	waitGroup(t, c, "live", func(g *streamplane.GroupDetail) bool { return g.State == streamplane.GroupEmpty })
	deleted, err = c.DeleteGroups(ctx, "live", "never-existed")
	if err != nil {
		t.Fatal(err)
	}
	if deleted[0].Group != "live" || deleted[0].Err != nil {
		t.Errorf("delete live: %+v", deleted[0])
	}
	wantAppError(t, deleted[1].Err, streamplane.ENOTFOUND, "groups")
	_, err = c.Group(ctx, "live")
	wantAppError(t, err, streamplane.ENOTFOUND, "group")
}

// waitGroup describes a group until ok holds, or fails the test after a while.
func waitGroup(t *testing.T, c *Client, name string, ok func(*streamplane.GroupDetail) bool) *streamplane.GroupDetail {
	t.Helper()
	ctx := testContext(t)
	var last *streamplane.GroupDetail
	var err error
	for ctx.Err() == nil {
		if last, err = c.Group(ctx, name); err == nil && ok(last) {
			return last
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("group %s never reached the state wanted: last %+v, %v", name, last, err)
	return nil
}

func TestResetPlan(t *testing.T) {
	c, _ := fakeClient(t)
	ctx := testContext(t)
	mustCreateTopic(t, c, "events", 2, nil)
	at := time.Now().Add(-time.Hour).Truncate(time.Second)
	produceN(t, c, "events", 0, 10, at) // offset i stamped at+i s
	produceN(t, c, "events", 1, 4, at)
	// Retention deleted p0's first 2 records.
	deleted, err := c.adm.DeleteRecords(ctx, offsetsAt("events", 0, 2))
	if err != nil || deleted.Error() != nil {
		t.Fatalf("delete records: %v %v", err, deleted.Error())
	}
	commit(t, c, "billing", "events", map[int32]int64{0: 5})

	p := func(n int32) *int32 { return &n }
	o := func(n int64) *int64 { return &n }
	ts := func(d time.Duration) *time.Time { v := at.Add(d); return &v }
	type row struct {
		partition int32
		old       int64 // -1: nothing committed
		new       int64
		clamped   bool
	}
	cases := []struct {
		name string
		req  streamplane.OffsetResetRequest
		want []row
	}{
		{"Earliest", streamplane.OffsetResetRequest{To: streamplane.ResetEarliest}, []row{{0, 5, 2, false}, {1, -1, 0, false}}},
		{"Latest", streamplane.OffsetResetRequest{To: streamplane.ResetLatest}, []row{{0, 5, 10, false}, {1, -1, 4, false}}},
		{"OnePartition", streamplane.OffsetResetRequest{Partition: p(1), To: streamplane.ResetLatest}, []row{{1, -1, 4, false}}},
		{"Timestamp", streamplane.OffsetResetRequest{To: streamplane.ResetTimestamp, Timestamp: ts(3*time.Second + 500*time.Millisecond)},
			[]row{{0, 5, 4, false}, {1, -1, 4, false}}},
		{"TimestampAfterAll", streamplane.OffsetResetRequest{Partition: p(0), To: streamplane.ResetTimestamp, Timestamp: ts(time.Hour)},
			[]row{{0, 5, 10, false}}},
		{"OffsetInRange", streamplane.OffsetResetRequest{Partition: p(0), To: streamplane.ResetOffset, Offset: o(7)}, []row{{0, 5, 7, false}}},
		{"OffsetBelowStart", streamplane.OffsetResetRequest{Partition: p(0), To: streamplane.ResetOffset, Offset: o(0)}, []row{{0, 5, 2, true}}},
		{"OffsetPastEnd", streamplane.OffsetResetRequest{To: streamplane.ResetOffset, Offset: o(99)}, []row{{0, 5, 10, true}, {1, -1, 4, true}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Topic = "events"
			plan, err := c.ResetPlan(ctx, "billing", tc.req)
			if err != nil {
				t.Fatal(err)
			}
			var got []row
			for _, r := range plan {
				old := int64(-1)
				if r.OldOffset != nil {
					old = *r.OldOffset
				}
				got = append(got, row{r.Partition, old, r.NewOffset, r.Clamped})
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("plan %+v, want %+v", got, tc.want)
			}
		})
	}

	errCases := []struct {
		name        string
		req         streamplane.OffsetResetRequest
		code, field string
	}{
		{"NoSuchTopic", streamplane.OffsetResetRequest{Topic: "nope", To: streamplane.ResetLatest}, streamplane.ENOTFOUND, "topic"},
		{"NoSuchPartition", streamplane.OffsetResetRequest{Topic: "events", Partition: p(2), To: streamplane.ResetLatest}, streamplane.ENOTFOUND, "partition"},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.ResetPlan(ctx, "billing", tc.req)
			wantAppError(t, err, tc.code, tc.field)
		})
	}

	t.Run("CommitThePlan", func(t *testing.T) {
		plan, err := c.ResetPlan(ctx, "billing", streamplane.OffsetResetRequest{Topic: "events", To: streamplane.ResetEarliest})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.CommitGroupOffsets(ctx, "billing", "events", plan); err != nil {
			t.Fatal(err)
		}
		g, err := c.Group(ctx, "billing")
		if err != nil {
			t.Fatal(err)
		}
		var got []partitionView
		for _, gp := range g.Topics[0].Partitions {
			got = append(got, viewOf(gp))
		}
		if want := []partitionView{{offset: 2, lag: 8, end: 10}, {offset: 0, lag: 4, end: 4}}; !slices.Equal(got, want) || g.Lag != 12 {
			t.Errorf("after reset: %+v (lag %d), want %+v (lag 12)", got, g.Lag, want)
		}
	})
}

// offsetsAt is one partition's offset, as kadm takes it.
func offsetsAt(topic string, p int32, at int64) kadm.Offsets {
	o := make(kadm.Offsets)
	o.Add(kadm.Offset{Topic: topic, Partition: p, At: at, LeaderEpoch: -1})
	return o
}
